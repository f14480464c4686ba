#include "proto/msnp/mime.h"

#include <cstdint>

namespace rcds::proto::msnp {

namespace {
// The headers split_mime() indexes.
struct Indexed {
  std::string_view name;  // lower case
  std::string_view MimeMessage::*field;
  uint8_t bit;
};
constexpr Indexed kContentType{"content-type", &MimeMessage::content_type, 1};
constexpr Indexed kMessageId{"message-id", &MimeMessage::message_id, 2};
constexpr Indexed kChunks{"chunks", &MimeMessage::chunks, 4};
constexpr Indexed kChunk{"chunk", &MimeMessage::chunk, 8};
constexpr Indexed kImFormat{"x-mms-im-format", &MimeMessage::im_format, 16};

// Whether the line starts with header `h`'s name and a colon. A header name
// holds no colon, so when the first bytes equal the name the colon after
// them is the line's first: no search of the line is needed (a hot path:
// every wanted message's headers, cachegrind).
bool is_header(std::string_view line, const Indexed& h) {
  const size_t n = h.name.size();
  return line.size() > n && line[n] == ':' && swar::equals_lower(line.substr(0, n), h.name);
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
  std::string_view value = line.substr(header->name.size() + 1);
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
