#include "handover/ber.h"

#include <bit>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <limits>

namespace rcds::handover::ber {

namespace {

// printf into a std::string: error paths only, never on the encode path.
[[gnu::format(printf, 2, 3)]] void set_error(std::string& error, const char* format, ...) {
  char buffer[256];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  error = buffer;
}

enum class Scan : uint8_t { kOk, kTruncated, kMalformed, kTooLarge };

struct Header {
  Tag tag;
  size_t header_size = 0;
  bool indefinite = false;
  uint64_t length = 0;  // definite lengths only
};

bool is_end_of_contents(const Header& header) {
  return header.tag.tag_class == TagClass::kUniversal && header.tag.number == 0 &&
         !header.tag.constructed;
}

// Identifier and length octets at data[position]; `base` is data's offset in
// the outermost input.
Scan read_header(ByteView data, size_t position, size_t base, Header& header, std::string& error) {
  const size_t at = base + position;
  size_t p = position;
  if (p >= data.size()) {
    set_error(error, "offset %zu: truncated, identifier missing", at);
    return Scan::kTruncated;
  }
  const uint8_t first = data[p++];
  header.tag.tag_class = static_cast<TagClass>(first >> 6);
  header.tag.constructed = (first & 0x20) != 0;
  header.tag.number = first & 0x1F;
  if (header.tag.number == 0x1F) {
    // High-tag-number form: base-128 digits, high bit set on all but the last.
    uint32_t number = 0;
    for (int digits = 0;; ++digits) {
      if (p >= data.size()) {
        set_error(error, "offset %zu: truncated inside a high tag number", at);
        return Scan::kTruncated;
      }
      const uint8_t digit = data[p++];
      if (digits == 0 && digit == 0x80) {
        set_error(error, "offset %zu: high tag number with a leading zero digit", at);
        return Scan::kMalformed;
      }
      if (digits == 4) {  // 28 bits is far beyond any tag an ETSI module uses
        set_error(error, "offset %zu: tag number longer than 4 digits", at);
        return Scan::kMalformed;
      }
      number = (number << 7) | (digit & 0x7F);
      if ((digit & 0x80) == 0) break;
    }
    if (number < 31) {  // X.690 8.1.2.4: the high form is for numbers >= 31 only
      set_error(error, "offset %zu: tag number %u in the high-tag form", at, number);
      return Scan::kMalformed;
    }
    header.tag.number = number;
  }
  if (p >= data.size()) {
    set_error(error, "offset %zu: truncated, length missing", at);
    return Scan::kTruncated;
  }
  const uint8_t first_length = data[p++];
  header.indefinite = false;
  header.length = 0;
  if (first_length < 0x80) {
    header.length = first_length;
  } else if (first_length == 0x80) {
    if (!header.tag.constructed) {
      set_error(error, "offset %zu: indefinite length on primitive %s", at,
                describe(header.tag).c_str());
      return Scan::kMalformed;
    }
    header.indefinite = true;
  } else if (first_length == 0xFF) {
    set_error(error, "offset %zu: reserved length octet 0xFF", at);
    return Scan::kMalformed;
  } else {
    const size_t octets = first_length & 0x7F;
    if (octets > 8) {
      set_error(error, "offset %zu: length of %zu octets", at, octets);
      return Scan::kMalformed;
    }
    if (data.size() - p < octets) {
      set_error(error, "offset %zu: truncated inside a long-form length", at);
      return Scan::kTruncated;
    }
    uint64_t length = 0;
    for (size_t i = 0; i < octets; ++i) {
      if (length > (uint64_t{1} << 55)) {
        set_error(error, "offset %zu: length does not fit 64 bits", at);
        return Scan::kMalformed;
      }
      length = (length << 8) | data[p++];
    }
    header.length = length;
  }
  header.header_size = p - position;
  return Scan::kOk;
}

// Where the element starting at data[position] ends (one past its last byte,
// end-of-contents included). Definite lengths are skipped without looking
// inside; an indefinite one is walked to its matching end-of-contents, with
// `depth` (of the element) plus the open indefinite levels bounded by
// kMaxDepth. `max_end` bounds the end (kTooLarge beyond it).
Scan element_end(ByteView data, size_t position, size_t base, size_t depth, size_t max_end,
                 Header& header, size_t& end, std::string& error) {
  Scan scan = read_header(data, position, base, header, error);
  if (scan != Scan::kOk) return scan;
  size_t p = position + header.header_size;
  if (!header.indefinite) {
    if (header.length > max_end - p) {
      set_error(error, "offset %zu: pdu-too-large: %s declares %llu content bytes (limit %zu)",
                base + position, describe(header.tag).c_str(),
                static_cast<unsigned long long>(header.length), max_end);
      return Scan::kTooLarge;
    }
    if (header.length > data.size() - p) {
      set_error(error, "offset %zu: truncated, %s declares %llu content bytes, %zu available",
                base + position, describe(header.tag).c_str(),
                static_cast<unsigned long long>(header.length), data.size() - p);
      return Scan::kTruncated;
    }
    end = p + static_cast<size_t>(header.length);
    return Scan::kOk;
  }
  size_t open = 1;  // indefinite levels not yet closed
  while (open > 0) {
    Header inner;
    scan = read_header(data, p, base, inner, error);
    if (scan != Scan::kOk) return scan;
    const size_t inner_at = p;
    p += inner.header_size;
    if (is_end_of_contents(inner)) {
      if (inner.length != 0 || inner.header_size != 2) {  // exactly 00 00
        set_error(error, "offset %zu: malformed end-of-contents", base + inner_at);
        return Scan::kMalformed;
      }
      --open;
    } else if (inner.indefinite) {
      if (depth + open + 1 > kMaxDepth) {
        set_error(error, "offset %zu: nesting deeper than %zu levels", base + inner_at, kMaxDepth);
        return Scan::kMalformed;
      }
      ++open;
    } else {
      if (inner.length > data.size() - p) {
        set_error(error, "offset %zu: truncated, %s declares %llu content bytes, %zu available",
                  base + inner_at, describe(inner.tag).c_str(),
                  static_cast<unsigned long long>(inner.length), data.size() - p);
        if (inner.length > max_end) {
          set_error(error, "offset %zu: pdu-too-large: %s declares %llu content bytes (limit %zu)",
                    base + inner_at, describe(inner.tag).c_str(),
                    static_cast<unsigned long long>(inner.length), max_end);
          return Scan::kTooLarge;
        }
        return Scan::kTruncated;
      }
      p += static_cast<size_t>(inner.length);
    }
    if (p > max_end) {
      set_error(error, "offset %zu: pdu-too-large: indefinite-length %s runs past %zu bytes",
                base + position, describe(header.tag).c_str(), max_end);
      return Scan::kTooLarge;
    }
  }
  end = p;
  return Scan::kOk;
}

size_t base128_size(uint64_t value) {
  size_t size = 1;
  while (value >>= 7) ++size;
  return size;
}

bool expect_primitive(const Element& element, const char* what, std::string& error) {
  if (element.tag.constructed) {
    set_error(error, "offset %zu: %s %s must be primitive", element.offset, what,
              describe(element.tag).c_str());
    return false;
  }
  return true;
}

// Subidentifiers of an OID body; `first_pair` splits the first into two arcs.
bool read_subidentifiers(const Element& element, bool first_pair, std::span<uint32_t> arcs,
                         size_t& count, std::string& error) {
  if (!expect_primitive(element, "object identifier", error)) return false;
  count = 0;
  if (element.contents.empty()) {
    set_error(error, "offset %zu: empty object identifier", element.offset);
    return false;
  }
  uint64_t value = 0;
  size_t digits = 0;
  for (const uint8_t byte : element.contents) {
    if (digits == 0 && byte == 0x80) {
      set_error(error, "offset %zu: object identifier arc with a leading zero digit",
                element.offset);
      return false;
    }
    value = (value << 7) | (byte & 0x7F);
    if (++digits > 5 || value > std::numeric_limits<uint32_t>::max() + uint64_t{80}) {
      set_error(error, "offset %zu: object identifier arc does not fit 32 bits", element.offset);
      return false;
    }
    if (byte & 0x80) continue;
    const bool split = first_pair && count == 0;
    if (count + (split ? 2 : 1) > arcs.size()) {
      set_error(error, "offset %zu: object identifier has more than %zu arcs", element.offset,
                arcs.size());
      return false;
    }
    if (split) {
      const uint64_t top = value < 40 ? 0 : value < 80 ? 1 : 2;
      arcs[count++] = static_cast<uint32_t>(top);
      value -= top * 40;
      if (value > std::numeric_limits<uint32_t>::max()) {
        set_error(error, "offset %zu: object identifier arc does not fit 32 bits", element.offset);
        return false;
      }
    } else if (value > std::numeric_limits<uint32_t>::max()) {
      set_error(error, "offset %zu: object identifier arc does not fit 32 bits", element.offset);
      return false;
    }
    arcs[count++] = static_cast<uint32_t>(value);
    value = 0;
    digits = 0;
  }
  if (digits != 0) {
    set_error(error, "offset %zu: object identifier ends inside an arc", element.offset);
    return false;
  }
  return true;
}

}  // namespace

std::string describe(Tag tag) {
  static constexpr const char* kClassNames[] = {"UNIVERSAL ", "APPLICATION ", "", "PRIVATE "};
  std::string text = "[";
  text += kClassNames[static_cast<uint8_t>(tag.tag_class) & 3];
  text += std::to_string(tag.number);
  text += tag.constructed ? "] constructed" : "]";
  return text;
}

// ---- Writer -----------------------------------------------------------------
//
// Every TLV header (identifier and length octets) is built in a small stack
// buffer and appended in one call: per-octet push_back pays a capacity check
// and a size update per byte, which profiling showed was most of the cost of
// encoding a small IRI record.

namespace {

// Largest header: 1 + 5 identifier octets (a 32-bit tag number needs five
// base-128 digits) and 1 + 8 length octets.
constexpr size_t kMaxHeader = 15;

size_t put_base128(char* out, uint64_t value) {
  const size_t size = base128_size(value);
  for (size_t i = size; i-- > 0;) {
    const auto digit = static_cast<uint8_t>((value >> (7 * i)) & 0x7F);
    *out++ = static_cast<char>(i > 0 ? (digit | 0x80) : digit);
  }
  return size;
}

size_t put_identifier(char* out, Tag tag) {
  const auto leading = static_cast<uint8_t>((static_cast<uint8_t>(tag.tag_class) << 6) |
                                            (tag.constructed ? 0x20 : 0x00));
  if (tag.number < 31) {
    out[0] = static_cast<char>(leading | tag.number);
    return 1;
  }
  out[0] = static_cast<char>(leading | 0x1F);
  return 1 + put_base128(out + 1, tag.number);
}

// Octets of a long-form length (without the leading 0x8n octet).
size_t long_length_octets(size_t length) { return (std::bit_width(length) + 7) / 8; }

// Minimal definite length: short form below 128, else 0x80|n and n octets.
size_t put_length(char* out, size_t length) {
  if (length < 0x80) {
    out[0] = static_cast<char>(length);
    return 1;
  }
  const size_t octets = long_length_octets(length);
  out[0] = static_cast<char>(0x80 | octets);
  for (size_t i = 0; i < octets; ++i) {
    out[1 + i] = static_cast<char>((length >> (8 * (octets - 1 - i))) & 0xFF);
  }
  return 1 + octets;
}

void append_base128(std::string& out, uint64_t value) {
  char buffer[10];
  out.append(buffer, put_base128(buffer, value));
}

}  // namespace

void Writer::identifier(Tag tag) {
  char buffer[kMaxHeader];
  out_->append(buffer, put_identifier(buffer, tag));
}

void Writer::length(size_t length) {
  char buffer[kMaxHeader];
  out_->append(buffer, put_length(buffer, length));
}

void Writer::octets(Tag tag, std::string_view contents) {
  char buffer[kMaxHeader];
  size_t size = put_identifier(buffer, tag);
  size += put_length(buffer + size, contents.size());
  out_->append(buffer, size);
  out_->append(contents);
}

size_t integer_contents(int64_t value, uint8_t* buffer) {
  // Minimal two's complement: the magnitude bits of the value (of its
  // complement when negative) plus one sign bit, rounded up to whole octets.
  const auto magnitude = static_cast<uint64_t>(value < 0 ? ~value : value);
  const size_t size = static_cast<size_t>(std::bit_width(magnitude)) / 8 + 1;
  for (size_t i = 0; i < size; ++i) {
    buffer[i] = static_cast<uint8_t>(static_cast<uint64_t>(value) >> (8 * (size - 1 - i)));
  }
  return size;
}

size_t unsigned_contents(uint64_t value, uint8_t* buffer) {
  if ((value >> 63) == 0) return integer_contents(static_cast<int64_t>(value), buffer);
  buffer[0] = 0x00;  // keeps the value positive
  for (int i = 0; i < 8; ++i) buffer[8 - i] = static_cast<uint8_t>(value >> (8 * i));
  return 9;
}

void Writer::integer(Tag tag, int64_t value) {
  // Identifier, one length octet (contents are at most 9 bytes) and contents,
  // appended at once.
  char buffer[kMaxHeader + 9];
  size_t size = put_identifier(buffer, tag);
  const size_t contents = integer_contents(value, reinterpret_cast<uint8_t*>(buffer + size + 1));
  buffer[size] = static_cast<char>(contents);
  out_->append(buffer, size + 1 + contents);
}

void Writer::unsigned_integer(Tag tag, uint64_t value) {
  char buffer[kMaxHeader + 9];
  size_t size = put_identifier(buffer, tag);
  const size_t contents = unsigned_contents(value, reinterpret_cast<uint8_t*>(buffer + size + 1));
  buffer[size] = static_cast<char>(contents);
  out_->append(buffer, size + 1 + contents);
}

void Writer::object_identifier(Tag tag, std::span<const uint32_t> arcs) {
  // An OID has at least two arcs; the first two share one subidentifier.
  const uint64_t first = arcs.size() >= 2 ? uint64_t{arcs[0]} * 40 + arcs[1]
                                          : (arcs.empty() ? 0 : uint64_t{arcs[0]} * 40);
  size_t size = base128_size(first);
  for (size_t i = 2; i < arcs.size(); ++i) size += base128_size(arcs[i]);
  identifier(tag);
  length(size);
  append_base128(*out_, first);
  for (size_t i = 2; i < arcs.size(); ++i) append_base128(*out_, arcs[i]);
}

void Writer::relative_oid(Tag tag, std::span<const uint32_t> arcs) {
  size_t size = 0;
  for (const uint32_t arc : arcs) size += base128_size(arc);
  identifier(tag);
  length(size);
  for (const uint32_t arc : arcs) append_base128(*out_, arc);
}

size_t Writer::begin(Tag tag) {
  tag.constructed = true;
  char buffer[kMaxHeader];
  size_t size = put_identifier(buffer, tag);
  buffer[size++] = '\0';  // length placeholder, fixed by end()
  out_->append(buffer, size);
  return out_->size() - 1;
}

void Writer::end(size_t mark) {
  const size_t length = out_->size() - mark - 1;
  if (length < 0x80) {
    (*out_)[mark] = static_cast<char>(length);
    return;
  }
  // The placeholder becomes the first length octet; the contents move up by
  // the other octets. (Reserving long-form room in begin() instead would move
  // the contents of every short item, and most constructed items are short.)
  const size_t octets = long_length_octets(length);
  const size_t contents = mark + 1;
  out_->resize(out_->size() + octets);
  char* data = out_->data();
  std::memmove(data + contents + octets, data + contents, length);
  put_length(data + mark, length);
}

// ---- Reader -----------------------------------------------------------------

bool Reader::next(Element& element, std::string& error) {
  Header header;
  size_t end = 0;
  const Scan scan = element_end(data_, position_, base_, depth_, std::numeric_limits<size_t>::max(),
                                header, end, error);
  if (scan != Scan::kOk) return false;
  if (is_end_of_contents(header)) {
    set_error(error, "offset %zu: unexpected end-of-contents", offset());
    return false;
  }
  element.tag = header.tag;
  element.offset = offset();
  element.header_size = header.header_size;
  element.indefinite = header.indefinite;
  const size_t contents_begin = position_ + header.header_size;
  const size_t contents_end = header.indefinite ? end - 2 : end;
  element.contents = data_.subspan(contents_begin, contents_end - contents_begin);
  position_ = end;
  return true;
}

bool Reader::enter(const Element& element, Reader& child, std::string& error) const {
  if (!element.tag.constructed) {
    set_error(error, "offset %zu: %s must be constructed", element.offset,
              describe(element.tag).c_str());
    return false;
  }
  if (depth_ + 1 > kMaxDepth) {
    set_error(error, "offset %zu: nesting deeper than %zu levels", element.offset, kMaxDepth);
    return false;
  }
  child = Reader(element.contents, element.offset + element.header_size, depth_ + 1);
  return true;
}

bool read_integer(const Element& element, int64_t& value, std::string& error) {
  if (!expect_primitive(element, "INTEGER", error)) return false;
  const ByteView bytes = element.contents;
  if (bytes.empty() || bytes.size() > 8) {
    set_error(error, "offset %zu: INTEGER of %zu octets (1 to 8 supported)", element.offset,
              bytes.size());
    return false;
  }
  uint64_t bits = (bytes[0] & 0x80) ? ~uint64_t{0} : 0;  // sign extension
  for (const uint8_t byte : bytes) bits = (bits << 8) | byte;
  value = static_cast<int64_t>(bits);
  return true;
}

bool read_unsigned(const Element& element, uint64_t& value, std::string& error) {
  if (!expect_primitive(element, "INTEGER", error)) return false;
  ByteView bytes = element.contents;
  if (bytes.empty()) {
    set_error(error, "offset %zu: empty INTEGER", element.offset);
    return false;
  }
  if (bytes[0] & 0x80) {
    set_error(error, "offset %zu: negative INTEGER where a count is expected", element.offset);
    return false;
  }
  if (bytes.size() == 9 && bytes[0] == 0x00) bytes = bytes.subspan(1);
  if (bytes.size() > 8) {
    set_error(error, "offset %zu: INTEGER of %zu octets does not fit 64 bits", element.offset,
              element.contents.size());
    return false;
  }
  uint64_t bits = 0;
  for (const uint8_t byte : bytes) bits = (bits << 8) | byte;
  value = bits;
  return true;
}

bool read_null(const Element& element, std::string& error) {
  if (!expect_primitive(element, "NULL", error)) return false;
  if (!element.contents.empty()) {
    set_error(error, "offset %zu: NULL %s with %zu content bytes", element.offset,
              describe(element.tag).c_str(), element.contents.size());
    return false;
  }
  return true;
}

bool read_octets(const Element& element, std::string_view& value, std::string& error) {
  if (!expect_primitive(element, "string", error)) return false;
  value = as_chars(element.contents);
  return true;
}

bool read_object_identifier(const Element& element, std::span<uint32_t> arcs, size_t& count,
                            std::string& error) {
  return read_subidentifiers(element, true, arcs, count, error);
}

bool read_relative_oid(const Element& element, std::span<uint32_t> arcs, size_t& count,
                       std::string& error) {
  return read_subidentifiers(element, false, arcs, count, error);
}

// ---- Framing ----------------------------------------------------------------

FrameStatus frame_pdu(ByteView buffered, size_t& pdu_length, std::string& error) {
  if (buffered.empty()) return FrameStatus::kNeedMore;
  if (buffered[0] != 0x30) {
    set_error(error, "offset 0: outer tag 0x%02X is not a PS-PDU (SEQUENCE, 0x30)", buffered[0]);
    return FrameStatus::kError;
  }
  Header header;
  size_t end = 0;
  switch (element_end(buffered, 0, 0, 0, kMaxPduSize, header, end, error)) {
    case Scan::kOk:
      pdu_length = end;
      return FrameStatus::kComplete;
    case Scan::kTruncated:
      return FrameStatus::kNeedMore;
    case Scan::kMalformed:
    case Scan::kTooLarge:
      return FrameStatus::kError;
  }
  return FrameStatus::kError;
}

}  // namespace rcds::handover::ber
