// The word-at-a-time scans against the obvious per-byte definitions, on
// random text of every byte value, at every offset and length up to and
// beyond the 64 bytes scanned in words.
#include "util/swar.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

namespace rcds {
namespace {

char lower_byte(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

std::string random_text(std::mt19937& random, size_t size) {
  std::string text(size, '\0');
  for (char& c : text) c = static_cast<char>(random() % 256);
  return text;
}

TEST(Swar, FindMatchesStringFind) {
  std::mt19937 random(11);
  for (int round = 0; round < 20000; ++round) {
    const std::string text = random_text(random, random() % 150);
    const size_t pos = random() % (text.size() + 1);
    // A byte from the text (found) or any byte (mostly not found).
    const char byte = !text.empty() && random() % 2 == 0 ? text[random() % text.size()]
                                                         : static_cast<char>(random() % 256);
    const size_t expected = text.find(byte, pos);
    EXPECT_EQ(swar::find(text, pos, byte), expected == std::string::npos ? text.size() : expected)
        << round;
  }
}

TEST(Swar, LowerChangesOnlyAsciiCapitals) {
  for (int b = 0; b < 256; ++b) {
    for (int at = 0; at < 8; ++at) {
      std::string bytes = "aZ@[`{0\x80";
      bytes[static_cast<size_t>(at)] = static_cast<char>(b);
      std::string expected = bytes;
      for (char& c : expected) c = lower_byte(c);
      const uint64_t lowered = swar::lower(swar::load(bytes.data()));
      std::string got(8, '\0');
      std::memcpy(got.data(), &lowered, 8);
      EXPECT_EQ(got, expected) << b << " at " << at;
    }
  }
}

TEST(Swar, IequalsMatchesPerByteFolding) {
  std::mt19937 random(12);
  for (int round = 0; round < 20000; ++round) {
    const std::string a = random_text(random, random() % 40);
    std::string b = a;
    for (char& c : b) {
      if (random() % 3 == 0) c = c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
      if (random() % 40 == 0) c = static_cast<char>(random() % 256);
    }
    bool expected = true;
    for (size_t i = 0; i < a.size(); ++i)
      expected = expected && lower_byte(a[i]) == lower_byte(b[i]);
    EXPECT_EQ(swar::iequals(a, b), expected) << round;
    std::string a_lower = a;
    for (char& c : a_lower) c = lower_byte(c);
    EXPECT_EQ(swar::equals_lower(b, a_lower), expected) << round;
    EXPECT_FALSE(swar::iequals(a, a + "x"));
  }
}

}  // namespace
}  // namespace rcds
