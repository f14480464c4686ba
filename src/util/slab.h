// Fixed-size blocks carved from 2 MiB chunks that the kernel may back with
// transparent huge pages (madvise(MADV_HUGEPAGE)): for per-flow objects
// created and destroyed by the ten thousand, where glibc's heap would take
// one page fault per 4 KiB of new objects and one TLB entry per page.
//
// Single-threaded (one per worker). Released blocks are kept on a free list
// and reused first; chunks go back to the system only when the pool goes,
// so the pool holds what the peak number of live blocks needed.
#pragma once

#include <cstddef>
#include <vector>

namespace rcds {

class SlabPool {
 public:
  static constexpr size_t kChunkBytes = size_t{2} << 20;

  // `block_bytes` is rounded up to 64 (a cache line); at most kChunkBytes.
  explicit SlabPool(size_t block_bytes);
  ~SlabPool();
  SlabPool(const SlabPool&) = delete;
  SlabPool& operator=(const SlabPool&) = delete;

  // Uninitialised storage of block_bytes() bytes, 64-byte aligned; throws
  // std::bad_alloc when no chunk can be had.
  void* allocate();
  // A block from allocate() of this pool.
  void release(void* block) noexcept;

  size_t block_bytes() const { return block_bytes_; }
  size_t chunks() const { return chunks_.size(); }

 private:
  struct FreeBlock {
    FreeBlock* next;
  };

  size_t block_bytes_;
  FreeBlock* free_ = nullptr;
  char* next_ = nullptr;  // uncarved rest of the newest chunk
  char* end_ = nullptr;
  std::vector<void*> chunks_;
};

}  // namespace rcds
