// Asking the cache for memory before it is read. A connection's state is
// usually cold when its next segment arrives (thousands of connections take
// turns), and the lines one segment reads are many and far apart: fetched
// one after another, each miss waits for the one before. Prefetched
// together, they arrive in about the time of one (bench/README.md, decoder
// cost).
#pragma once

#include <cstddef>

namespace rcds {

inline constexpr size_t kCacheLine = 64;

// Every cache line of [at, at + bytes).
inline void prefetch(const void* at, size_t bytes) {
  const char* p = static_cast<const char*>(at);
  for (size_t i = 0; i < bytes; i += kCacheLine) __builtin_prefetch(p + i);
}

}  // namespace rcds
