// Byte scans eight bytes at a time in a 64-bit word ("SIMD within a
// register"), for the short text the protocol decoders scan per command and
// per header: a libc call (memchr) or a per-byte loop cost more there than
// the scan itself (cachegrind, bench/README.md decoder cost).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace rcds::swar {

static_assert(std::endian::native == std::endian::little);

inline constexpr uint64_t kOnes = 0x0101010101010101u;
inline constexpr uint64_t kHigh = 0x80 * kOnes;

inline uint64_t load(const char* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof word);
  return word;
}

// ASCII 'A'..'Z' to lower case in each byte; other bytes unchanged. Each
// byte's tests keep to its own low 7 bits, so no carry crosses bytes.
inline uint64_t lower(uint64_t word) {
  const uint64_t low7 = word & ~kHigh;
  const uint64_t at_least_a = low7 + (0x80 - 'A') * kOnes;    // high bit: byte >= 'A'
  const uint64_t beyond_z = low7 + (0x80 - 'Z' - 1) * kOnes;  // high bit: byte > 'Z'
  const uint64_t upper = at_least_a & ~beyond_z & ~word & kHigh;
  return word | (upper >> 2);  // 0x80 >> 2 = 0x20 in the same byte
}

// The index of the first byte of `word` equal to `byte`, or 8. In
// x = word ^ bytes a match is a zero byte, and (x - 1s) & ~x & high bits
// flags the lowest zero byte exactly (borrows only disturb bytes above it).
inline unsigned first_byte(uint64_t word, char byte) {
  const uint64_t x = word ^ (static_cast<uint8_t>(byte) * kOnes);
  const uint64_t zero = (x - kOnes) & ~x & kHigh;
  return static_cast<unsigned>(std::countr_zero(zero)) / 8;  // 64 / 8 when none
}

// The first `byte` at or after `pos` in `text`, or text.size(): words for
// the first 64 bytes (lines and tokens are short), memchr beyond.
inline size_t find(std::string_view text, size_t pos, char byte) {
  const size_t words_end = pos + 64 < text.size() ? pos + 64 : text.size();
  for (; pos + 8 <= words_end; pos += 8) {
    const unsigned at = first_byte(load(text.data() + pos), byte);
    if (at < 8) return pos + at;
  }
  if (words_end < text.size()) {
    const void* hit = std::memchr(text.data() + pos, byte, text.size() - pos);
    return hit != nullptr ? static_cast<size_t>(static_cast<const char*>(hit) - text.data())
                          : text.size();
  }
  while (pos < text.size() && text[pos] != byte) ++pos;
  return pos;
}

// Equality of `text`, case-folded, with `lower`, which is lower case
// already (a constant name): only `text` is folded, a word at a time.
inline bool equals_lower(std::string_view text, std::string_view lower) {
  const size_t n = text.size();
  if (n != lower.size()) return false;
  if (n < 8) {
    for (size_t i = 0; i < n; ++i) {
      const char c = text[i];
      if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c) != lower[i]) return false;
    }
    return true;
  }
  for (size_t i = 0; i + 8 < n; i += 8) {
    if (swar::lower(load(text.data() + i)) != load(lower.data() + i)) return false;
  }
  // The last word, overlapping the one before.
  return swar::lower(load(text.data() + n - 8)) == load(lower.data() + n - 8);
}

// ASCII case-insensitive equality, a word at a time.
inline bool iequals(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  if (n >= 8) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      if (lower(load(a.data() + i)) != lower(load(b.data() + i))) return false;
    }
    // The tail as the last eight bytes (overlapping the previous word).
    return i == n || lower(load(a.data() + n - 8)) == lower(load(b.data() + n - 8));
  }
  for (size_t i = 0; i < n; ++i) {
    if ((lower(static_cast<uint8_t>(a[i])) & 0xFF) != (lower(static_cast<uint8_t>(b[i])) & 0xFF)) {
      return false;
    }
  }
  return true;
}

}  // namespace rcds::swar
