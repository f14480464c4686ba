#include "util/slab.h"

#include <sanitizer/asan_interface.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <new>

namespace rcds {

SlabPool::SlabPool(size_t block_bytes)
    : block_bytes_(
          std::min(kChunkBytes, (std::max(block_bytes, sizeof(FreeBlock)) + 63) / 64 * 64)) {}

SlabPool::~SlabPool() {
  for (void* chunk : chunks_) {
    ASAN_UNPOISON_MEMORY_REGION(chunk, kChunkBytes);
    std::free(chunk);
  }
}

void* SlabPool::allocate() {
  if (free_ != nullptr) {
    FreeBlock* block = free_;
    free_ = block->next;
    ASAN_UNPOISON_MEMORY_REGION(block, block_bytes_);
    return block;
  }
  if (static_cast<size_t>(end_ - next_) < block_bytes_) {
    // Aligned to its size, so the kernel can map the whole chunk with one
    // huge page; without THP (or if the advice fails) it is ordinary memory.
    chunks_.reserve(chunks_.size() + 1);  // before the chunk: nothing leaks if it throws
    void* chunk = std::aligned_alloc(kChunkBytes, kChunkBytes);
    if (chunk == nullptr) throw std::bad_alloc();
    chunks_.push_back(chunk);
#ifdef MADV_HUGEPAGE
    madvise(chunk, kChunkBytes, MADV_HUGEPAGE);
#endif
    next_ = static_cast<char*>(chunk);
    end_ = next_ + kChunkBytes;
    ASAN_POISON_MEMORY_REGION(chunk, kChunkBytes);
  }
  void* block = next_;
  next_ += block_bytes_;
  ASAN_UNPOISON_MEMORY_REGION(block, block_bytes_);
  return block;
}

void SlabPool::release(void* block) noexcept {
  free_ = new (block) FreeBlock{free_};
  // Under ASan a use after release is reported (all but the link).
  ASAN_POISON_MEMORY_REGION(static_cast<char*>(block) + sizeof(FreeBlock),
                            block_bytes_ - sizeof(FreeBlock));
}

}  // namespace rcds
