// The flow table: an open-addressing hash of flows keyed by the 5-tuple
// (both directions find the same flow), flows from a pooled allocator
// charged against the memory budget, and LRU lists for idle expiry.
#pragma once

#include <memory>
#include <vector>

#include "flow/flow.h"
#include "flow/memory_budget.h"
#include "util/prefetch.h"

namespace rcds::flow {

class FlowTable {
 public:
  // LRU classes, one idle timeout each, so the head of every list is the
  // next flow of that class to expire.
  static constexpr uint8_t kTcpHandshake = 0;
  static constexpr uint8_t kUdp = 1;
  static constexpr uint8_t kTcpEstablished = 2;
  static constexpr uint8_t kClasses = 3;

  FlowTable(size_t max_flows, MemoryBudget& budget);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  // Finds the flow of `key` in either direction; sets `direction`.
  Flow* find(const FlowKey& key, uint64_t hash, Direction& direction);
  // Inserts a new flow with `client_to_server` as its key, or returns nullptr
  // when the table is full or the budget is exhausted (the caller evicts).
  Flow* insert(const FlowKey& client_to_server, uint64_t hash);
  void remove(Flow* flow);

  // Hints only: they touch nothing and may prefetch the wrong flow after a
  // collision, which costs nothing but the hint.
  void prefetch_slot(uint64_t hash) const { prefetch_line(&slots_[hash & mask_]); }
  void prefetch_flow(uint64_t hash) const {
    const Flow* flow = slots_[hash & mask_].flow;
    if (flow != nullptr) prefetch(flow, 2 * kCacheLine);
  }
  // The first lines of the handler of the flow prefetch_flow() fetched
  // (flows, once allocated, stay readable, so a stale slot reads a wrong
  // flow, not freed memory).
  void prefetch_handler(uint64_t hash) const {
    const Slot& slot = slots_[hash & mask_];
    if (slot.flow != nullptr && slot.hash == hash && slot.flow->detect == DetectState::kClaimed) {
      prefetch(slot.flow->handler, StreamHandler::kPrefetchBytes);
    }
  }

  // Moves the flow to the back of its LRU list (most recently seen).
  void touch(Flow* flow);
  void set_class(Flow* flow, uint8_t lru_class);
  // The least recently seen flow of a class, or nullptr.
  Flow* oldest(uint8_t lru_class) const { return lru_head_[lru_class]; }

  size_t size() const { return size_; }
  size_t max_flows() const { return max_flows_; }

 private:
  struct Slot {
    Flow* flow = nullptr;
    uint64_t hash = 0;
  };
  static constexpr size_t kFlowsPerChunk = 256;

  Flow* allocate_flow();
  void free_flow(Flow* flow);
  void grow();
  void lru_unlink(Flow* flow);
  void lru_append(Flow* flow);

  size_t max_flows_;
  MemoryBudget& budget_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
  std::vector<std::unique_ptr<Flow[]>> chunks_;
  Flow* free_flows_ = nullptr;
  Flow* lru_head_[kClasses] = {};
  Flow* lru_tail_[kClasses] = {};
};

}  // namespace rcds::flow
