// Renders MSNP wire text from MSNP.md: command lines, length-framed payloads,
// MIME message bodies, P2P binary headers (v1 §9.1, v2 §9.2), MSNSLP (§9.3),
// MSNFTP blocks (§10.2) and MSNP21 three-part payloads (§11). Pure functions:
// no state, no I/O, so every byte count is computed from the bytes themselves.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tools/msnpgen/model.h"

namespace rcds::msnpgen::render {

// "CMD p1 p2\r\n" (params joined by single spaces; empty params skipped).
std::string line(std::string_view cmd, const std::vector<std::string>& params);
// "CMD p1 p2 <len>\r\n<payload>": the length is the payload's byte count.
std::string with_payload(std::string_view cmd, const std::vector<std::string>& params,
                         std::string_view payload);

std::string url_encode(std::string_view text);
std::string base64(const Bytes& data);

// MIME bodies of MSG (§8).
struct Format {
  std::string font = "Arial";  // clear text, URL-encoded when rendered
  std::string effects;         // any of B I U S
  std::string color = "0";     // hex BGR
  std::string charset = "0";
  std::string pitch = "22";
};
std::string format_header(const Format& f);
std::string mime_text(const Format& f, std::string_view text);
std::string mime_typing(std::string_view account);
std::string mime_nudge();
std::string mime_profile(std::string_view account, std::string_view client_ip, int client_port);
// text/x-msmsgsinvite body from "Name: value" fields (§10.1).
std::string mime_invite(const std::vector<std::pair<std::string, std::string>>& fields);

// P2P v1 (§9.1).
struct P2pV1 {
  uint32_t session = 0, identifier = 0;
  uint64_t offset = 0, total = 0;
  uint32_t length = 0, flags = 0, ack_id = 0, ack_unique = 0;
  uint64_t ack_size = 0;
};
Bytes p2p_v1_header(const P2pV1& h);

// P2P v2 (§9.2): transport header with optional TLVs, optional data header.
struct P2pV2 {
  uint8_t opcode = 0;
  uint32_t base_id = 0;
  Bytes header_tlvs;  // already TLV-encoded
  bool has_data = false;
  uint8_t tf = 0;
  uint16_t package = 0;
  uint32_t session = 0;
  uint64_t remaining = 0;  // emitted as TLV 0x01 when has_data and non-zero
};
// Header bytes for a chunk of `data_length` data bytes.
Bytes p2p_v2_header(const P2pV2& h, size_t data_length);
Bytes tlv(uint8_t type, const Bytes& value);

// The MSG payload: MIME headers, binary header, data, 4-byte big-endian footer.
std::string p2p_payload(std::string_view dest, std::string_view src, const Bytes& header,
                        const Bytes& data, uint32_t footer);

// MSNSLP (§9.3); the returned message includes the trailing NUL of its body.
std::string slp_message(std::string_view start_line, std::string_view to, std::string_view from,
                        std::string_view branch, int cseq, std::string_view call_id,
                        std::string_view content_type, std::string_view body_without_nul);
// File-transfer Context: base64 of the 574-byte version-2 struct.
std::string ft_context(std::string_view file_name, uint64_t size);

// MSNFTP data blocks (§10.2): [flag][len LE16][data], len <= 2045.
std::string msnftp_blocks(const Bytes& file);

// MSNP21 payload (§11): routing, reliability and messaging header blocks.
std::string msnp21(const std::vector<std::string>& routing,
                   const std::vector<std::string>& reliability,
                   const std::vector<std::string>& messaging, std::string_view body);

}  // namespace rcds::msnpgen::render
