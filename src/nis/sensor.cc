#include "nis/sensor.h"

#include <ctime>

namespace rcds::nis {

Sensor::Sensor(const SensorOptions& options, const flow::ProtocolRegistry& registry,
               flow::StreamHandlerFactory& factory)
    : decoder_(options.decoder, counters_),
      defrag_(options.defrag, counters_),
      tracker_(options.flow, registry, factory, counters_) {}

void Sensor::process(const capture::RawPacket& raw) {
  counters_.add(Counter::packets);
  counters_.add(Counter::bytes, raw.wire_length);
  if (raw.timestamp > last_) last_ = raw.timestamp;
  if (raw.captured_length < raw.wire_length) {
    // Cut by the snap length: its payload is incomplete, so the flow layer
    // must see a hole here rather than a shortened segment.
    counters_.add(Anomaly::capture_truncated_packet);
    return;
  }
  if (decoder_.decode(raw.link_type, raw.bytes(), raw.timestamp, packet_) !=
      net::DecodeResult::kOk) {
    return;
  }
  if (packet_.is_fragment) {
    ByteView datagram;
    if (!defrag_.add(packet_, datagram)) return;
    const uint16_t vlan = packet_.vlan_id;
    packet_ = net::Packet{};
    packet_.timestamp = raw.timestamp;
    packet_.vlan_id = vlan;
    if (decoder_.decode_ip(datagram, packet_) != net::DecodeResult::kOk) return;
  }
  tracker_.process(packet_);
}

void Sensor::finish() { tracker_.shutdown(last_); }

namespace {
Timestamp clock_now(clockid_t clock) {
  timespec now{};
  clock_gettime(clock, &now);
  return Timestamp{now.tv_sec * kNanosPerSecond + now.tv_nsec};
}
}  // namespace

bool run_source(capture::PacketSource& source, Sensor& sensor, std::string& error,
                const RunLimits& limits) {
  const int64_t deadline_ns =
      limits.max_seconds > 0
          ? clock_now(CLOCK_MONOTONIC).ns + static_cast<int64_t>(limits.max_seconds * 1e9)
          : 0;
  capture::RawPacket raw;
  for (uint64_t packets = 0;;) {
    switch (source.next(raw)) {
      case capture::ReadStatus::kPacket:
        sensor.process(raw);
        if (limits.max_packets != 0 && ++packets >= limits.max_packets) return true;
        break;
      case capture::ReadStatus::kTimeout:
        sensor.idle(clock_now(CLOCK_REALTIME));
        break;
      case capture::ReadStatus::kEnd:
        return true;
      case capture::ReadStatus::kError:
        error = source.error();
        return false;
    }
    if (deadline_ns != 0 && clock_now(CLOCK_MONOTONIC).ns >= deadline_ns) return true;
  }
}

}  // namespace rcds::nis
