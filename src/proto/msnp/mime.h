// MIME-like headers of MSG payloads (MSNP.md §8): a header block, a blank
// line, a body. Pure and allocation-free: every result views the payload.
#pragma once

#include <span>
#include <string_view>

namespace rcds::proto::msnp {

struct MimeMessage {
  std::string_view headers;  // header block without the blank line
  std::string_view body;     // everything after the blank line
};

// Splits at the first CRLF CRLF (or bare LF LF). False when there is none.
bool split_mime(std::string_view payload, MimeMessage& out);

// The value of header `name` (case-insensitive) in a "Name: value" block,
// leading spaces and a trailing CR removed; "" when absent.
std::string_view header_value(std::string_view block, std::string_view name);

// Several headers in one pass over the block: values[i] is what
// header_value(block, names[i]) gives. `values` has at least names.size()
// entries; at most 64 names.
void header_values(std::string_view block, std::span<const std::string_view> names,
                   std::span<std::string_view> values);

// The media type of a Content-Type value, without parameters, e.g.
// "text/plain" from "text/plain; charset=UTF-8".
std::string_view media_type(std::string_view content_type);

// ASCII case-insensitive equality (header names, media types). Inline:
// it runs per header line of every wanted message.
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace rcds::proto::msnp
