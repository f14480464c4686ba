// BER (X.690) encoding and decoding for the ETSI handover (ETSI_HANDOVER.md §2-§4).
//
// Writer: definite lengths only, minimal two's-complement INTEGER/ENUMERATED,
// low- and high-tag-number identifiers, constructed items whose length is
// back-patched when they end. It appends to a caller-owned std::string, so one
// buffer is reused from PDU to PDU and encoding allocates only when a PDU is
// larger than any before it.
//
// Reader: bounds-checked walk over untrusted bytes. It accepts what a BER
// sender may emit (short and long definite lengths, indefinite lengths with
// nested end-of-contents, high tag numbers), limits nesting depth, and reports
// every failure as text with the absolute byte offset of the culprit.
//
// frame_pdu(): where one PS-PDU ends in a TCP byte stream (no length prefix on
// the wire: the outer SEQUENCE's own length frames it, §2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "util/bytes.h"

namespace rcds::handover::ber {

enum class TagClass : uint8_t { kUniversal = 0, kApplication = 1, kContext = 2, kPrivate = 3 };

struct Tag {
  TagClass tag_class = TagClass::kUniversal;
  bool constructed = false;
  uint32_t number = 0;
  friend bool operator==(const Tag&, const Tag&) = default;
};

// [n] IMPLICIT primitive (0x80 + n) and constructed (0xA0 + n) context tags.
constexpr Tag context(uint32_t number) { return {TagClass::kContext, false, number}; }
constexpr Tag context_constructed(uint32_t number) { return {TagClass::kContext, true, number}; }
inline constexpr Tag kSequence{TagClass::kUniversal, true, 16};
inline constexpr Tag kUtf8String{TagClass::kUniversal, false, 12};
inline constexpr Tag kEndOfContents{TagClass::kUniversal, false, 0};

// "[3]", "[UNIVERSAL 16]", with " constructed" where it applies (for errors).
std::string describe(Tag tag);

// Nesting deeper than this is rejected: no PDU we know needs more than ~10
// levels, and a bound keeps hostile input from exhausting the stack or time.
inline constexpr size_t kMaxDepth = 32;
// Largest PS-PDU a receiver buffers. A CC PDU carries at most one IP packet or
// one file chunk; 64 MiB is far above that and still bounds the memory one
// misbehaving sender can pin.
inline constexpr size_t kMaxPduSize = size_t{64} << 20;

class Writer {
 public:
  // Appends to `out`; the caller clears it between PDUs when it wants to.
  explicit Writer(std::string& out) : out_(&out) {}

  void identifier(Tag tag);
  void length(size_t length);
  void raw(std::string_view bytes) { out_->append(bytes); }

  void octets(Tag tag, std::string_view contents);
  void octets(Tag tag, ByteView contents) { octets(tag, as_chars(contents)); }
  void integer(Tag tag, int64_t value);
  void unsigned_integer(Tag tag, uint64_t value);
  void null(Tag tag) { octets(tag, std::string_view{}); }
  // OBJECT IDENTIFIER (the first two arcs share one subidentifier) and
  // RELATIVE-OID (every arc on its own).
  void object_identifier(Tag tag, std::span<const uint32_t> arcs);
  void relative_oid(Tag tag, std::span<const uint32_t> arcs);

  // A constructed item: begin() writes the identifier and a one-byte length
  // placeholder; end() fills it in, widening it to the long form (and moving
  // the contents) only when the contents reach 128 bytes.
  [[nodiscard]] size_t begin(Tag tag);
  void end(size_t mark);

  std::string& out() { return *out_; }

 private:
  std::string* out_;
};

// Bytes of a minimal two's-complement INTEGER contents (40001 -> 00 9C 41).
// Writes into `buffer` (at least 9 bytes) and returns the number written.
size_t integer_contents(int64_t value, uint8_t* buffer);
size_t unsigned_contents(uint64_t value, uint8_t* buffer);

// One decoded TLV. `contents` excludes the header and, for an indefinite
// length, the closing end-of-contents octets.
struct Element {
  Tag tag;
  size_t offset = 0;  // of the identifier octet, from the start of the outermost input
  size_t header_size = 0;
  bool indefinite = false;
  ByteView contents;
};

class Reader {
 public:
  // `base_offset` is where `data` starts in the outermost input (for errors).
  explicit Reader(ByteView data, size_t base_offset = 0, size_t depth = 0)
      : data_(data), base_(base_offset), depth_(depth) {}

  bool at_end() const { return position_ >= data_.size(); }
  size_t offset() const { return base_ + position_; }
  size_t depth() const { return depth_; }

  // Reads the next element. On failure returns false with `error` set and
  // leaves the reader where it was.
  bool next(Element& element, std::string& error);
  // A reader over a constructed element's contents, one level deeper. Fails
  // on a primitive element or past kMaxDepth.
  bool enter(const Element& element, Reader& child, std::string& error) const;

 private:
  ByteView data_;
  size_t base_ = 0;
  size_t depth_ = 0;
  size_t position_ = 0;
};

// Typed views of primitive contents; each fails with the element's offset.
bool read_integer(const Element& element, int64_t& value, std::string& error);
bool read_unsigned(const Element& element, uint64_t& value, std::string& error);
bool read_null(const Element& element, std::string& error);
// Contents of a primitive string. Constructed (segmented) strings are legal
// BER but no ETSI sender uses them; they are rejected with a clear error.
bool read_octets(const Element& element, std::string_view& value, std::string& error);
// Arcs of an OBJECT IDENTIFIER / RELATIVE-OID (each arc < 2^32), at most
// `arcs.size()`; `count` receives how many.
bool read_object_identifier(const Element& element, std::span<uint32_t> arcs, size_t& count,
                            std::string& error);
bool read_relative_oid(const Element& element, std::span<uint32_t> arcs, size_t& count,
                       std::string& error);

enum class FrameStatus : uint8_t { kComplete, kNeedMore, kError };

// Looks at the start of a receive buffer. kComplete: `pdu_length` is the size
// of the first PS-PDU (header, contents and any end-of-contents). kNeedMore:
// the buffer holds only a prefix of a PDU. kError: the stream cannot be a
// PS-PDU stream here (outer tag not 0x30, malformed length or nesting, or
// larger than kMaxPduSize: "pdu-too-large"); `error` says which and where.
FrameStatus frame_pdu(ByteView buffered, size_t& pdu_length, std::string& error);

}  // namespace rcds::handover::ber
