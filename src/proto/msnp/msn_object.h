// The <msnobj/> descriptor of an MSN object (MSNP.md §8.3, §8.4, §9.3): a
// display picture, custom emoticon, wink or voice clip, named by its creator
// and SHA1D (base64 SHA-1 of the object bytes). Pure parsing of views.
#pragma once

#include <cstdint>
#include <string_view>

namespace rcds::proto::msnp {

struct MsnObject {
  std::string_view creator;   // Creator="account"
  std::string_view location;  // Location="..." (the creator's local file name)
  std::string_view friendly;  // Friendly="base64 of a UTF-16 title"
  std::string_view sha1d;     // SHA1D="base64"
  uint64_t size = 0;          // Size="bytes"
  int type = 0;               // Type="n", see object_purpose()
};

// Parses `<msnobj Attr="value" .../>`; attributes may come in any order.
// False unless it starts with <msnobj and every attribute is well formed.
bool parse_msn_object(std::string_view xml, MsnObject& out);

// Stable names for msnobj Type: 2 "emoticon", 3 "display_picture",
// 8 "wink", 11 "voice_clip"; anything else "object".
std::string_view object_purpose(int type);

}  // namespace rcds::proto::msnp
