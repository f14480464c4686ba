#include "flow/segment_store.h"

namespace rcds::flow {

Segment* SegmentStore::allocate() {
  if (!budget_.try_charge(Segment::kBlockSize)) return nullptr;
  if (free_list_ == nullptr) {
    auto slab = std::make_unique<Segment[]>(kBlocksPerSlab);
    for (size_t i = 0; i < kBlocksPerSlab; ++i) {
      slab[i].next = free_list_;
      free_list_ = &slab[i];
    }
    slabs_.push_back(std::move(slab));
  }
  Segment* segment = free_list_;
  free_list_ = segment->next;
  segment->next = nullptr;
  ++in_use_;
  return segment;
}

void SegmentStore::free(Segment* segment) {
  segment->next = free_list_;
  free_list_ = segment;
  --in_use_;
  budget_.release(Segment::kBlockSize);
}

}  // namespace rcds::flow
