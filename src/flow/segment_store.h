// Storage for out-of-order TCP payload: fixed-size blocks from slabs, with a
// free list, charged against the memory budget. No allocation per packet
// once the slabs exist; slabs are kept for reuse until the store dies.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "flow/memory_budget.h"

namespace rcds::flow {

struct Segment {
  static constexpr size_t kBlockSize = 2048;
  static constexpr size_t kCapacity = kBlockSize - 16;

  Segment* next = nullptr;
  uint32_t seq = 0;
  uint32_t length = 0;
  uint8_t data[kCapacity];
};
static_assert(sizeof(Segment) == Segment::kBlockSize);

class SegmentStore {
 public:
  explicit SegmentStore(MemoryBudget& budget) : budget_(budget) {}
  ~SegmentStore();
  SegmentStore(const SegmentStore&) = delete;
  SegmentStore& operator=(const SegmentStore&) = delete;

  // nullptr when the budget is exhausted.
  Segment* allocate();
  void free(Segment* segment);

  size_t in_use() const { return in_use_; }
  // True when `count` blocks can be had: from the free list, or from new
  // slabs the budget can still pay for.
  bool can_allocate(size_t count) const {
    if (count <= free_count_) return true;
    const size_t slabs = (count - free_count_ + kBlocksPerSlab - 1) / kBlocksPerSlab;
    return budget_.used() + slabs * kBlocksPerSlab * Segment::kBlockSize <= budget_.limit();
  }

 private:
  static constexpr size_t kBlocksPerSlab = 64;

  MemoryBudget& budget_;
  std::vector<std::unique_ptr<Segment[]>> slabs_;
  Segment* free_list_ = nullptr;
  size_t free_count_ = 0;
  size_t in_use_ = 0;
};

}  // namespace rcds::flow
