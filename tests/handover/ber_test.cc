// BER writer, reader and stream framing (handover/ber.h): encodings pinned
// byte for byte (X.690 and ETSI_HANDOVER.md §4), and hostile input.
#include "handover/ber.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace rcds::handover::ber {
namespace {

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  for (const char c : bytes) {
    if (!text.empty()) text += ' ';
    text += kDigits[static_cast<uint8_t>(c) >> 4];
    text += kDigits[static_cast<uint8_t>(c) & 15];
  }
  return text;
}

std::string unhex(std::string_view text) {
  std::string bytes;
  int high = -1;
  for (const char c : text) {
    int value = -1;
    if (c >= '0' && c <= '9') value = c - '0';
    if (c >= 'a' && c <= 'f') value = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') value = c - 'A' + 10;
    if (value < 0) continue;
    if (high < 0) {
      high = value;
    } else {
      bytes.push_back(static_cast<char>(high * 16 + value));
      high = -1;
    }
  }
  return bytes;
}

std::string encode_integer(int64_t value) {
  std::string out;
  Writer(out).integer(context(0), value);
  return hex(out);
}

TEST(BerWriter, IntegersAreMinimalTwosComplement) {
  EXPECT_EQ(encode_integer(0), "80 01 00");
  EXPECT_EQ(encode_integer(7), "80 01 07");
  EXPECT_EQ(encode_integer(127), "80 01 7f");
  EXPECT_EQ(encode_integer(128), "80 02 00 80");
  EXPECT_EQ(encode_integer(255), "80 02 00 ff");
  EXPECT_EQ(encode_integer(256), "80 02 01 00");
  EXPECT_EQ(encode_integer(40001), "80 03 00 9c 41");
  EXPECT_EQ(encode_integer(1104577323), "80 04 41 d6 83 2b");
  EXPECT_EQ(encode_integer(-1), "80 01 ff");
  EXPECT_EQ(encode_integer(-128), "80 01 80");
  EXPECT_EQ(encode_integer(-129), "80 02 ff 7f");
  EXPECT_EQ(encode_integer(-32768), "80 02 80 00");
  EXPECT_EQ(encode_integer(std::numeric_limits<int64_t>::min()), "80 08 80 00 00 00 00 00 00 00");
  EXPECT_EQ(encode_integer(std::numeric_limits<int64_t>::max()), "80 08 7f ff ff ff ff ff ff ff");
  std::string out;
  Writer(out).unsigned_integer(context(4), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(hex(out), "84 09 00 ff ff ff ff ff ff ff ff");
}

TEST(BerReader, IntegersRoundTrip) {
  const std::vector<int64_t> values = {0,
                                       1,
                                       -1,
                                       127,
                                       128,
                                       -128,
                                       -129,
                                       255,
                                       256,
                                       40001,
                                       65535,
                                       65536,
                                       -65536,
                                       1 << 30,
                                       -(int64_t{1} << 40),
                                       std::numeric_limits<int64_t>::min(),
                                       std::numeric_limits<int64_t>::max()};
  for (const int64_t value : values) {
    std::string out;
    Writer(out).integer(context(2), value);
    Reader reader(as_bytes(out));
    Element element;
    std::string error;
    ASSERT_TRUE(reader.next(element, error)) << error;
    int64_t decoded = 0;
    ASSERT_TRUE(read_integer(element, decoded, error)) << error;
    EXPECT_EQ(decoded, value);
  }
  for (const uint64_t value :
       {uint64_t{0}, uint64_t{1} << 63, std::numeric_limits<uint64_t>::max()}) {
    std::string out;
    Writer(out).unsigned_integer(context(2), value);
    Reader reader(as_bytes(out));
    Element element;
    std::string error;
    ASSERT_TRUE(reader.next(element, error)) << error;
    uint64_t decoded = 0;
    ASSERT_TRUE(read_unsigned(element, decoded, error)) << error;
    EXPECT_EQ(decoded, value);
  }
}

TEST(BerReader, RejectsBadIntegers) {
  std::string error;
  Element element;
  const std::string empty = unhex("80 00");
  ASSERT_TRUE(Reader(as_bytes(empty)).next(element, error));
  int64_t value = 0;
  EXPECT_FALSE(read_integer(element, value, error));
  EXPECT_NE(error.find("offset 0"), std::string::npos) << error;
  const std::string negative = unhex("84 01 ff");
  ASSERT_TRUE(Reader(as_bytes(negative)).next(element, error));
  uint64_t count = 0;
  EXPECT_FALSE(read_unsigned(element, count, error));
  EXPECT_NE(error.find("negative"), std::string::npos) << error;
  const std::string huge = unhex("80 09 01 00 00 00 00 00 00 00 00");
  ASSERT_TRUE(Reader(as_bytes(huge)).next(element, error));
  EXPECT_FALSE(read_integer(element, value, error));
}

TEST(BerWriter, LengthForms) {
  struct Case {
    size_t size;
    std::string header;
  };
  const std::vector<Case> cases = {
      {0, "04 00"},         {127, "04 7f"},         {128, "04 81 80"},        {255, "04 81 ff"},
      {256, "04 82 01 00"}, {65535, "04 82 ff ff"}, {65536, "04 83 01 00 00"}};
  for (const Case& c : cases) {
    std::string out;
    Writer(out).octets(Tag{TagClass::kUniversal, false, 4}, std::string(c.size, 'x'));
    EXPECT_EQ(hex(out.substr(0, out.size() - c.size)), c.header) << c.size;
    Reader reader(as_bytes(out));
    Element element;
    std::string error;
    ASSERT_TRUE(reader.next(element, error)) << error;
    EXPECT_EQ(element.contents.size(), c.size);
    EXPECT_TRUE(reader.at_end());
  }
}

TEST(BerWriter, BackPatchedConstructedLengths) {
  for (const size_t size : {size_t{0}, size_t{125}, size_t{126}, size_t{300}, size_t{70000}}) {
    std::string out = "prefix";  // the writer appends
    Writer writer(out);
    const size_t outer = writer.begin(kSequence);
    const size_t inner = writer.begin(context_constructed(1));
    writer.octets(context(0), std::string(size, 'a'));
    writer.end(inner);
    writer.null(context(3));
    writer.end(outer);
    ASSERT_EQ(out.substr(0, 6), "prefix");
    Reader reader(as_bytes(out).subspan(6));
    Element sequence, child, leaf;
    std::string error;
    ASSERT_TRUE(reader.next(sequence, error)) << error;
    EXPECT_TRUE(reader.at_end());
    Reader fields(ByteView{});
    ASSERT_TRUE(reader.enter(sequence, fields, error)) << error;
    ASSERT_TRUE(fields.next(child, error)) << error;
    Reader inside(ByteView{});
    ASSERT_TRUE(fields.enter(child, inside, error)) << error;
    ASSERT_TRUE(inside.next(leaf, error)) << error;
    EXPECT_EQ(leaf.contents.size(), size);
    ASSERT_TRUE(fields.next(leaf, error)) << error;
    EXPECT_TRUE(read_null(leaf, error)) << error;
    EXPECT_TRUE(fields.at_end());
  }
  std::string out;
  Writer writer(out);
  const size_t mark = writer.begin(kSequence);
  writer.raw(std::string(200, '\0'));
  writer.end(mark);
  EXPECT_EQ(hex(out.substr(0, 3)), "30 81 c8");
}

TEST(BerWriter, HighTagNumbers) {
  std::string out;
  Writer writer(out);
  writer.null(context(30));
  writer.null(context(31));
  writer.null(Tag{TagClass::kContext, true, 200});
  writer.null(Tag{TagClass::kPrivate, false, 16384});
  EXPECT_EQ(hex(out), "9e 00 9f 1f 00 bf 81 48 00 df 81 80 00 00");
  Reader reader(as_bytes(out));
  std::string error;
  for (const Tag tag : {context(30), context(31), Tag{TagClass::kContext, true, 200},
                        Tag{TagClass::kPrivate, false, 16384}}) {
    Element element;
    ASSERT_TRUE(reader.next(element, error)) << error;
    EXPECT_EQ(element.tag, tag) << describe(element.tag);
  }
  EXPECT_TRUE(reader.at_end());
}

TEST(BerReader, RejectsBadHighTags) {
  for (const char* input : {"9f 80 01 00", "9f 81 81 81 81 01 00", "9f", "9f 81"}) {
    const std::string bytes = unhex(input);
    Element element;
    std::string error;
    EXPECT_FALSE(Reader(as_bytes(bytes)).next(element, error)) << input;
    EXPECT_NE(error.find("offset 0"), std::string::npos) << error;
  }
}

TEST(BerWriter, ObjectIdentifiers) {
  std::string out;
  Writer writer(out);
  const std::array<uint32_t, 8> domain = {0, 4, 0, 2, 2, 5, 1, 17};
  writer.object_identifier(context(0), domain);
  const std::array<uint32_t, 4> relative = {5, 3, 10, 2};
  writer.relative_oid(context(0), relative);
  const std::array<uint32_t, 3> big = {2, 999, 300};
  writer.object_identifier(Tag{TagClass::kUniversal, false, 6}, big);
  EXPECT_EQ(hex(out), "80 07 04 00 02 02 05 01 11 80 04 05 03 0a 02 06 04 88 37 82 2c");
  Reader reader(as_bytes(out));
  std::string error;
  std::array<uint32_t, 10> arcs{};
  size_t count = 0;
  Element element;
  ASSERT_TRUE(reader.next(element, error));
  ASSERT_TRUE(read_object_identifier(element, arcs, count, error)) << error;
  EXPECT_EQ(std::vector<uint32_t>(arcs.begin(), arcs.begin() + count),
            std::vector<uint32_t>(domain.begin(), domain.end()));
  ASSERT_TRUE(reader.next(element, error));
  ASSERT_TRUE(read_relative_oid(element, arcs, count, error)) << error;
  EXPECT_EQ(std::vector<uint32_t>(arcs.begin(), arcs.begin() + count),
            std::vector<uint32_t>(relative.begin(), relative.end()));
  ASSERT_TRUE(reader.next(element, error));
  ASSERT_TRUE(read_object_identifier(element, arcs, count, error)) << error;
  EXPECT_EQ(std::vector<uint32_t>(arcs.begin(), arcs.begin() + count),
            std::vector<uint32_t>(big.begin(), big.end()));
  // An arc that ends mid-way and one with a leading 0x80 digit.
  for (const char* input : {"80 02 05 83", "80 02 80 01", "80 00"}) {
    const std::string bytes = unhex(input);
    ASSERT_TRUE(Reader(as_bytes(bytes)).next(element, error));
    EXPECT_FALSE(read_relative_oid(element, arcs, count, error)) << input;
  }
}

TEST(BerReader, NestedIndefiniteLengths) {
  // SEQUENCE (indef) { [1] (indef) { [0] 05 } [4] AA } with a trailing element.
  const std::string bytes = unhex("30 80 a1 80 80 01 05 00 00 84 01 aa 00 00 05 00");
  Reader reader(as_bytes(bytes));
  Element outer;
  std::string error;
  ASSERT_TRUE(reader.next(outer, error)) << error;
  EXPECT_TRUE(outer.indefinite);
  EXPECT_EQ(outer.contents.size(), 10u);
  Reader fields(ByteView{});
  ASSERT_TRUE(reader.enter(outer, fields, error));
  Element first, leaf, second;
  ASSERT_TRUE(fields.next(first, error)) << error;
  EXPECT_EQ(first.tag, context_constructed(1));
  EXPECT_EQ(first.offset, 2u);
  Reader inside(ByteView{});
  ASSERT_TRUE(fields.enter(first, inside, error));
  ASSERT_TRUE(inside.next(leaf, error)) << error;
  EXPECT_EQ(leaf.offset, 4u);
  int64_t value = 0;
  ASSERT_TRUE(read_integer(leaf, value, error));
  EXPECT_EQ(value, 5);
  EXPECT_TRUE(inside.at_end());
  ASSERT_TRUE(fields.next(second, error)) << error;
  EXPECT_EQ(second.offset, 9u);
  EXPECT_TRUE(fields.at_end());
  Element null;
  ASSERT_TRUE(reader.next(null, error)) << error;
  EXPECT_EQ(null.offset, 14u);
  EXPECT_TRUE(reader.at_end());
}

TEST(BerReader, RejectsMalformedIndefiniteForms) {
  const std::vector<std::string> inputs = {
      "80 80 00 00",                       // indefinite primitive
      "30 80 00 01 00",                    // end-of-contents with a length
      "30 80 a1 80 00 00",                 // inner closed, outer never
      "30 80 84 05 01 00 00",              // inner definite runs past the end
      "30 ff 00",                          // reserved length octet
      "30 89 01 01 01 01 01 01 01 01 01",  // 9 length octets
      "00 00",                             // stray end-of-contents
  };
  for (const std::string& input : inputs) {
    const std::string bytes = unhex(input);
    Element element;
    std::string error;
    EXPECT_FALSE(Reader(as_bytes(bytes)).next(element, error)) << input;
    EXPECT_NE(error.find("offset "), std::string::npos) << error;
  }
}

TEST(BerReader, ErrorsNameTheOffset) {
  const std::string bytes = unhex("30 06 80 01 00 81 05 41");
  Reader reader(as_bytes(bytes));
  Element outer, field;
  std::string error;
  ASSERT_TRUE(reader.next(outer, error)) << error;
  Reader fields(ByteView{});
  ASSERT_TRUE(reader.enter(outer, fields, error));
  ASSERT_TRUE(fields.next(field, error));
  EXPECT_FALSE(fields.next(field, error));
  EXPECT_EQ(error, "offset 5: truncated, [1] declares 5 content bytes, 1 available");
}

TEST(BerReader, DepthBombs) {
  // 10000 nested indefinite SEQUENCEs: stopped at kMaxDepth, quickly.
  std::string bomb;
  for (int i = 0; i < 10000; ++i) bomb += "\x30\x80";
  Element element;
  std::string error;
  EXPECT_FALSE(Reader(as_bytes(bomb)).next(element, error));
  EXPECT_NE(error.find("nesting deeper than 32"), std::string::npos) << error;
  size_t length = 0;
  EXPECT_EQ(frame_pdu(as_bytes(bomb), length, error), FrameStatus::kError);
  EXPECT_NE(error.find("nesting"), std::string::npos) << error;

  // Nested definite SEQUENCEs: each enter() is one level deeper.
  std::string nested;
  Writer writer(nested);
  std::vector<size_t> marks;
  for (int i = 0; i < 100; ++i) marks.push_back(writer.begin(kSequence));
  for (auto it = marks.rbegin(); it != marks.rend(); ++it) writer.end(*it);
  Reader reader(as_bytes(nested));
  size_t levels = 0;
  for (;;) {
    if (!reader.next(element, error)) break;
    Reader child(ByteView{});
    if (!reader.enter(element, child, error)) break;
    reader = child;
    ++levels;
  }
  EXPECT_EQ(levels, kMaxDepth);
  EXPECT_NE(error.find("nesting deeper than"), std::string::npos) << error;
}

TEST(BerFrame, CompleteIncompleteAndErrors) {
  const std::string definite = unhex("30 03 80 01 07");
  const std::string indefinite = unhex("30 80 a1 80 80 01 05 00 00 00 00");
  const std::string stream = definite + indefinite + definite;
  size_t length = 0;
  std::string error;
  ASSERT_EQ(frame_pdu(as_bytes(stream), length, error), FrameStatus::kComplete) << error;
  EXPECT_EQ(length, definite.size());
  ASSERT_EQ(frame_pdu(as_bytes(stream).subspan(length), length, error), FrameStatus::kComplete);
  EXPECT_EQ(length, indefinite.size());
  // Every proper prefix is "need more".
  for (const std::string& pdu : {definite, indefinite}) {
    for (size_t cut = 0; cut < pdu.size(); ++cut) {
      EXPECT_EQ(frame_pdu(as_bytes(pdu).first(cut), length, error), FrameStatus::kNeedMore) << cut;
    }
  }
  const std::string garbage = unhex("31 03 80 01 07");
  EXPECT_EQ(frame_pdu(as_bytes(garbage), length, error), FrameStatus::kError);
  EXPECT_NE(error.find("outer tag 0x31"), std::string::npos) << error;
  // 256 MiB announced: refused at once, not buffered.
  const std::string huge = unhex("30 84 10 00 00 00");
  EXPECT_EQ(frame_pdu(as_bytes(huge), length, error), FrameStatus::kError);
  EXPECT_NE(error.find("pdu-too-large"), std::string::npos) << error;
  // Exactly at the limit is still fine (need more).
  std::string at_limit = "\x30\x84";
  const size_t contents = kMaxPduSize - 6;
  for (int shift = 24; shift >= 0; shift -= 8) at_limit += static_cast<char>(contents >> shift);
  EXPECT_EQ(frame_pdu(as_bytes(at_limit), length, error), FrameStatus::kNeedMore);
  // An indefinite PDU whose parts announce more than the limit.
  const std::string inner_huge = unhex("30 80 04 84 10 00 00 00");
  EXPECT_EQ(frame_pdu(as_bytes(inner_huge), length, error), FrameStatus::kError);
  EXPECT_NE(error.find("pdu-too-large"), std::string::npos) << error;
}

}  // namespace
}  // namespace rcds::handover::ber
