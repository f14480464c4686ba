#include "nis/sensor.h"

#include <ctime>
#include <vector>

namespace rcds::nis {

Sensor::Sensor(const SensorOptions& options, const flow::ProtocolRegistry& registry,
               flow::StreamHandlerFactory& factory)
    : decoder_(options.decoder, counters_),
      defrag_(options.defrag, counters_),
      tracker_(options.flow, registry, factory, counters_) {}

bool Sensor::decode(const capture::RawPacket& raw, net::Packet& out) {
  counters_.add(Counter::packets);
  counters_.add(Counter::bytes, raw.wire_length);
  if (raw.timestamp > last_) last_ = raw.timestamp;
  if (raw.captured_length < raw.wire_length) {
    // Cut by the snap length: its payload is incomplete, so the flow layer
    // must see a hole here rather than a shortened segment.
    counters_.add(Anomaly::capture_truncated_packet);
    return false;
  }
  return decoder_.decode(raw.link_type, raw.bytes(), raw.timestamp, out) == net::DecodeResult::kOk;
}

void Sensor::deliver(net::Packet& packet, uint64_t hash) {
  if (engine_ != nullptr) {
    engine_->advance(packet.timestamp);
    // CC of IP targets is each packet as captured, fragments included.
    if (engine_->may_intercept_ip(packet.source, packet.destination)) {
      const bool ports = !packet.is_fragment && (packet.is_tcp() || packet.is_udp());
      engine_->on_ip_packet({packet.timestamp, packet.source, packet.destination, packet.protocol,
                             ports ? packet.source_port : uint16_t{0},
                             ports ? packet.destination_port : uint16_t{0}, ports, packet.ip});
    }
  }
  if (packet.is_fragment) {
    ByteView datagram;
    if (!defrag_.add(packet, datagram)) return;
    const Timestamp time = packet.timestamp;
    const uint16_t vlan = packet.vlan_id;
    packet = net::Packet{};
    packet.timestamp = time;
    packet.vlan_id = vlan;
    if (decoder_.decode_ip(datagram, packet) != net::DecodeResult::kOk) return;
    hash = flow::FlowTracker::hash_of(packet);
  }
  tracker_.process(packet, hash);
}

void Sensor::finish() { tracker_.shutdown(last_); }

namespace {
Timestamp clock_now(clockid_t clock) {
  timespec now{};
  clock_gettime(clock, &now);
  return Timestamp{now.tv_sec * kNanosPerSecond + now.tv_nsec};
}
}  // namespace

namespace {

// Packets are decoded a few steps before they are processed so the flow
// table slot, then the flow itself, then the first lines of its handler (a
// decoder's per-connection state) can be prefetched: with 100k flows every
// packet otherwise waits on two or three cache misses in a row. The source's
// buffer is reused by its next read, so each staged packet is copied (the
// copy is of bytes just read, still in cache).
class Pipeline {
 public:
  explicit Pipeline(Sensor& sensor) : sensor_(sensor) {}

  void push(const capture::RawPacket& raw) {
    // With few flows the table and the flows stay in cache: prefetching
    // gains nothing and the copy costs (measured: bench/README.md).
    if (sensor_.tracker().active_flows() < kMinFlowsToPrefetch) {
      drain();
      sensor_.process(raw);
      return;
    }
    Stage& stage = ring_[count_ % kDepth];
    stage.bytes.assign(raw.data, raw.data + raw.captured_length);
    capture::RawPacket copy = raw;
    copy.data = stage.bytes.data();
    stage.ok = sensor_.decode(copy, stage.packet);
    stage.hash = stage.ok ? flow::FlowTracker::hash_of(stage.packet) : 0;
    if (stage.hash != 0) sensor_.tracker().prefetch_slot(stage.hash);
    if (count_ >= kFlowLag) {
      const Stage& earlier = ring_[(count_ - kFlowLag) % kDepth];
      if (earlier.hash != 0) sensor_.tracker().prefetch_flow(earlier.hash);
    }
    if (count_ >= kHandlerLag) {
      const Stage& earlier = ring_[(count_ - kHandlerLag) % kDepth];
      if (earlier.hash != 0) sensor_.tracker().prefetch_handler(earlier.hash);
    }
    if (count_ >= kDepth - 1) deliver(ring_[(count_ - (kDepth - 1)) % kDepth]);
    ++count_;
  }

  // Processes what is still staged (end of input, or a silent live link).
  void drain() {
    const uint64_t pending = count_ < kDepth - 1 ? count_ : kDepth - 1;
    for (uint64_t i = pending; i > 0; --i) deliver(ring_[(count_ - i) % kDepth]);
    count_ = 0;
  }

 private:
  // Slot prefetched on arrival, flow kFlowLag packets later, its handler
  // kHandlerLag packets after arrival, processed kDepth - 1 after arrival.
  static constexpr uint64_t kDepth = 5;
  static constexpr uint64_t kFlowLag = 2;
  static constexpr uint64_t kHandlerLag = 3;
  static constexpr size_t kMinFlowsToPrefetch = 16384;
  struct Stage {
    std::vector<uint8_t> bytes;
    net::Packet packet;
    uint64_t hash = 0;
    bool ok = false;
  };

  void deliver(Stage& stage) {
    if (stage.ok) sensor_.deliver(stage.packet, stage.hash);
    stage.ok = false;
  }

  Sensor& sensor_;
  Stage ring_[kDepth];
  uint64_t count_ = 0;
};

}  // namespace

bool run_source(capture::PacketSource& source, Sensor& sensor, std::string& error,
                const RunLimits& limits) {
  const int64_t deadline_ns =
      limits.max_seconds > 0
          ? clock_now(CLOCK_MONOTONIC).ns + static_cast<int64_t>(limits.max_seconds * 1e9)
          : 0;
  Pipeline pipeline(sensor);
  capture::RawPacket raw;
  int64_t next_tick_ns = limits.every_second ? clock_now(CLOCK_MONOTONIC).ns + kNanosPerSecond : 0;
  for (uint64_t packets = 0, reads = 0;;) {
    // The clock is read every 1024 reads (and on every timeout) so the
    // tick costs nothing per packet.
    if (next_tick_ns != 0 && (++reads & 1023) == 0) {
      const int64_t now = clock_now(CLOCK_MONOTONIC).ns;
      if (now >= next_tick_ns) {
        pipeline.drain();
        limits.every_second();
        next_tick_ns = now + kNanosPerSecond;
      }
    }
    switch (source.next(raw)) {
      case capture::ReadStatus::kPacket:
        pipeline.push(raw);
        if (limits.max_packets != 0 && ++packets >= limits.max_packets) {
          pipeline.drain();
          return true;
        }
        break;
      case capture::ReadStatus::kTimeout:
        pipeline.drain();
        sensor.idle(clock_now(CLOCK_REALTIME));
        if (next_tick_ns != 0 && clock_now(CLOCK_MONOTONIC).ns >= next_tick_ns) {
          limits.every_second();
          next_tick_ns = clock_now(CLOCK_MONOTONIC).ns + kNanosPerSecond;
        }
        break;
      case capture::ReadStatus::kEnd:
        pipeline.drain();
        return true;
      case capture::ReadStatus::kError:
        pipeline.drain();
        error = source.error();
        return false;
    }
    if (deadline_ns != 0 && clock_now(CLOCK_MONOTONIC).ns >= deadline_ns) {
      pipeline.drain();
      return true;
    }
  }
}

}  // namespace rcds::nis
