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

bool run_source(capture::PacketSource& source, Sensor& sensor, std::string& error) {
  capture::RawPacket raw;
  for (;;) {
    switch (source.next(raw)) {
      case capture::ReadStatus::kPacket:
        sensor.process(raw);
        break;
      case capture::ReadStatus::kTimeout: {
        timespec now{};
        clock_gettime(CLOCK_REALTIME, &now);
        sensor.idle(Timestamp{now.tv_sec * kNanosPerSecond + now.tv_nsec});
        break;
      }
      case capture::ReadStatus::kEnd:
        return true;
      case capture::ReadStatus::kError:
        error = source.error();
        return false;
    }
  }
}

}  // namespace rcds::nis
