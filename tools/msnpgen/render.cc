#include "tools/msnpgen/render.h"

#include <algorithm>
#include <cstdio>

namespace rcds::msnpgen::render {

std::string line(std::string_view cmd, const std::vector<std::string>& params) {
  std::string out(cmd);
  for (const std::string& p : params) {
    if (!p.empty()) out += " " + p;
  }
  return out + "\r\n";
}

std::string with_payload(std::string_view cmd, const std::vector<std::string>& params,
                         std::string_view payload) {
  std::vector<std::string> all = params;
  all.push_back(std::to_string(payload.size()));
  return line(cmd, all) + std::string(payload);
}

std::string url_encode(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool plain = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
                       c == '.' || c == '-' || c == '_' || c == '@' || c == '~';
    if (plain) {
      out += c;
    } else {
      char esc[4];
      std::snprintf(esc, sizeof esc, "%%%02X", u);
      out += esc;
    }
  }
  return out;
}

std::string base64(const Bytes& data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < data.size(); i += 3) {
    const uint32_t n = uint32_t{data[i]} << 16 |
                       (i + 1 < data.size() ? uint32_t{data[i + 1]} << 8 : 0) |
                       (i + 2 < data.size() ? uint32_t{data[i + 2]} : 0);
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += i + 1 < data.size() ? kAlphabet[n >> 6 & 63] : '=';
    out += i + 2 < data.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

std::string format_header(const Format& f) {
  return "X-MMS-IM-Format: FN=" + url_encode(f.font) + "; EF=" + f.effects + "; CO=" + f.color +
         "; CS=" + f.charset + "; PF=" + f.pitch;
}

std::string mime_text(const Format& f, std::string_view text) {
  return "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n" + format_header(f) +
         "\r\n\r\n" + std::string(text);
}

std::string mime_typing(std::string_view account) {
  return "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: " +
         std::string(account) + "\r\n\r\n\r\n";
}

std::string mime_nudge() {
  return "MIME-Version: 1.0\r\nContent-Type: text/x-msnmsgr-datacast\r\n\r\nID: 1\r\n\r\n";
}

std::string mime_profile(std::string_view account, std::string_view client_ip, int client_port) {
  return "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\n"
         "LoginTime: 1104577200\r\nEmailEnabled: 1\r\nMemberIdHigh: 12345\r\n"
         "MemberIdLow: -67890\r\nlang_preference: 1033\r\npreferredEmail: " +
         std::string(account) +
         "\r\ncountry: NL\r\nKid: 0\r\nFlags: 1027\r\nsid: 507\r\nkv: 5\r\n"
         "MSPAuth: 7Mm8dummyTicket00000000000000000000$$\r\nClientIP: " +
         std::string(client_ip) + "\r\nClientPort: " + std::to_string(client_port) + "\r\n\r\n";
}

std::string mime_invite(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out = "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinvite; charset=UTF-8\r\n\r\n";
  for (const auto& [name, value] : fields) out += name + ": " + value + "\r\n";
  return out + "\r\n";
}

namespace {
void le(Bytes& b, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void be(Bytes& b, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
// v2 header blocks are padded to a multiple of 4 bytes, the padding counted
// in the length byte, so a decoder that skips `hdrlen` bytes lands right.
void pad4(Bytes& b, size_t from) {
  while ((b.size() - from) % 4 != 0) b.push_back(0);
}
}  // namespace

Bytes p2p_v1_header(const P2pV1& h) {
  Bytes b;
  le(b, h.session, 4);
  le(b, h.identifier, 4);
  le(b, h.offset, 8);
  le(b, h.total, 8);
  le(b, h.length, 4);
  le(b, h.flags, 4);
  le(b, h.ack_id, 4);
  le(b, h.ack_unique, 4);
  le(b, h.ack_size, 8);
  return b;
}

Bytes tlv(uint8_t type, const Bytes& value) {
  Bytes b{type, static_cast<uint8_t>(value.size())};
  b.insert(b.end(), value.begin(), value.end());
  return b;
}

Bytes p2p_v2_header(const P2pV2& h, size_t data_length) {
  Bytes data_header;
  if (h.has_data) {
    data_header.push_back(0);  // dhlen, set below
    data_header.push_back(h.tf);
    be(data_header, h.package, 2);
    be(data_header, h.session, 4);
    if (h.remaining != 0) {
      Bytes v;
      be(v, h.remaining, 8);
      const Bytes t = tlv(0x01, v);
      data_header.insert(data_header.end(), t.begin(), t.end());
    }
    pad4(data_header, 0);
    data_header[0] = static_cast<uint8_t>(data_header.size());
  }
  Bytes b;
  b.push_back(0);  // hdrlen, set below
  b.push_back(h.opcode);
  be(b, h.has_data ? data_header.size() + data_length : 0, 2);
  be(b, h.base_id, 4);
  b.insert(b.end(), h.header_tlvs.begin(), h.header_tlvs.end());
  pad4(b, 0);
  b[0] = static_cast<uint8_t>(b.size());
  b.insert(b.end(), data_header.begin(), data_header.end());
  return b;
}

std::string p2p_payload(std::string_view dest, std::string_view src, const Bytes& header,
                        const Bytes& data, uint32_t footer) {
  std::string out = "MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\n";
  if (!src.empty()) out += "P2P-Src: " + std::string(src) + "\r\n";
  out += "P2P-Dest: " + std::string(dest) + "\r\n\r\n";
  out.append(header.begin(), header.end());
  out.append(data.begin(), data.end());
  Bytes f;
  be(f, footer, 4);
  out.append(f.begin(), f.end());
  return out;
}

std::string slp_message(std::string_view start_line, std::string_view to, std::string_view from,
                        std::string_view branch, int cseq, std::string_view call_id,
                        std::string_view content_type, std::string_view body_without_nul) {
  std::string body = std::string(body_without_nul);
  body.push_back('\0');  // the NUL is part of the body and of Content-Length
  return std::string(start_line) + "\r\nTo: <msnmsgr:" + std::string(to) +
         ">\r\nFrom: <msnmsgr:" + std::string(from) +
         ">\r\nVia: MSNSLP/1.0/TLP ;branch=" + std::string(branch) +
         "\r\nCSeq: " + std::to_string(cseq) + "\r\nCall-ID: " + std::string(call_id) +
         "\r\nMax-Forwards: 0\r\nContent-Type: " + std::string(content_type) +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string ft_context(std::string_view file_name, uint64_t size) {
  Bytes c;
  le(c, 574, 4);
  le(c, 2, 4);
  le(c, size, 8);
  le(c, 1, 4);  // type 1: no preview follows
  // 520 bytes of UTF-16LE name, NUL-padded (ASCII names in the scenarios).
  for (size_t i = 0; i < 260; ++i) le(c, i < file_name.size() ? uint8_t(file_name[i]) : 0, 2);
  for (int i = 0; i < 30; ++i) c.push_back(0);
  le(c, 0xFFFFFFFF, 4);
  return base64(c);
}

std::string msnftp_blocks(const Bytes& file) {
  std::string out;
  for (size_t off = 0; off < file.size(); off += 2045) {
    const size_t n = std::min<size_t>(2045, file.size() - off);
    out.push_back('\0');
    out.push_back(static_cast<char>(n & 0xFF));
    out.push_back(static_cast<char>(n >> 8));
    out.append(file.begin() + static_cast<std::ptrdiff_t>(off),
               file.begin() + static_cast<std::ptrdiff_t>(off + n));
  }
  return out;
}

std::string msnp21(const std::vector<std::string>& routing,
                   const std::vector<std::string>& reliability,
                   const std::vector<std::string>& messaging, std::string_view body) {
  std::string out;
  for (const auto* block : {&routing, &reliability, &messaging}) {
    for (const std::string& h : *block) out += h + "\r\n";
    out += "\r\n";
  }
  return out + std::string(body);
}

}  // namespace rcds::msnpgen::render
