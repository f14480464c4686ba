// MSNP21 payloads (MSNP.md §11): SDG messages, NFY/PUT/DEL publications
// and notifications on the notification connection, which replace the
// switchboard from MSNP21 on.
//
// Every such payload is three MIME-like header blocks (routing, reliability,
// content), each ended by a blank line, then the body. The parser is pure and
// allocation-free: every result views the payload.
#pragma once

#include <cstddef>
#include <string_view>

namespace rcds::proto::msnp {

struct Msnp21Payload {
  std::string_view routing;      // "Routing: 1.0", To:, From:, Service-Channel: ...
  std::string_view reliability;  // "Reliability: 1.0", Stream:, Segment: ...
  std::string_view content;      // "Messaging: 2.0" / "Publication: 1.0" / "Notification: 1.0" ...
  std::string_view body;  // Content-Length bytes after the third block (bounded by the payload)
  std::string_view to;  // To: value as written ("1:bob@example.net", "10:{guid}@live.com;path=...")
  std::string_view from;          // From: value as written
  std::string_view message_type;  // Message-Type: (Text, Control/Typing, Nudge, ...), "" if absent
  std::string_view content_type;  // media type of Content-Type:, without parameters
  bool body_truncated = false;    // Content-Length promised more than the payload holds
};

// Limit on one header block: real blocks are a few hundred bytes; a longer
// one means the payload is not an MSNP21 message (or is hostile).
constexpr size_t kMaxMsnp21Block = 16 * 1024;

// False when the payload does not have three bounded header blocks.
bool parse_msnp21(std::string_view payload, Msnp21Payload& out);

// An MSNP21 address without its ";epid=", ";path=" or ";via=" parameters,
// e.g. "10:{guid}@live.com" from "10:{guid}@live.com;path=IM".
std::string_view msnp21_address(std::string_view to);

// True for group conversations: network id 9 (circle) or 10 (temporary group).
bool msnp21_is_group(std::string_view address);

// The text of the first <tag>...</tag> in `xml` (no nesting), "" when absent.
std::string_view msnp21_xml_element(std::string_view xml, std::string_view tag);

}  // namespace rcds::proto::msnp
