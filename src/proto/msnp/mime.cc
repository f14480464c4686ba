#include "proto/msnp/mime.h"

#include <cstdint>

namespace rcds::proto::msnp {

namespace {
// One header line into the index of `m`, if it is one of the indexed
// headers and the first of its name.
void index_line(std::string_view line, MimeMessage& m, uint8_t& seen) {
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return;
  const std::string_view name = line.substr(0, colon);
  std::string_view MimeMessage::*field = nullptr;
  uint8_t bit = 0;
  switch (name.size()) {  // cheap dispatch before comparing names
    case 12:
      if (iequals(name, "Content-Type")) field = &MimeMessage::content_type, bit = 1;
      break;
    case 10:
      if (iequals(name, "Message-ID")) field = &MimeMessage::message_id, bit = 2;
      break;
    case 6:
      if (iequals(name, "Chunks")) field = &MimeMessage::chunks, bit = 4;
      break;
    case 5:
      if (iequals(name, "Chunk")) field = &MimeMessage::chunk, bit = 8;
      break;
    case 15:
      if (iequals(name, "X-MMS-IM-Format")) field = &MimeMessage::im_format, bit = 16;
      break;
    default:
      break;
  }
  if (field == nullptr || (seen & bit) != 0) return;
  seen |= bit;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  m.*field = value;
}
}  // namespace

bool split_mime(std::string_view payload, MimeMessage& out) {
  // The first empty line ends the headers, whichever line ending is used.
  out = MimeMessage{};
  uint8_t seen = 0;
  size_t pos = 0;
  while (pos < payload.size()) {
    const size_t lf = payload.find('\n', pos);
    if (lf == std::string_view::npos) return false;
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
