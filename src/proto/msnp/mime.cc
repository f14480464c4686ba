#include "proto/msnp/mime.h"

namespace rcds::proto::msnp {

namespace {
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool split_mime(std::string_view payload, MimeMessage& out) {
  // The first empty line ends the headers, whichever line ending is used.
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
    pos = lf + 1;
  }
  return false;
}

std::string_view header_value(std::string_view block, std::string_view name) {
  size_t pos = 0;
  while (pos < block.size()) {
    size_t lf = block.find('\n', pos);
    if (lf == std::string_view::npos) lf = block.size();
    std::string_view line = block.substr(pos, lf - pos);
    pos = lf + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || !iequals(line.substr(0, colon), name)) continue;
    std::string_view value = line.substr(colon + 1);
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
