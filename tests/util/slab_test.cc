// The slab pool: blocks of the rounded size, aligned, never overlapping while
// live, reused after release, more chunks as needed.
#include "util/slab.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <set>
#include <vector>

namespace rcds {
namespace {

TEST(SlabPool, RoundsBlocksToCacheLines) {
  EXPECT_EQ(SlabPool(1).block_bytes(), 64u);
  EXPECT_EQ(SlabPool(64).block_bytes(), 64u);
  EXPECT_EQ(SlabPool(992).block_bytes(), 1024u);
  EXPECT_EQ(SlabPool(SlabPool::kChunkBytes * 2).block_bytes(), SlabPool::kChunkBytes);
}

TEST(SlabPool, ReusesReleasedBlocksFirst) {
  SlabPool pool(100);
  void* a = pool.allocate();
  void* b = pool.allocate();
  EXPECT_NE(a, b);
  pool.release(a);
  EXPECT_EQ(pool.allocate(), a);
  pool.release(b);
  EXPECT_EQ(pool.allocate(), b);
  EXPECT_EQ(pool.chunks(), 1u);
}

// Random allocations and releases against a plain model: every live block
// is aligned, inside one chunk, disjoint from every other live block, and
// keeps the bytes written to it until it is released.
TEST(SlabPool, LiveBlocksAreDisjointAndKeepTheirBytes) {
  SlabPool pool(1000);
  const size_t size = pool.block_bytes();
  const size_t per_chunk = SlabPool::kChunkBytes / size;
  std::mt19937 rng(7);
  std::vector<std::pair<unsigned char*, unsigned char>> live;
  size_t peak = 0;
  for (int step = 0; step < 20000; ++step) {
    if (live.empty() || rng() % 3 != 0) {
      auto* block = static_cast<unsigned char*>(pool.allocate());
      ASSERT_EQ(reinterpret_cast<uintptr_t>(block) % 64, 0u);
      const auto mark = static_cast<unsigned char>(rng());
      std::memset(block, mark, size);
      live.emplace_back(block, mark);
    } else {
      const size_t i = rng() % live.size();
      auto [block, mark] = live[i];
      for (size_t at = 0; at < size; at += 97) ASSERT_EQ(block[at], mark) << step;
      ASSERT_EQ(block[size - 1], mark);
      pool.release(block);
      live[i] = live.back();
      live.pop_back();
    }
    peak = std::max(peak, live.size());
  }
  std::set<unsigned char*> starts;
  for (const auto& [block, mark] : live) starts.insert(block);
  ASSERT_EQ(starts.size(), live.size());
  unsigned char* previous_end = nullptr;
  for (unsigned char* start : starts) {
    EXPECT_GE(start, previous_end);
    previous_end = start + size;
  }
  for (const auto& [block, mark] : live) {
    for (size_t at = 0; at < size; at += 97) ASSERT_EQ(block[at], mark);
  }
  // Released blocks are reused before a chunk is added: the chunks hold the
  // peak of live blocks, not the number of allocations.
  EXPECT_EQ(pool.chunks(), (peak + per_chunk - 1) / per_chunk);
}

}  // namespace
}  // namespace rcds
