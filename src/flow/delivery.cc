#include "flow/delivery.h"

#include <vector>

namespace rcds::flow {

// Bytes seen before the protocol was decided, in arrival order.
struct ProbeBuffer {
  struct Chunk {
    Direction direction;
    Timestamp time;
    size_t offset;  // into bytes[direction]
    size_t length;
  };
  std::vector<uint8_t> bytes[2];
  std::vector<Chunk> chunks;
  size_t charged = 0;
};

namespace {
ByteView seen(const ProbeBuffer* probe, Direction d) {
  if (probe == nullptr) return {};
  const auto& bytes = probe->bytes[index_of(d)];
  return {bytes.data(), bytes.size()};
}
// The bytes of `d` alone, for a flow without a probe buffer yet.
std::pair<ByteView, ByteView> only(Direction d, ByteView bytes) {
  if (d == Direction::kClientToServer) return {bytes, {}};
  return {{}, bytes};
}
}  // namespace

int Delivery::classify(const Flow& flow, bool final_attempt) const {
  return registry_.classify(info_of(flow, -1), seen(flow.probe, Direction::kClientToServer),
                            seen(flow.probe, Direction::kServerToClient), final_attempt);
}

StreamInfo Delivery::info_of(const Flow& flow, int protocol) const {
  StreamInfo info;
  info.flow_id = flow.id;
  info.key = flow.key;
  info.start = flow.first_seen;
  info.saw_handshake = flow.saw_handshake;
  if (protocol >= 0) info.protocol = registry_.at(static_cast<size_t>(protocol)).name;
  return info;
}

void Delivery::free_probe(Flow& flow) {
  if (flow.probe == nullptr) return;
  budget_.release(flow.probe->charged);
  delete flow.probe;
  flow.probe = nullptr;
}

void Delivery::decide(Flow& flow, int protocol, Timestamp time) {
  flow.protocol = static_cast<int16_t>(protocol);
  flow.handler = factory_.open(info_of(flow, protocol));
  flow.detect = flow.handler != nullptr ? DetectState::kClaimed : DetectState::kUnclaimed;
  if (flow.handler == nullptr) {
    free_probe(flow);
    return;
  }
  counters_.add(Counter::flows_claimed);
  if (flow.probe != nullptr) {
    ProbeBuffer& probe = *flow.probe;
    for (const ProbeBuffer::Chunk& c : probe.chunks) {
      const ByteView bytes{probe.bytes[index_of(c.direction)].data() + c.offset, c.length};
      flow.handler->on_data(c.direction, bytes, c.time);
    }
    free_probe(flow);
  }
  (void)time;
}

void Delivery::detect(Flow& flow, Direction direction, ByteView bytes, Timestamp time) {
  if (flow.probe == nullptr) {
    const auto [client, server] = only(direction, bytes);
    const int protocol = registry_.classify(info_of(flow, -1), client, server, false);
    if (protocol != ProtocolRegistry::kUndecided) {
      decide(flow, protocol, time);
      if (flow.detect == DetectState::kClaimed) flow.handler->on_data(direction, bytes, time);
      return;
    }
    // The probe buffer is the one allocation detection makes, and only for
    // flows whose first segment was too short to decide on.
    const size_t charge = sizeof(ProbeBuffer) + 2 * probe_bytes_;
    if (!budget_.try_charge(charge)) {
      decide(flow, registry_.classify(info_of(flow, -1), client, server, true), time);
      if (flow.detect == DetectState::kClaimed) flow.handler->on_data(direction, bytes, time);
      return;
    }
    flow.probe = new ProbeBuffer;
    flow.probe->charged = charge;
  }
  ProbeBuffer& probe = *flow.probe;
  std::vector<uint8_t>& buffer = probe.bytes[index_of(direction)];
  const bool full = buffer.size() + bytes.size() > probe_bytes_;
  if (full) {
    // Decide on what fits; deliver the rest straight after the replay.
    const size_t room = probe_bytes_ - buffer.size();
    if (room > 0) {
      probe.chunks.push_back({direction, time, buffer.size(), room});
      buffer.insert(buffer.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(room));
    }
    counters_.add(Anomaly::probe_buffer_full);
    decide(flow, classify(flow, true), time);
    if (flow.detect == DetectState::kClaimed) {
      flow.handler->on_data(direction, bytes.subspan(room), time);  // never empty: room < size
    }
    return;
  }
  probe.chunks.push_back({direction, time, buffer.size(), bytes.size()});
  buffer.insert(buffer.end(), bytes.begin(), bytes.end());
  const int protocol = classify(flow, false);
  if (protocol != ProtocolRegistry::kUndecided) decide(flow, protocol, time);
}

void Delivery::gap(Flow& flow, Direction direction, uint64_t length, Timestamp time) {
  if (flow.detect == DetectState::kUndecided) {
    // A gap ends detection: decide on what was seen so far.
    decide(flow, classify(flow, true), time);
  }
  if (flow.detect == DetectState::kClaimed) flow.handler->on_gap(direction, length, time);
}

void Delivery::close(Flow& flow, CloseReason reason, Timestamp time) {
  if (flow.detect == DetectState::kUndecided && flow.probe != nullptr) {
    decide(flow, classify(flow, true), time);
  }
  free_probe(flow);
  if (flow.detect == DetectState::kClaimed) {
    flow.handler->on_close(reason, time);
    factory_.release(flow.handler);
    flow.handler = nullptr;
  }
}

}  // namespace rcds::flow
