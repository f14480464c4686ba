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
// `v2`: WLM 2009 headers and endpoint-qualified P2P-Src/P2P-Dest (MSNP16+).
void p2p_transfer(World& w, Switchboard& sb, Ns& sender, Ns& receiver, const std::string& file_name,
                  const Bytes& file, bool v2);

}  // namespace rcds::msnpgen
