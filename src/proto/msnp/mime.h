// MIME-like headers of MSG payloads (MSNP.md §8): a header block, a blank
// line, a body. Pure and allocation-free: every result views the payload.
#pragma once

#include <string_view>

#include "util/swar.h"

namespace rcds::proto::msnp {

struct MimeMessage {
  std::string_view headers;  // header block without the blank line
  std::string_view body;     // everything after the blank line
  // The headers the decoder asks of every MSG, as header_value() gives them,
  // found by split_mime() in the pass that looks for the blank line (a hot
  // path: one scan instead of one per header). "" when absent.
  std::string_view content_type = {};  // Content-Type
  std::string_view message_id = {};    // Message-ID
  std::string_view chunks = {};        // Chunks
  std::string_view chunk = {};         // Chunk
  std::string_view im_format = {};     // X-MMS-IM-Format
};

// Splits at the first CRLF CRLF (or bare LF LF) and fills the indexed
// headers. False when there is none.
bool split_mime(std::string_view payload, MimeMessage& out);

// Fills the indexed headers of `m` from m.headers (for a message put
// together from parts, e.g. a chunked MSG).
void index_headers(MimeMessage& m);

// The value of header `name` (case-insensitive) in a "Name: value" block,
// leading spaces and a trailing CR removed; "" when absent.
std::string_view header_value(std::string_view block, std::string_view name);

// The media type of a Content-Type value, without parameters, e.g.
// "text/plain" from "text/plain; charset=UTF-8".
std::string_view media_type(std::string_view content_type);

// ASCII case-insensitive equality (header names, media types), a word at a
// time: it runs on every wanted message's media type.
inline bool iequals(std::string_view a, std::string_view b) { return swar::iequals(a, b); }

}  // namespace rcds::proto::msnp
