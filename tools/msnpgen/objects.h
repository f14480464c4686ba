// MSN objects over P2P v1 on a switchboard (MSNP.md §8.3, §8.4, §9: display
// picture, wink, voice clip, custom emoticon, fetched with the EUF-GUID
// {A4268EEC-...} INVITE whose Context is the base64 <msnobj/>), an SLP
// 603 Decline, and a file sent over a direct TCPv1 connection after an SLP
// transreq/transresp (§9.3).
#pragma once

#include <cstdint>

#include "tools/msnpgen/world.h"

namespace rcds::msnpgen {

// Scenario `p2p-objects`.
void p2p_objects(World& w, uint64_t seed);
// Scenario `p2p-direct`.
void p2p_direct(World& w, uint64_t seed);

}  // namespace rcds::msnpgen
