#include "flow/flow_tracker.h"

namespace rcds::flow {
namespace {
constexpr int64_t kExpiryInterval = kNanosPerSecond;
inline int32_t seq_diff(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b); }
// An RST is believed only near the expected sequence number (RFC 5961 spirit,
// with slack for a passive observer that may have missed a few segments).
constexpr int32_t kRstWindowBefore = 1 << 16;
constexpr int32_t kRstWindowAfter = 1 << 20;
}  // namespace

FlowTracker::FlowTracker(const FlowOptions& options, const ProtocolRegistry& registry,
                         StreamHandlerFactory& factory, Counters& counters)
    : options_(options),
      registry_(registry),
      counters_(counters),
      budget_(options.memory_budget_bytes),
      store_(budget_),
      table_(options.max_flows, budget_),
      delivery_(registry, factory, counters, budget_, options.probe_bytes),
      reassembler_(store_, delivery_, counters, options.max_out_of_order_bytes) {}

FlowTracker::~FlowTracker() { shutdown(Timestamp{}); }

int64_t FlowTracker::timeout_of(uint8_t lru_class) const {
  switch (lru_class) {
    case FlowTable::kTcpHandshake:
      return options_.tcp_handshake_timeout_ns;
    case FlowTable::kUdp:
      return options_.udp_idle_timeout_ns;
    default:
      return options_.tcp_idle_timeout_ns;
  }
}

Flow* FlowTracker::create(const FlowKey& client_to_server, uint64_t hash, Timestamp time,
                          uint8_t lru_class) {
  Flow* flow = table_.insert(client_to_server, hash);
  while (flow == nullptr) {
    // Full: evict the least recently seen flow, handshake-only flows first
    // (what a SYN flood leaves behind), established TCP last.
    Flow* victim = nullptr;
    for (uint8_t c = 0; c < FlowTable::kClasses && victim == nullptr; ++c) {
      victim = table_.oldest(c);
    }
    if (victim == nullptr) return nullptr;  // budget too small for even one flow
    counters_.add(Anomaly::flow_table_full);
    counters_.add(Counter::flows_evicted);
    close(victim, CloseReason::kEvicted, time);
    flow = table_.insert(client_to_server, hash);
  }
  flow->id = next_flow_id_++;
  flow->first_seen = flow->last_seen = time;
  table_.set_class(flow, lru_class);
  counters_.add(Counter::flows_created);
  return flow;
}

void FlowTracker::close(Flow* flow, CloseReason reason, Timestamp time) {
  if (flow->key.transport == Transport::kTcp) {
    reassembler_.flush(*flow, Direction::kClientToServer, time);
    reassembler_.flush(*flow, Direction::kServerToClient, time);
  }
  delivery_.close(*flow, reason, time);
  if (observer_ != nullptr) observer_->on_flow_closed(*flow, reason, time);
  switch (reason) {
    case CloseReason::kFin:
    case CloseReason::kReset:
    case CloseReason::kReused:
      counters_.add(Counter::flows_closed);
      break;
    case CloseReason::kTimeout:
      counters_.add(Counter::flows_timed_out);
      break;
    case CloseReason::kEvicted:
    case CloseReason::kShutdown:
      break;
  }
  table_.remove(flow);
}

void FlowTracker::refresh(Flow* flow, Timestamp time) {
  // Moving a flow to the LRU tail writes two neighbours' cache lines; doing
  // it once per second of packet time per flow is enough, since timeouts
  // count in tens of seconds. A flow may then expire up to a second late.
  if (time.ns / kNanosPerSecond != flow->last_seen.ns / kNanosPerSecond) table_.touch(flow);
  flow->last_seen = time;
}

void FlowTracker::expire(Timestamp now) {
  for (uint8_t c = 0; c < FlowTable::kClasses; ++c) {
    const int64_t timeout = timeout_of(c);
    while (Flow* flow = table_.oldest(c)) {
      if (now.ns - flow->last_seen.ns <= timeout) break;
      close(flow, CloseReason::kTimeout, now);
    }
  }
}

void FlowTracker::shutdown(Timestamp now) {
  for (uint8_t c = 0; c < FlowTable::kClasses; ++c) {
    while (Flow* flow = table_.oldest(c)) {
      close(flow, CloseReason::kShutdown, now.ns > flow->last_seen.ns ? now : flow->last_seen);
    }
  }
}

void FlowTracker::process(const net::Packet& packet) { process(packet, hash_of(packet)); }

void FlowTracker::process(const net::Packet& packet, uint64_t hash) {
  if (packet.timestamp.ns >= next_expiry_ns_) {
    expire(packet.timestamp);
    next_expiry_ns_ = packet.timestamp.ns + kExpiryInterval;
  }
  if (packet.is_tcp()) {
    process_tcp(packet, hash);
  } else if (packet.is_udp()) {
    process_udp(packet, hash);
  }
}

void FlowTracker::process_udp(const net::Packet& packet, uint64_t hash) {
  const FlowKey key = packet.flow_key();
  Direction direction = Direction::kClientToServer;
  Flow* flow = table_.find(key, hash, direction);
  if (flow == nullptr) {
    const bool reply = is_server_port(key.source.port, Transport::kUdp) &&
                       !is_server_port(key.destination.port, Transport::kUdp);
    flow = create(reply ? key.reversed() : key, hash, packet.timestamp, FlowTable::kUdp);
    if (flow == nullptr) return;
    direction = reply ? Direction::kServerToClient : Direction::kClientToServer;
  }
  const size_t d = index_of(direction);
  ++flow->packets[d];
  flow->payload_bytes[d] += packet.payload.size();
  refresh(flow, packet.timestamp);
  if (!packet.payload.empty()) delivery_.data(*flow, direction, packet.payload, packet.timestamp);
}

void FlowTracker::process_tcp(const net::Packet& packet, uint64_t hash) {
  const net::TcpInfo& tcp = packet.tcp;
  const bool syn = tcp.has(net::kTcpSyn);
  const bool ack = tcp.has(net::kTcpAck);
  const bool rst = tcp.has(net::kTcpRst);
  const bool fin = tcp.has(net::kTcpFin);
  const FlowKey key = packet.flow_key();
  Direction direction = Direction::kClientToServer;
  Flow* flow = table_.find(key, hash, direction);

  // A new SYN on the 5-tuple of a connection that already carried data
  // starts a new connection.
  if (flow != nullptr && syn && !ack && direction == Direction::kClientToServer &&
      flow->tcp_state == TcpState::kEstablished &&
      seq_diff(tcp.seq + 1, flow->stream(direction).next_seq) != 0) {
    close(flow, CloseReason::kReused, packet.timestamp);
    flow = nullptr;
  }

  if (flow == nullptr) {
    if (rst || (!syn && packet.payload.empty())) {
      counters_.add(Counter::tcp_pure_acks_without_flow);
      return;
    }
    bool source_is_client = true;
    if (syn) {
      source_is_client = !ack;
    } else if (!is_server_port(key.destination.port, Transport::kTcp) &&
               is_server_port(key.source.port, Transport::kTcp)) {
      source_is_client = false;  // mid-stream: the side on a known server port serves
    }
    const uint8_t lru_class = syn ? FlowTable::kTcpHandshake : FlowTable::kTcpEstablished;
    flow = create(source_is_client ? key : key.reversed(), hash, packet.timestamp, lru_class);
    if (flow == nullptr) return;
    direction = source_is_client ? Direction::kClientToServer : Direction::kServerToClient;
    flow->saw_handshake = syn;
    flow->tcp_state =
        !syn ? TcpState::kEstablished : (ack ? TcpState::kSynReceived : TcpState::kSynSent);
  }

  const size_t d = index_of(direction);
  ++flow->packets[d];
  flow->payload_bytes[d] += packet.payload.size();
  refresh(flow, packet.timestamp);
  HalfStream& half = flow->stream(direction);

  if (syn) {
    if (!half.started || (!half.saw_syn && half.delivered == 0) ||
        (half.saw_syn && half.delivered == 0 && flow->tcp_state != TcpState::kEstablished)) {
      half.next_seq = tcp.seq + 1;
      half.started = true;
      half.saw_syn = true;
    }
    if (ack && flow->tcp_state == TcpState::kSynSent) flow->tcp_state = TcpState::kSynReceived;
  }

  if (rst) {
    if (flow->tcp_state != TcpState::kEstablished) {
      // Spoofed resets before the handshake completes are a known evasion;
      // a genuine refusal simply times out.
      counters_.add(Anomaly::tcp_rst_in_handshake);
      return;
    }
    if (half.started) {
      const int32_t distance = seq_diff(tcp.seq, half.next_seq);
      if (distance < -kRstWindowBefore || distance > kRstWindowAfter) {
        counters_.add(Anomaly::tcp_rst_out_of_window);
        return;
      }
    }
    close(flow, CloseReason::kReset, packet.timestamp);
    return;
  }

  if (fin && flow->tcp_state != TcpState::kEstablished && !half.saw_syn) {
    counters_.add(Anomaly::tcp_fin_in_handshake);
    return;
  }

  if (flow->tcp_state != TcpState::kEstablished &&
      ((ack && !syn && direction == Direction::kClientToServer &&
        flow->tcp_state == TcpState::kSynReceived) ||
       !packet.payload.empty())) {
    flow->tcp_state = TcpState::kEstablished;
    table_.set_class(flow, FlowTable::kTcpEstablished);
  }

  const uint32_t data_seq = syn ? tcp.seq + 1 : tcp.seq;
  if (!packet.payload.empty()) {
    reassembler_.segment(*flow, direction, data_seq, packet.payload, packet.timestamp);
  }
  if (fin) {
    reassembler_.fin(*flow, direction, data_seq + static_cast<uint32_t>(packet.payload.size()));
  }
  if (ack) {
    HalfStream& peer = flow->stream(opposite(direction));
    if (peer.started) reassembler_.ack(*flow, opposite(direction), tcp.ack, packet.timestamp);
  }
  if (flow->half[0].finished && flow->half[1].finished) {
    close(flow, CloseReason::kFin, packet.timestamp);
  }
}

}  // namespace rcds::flow
