// Asking the cache for memory before it is read. With 100k flows the flow
// table slot, the flow and its handler's state are usually cold when a
// packet arrives, and each waits for the one before. Prefetched a few
// packets ahead (nis/sensor.cc) or all at once (a decoder's lines), they
// arrive in about the time of one (bench/README.md).
#pragma once

#include <cstddef>

namespace rcds {

inline constexpr size_t kCacheLine = 64;

// One cache line. On x86 an asm statement rather than __builtin_prefetch:
// GCC 12 at -O2 deletes __builtin_prefetch calls whose address was loaded
// from memory in some shapes (two prefetches of one loaded pointer: both
// gone), and the sensor's flow prefetch had silently compiled to nothing.
inline void prefetch_line(const void* at) {
#if defined(__x86_64__) || defined(__i386__)
  asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(at)));
#else
  __builtin_prefetch(at);
#endif
}

// Every cache line of [at, at + bytes).
inline void prefetch(const void* at, size_t bytes) {
  const char* p = static_cast<const char*>(at);
  for (size_t i = 0; i < bytes; i += kCacheLine) prefetch_line(p + i);
}

}  // namespace rcds
