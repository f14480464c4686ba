#include "proto/msnp/msn_object.h"

namespace rcds::proto::msnp {

namespace {
constexpr size_t kMaxObjectXml = 4096;  // real descriptors are < 400 bytes

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool parse_number(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}
}  // namespace

bool parse_msn_object(std::string_view xml, MsnObject& out) {
  out = MsnObject{};
  while (!xml.empty() && is_space(xml.front())) xml.remove_prefix(1);
  if (xml.size() > kMaxObjectXml || xml.substr(0, 7) != "<msnobj") return false;
  size_t i = 7;
  while (i < xml.size()) {
    while (i < xml.size() && is_space(xml[i])) ++i;
    if (i >= xml.size()) return false;  // no closing '>'
    if (xml[i] == '/' || xml[i] == '>') return true;
    const size_t eq = xml.find('=', i);
    if (eq == std::string_view::npos || eq + 1 >= xml.size() || xml[eq + 1] != '"') return false;
    const std::string_view name = xml.substr(i, eq - i);
    const size_t close = xml.find('"', eq + 2);
    if (close == std::string_view::npos) return false;
    const std::string_view value = xml.substr(eq + 2, close - eq - 2);
    if (name == "Creator") {
      out.creator = value;
    } else if (name == "Location") {
      out.location = value;
    } else if (name == "Friendly") {
      out.friendly = value;
    } else if (name == "SHA1D") {
      out.sha1d = value;
    } else if (name == "Size") {
      if (!parse_number(value, out.size)) return false;
    } else if (name == "Type") {
      uint64_t type = 0;
      if (!parse_number(value, type) || type > 1000) return false;
      out.type = static_cast<int>(type);
    }
    i = close + 1;
  }
  return false;
}

std::string_view object_purpose(int type) {
  switch (type) {
    case 2:
      return "emoticon";
    case 3:
      return "display_picture";
    case 8:
      return "wink";
    case 11:
      return "voice_clip";
    default:
      return "object";
  }
}

}  // namespace rcds::proto::msnp
