// The flow layer's entry point: takes decoded TCP/UDP packets, keeps the
// flow table, runs the TCP state machine per connection, feeds the
// reassembler, and expires idle flows by packet time.
#pragma once

#include <cstdint>

#include "flow/delivery.h"
#include "flow/detect.h"
#include "flow/flow_table.h"
#include "flow/memory_budget.h"
#include "flow/segment_store.h"
#include "flow/tcp_reassembler.h"
#include "net/packet.h"
#include "util/counters.h"

namespace rcds::flow {

struct FlowOptions {
  size_t max_flows = 1u << 20;
  size_t memory_budget_bytes = 512u << 20;     // flows + buffered segments + probes
  uint32_t max_out_of_order_bytes = 1u << 20;  // per direction
  size_t probe_bytes = 512;
  int64_t tcp_handshake_timeout_ns = 30 * kNanosPerSecond;
  int64_t tcp_idle_timeout_ns = 600 * kNanosPerSecond;
  int64_t udp_idle_timeout_ns = 60 * kNanosPerSecond;
};

// Told about every flow when it ends, after its handler was closed.
class FlowObserver {
 public:
  virtual ~FlowObserver() = default;
  virtual void on_flow_closed(const Flow& flow, CloseReason reason, Timestamp time) = 0;
};

class FlowTracker {
 public:
  FlowTracker(const FlowOptions& options, const ProtocolRegistry& registry,
              StreamHandlerFactory& factory, Counters& counters);
  ~FlowTracker();
  FlowTracker(const FlowTracker&) = delete;
  FlowTracker& operator=(const FlowTracker&) = delete;

  void set_observer(FlowObserver* observer) { observer_ = observer; }

  // A TCP or UDP packet (not a fragment). Other packets are ignored.
  void process(const net::Packet& packet);
  // The flow-table hash of a TCP/UDP packet (0 for anything else).
  static uint64_t hash_of(const net::Packet& packet) {
    if (!packet.is_tcp() && !packet.is_udp()) return 0;
    return symmetric_hash(packet.flow_key());
  }
  // Cache hints for a packet that will be processed soon: first its table
  // slot, then (a step later, once the slot is cached) its flow, then (once
  // the flow is) the first lines of the flow's handler.
  void prefetch_slot(uint64_t hash) const { table_.prefetch_slot(hash); }
  void prefetch_flow(uint64_t hash) const { table_.prefetch_flow(hash); }
  void prefetch_handler(uint64_t hash) const { table_.prefetch_handler(hash); }
  // The same as process(packet) with the packet's hash_of() already known.
  void process(const net::Packet& packet, uint64_t hash);
  // Closes flows idle for longer than their timeout at `now`.
  void expire(Timestamp now);
  // Closes every flow (end of capture, sensor stop).
  void shutdown(Timestamp now);

  size_t active_flows() const { return table_.size(); }
  const MemoryBudget& budget() const { return budget_; }

 private:
  void process_tcp(const net::Packet& packet, uint64_t hash);
  void process_udp(const net::Packet& packet, uint64_t hash);
  Flow* create(const FlowKey& client_to_server, uint64_t hash, Timestamp time, uint8_t lru_class);
  void close(Flow* flow, CloseReason reason, Timestamp time);
  void refresh(Flow* flow, Timestamp time);
  int64_t timeout_of(uint8_t lru_class) const;
  bool is_server_port(uint16_t port, Transport transport) const {
    return registry_.is_server_port(port, transport);
  }

  FlowOptions options_;
  const ProtocolRegistry& registry_;
  Counters& counters_;
  MemoryBudget budget_;
  SegmentStore store_;
  FlowTable table_;
  Delivery delivery_;
  TcpReassembler reassembler_;
  FlowObserver* observer_ = nullptr;
  uint64_t next_flow_id_ = 1;
  int64_t next_expiry_ns_ = 0;
};

}  // namespace rcds::flow
