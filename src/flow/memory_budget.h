// A byte budget that every allocation on the flow path is charged against
// before it happens (flows, out-of-order segments, probe buffers).
#pragma once

#include <cstddef>

namespace rcds::flow {

class MemoryBudget {
 public:
  explicit MemoryBudget(size_t limit_bytes) : limit_(limit_bytes) {}

  bool try_charge(size_t bytes) {
    if (used_ + bytes > limit_) return false;
    used_ += bytes;
    if (used_ > peak_) peak_ = used_;
    return true;
  }
  void release(size_t bytes) { used_ -= bytes; }

  size_t used() const { return used_; }
  size_t peak() const { return peak_; }
  size_t limit() const { return limit_; }

 private:
  size_t limit_;
  size_t used_ = 0;
  size_t peak_ = 0;
};

}  // namespace rcds::flow
