#include "proto/msnp/slp.h"

#include "proto/msnp/mime.h"
#include "util/bytes.h"

namespace rcds::proto::msnp {

namespace {
constexpr size_t kP2pHeader = 48;
constexpr size_t kContextMin = 20 + 520;  // fixed fields + the name field
constexpr size_t kMaxContextChars = 64 * 1024;

const uint8_t* bytes_of(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// "<msnmsgr:alice@example.com>" -> "alice@example.com".
std::string_view strip_uri(std::string_view v) {
  if (!v.empty() && v.front() == '<') v.remove_prefix(1);
  if (!v.empty() && v.back() == '>') v.remove_suffix(1);
  const size_t colon = v.find(':');
  if (colon != std::string_view::npos && v.substr(0, colon).find('@') == std::string_view::npos) {
    v.remove_prefix(colon + 1);
  }
  return v;
}

void append_utf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}
}  // namespace

P2pHeader read_p2p_v1_header(const uint8_t* p) {
  P2pHeader h;
  h.session_id = load_le32(p);
  h.identifier = load_le32(p + 4);
  h.offset = load_le64(p + 8);
  h.total_size = load_le64(p + 16);
  h.length = load_le32(p + 24);
  h.flags = load_le32(p + 28);
  h.ack_identifier = load_le32(p + 32);
  h.ack_unique_id = load_le32(p + 36);
  h.ack_data_size = load_le64(p + 40);
  return h;
}

bool parse_p2p_v1(std::string_view body, P2pHeader& h, std::string_view& data, uint32_t& footer) {
  if (body.size() < kP2pHeader + 4) return false;
  const uint8_t* p = bytes_of(body);
  h = read_p2p_v1_header(p);
  if (body.size() - kP2pHeader - 4 != h.length) return false;
  data = body.substr(kP2pHeader, h.length);
  footer = load_be32(p + kP2pHeader + h.length);
  return true;
}

bool parse_p2p_v2(std::string_view body, P2pV2Header& h, std::string_view& data, uint32_t& footer) {
  h = P2pV2Header{};
  if (body.size() < 8 + 4) return false;
  const uint8_t* p = bytes_of(body);
  const size_t hdrlen = p[0];
  h.opcode = p[1];
  const size_t msglen = load_be16(p + 2);
  h.base_id = load_be32(p + 4);
  if (hdrlen < 8 || hdrlen + msglen + 4 != body.size()) return false;
  // Transport TLVs: only ACK/NAK matter (they never carry data, so an
  // ack-only packet has msglen 0 and nothing is placed).
  for (size_t i = 8; i + 2 <= hdrlen;) {
    const uint8_t type = p[i];
    const size_t length = p[i + 1];
    if (type == 0) break;  // padding
    if (i + 2 + length > hdrlen) return false;
    if (type == 0x02 && length >= 4) {
      h.has_ack = true;
      h.ack = load_be32(p + i + 2);
    } else if (type == 0x03 && length >= 4) {
      h.has_nak = true;
      h.nak = load_be32(p + i + 2);
    }
    i += 2 + length;
  }
  footer = load_be32(p + hdrlen + msglen);
  data = {};
  if (msglen == 0) return true;
  const uint8_t* d = p + hdrlen;
  const size_t dhlen = d[0];
  if (dhlen < 8 || dhlen > msglen) return false;
  h.has_data = true;
  h.tf = d[1];
  h.package = load_be16(d + 2);
  h.session_id = load_be32(d + 4);
  for (size_t i = 8; i + 2 <= dhlen;) {
    const uint8_t type = d[i];
    const size_t length = d[i + 1];
    if (type == 0) break;  // padding
    if (i + 2 + length > dhlen) return false;
    if (type == 0x01 && length == 8) {
      h.remaining = (uint64_t{load_be32(d + i + 2)} << 32) | load_be32(d + i + 6);
    }
    i += 2 + length;
  }
  data = body.substr(hdrlen + dhlen, msglen - dhlen);
  return true;
}

bool parse_slp(std::string_view data, SlpMessage& out) {
  out = SlpMessage{};
  const size_t nul = data.find('\0');
  if (nul != std::string_view::npos) data = data.substr(0, nul);
  MimeMessage mime;
  if (!split_mime(data, mime)) return false;
  const size_t eol = mime.headers.find('\n');
  std::string_view start = mime.headers.substr(0, eol);
  if (!start.empty() && start.back() == '\r') start.remove_suffix(1);
  if (start.substr(0, 11) == "MSNSLP/1.0 ") {
    const std::string_view code = start.substr(11, 3);
    if (code.size() != 3) return false;
    for (char c : code) {
      if (c < '0' || c > '9') return false;
      out.status = out.status * 10 + (c - '0');
    }
  } else {
    const size_t space = start.find(' ');
    if (space == std::string_view::npos || start.find("MSNSLP/1.0") == std::string_view::npos) {
      return false;
    }
    out.method = start.substr(0, space);
  }
  out.to = strip_uri(header_value(mime.headers, "To"));
  out.from = strip_uri(header_value(mime.headers, "From"));
  out.call_id = header_value(mime.headers, "Call-ID");
  out.content_type = header_value(mime.headers, "Content-Type");
  out.body = mime.body;
  return true;
}

bool base64_decode(std::string_view text, std::string& out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

bool parse_file_context(std::string_view base64, FileContext& out) {
  if (base64.size() > kMaxContextChars) return false;
  std::string raw;
  if (!base64_decode(base64, raw) || raw.size() < kContextMin) return false;
  const uint8_t* p = bytes_of(raw);
  out.size = load_le64(p + 8);
  out.name.clear();
  // 260 UTF-16LE code units, NUL-terminated; surrogate pairs joined.
  for (size_t i = 0; i < 260; ++i) {
    uint32_t unit = load_le16(p + 20 + 2 * i);
    if (unit == 0) break;
    if (unit >= 0xD800 && unit < 0xDC00 && i + 1 < 260) {
      const uint32_t low = load_le16(p + 20 + 2 * (i + 1));
      if (low >= 0xDC00 && low < 0xE000) {
        unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
        ++i;
      }
    }
    if (unit >= 0xD800 && unit < 0xE000) unit = 0xFFFD;  // lone surrogate
    append_utf8(unit, out.name);
  }
  return true;
}

// --- transreq / transresp (§9.3) ---------------------------------------------

namespace {
constexpr size_t kMaxAddrs = 16;

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r'))
    v.remove_suffix(1);
  return v;
}

uint16_t port_of(std::string_view v) {
  uint32_t port = 0;
  if (v.empty() || v.size() > 5) return 0;
  for (char c : v) {
    if (c < '0' || c > '9') return 0;
    port = port * 10 + static_cast<uint32_t>(c - '0');
  }
  return port <= 65535 ? static_cast<uint16_t>(port) : 0;
}

void split_addrs(std::string_view v, std::vector<std::string>& out) {
  while (!v.empty() && out.size() < kMaxAddrs) {
    const size_t space = v.find(' ');
    const std::string_view item = v.substr(0, space);
    if (!item.empty()) out.emplace_back(item);
    if (space == std::string_view::npos) break;
    v.remove_prefix(space + 1);
  }
}

bool hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
}  // namespace

std::string normalize_guid(std::string_view v) {
  v = trim(v);
  if (v.size() == 38 && v.front() == '{' && v.back() == '}') v = v.substr(1, 36);
  if (v.size() != 36) return "";
  std::string out = "{";
  for (size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? c != '-' : !hex_digit(c)) return "";
    out.push_back(c >= 'a' && c <= 'f' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  out.push_back('}');
  return out;
}

std::string guid_from_bytes(const uint8_t* b) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  // Display order: bytes 3..0, 5..4, 7..6, then 8..15 as they are.
  static constexpr int kOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  std::string out = "{";
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    const uint8_t byte = b[kOrder[i]];
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0xF]);
  }
  out.push_back('}');
  return out;
}

void parse_transport_body(std::string_view body, P2pTransport& out) {
  enum Field {
    kBridges,
    kNetId,
    kConnType,
    kUpnp,
    kIcf,
    kListening,
    kExtAddrs,
    kExtPort,
    kIntAddrs,
    kIntPort,
    kNonce,
    kHashedNonce,
    kFields
  };
  static constexpr std::string_view kNames[kFields] = {"Bridges",
                                                       "NetID",
                                                       "Conn-Type",
                                                       "UPnPNat",
                                                       "ICF",
                                                       "Listening",
                                                       "IPv4External-Addrs",
                                                       "IPv4External-Port",
                                                       "IPv4Internal-Addrs",
                                                       "IPv4Internal-Port",
                                                       "Nonce",
                                                       "Hashed-Nonce"};
  while (!body.empty()) {
    const size_t eol = body.find('\n');
    std::string_view line = body.substr(0, eol);
    body = eol == std::string_view::npos ? std::string_view{} : body.substr(eol + 1);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = trim(line.substr(0, colon));
    const std::string_view raw = trim(line.substr(colon + 1));
    int field = -1;
    bool reversed = false;
    for (int f = 0; f < kFields && field < 0; ++f) {
      if (iequal(name, kNames[f])) field = f;
    }
    if (field < 0 && name.size() <= 64) {
      const std::string back(name.rbegin(), name.rend());
      for (int f = 0; f < kFields && field < 0; ++f) {
        if (iequal(back, kNames[f])) {
          field = f;
          reversed = true;
        }
      }
    }
    if (field < 0) continue;
    std::string value(raw);
    if (reversed) {
      value.assign(raw.rbegin(), raw.rend());
      out.reversed = true;
    }
    switch (field) {
      case kBridges:
        out.bridges = value;
        break;
      case kNetId:
        out.net_id = value;
        break;
      case kConnType:
        out.conn_type = value;
        break;
      case kUpnp:
        out.upnp_nat = value;
        break;
      case kIcf:
        out.icf = value;
        break;
      case kListening:
        out.listening = value;
        break;
      case kExtAddrs:
        split_addrs(value, out.external_addrs);
        break;
      case kExtPort:
        out.external_port = port_of(value);
        break;
      case kIntAddrs:
        split_addrs(value, out.internal_addrs);
        break;
      case kIntPort:
        out.internal_port = port_of(value);
        break;
      case kNonce:
        out.nonce = normalize_guid(value);
        break;
      case kHashedNonce:
        out.hashed_nonce = normalize_guid(value);
        break;
      default:
        break;
    }
  }
}

}  // namespace rcds::proto::msnp
