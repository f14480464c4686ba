#include "stream_contract.h"

#include <cstdio>

#include "flow/tcp_reassembler.h"
#include "fuzz_check.h"

namespace rcds::fuzz {
namespace {

// TCP gaps are sequence-number distances: anything at or above 2^31 is a
// negative distance that wrapped.
constexpr uint64_t kMaxGap = uint64_t{1} << 31;
// The largest window TCP can advertise (65535 << 14). Once the tracker has
// jumped further than that, sequence numbers it dropped as old may lie ahead
// again, so which bytes a later gap may cover is no longer well defined.
constexpr uint64_t kMaxWindow = uint64_t{1} << 30;

IpAddress host(bool v6, uint8_t network, uint8_t number) {
  if (v6) {
    uint8_t bytes[16] = {0x20, 0x01, 0x0d, 0xb8};
    bytes[14] = network;
    bytes[15] = number;
    return IpAddress::v6(bytes);
  }
  const uint8_t bytes[4] = {10, 0, network, number};
  return IpAddress::v4(bytes);
}

bool matches(uint32_t salt, uint32_t seq, ByteView bytes) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] != pattern_byte(salt, seq + static_cast<uint32_t>(i))) return false;
  }
  return true;
}

// The base (sequence number of stream offset 0) that places `bytes`, found
// at `offset`, on the pattern. False when the chunk is too short to tell or
// fits more than one alignment; a long chunk that fits none traps.
bool find_base(uint32_t salt, uint64_t offset, ByteView bytes, uint32_t& base) {
  if (bytes.size() < 8) return false;
  int found = 0;
  for (uint32_t align = 0; align < 4; ++align) {
    const uint32_t first_word = (4 - align) & 3;  // index of the first word-aligned byte
    const uint32_t word_seq = (load_le32(bytes.data() + first_word) ^ salt) << 2;
    const uint32_t seq = word_seq - first_word;
    if (matches(salt, seq, bytes)) {
      ++found;
      base = seq - static_cast<uint32_t>(offset);
    }
  }
  RCDS_FUZZ_CHECK("stream_content", found > 0);
  return found == 1;
}

}  // namespace

FlowKey tuple_key(size_t tuple) {
  // Every third tuple is IPv6 so both address layouts go through the table.
  const bool v6 = tuple % 3 == 2;
  const bool udp = tuple >= kTcpTuples;
  const auto ephemeral = static_cast<uint16_t>(40000 + tuple);
  // Server ports decide who is the client when a flow is picked up
  // mid-stream: registered (1863 TCP, 5060 UDP), unregistered, or on the
  // "a" side so the guess goes the other way.
  const uint16_t registered = udp ? 5060 : 1863;
  uint16_t a_port = ephemeral;
  uint16_t b_port = registered;
  switch (tuple % 4) {
    case 1:
      b_port = udp ? 53 : 80;
      break;
    case 3:
      a_port = registered;
      b_port = ephemeral;
      break;
    default:
      break;
  }
  return {{host(v6, 0, static_cast<uint8_t>(1 + tuple)), a_port},
          {host(v6, 1, 1), b_port},
          udp ? Transport::kUdp : Transport::kTcp};
}

void StreamContract::check_budget() const {
  if (tracker_ == nullptr) return;
  RCDS_FUZZ_CHECK("budget_within_limit", tracker_->budget().used() <= tracker_->budget().limit());
}

void StreamContract::check_content(Half& half, uint64_t offset, ByteView bytes) {
  const Lane& lane = lanes_[half.lane];
  if (lane.raw) return;  // every byte of the lane so far is generated, or none is checked
  if (half.base_known) {
    RCDS_FUZZ_CHECK("stream_content",
                    matches(lane.salt, half.base + static_cast<uint32_t>(offset), bytes));
    return;
  }
  half.early.emplace_back(offset, std::vector<uint8_t>(bytes.begin(), bytes.end()));
  uint32_t base = 0;
  if (!find_base(lane.salt, offset, bytes, base)) return;
  half.base_known = true;
  half.base = base;
  if (tracing()) std::fprintf(stderr, "  stream base %u\n", base);
  for (const auto& [at, early] : half.early) {
    RCDS_FUZZ_CHECK("stream_content", matches(lane.salt, base + static_cast<uint32_t>(at),
                                              {early.data(), early.size()}));
  }
  half.early.clear();
}

StreamContract::Handler::Handler(StreamContract& owner, uint64_t id, size_t tuple_index,
                                 bool a_is_client)
    : contract(owner), flow_id(id), tuple(tuple_index) {
  // The client's direction is c2s: lane a->b when a is the client.
  half[0].lane = lane_of(tuple, a_is_client);
  half[1].lane = lane_of(tuple, !a_is_client);
}

void StreamContract::Handler::on_data(flow::Direction direction, ByteView bytes, Timestamp) {
  if (tracing()) {
    std::fprintf(stderr, "  flow %llu %s data %zu at offset %llu\n",
                 static_cast<unsigned long long>(flow_id), flow::name_of(direction).data(),
                 bytes.size(),
                 static_cast<unsigned long long>(half[flow::index_of(direction)].offset));
  }
  RCDS_FUZZ_CHECK("no_data_after_close", !closed);
  RCDS_FUZZ_CHECK("no_empty_data", !bytes.empty());
  contract.check_budget();
  Half& h = half[flow::index_of(direction)];
  Lane& lane = contract.lanes_[h.lane];
  lane.delivered += bytes.size();
  RCDS_FUZZ_CHECK("delivered_le_fed", lane.delivered <= lane.fed);
  if (tuple >= kTcpTuples) {
    // UDP passes through: the datagram being processed, as a view, once.
    const CurrentPacket& now = contract.current_;
    RCDS_FUZZ_CHECK("udp_passthrough", now.udp && now.lane == h.lane &&
                                           bytes.data() == now.payload.data() &&
                                           bytes.size() == now.payload.size());
  } else {
    contract.check_content(h, h.offset, bytes);
  }
  h.offset += bytes.size();
  h.data += bytes.size();
}

void StreamContract::Handler::on_gap(flow::Direction direction, uint64_t length, Timestamp) {
  if (tracing()) {
    std::fprintf(stderr, "  flow %llu %s gap %llu at offset %llu\n",
                 static_cast<unsigned long long>(flow_id), flow::name_of(direction).data(),
                 static_cast<unsigned long long>(length),
                 static_cast<unsigned long long>(half[flow::index_of(direction)].offset));
  }
  RCDS_FUZZ_CHECK("no_gap_after_close", !closed);
  RCDS_FUZZ_CHECK("gap_only_tcp", tuple < kTcpTuples);
  RCDS_FUZZ_CHECK("gap_length", length > 0 && length < kMaxGap);
  contract.check_budget();
  Half& h = half[flow::index_of(direction)];
  const Lane& lane = contract.lanes_[h.lane];
  if (length >= kMaxWindow) h.beyond_window = true;
  if (h.base_known && !lane.raw && !h.beyond_window) {
    const uint32_t gap_seq = h.base + static_cast<uint32_t>(h.offset);
    // The packet being processed may belong to the next flow (a SYN reusing
    // the tuple closes this one first), and no gap can rightly cover it.
    const CurrentPacket& now = contract.current_;
    const size_t checked = lane.accepted.size() - (now.accepted && now.lane == h.lane ? 1 : 0);
    for (size_t i = 0; i < checked; ++i) {
      const auto& [seq, bytes] = lane.accepted[i];
      const int64_t from_gap = static_cast<int32_t>(seq - gap_seq);
      // The reassembler drops a segment that arrives more than kMaxAhead
      // beyond the stream's next byte. The gap starts at that next byte as it
      // is now, which is never before where it was then, so a segment that
      // starts more than kMaxAhead beyond the gap was dropped by that policy
      // and the gap rightly reports its bytes as missing.
      if (from_gap > flow::TcpReassembler::kMaxAhead) continue;
      RCDS_FUZZ_CHECK("gap_over_accepted_bytes",
                      from_gap >= static_cast<int64_t>(length) || from_gap + bytes <= 0);
    }
  }
  h.offset += length;
  h.gap_bytes += length;
}

void StreamContract::Handler::on_close(flow::CloseReason reason, Timestamp) {
  if (tracing()) {
    std::fprintf(stderr, "  flow %llu close %s\n", static_cast<unsigned long long>(flow_id),
                 flow::name_of(reason).data());
  }
  RCDS_FUZZ_CHECK("single_close", !closed);
  contract.check_budget();
  closed = true;
}

flow::StreamHandler* StreamContract::open(const flow::StreamInfo& info) {
  check_budget();
  size_t tuple = kTuples;
  bool a_is_client = true;
  for (size_t i = 0; i < kTuples && tuple == kTuples; ++i) {
    const FlowKey key = tuple_key(i);
    if (info.key == key || info.key == key.reversed()) {
      tuple = i;
      a_is_client = info.key == key;
    }
  }
  RCDS_FUZZ_CHECK("open_known_key", tuple < kTuples);
  if (tuple == kTuples) return nullptr;
  RCDS_FUZZ_CHECK("flow_id_unique", handlers_.count(info.flow_id) == 0);
  for (const auto& [id, handler] : handlers_) {
    // One 5-tuple is one flow at a time: the old one closes before a new one opens.
    RCDS_FUZZ_CHECK("one_flow_per_tuple", handler->tuple != tuple || handler->closed);
  }
  if ((decline_mask_ >> tuple) & 1) return nullptr;
  if (tracing()) {
    std::fprintf(stderr, "  flow %llu open tuple %zu, client %s, protocol '%.*s'\n",
                 static_cast<unsigned long long>(info.flow_id), tuple, a_is_client ? "a" : "b",
                 static_cast<int>(info.protocol.size()), info.protocol.data());
  }
  auto handler = std::make_unique<Handler>(*this, info.flow_id, tuple, a_is_client);
  Handler* raw = handler.get();
  handlers_[info.flow_id] = std::move(handler);
  return raw;
}

void StreamContract::release(flow::StreamHandler* stream_handler) {
  auto* handler = static_cast<Handler*>(stream_handler);
  RCDS_FUZZ_CHECK("release_known", handlers_.count(handler->flow_id) == 1 &&
                                       handlers_.at(handler->flow_id).get() == handler);
  RCDS_FUZZ_CHECK("release_after_close", handler->closed && !handler->released);
  handler->released = true;
}

void StreamContract::on_flow_closed(const flow::Flow& flow, flow::CloseReason reason, Timestamp) {
  check_budget();
  // A new flow on the tuple starts a new record of accepted bytes; only a
  // SYN that reuses the 5-tuple already belongs to the next flow.
  for (size_t i = 0; i < kTuples; ++i) {
    const FlowKey key = tuple_key(i);
    if (flow.key != key && flow.key != key.reversed()) continue;
    for (size_t lane : {lane_of(i, true), lane_of(i, false)}) {
      auto& accepted = lanes_[lane].accepted;
      const bool keep_current =
          reason == flow::CloseReason::kReused && current_.lane == lane && current_.accepted;
      accepted.erase(accepted.begin(), keep_current ? accepted.end() - 1 : accepted.end());
      lanes_[lane].fins.clear();
    }
  }
  RCDS_FUZZ_CHECK("closed_flow_detached", flow.handler == nullptr && flow.probe == nullptr);
  const auto it = handlers_.find(flow.id);
  if (it == handlers_.end()) {
    RCDS_FUZZ_CHECK("unclaimed_flow_state", flow.detect != flow::DetectState::kClaimed);
    return;
  }
  const Handler& handler = *it->second;
  RCDS_FUZZ_CHECK("closed_before_observer", handler.closed && handler.released);
  for (size_t d = 0; d < 2; ++d) {
    const Half& h = handler.half[d];
    RCDS_FUZZ_CHECK("data_le_wire", h.data <= flow.payload_bytes[d]);
    if (flow.key.transport != Transport::kTcp) continue;
    // The handler's offsets must agree with the reassembler's own count.
    RCDS_FUZZ_CHECK("offset_matches_flow", h.offset == flow.half[d].delivered);
    RCDS_FUZZ_CHECK("gaps_match_flow", h.gap_bytes == flow.gap_bytes[d]);
  }
}

void StreamContract::check_all_released() const {
  for (const auto& [id, handler] : handlers_) {
    RCDS_FUZZ_CHECK("closed_at_shutdown", handler->closed && handler->released);
  }
}

}  // namespace rcds::fuzz
