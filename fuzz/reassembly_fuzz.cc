// libFuzzer harness for the flow layer: flow table, TCP state machine,
// reassembly, protocol detection with its probe buffer, memory budget.
//
// The input is a script of packets on the fixed 5-tuples of stream_contract.h
// (12 TCP, 4 UDP; more than max_flows, so eviction happens), fed straight to a
// FlowTracker with small limits. Layout:
//   header  : decline mask (2 bytes, bit i: the factory refuses tuple i's
//             flows), options (1 byte, bit 0: expire everything before the
//             final shutdown)
//   records : flags(1) selector(1) seq(2, or 4 when absolute) ack(2) length(1)
//             [payload bytes when raw]
//     flags    bits 0-5 TCP flags, bit 6 absolute 32-bit seq, bit 7 raw payload
//     selector bits 0-3 tuple, bit 4 direction (b->a), bits 5-7 time step
//     seq      signed delta from the lane's cursor (the byte after the
//              furthest one sent), so 0 continues in order
//     ack      signed delta from the other lane's cursor
//     length   below 0x80 as is, else (length & 0x7f) * 64 (up to 8128 bytes,
//              beyond one 2032-byte segment block and the 16 KiB per-direction
//              out-of-order cap)
// Generated payloads follow the lane's byte pattern (see stream_contract.h);
// raw ones are copied from the input and let the fuzzer write conflicting
// retransmissions. Each payload sits in a heap block of its exact size.
//
// Checked besides the stream contract: budget().used() <= limit after every
// packet and in every callback, and after shutdown every handler is released
// and the budget holds only the empty flow table and whole pools (per-flow
// charges such as probe buffers all came back).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>

#include "flow/detect.h"
#include "flow/flow_tracker.h"
#include "fuzz_check.h"
#include "net/packet.h"
#include "stream_contract.h"

namespace {

using rcds::ByteView;
using rcds::Timestamp;
using rcds::fuzz::CurrentPacket;
using rcds::fuzz::kLanes;
using rcds::fuzz::Lane;
namespace flow = rcds::flow;
namespace net = rcds::net;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSecond = rcds::kNanosPerSecond;
// Steps that cross each timeout of FlowOptions (30 s handshake, 60 s UDP,
// 600 s TCP idle), and one backwards, as captures sometimes have.
constexpr int64_t kTimeSteps[8] = {
    0, kMs, 200 * kMs, 2 * kSecond, 31 * kSecond, 61 * kSecond, 601 * kSecond, -5 * kSecond};
// Keeps one input's work bounded whatever its lengths say.
constexpr size_t kMaxGeneratedBytes = 256 * 1024;

// A probe that needs at least 4 bytes, never decides when the first two
// bytes are equal (so the 64-byte probe buffer fills up), and otherwise
// claims a quarter of the flows by content, client side only.
flow::ProbeResult probe(ByteView first, flow::Direction direction) {
  if (first.size() < 4 || first[0] == first[1]) return flow::ProbeResult::kNeedMore;
  return (first[0] & 3) == 0 && direction == flow::Direction::kClientToServer
             ? flow::ProbeResult::kMatch
             : flow::ProbeResult::kNoMatch;
}

const flow::ProtocolRegistry& registry() {
  static const flow::ProtocolRegistry instance = [] {
    flow::ProtocolRegistry r;
    r.add({"probed", rcds::Transport::kTcp, {1863}, &probe});
    r.add({"by-port", rcds::Transport::kUdp, {5060}, nullptr});
    return r;
  }();
  return instance;
}

flow::FlowOptions small_limits() {
  flow::FlowOptions options;
  options.max_flows = 8;
  options.memory_budget_bytes = 256 * 1024;
  options.max_out_of_order_bytes = 16 * 1024;
  options.probe_bytes = 64;
  return options;
}

// The flow table and the segment store charge the budget for whole pools (a
// chunk of flows, a slab of segments) and keep them until the tracker dies,
// so after shutdown the budget holds its baseline plus whole pools and
// nothing else. The pool sizes are measured once on a scratch tracker rather
// than copied from private constants.
struct PoolCharges {
  size_t flows = 0;     // budget taken by the first flow
  size_t segments = 0;  // budget taken by the first out-of-order segment
};

class ClaimAll final : public flow::StreamHandlerFactory, public flow::StreamHandler {
 public:
  flow::StreamHandler* open(const flow::StreamInfo&) override { return this; }
  void release(flow::StreamHandler*) override {}
  void on_data(flow::Direction, ByteView, Timestamp) override {}
  void on_gap(flow::Direction, uint64_t, Timestamp) override {}
  void on_close(flow::CloseReason, Timestamp) override {}
};

PoolCharges measure_pools() {
  ClaimAll factory;
  rcds::Counters counters;
  flow::FlowTracker tracker(small_limits(), registry(), factory, counters);
  const size_t empty = tracker.budget().used();
  // Eight bytes the probe decides on at once (no probe buffer is charged).
  static constexpr uint8_t kBytes[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  const rcds::FlowKey key = rcds::fuzz::tuple_key(1);
  net::Packet packet;
  packet.timestamp = Timestamp{kSecond};
  packet.source = key.source.address;
  packet.destination = key.destination.address;
  packet.ip_version = key.source.address.version;
  packet.protocol = net::kIpProtoTcp;
  packet.source_port = key.source.port;
  packet.destination_port = key.destination.port;
  packet.tcp.flags = net::kTcpPsh;
  packet.tcp.seq = 1000;
  packet.payload = ByteView(kBytes, sizeof kBytes);
  tracker.process(packet);
  const size_t with_flow = tracker.budget().used();
  packet.tcp.seq = 5000;  // out of order: buffered
  tracker.process(packet);
  const size_t with_segment = tracker.budget().used();
  tracker.shutdown(packet.timestamp);
  return {with_flow - empty, with_segment - with_flow};
}

// True when `extra` is whole pools: some flow chunks plus some segment slabs.
bool whole_pools(size_t extra) {
  static const PoolCharges pools = measure_pools();
  RCDS_FUZZ_CHECK("pool_charges_measured", pools.flows > 0 && pools.segments > 0);
  if (pools.flows == 0 || pools.segments == 0) return extra == 0;
  for (size_t flows = 0; flows <= extra; flows += pools.flows) {
    if ((extra - flows) % pools.segments == 0) return true;
  }
  return false;
}

// Reads the script front to back; every read fails softly at the end.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool u8(uint8_t& v) {
    if (size_ - pos_ < 1) return false;
    v = data_[pos_++];
    return true;
  }
  bool u16(uint16_t& v) {
    if (size_ - pos_ < 2) return false;
    v = rcds::load_be16(data_ + pos_);
    pos_ += 2;
    return true;
  }
  bool u32(uint32_t& v) {
    if (size_ - pos_ < 4) return false;
    v = rcds::load_be32(data_ + pos_);
    pos_ += 4;
    return true;
  }
  // Up to `n` bytes (fewer at the end of the input).
  ByteView take(size_t n) {
    n = std::min(n, size_ - pos_);
    const ByteView bytes(data_ + pos_, n);
    pos_ += n;
    return bytes;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// The initial cursor of each lane: spread out, and close to 2^32 on every
// fourth tuple so sequence numbers wrap within a few packets.
uint32_t initial_seq(size_t lane) {
  if ((lane / 2) % 4 == 3) return 0xFFFFFF00u - static_cast<uint32_t>(97 * lane);
  return 0x01000000u * static_cast<uint32_t>(lane + 1) + 12345u;
}

struct Script {
  Lane lanes[kLanes];
  uint32_t cursor[kLanes];
  CurrentPacket current;
  Timestamp time{1'000'000 * kSecond};
  Timestamp latest = time;  // time may step backwards
  size_t generated = 0;

  Script() {
    for (size_t i = 0; i < kLanes; ++i) {
      lanes[i].salt = 0x9E3779B9u * static_cast<uint32_t>(i + 1);
      cursor[i] = initial_seq(i);
    }
  }
};

// Parses one record and feeds it to the tracker. False at the end of input.
bool step(Reader& in, Script& script, flow::FlowTracker& tracker,
          rcds::fuzz::StreamContract& contract) {
  uint8_t flags = 0;
  uint8_t selector = 0;
  if (!in.u8(flags) || !in.u8(selector)) return false;
  const size_t tuple = selector & 0x0F;
  const bool from_a = (selector & 0x10) == 0;
  const size_t lane = rcds::fuzz::lane_of(tuple, from_a);
  const size_t peer = rcds::fuzz::lane_of(tuple, !from_a);
  uint32_t seq = 0;
  if ((flags & 0x40) != 0) {
    if (!in.u32(seq)) return false;
  } else {
    uint16_t delta = 0;
    if (!in.u16(delta)) return false;
    seq = script.cursor[lane] + static_cast<uint32_t>(static_cast<int16_t>(delta));
  }
  uint16_t ack_delta = 0;
  uint8_t length_code = 0;
  if (!in.u16(ack_delta) || !in.u8(length_code)) return false;
  size_t length = length_code < 0x80 ? length_code : size_t{length_code & 0x7Fu} * 64;

  const bool raw = (flags & 0x80) != 0;
  std::unique_ptr<uint8_t[]> payload;
  if (raw) {
    const ByteView bytes = in.take(length);
    length = bytes.size();
    payload.reset(new uint8_t[length]);
    if (length > 0) std::memcpy(payload.get(), bytes.data(), length);
  } else {
    length = std::min(length, kMaxGeneratedBytes - script.generated);
    script.generated += length;
    payload.reset(new uint8_t[length]);
    // Data in a SYN starts after the SYN's own sequence number.
    const uint32_t first = seq + ((flags & net::kTcpSyn) != 0 && tuple < rcds::fuzz::kTcpTuples);
    for (size_t i = 0; i < length; ++i) {
      payload[i] =
          rcds::fuzz::pattern_byte(script.lanes[lane].salt, first + static_cast<uint32_t>(i));
    }
  }

  const rcds::FlowKey key = rcds::fuzz::tuple_key(tuple);
  const rcds::Endpoint& source = from_a ? key.source : key.destination;
  const rcds::Endpoint& destination = from_a ? key.destination : key.source;
  net::Packet packet;
  script.time.ns += kTimeSteps[selector >> 5];
  packet.timestamp = script.time;
  script.latest = std::max(script.latest, script.time);
  packet.source = source.address;
  packet.destination = destination.address;
  packet.ip_version = source.address.version;
  packet.protocol = key.transport == rcds::Transport::kUdp ? net::kIpProtoUdp : net::kIpProtoTcp;
  packet.source_port = source.port;
  packet.destination_port = destination.port;
  packet.tcp.seq = seq;
  packet.tcp.ack = script.cursor[peer] + static_cast<uint32_t>(static_cast<int16_t>(ack_delta));
  packet.tcp.flags = flags & 0x3F;
  packet.tcp.window = 65535;
  packet.payload = ByteView(payload.get(), length);

  Lane& state = script.lanes[lane];
  state.fed += length;
  if (raw && length > 0) state.raw = true;
  const bool tcp = key.transport == rcds::Transport::kTcp;
  const bool syn = tcp && packet.tcp.has(net::kTcpSyn);
  const bool fin = tcp && packet.tcp.has(net::kTcpFin);
  // Bytes the tracker must not lose: not in a RST or FIN packet (either may
  // be ignored), and not beyond a FIN already sent (those are dropped).
  const uint32_t data_seq = seq + (syn ? 1 : 0);
  uint32_t kept = static_cast<uint32_t>(length);
  for (uint32_t fin_seq : state.fins) {
    const int32_t beyond = static_cast<int32_t>(data_seq + kept - fin_seq);
    if (beyond > 0) kept -= std::min(kept, static_cast<uint32_t>(beyond));
  }
  const bool accepted = tcp && kept > 0 && !fin && !packet.tcp.has(net::kTcpRst);
  if (accepted) state.accepted.emplace_back(data_seq, kept);
  script.current = {lane, packet.payload, !tcp, accepted};
  if (rcds::fuzz::tracing()) {
    std::fprintf(stderr, "t=%lld lane %zu flags %02x seq %u (%+d) ack %u len %zu%s\n",
                 static_cast<long long>(packet.timestamp.ns / kMs), lane, packet.tcp.flags, seq,
                 static_cast<int32_t>(seq - initial_seq(lane)), packet.tcp.ack, length,
                 raw ? " raw" : "");
  }
  tracker.process(packet);
  script.current = {};
  contract.check_budget();
  // Recorded only now: a flow closed by this packet must not pass its FIN on
  // to the next flow of the tuple (a stale FIN only makes the check weaker).
  if (fin) state.fins.push_back(data_seq + static_cast<uint32_t>(length));
  if (rcds::fuzz::tracing()) std::fprintf(stderr, "  budget %zu\n", tracker.budget().used());

  // The cursor is the byte after the furthest one sent (SYN and FIN count).
  const uint32_t after = seq + static_cast<uint32_t>(length) + (syn ? 1 : 0) + (fin ? 1 : 0);
  if (static_cast<int32_t>(after - script.cursor[lane]) > 0) script.cursor[lane] = after;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in(data, size);
  uint16_t decline_mask = 0;
  uint8_t options = 0;
  if (!in.u16(decline_mask) || !in.u8(options)) return 0;

  Script script;
  rcds::fuzz::StreamContract contract(script.lanes, script.current, decline_mask);
  rcds::Counters counters;
  {
    flow::FlowTracker tracker(small_limits(), registry(), contract, counters);
    tracker.set_observer(&contract);
    contract.watch(&tracker);
    // What the empty flow table holds; beyond that only whole pools may stay.
    const size_t baseline = tracker.budget().used();
    contract.check_budget();

    while (step(in, script, tracker, contract)) {
    }
    if ((options & 1) != 0) {
      tracker.expire(Timestamp{script.latest.ns + 3600 * kSecond});
      RCDS_FUZZ_CHECK("expire_closes_all", tracker.active_flows() == 0);
    }
    tracker.shutdown(script.time);
    RCDS_FUZZ_CHECK("shutdown_closes_all", tracker.active_flows() == 0);
    contract.check_all_released();
    const size_t used = tracker.budget().used();
    RCDS_FUZZ_CHECK("budget_returned", used >= baseline && whole_pools(used - baseline));
    contract.watch(nullptr);
  }
  return 0;
}
