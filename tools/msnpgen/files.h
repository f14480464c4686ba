// File transfers between two members of a switchboard: MSNFTP (invitation
// over the SB, then its own TCP connection, MSNP.md §10) and P2P data
// messages inside the SB (MSNSLP INVITE/200 OK/BYE and data chunks with the
// v1 header of §9.1 or the v2 header of §9.2).
#pragma once

#include <string>

#include "tools/msnpgen/sb.h"

namespace rcds::msnpgen {

void msnftp_transfer(World& w, Switchboard& sb, Ns& sender, Ns& receiver,
                     const std::string& file_name, const Bytes& file);
// An MSNFTP offer the receiver rejects (Invitation-Command: CANCEL).
void msnftp_decline(World& w, Switchboard& sb, Ns& sender, Ns& receiver,
                    const std::string& file_name, size_t size);
// One side of a P2P session on a switchboard: its message identifiers (v1)
// or sequence (v2).
struct P2pSide {
  Ns* ns;
  std::string p2p_id;  // as in P2P-Src/P2P-Dest and SLP To/From
  uint32_t next_id;    // v1 Identifier / v2 base id
  uint16_t package = 0;
};

// P2P messages between two switchboard members (§9.1, §9.2).
class P2p {
 public:
  P2p(World& w, Switchboard& sb, bool v2) : w_(w), sb_(sb), v2_(v2) {}
  // Sends `data` from `a` to `b` in chunks, then `b`'s ACK of the whole;
  // returns the delivery of the last chunk. `data_flags`: 0 for SLP, else
  // the v1 Flags of data chunks (0x10/0x01000030 file, 0x20/0x01000020
  // object); in v2 they choose TF 0x06 (file) or 0x04 (object).
  Switchboard::Delivery send(P2pSide& a, P2pSide& b, uint32_t session, const Bytes& data,
                             uint32_t footer, uint32_t data_flags);

 private:
  void ack(P2pSide& from, P2pSide& to, uint32_t acked_id, uint32_t acked_unique, uint64_t size);
  World& w_;
  Switchboard& sb_;
  bool v2_;
};

// `v2`: WLM 2009 headers and endpoint-qualified P2P-Src/P2P-Dest (MSNP16+).
void p2p_transfer(World& w, Switchboard& sb, Ns& sender, Ns& receiver, const std::string& file_name,
                  const Bytes& file, bool v2);

}  // namespace rcds::msnpgen
