#include "flow/flow_table.h"

namespace rcds::flow {
namespace {
constexpr size_t kInitialSlots = 1024;
}

FlowTable::FlowTable(size_t max_flows, MemoryBudget& budget)
    : max_flows_(max_flows), budget_(budget) {
  slots_.resize(kInitialSlots);
  mask_ = kInitialSlots - 1;
  budget_.try_charge(slots_.size() * sizeof(Slot));
}

FlowTable::~FlowTable() {
  budget_.release(slots_.size() * sizeof(Slot) + chunks_.size() * kFlowsPerChunk * sizeof(Flow));
}

Flow* FlowTable::find(const FlowKey& key, uint64_t hash, Direction& direction) {
  for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (slot.flow == nullptr) return nullptr;
    if (slot.hash != hash) continue;
    const FlowKey& k = slot.flow->key;
    if (k.transport != key.transport) continue;
    if (k.source == key.source && k.destination == key.destination) {
      direction = Direction::kClientToServer;
      return slot.flow;
    }
    if (k.source == key.destination && k.destination == key.source) {
      direction = Direction::kServerToClient;
      return slot.flow;
    }
  }
}

void FlowTable::grow() {
  const size_t new_size = slots_.size() * 2;
  if (!budget_.try_charge(new_size * sizeof(Slot))) return;
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.assign(new_size, Slot{});
  mask_ = new_size - 1;
  for (const Slot& slot : old) {
    if (slot.flow == nullptr) continue;
    size_t i = slot.hash & mask_;
    while (slots_[i].flow != nullptr) i = (i + 1) & mask_;
    slots_[i] = slot;
  }
  budget_.release(old.size() * sizeof(Slot));
}

Flow* FlowTable::allocate_flow() {
  if (free_flows_ == nullptr) {
    // The budget pays for what is allocated, a whole chunk at a time, so the
    // process's memory really stays within it. Chunks are kept for reuse.
    if (!budget_.try_charge(kFlowsPerChunk * sizeof(Flow))) return nullptr;
    auto chunk = std::make_unique<Flow[]>(kFlowsPerChunk);
    for (size_t i = 0; i < kFlowsPerChunk; ++i) {
      chunk[i].lru_next = free_flows_;
      free_flows_ = &chunk[i];
    }
    chunks_.push_back(std::move(chunk));
  }
  Flow* flow = free_flows_;
  free_flows_ = flow->lru_next;
  *flow = Flow{};
  return flow;
}

void FlowTable::free_flow(Flow* flow) {
  flow->in_use = false;
  flow->lru_next = free_flows_;
  free_flows_ = flow;
}

Flow* FlowTable::insert(const FlowKey& client_to_server, uint64_t hash) {
  if (size_ >= max_flows_) return nullptr;
  // Keep the load factor at or below one half so probes stay short.
  if ((size_ + 1) * 2 > slots_.size()) {
    grow();
    if ((size_ + 1) * 2 > slots_.size()) return nullptr;
  }
  Flow* flow = allocate_flow();
  if (flow == nullptr) return nullptr;
  flow->key = client_to_server;
  flow->hash = hash;
  flow->in_use = true;
  size_t i = hash & mask_;
  while (slots_[i].flow != nullptr) i = (i + 1) & mask_;
  slots_[i] = {flow, hash};
  ++size_;
  lru_append(flow);
  return flow;
}

void FlowTable::remove(Flow* flow) {
  size_t i = flow->hash & mask_;
  while (slots_[i].flow != flow) i = (i + 1) & mask_;
  // Backward-shift deletion keeps every probe chain unbroken without tombstones.
  size_t hole = i;
  for (size_t j = (hole + 1) & mask_; slots_[j].flow != nullptr; j = (j + 1) & mask_) {
    const size_t home = slots_[j].hash & mask_;
    const bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
    if (movable) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = Slot{};
  --size_;
  lru_unlink(flow);
  free_flow(flow);
}

void FlowTable::lru_unlink(Flow* flow) {
  const uint8_t c = flow->lru_class;
  if (flow->lru_prev != nullptr) {
    flow->lru_prev->lru_next = flow->lru_next;
  } else {
    lru_head_[c] = flow->lru_next;
  }
  if (flow->lru_next != nullptr) {
    flow->lru_next->lru_prev = flow->lru_prev;
  } else {
    lru_tail_[c] = flow->lru_prev;
  }
  flow->lru_prev = flow->lru_next = nullptr;
}

void FlowTable::lru_append(Flow* flow) {
  const uint8_t c = flow->lru_class;
  flow->lru_prev = lru_tail_[c];
  flow->lru_next = nullptr;
  if (lru_tail_[c] != nullptr) {
    lru_tail_[c]->lru_next = flow;
  } else {
    lru_head_[c] = flow;
  }
  lru_tail_[c] = flow;
}

void FlowTable::touch(Flow* flow) {
  if (lru_tail_[flow->lru_class] == flow) return;
  lru_unlink(flow);
  lru_append(flow);
}

void FlowTable::set_class(Flow* flow, uint8_t lru_class) {
  if (flow->lru_class == lru_class) return;
  lru_unlink(flow);
  flow->lru_class = lru_class;
  lru_append(flow);
}

}  // namespace rcds::flow
