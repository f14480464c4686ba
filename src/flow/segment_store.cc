#include "flow/segment_store.h"

namespace rcds::flow {

Segment* SegmentStore::allocate() {
  if (free_list_ == nullptr) {
    // Charged per slab, as allocated; slabs are kept for reuse.
    if (!budget_.try_charge(kBlocksPerSlab * Segment::kBlockSize)) return nullptr;
    auto slab = std::make_unique<Segment[]>(kBlocksPerSlab);
    for (size_t i = 0; i < kBlocksPerSlab; ++i) {
      slab[i].next = free_list_;
      free_list_ = &slab[i];
    }
    free_count_ += kBlocksPerSlab;
    slabs_.push_back(std::move(slab));
  }
  Segment* segment = free_list_;
  free_list_ = segment->next;
  segment->next = nullptr;
  --free_count_;
  ++in_use_;
  return segment;
}

void SegmentStore::free(Segment* segment) {
  segment->next = free_list_;
  free_list_ = segment;
  ++free_count_;
  --in_use_;
}

SegmentStore::~SegmentStore() {
  budget_.release(slabs_.size() * kBlocksPerSlab * Segment::kBlockSize);
}

}  // namespace rcds::flow
