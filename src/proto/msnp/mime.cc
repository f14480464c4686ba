#include "proto/msnp/mime.h"

#include <algorithm>
#include <cstdint>

namespace rcds::proto::msnp {

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

namespace {
// Calls `found(index, value)` for each line "names[index]: value" (name
// case-insensitive; leading blanks, a trailing CR and trailing spaces
// dropped) until it returns true.
template <class Found>
void scan_headers(std::string_view block, std::span<const std::string_view> names, Found found) {
  size_t pos = 0;
  while (pos < block.size()) {
    size_t lf = block.find('\n', pos);
    if (lf == std::string_view::npos) lf = block.size();
    std::string_view line = block.substr(pos, lf - pos);
    pos = lf + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    for (size_t i = 0; i < names.size(); ++i) {
      // Header names hold no colon, so a name matches exactly when the
      // line's first colon follows it: checked without searching the line
      // (this runs for every header of every wanted message).
      const size_t n = names[i].size();
      if (line.size() <= n || line[n] != ':' || !iequals(line.substr(0, n), names[i])) continue;
      std::string_view value = line.substr(n + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      if (found(i, value)) return;
      break;
    }
  }
}
}  // namespace

std::string_view header_value(std::string_view block, std::string_view name) {
  std::string_view result;
  scan_headers(block, std::span<const std::string_view>(&name, 1), [&](size_t, std::string_view v) {
    result = v;
    return true;
  });
  return result;
}

void header_values(std::string_view block, std::span<const std::string_view> names,
                   std::span<std::string_view> values) {
  names = names.first(std::min<size_t>(names.size(), 64));
  std::fill_n(values.begin(), names.size(), std::string_view{});
  size_t left = names.size();
  uint64_t done = 0;  // bit i: names[i] found (the first occurrence wins)
  scan_headers(block, names, [&](size_t i, std::string_view v) {
    if ((done >> i & 1) == 0) {
      done |= uint64_t{1} << i;
      values[i] = v;
      --left;
    }
    return left == 0;
  });
}

std::string_view media_type(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return type;
}

}  // namespace rcds::proto::msnp
