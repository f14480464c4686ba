// MIME-like headers of MSG payloads (MSNP.md §8): a header block, a blank
// line, a body. Pure and allocation-free: every result views the payload.
#pragma once

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

// The media type of a Content-Type value, without parameters, e.g.
// "text/plain" from "text/plain; charset=UTF-8".
std::string_view media_type(std::string_view content_type);

bool iequals(std::string_view a, std::string_view b);

}  // namespace rcds::proto::msnp
