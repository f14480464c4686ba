#include "proto/msnp/mime.h"

#include <array>
#include <cstdint>
#include <cstring>

namespace rcds::proto::msnp {

namespace {
// An indexed header: its name in lower case and, per byte, the bit that
// case-folds (0x20 on letters, 0 elsewhere), so that a name compares with
// two 8-byte loads instead of a loop: ((text | fold) == lower) is exact,
// as only letters get the bit (a hot path: every wanted message's headers,
// cachegrind).
struct Indexed {
  static constexpr size_t kMax = 16;
  std::string_view MimeMessage::*field;
  uint8_t bit;
  size_t size;
  std::array<char, kMax> lower{};
  std::array<char, kMax> fold{};
};
constexpr Indexed indexed(std::string_view name, std::string_view MimeMessage::*field,
                          uint8_t bit) {
  Indexed h{field, bit, name.size()};
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    h.lower[i] = letter ? static_cast<char>(c | 0x20) : c;
    h.fold[i] = letter ? 0x20 : 0;
  }
  return h;
}
constexpr Indexed kContentType = indexed("Content-Type", &MimeMessage::content_type, 1);
constexpr Indexed kMessageId = indexed("Message-ID", &MimeMessage::message_id, 2);
constexpr Indexed kChunks = indexed("Chunks", &MimeMessage::chunks, 4);
constexpr Indexed kChunk = indexed("Chunk", &MimeMessage::chunk, 8);
constexpr Indexed kImFormat = indexed("X-MMS-IM-Format", &MimeMessage::im_format, 16);
static_assert(kImFormat.size <= Indexed::kMax && kChunk.size >= 4);  // is_header's loads

template <class Word>
bool folded_equal_at(const char* text, const Indexed& h, size_t at) {
  Word t, f, l;
  std::memcpy(&t, text + at, sizeof(Word));
  std::memcpy(&f, h.fold.data() + at, sizeof(Word));
  std::memcpy(&l, h.lower.data() + at, sizeof(Word));
  return (t | f) == l;
}

// Whether the line starts with header `h`'s name and a colon. A header name
// holds no colon, so when the first h.size bytes equal the name the colon
// after them is the line's first: no search of the line is needed.
bool is_header(std::string_view line, const Indexed& h) {
  const size_t n = h.size;
  if (line.size() <= n || line[n] != ':') return false;
  // Two overlapping loads cover any length from one word to two.
  if (n >= 8) {
    return folded_equal_at<uint64_t>(line.data(), h, 0) &&
           folded_equal_at<uint64_t>(line.data(), h, n - 8);
  }
  return folded_equal_at<uint32_t>(line.data(), h, 0) &&
         folded_equal_at<uint32_t>(line.data(), h, n - 4);
}

// One header line into the index of `m`, if it is one of the indexed
// headers and the first of its name.
void index_line(std::string_view line, MimeMessage& m, uint8_t& seen) {
  if (line.empty()) return;
  const Indexed* header = nullptr;
  switch (line[0] | 0x20) {
    case 'c':
      header = is_header(line, kContentType) ? &kContentType
               : is_header(line, kChunks)    ? &kChunks
               : is_header(line, kChunk)     ? &kChunk
                                             : nullptr;
      break;
    case 'm':
      if (is_header(line, kMessageId)) header = &kMessageId;
      break;
    case 'x':
      if (is_header(line, kImFormat)) header = &kImFormat;
      break;
    default:
      break;
  }
  if (header == nullptr || (seen & header->bit) != 0) return;
  seen |= header->bit;
  std::string_view value = line.substr(header->size + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  m.*(header->field) = value;
}
}  // namespace

bool split_mime(std::string_view payload, MimeMessage& out) {
  // The first empty line ends the headers, whichever line ending is used.
  out = MimeMessage{};
  uint8_t seen = 0;
  size_t pos = 0;
  while (pos < payload.size()) {
    const size_t lf = swar::find(payload, pos, '\n');
    if (lf == payload.size()) return false;
    std::string_view line = payload.substr(pos, lf - pos);
    if (line.empty() || line == "\r") {
      out.headers = payload.substr(0, pos);
      out.body = payload.substr(lf + 1);
      return true;
    }
    if (line.back() == '\r') line.remove_suffix(1);
    index_line(line, out, seen);
    pos = lf + 1;
  }
  return false;
}

void index_headers(MimeMessage& m) {
  m.content_type = m.message_id = m.chunks = m.chunk = m.im_format = {};
  uint8_t seen = 0;
  size_t pos = 0;
  while (pos < m.headers.size()) {
    size_t lf = m.headers.find('\n', pos);
    if (lf == std::string_view::npos) lf = m.headers.size();
    std::string_view line = m.headers.substr(pos, lf - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    index_line(line, m, seen);
    pos = lf + 1;
  }
}

std::string_view header_value(std::string_view block, std::string_view name) {
  size_t pos = 0;
  while (pos < block.size()) {
    size_t lf = block.find('\n', pos);
    if (lf == std::string_view::npos) lf = block.size();
    std::string_view line = block.substr(pos, lf - pos);
    pos = lf + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // Header names hold no colon, so `name` matches exactly when the line's
    // first colon follows it: checked without searching the line.
    const size_t n = name.size();
    if (line.size() <= n || line[n] != ':' || !iequals(line.substr(0, n), name)) continue;
    std::string_view value = line.substr(n + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    return value;
  }
  return {};
}

std::string_view media_type(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return type;
}

}  // namespace rcds::proto::msnp
