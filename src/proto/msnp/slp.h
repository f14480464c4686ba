// P2P (MSNC) v1 binary headers and MSNSLP signalling inside
// application/x-msnmsgrp2p MSG bodies (MSNP.md §9.1, §9.3). Pure parsing,
// bounds-checked. Data reassembly is in file_transfer.h and decoder_files.cc.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "proto/msnp/events.h"

namespace rcds::proto::msnp {

// The 48-byte little-endian P2P v1 header (§9.1).
struct P2pHeader {
  uint32_t session_id = 0;
  uint32_t identifier = 0;
  uint64_t offset = 0;
  uint64_t total_size = 0;
  uint32_t length = 0;
  uint32_t flags = 0;
  uint32_t ack_identifier = 0;
  uint32_t ack_unique_id = 0;
  uint64_t ack_data_size = 0;
};

// Reads the 48 header bytes at `p` (the caller checked they are there).
P2pHeader read_p2p_v1_header(const uint8_t* p);

// Splits a P2P v1 body (after the MIME headers) into header, data and
// footer. False unless the sizes add up exactly (48 + length + 4): that also
// rejects v2 headers, which are not decoded.
bool parse_p2p_v1(std::string_view body, P2pHeader& header, std::string_view& data,
                  uint32_t& footer);

// The P2P v2 transport and data headers (§9.2, big-endian).
struct P2pV2Header {
  uint8_t opcode = 0;     // 0x01 SYN, 0x02 RAK
  uint32_t base_id = 0;   // sequence number
  bool has_data = false;  // msglen > 0: a data header and data follow
  uint8_t tf = 0;         // 0x01 first SLP packet, 0x00 more, 0x04 object, 0x06 file data
  uint16_t package = 0;   // package number: the same for every chunk of one message
  uint32_t session_id = 0;
  uint64_t remaining = 0;  // data TLV 0x01: bytes of the message after this chunk
  // Transport TLVs (§9.2): 0x02 ACK and 0x03 NAK name the sequence number
  // acknowledged / asked for again; 0x01 peer info is skipped.
  bool has_ack = false;
  uint32_t ack = 0;
  bool has_nak = false;
  uint32_t nak = 0;
};
// Splits a P2P v2 body (after the MIME headers) into header, data and
// footer; false unless the lengths add up exactly (hdrlen + msglen + 4).
bool parse_p2p_v2(std::string_view body, P2pV2Header& header, std::string_view& data,
                  uint32_t& footer);

// One MSNSLP message (§9.3), views into the data.
struct SlpMessage {
  std::string_view method;  // "INVITE", "BYE", ... for requests, "" for responses
  int status = 0;           // 200, 603, ... for responses, 0 for requests
  std::string_view to;      // To: <msnmsgr:account>, without the brackets and scheme
  std::string_view from;
  std::string_view call_id;
  std::string_view content_type;
  std::string_view body;  // after the blank line, up to the terminating NUL
};
bool parse_slp(std::string_view data, SlpMessage& out);

// The file-transfer Context (§9.3): base64 of a little-endian struct with
// the size and a UTF-16LE name. False when malformed.
struct FileContext {
  uint64_t size = 0;
  std::string name;  // UTF-8
};
bool parse_file_context(std::string_view base64, FileContext& out);

// Standard base64 (ignores nothing: any other character fails); appends to `out`.
bool base64_decode(std::string_view text, std::string& out);

// The body of an application/x-msnmsgr-transreqbody or transrespbody
// (§9.3) into the event's fields: Bridges, NetID, Conn-Type, UPnPNat, ICF,
// Listening, the IPv4 address lists and ports, Nonce, Hashed-Nonce. WLM 2009
// may send a header name reversed (srddA-lanretxE4vPI); its value is then
// reversed too (packet-o-matic mirrors both), and `reversed` is set.
// Address lists are split at spaces and bounded (16 each); GUIDs are
// normalised by normalize_guid().
void parse_transport_body(std::string_view body, P2pTransport& out);

// "{GUID}" upper-case with braces from a Nonce-like value, "" when it is
// not 32 hex digits in the 8-4-4-4-12 form.
std::string normalize_guid(std::string_view value);
// The GUID text of 16 bytes in the Windows in-memory layout (LE u32, LE u16,
// LE u16, then 8 bytes in order), as the TCPv1 handshake carries the nonce.
std::string guid_from_bytes(const uint8_t* bytes16);

}  // namespace rcds::proto::msnp
