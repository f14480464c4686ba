// MSNP21 (MSNP.md §11): no switchboards. Presence is published with PUT and
// pushed with NFY PUT/DEL; every message (text, typing, nudge, group chat)
// travels as SDG on the notification connections of sender and recipients.
#pragma once

#include <string>
#include <vector>

#include "tools/msnpgen/ns.h"
#include "tools/msnpgen/render.h"

namespace rcds::msnpgen::msnp21 {

// After USR OK: the challenge and the server's NFY PUT with the user's own state.
void after_login(Ns& me);
// PUT of the own status / personal message; watchers get NFY PUT.
void publish(Ns& me, const std::string& status, const std::string& psm,
             const std::vector<Ns*>& watchers);
// Watchers learn that `me` signed out (NFY DEL).
void signed_out(Ns& me, const std::vector<Ns*>& watchers);

// SDG from `from` to `to` (one account) or to a temporary group (`group_id`
// non-empty, "10:{guid}@live.com") relayed to every account in `to`.
void text(Ns& from, const std::vector<Ns*>& to, const std::string& group_id,
          const render::Format& f, const std::string& body);
void typing(Ns& from, const std::vector<Ns*>& to, const std::string& group_id);
void nudge(Ns& from, const std::vector<Ns*>& to, const std::string& group_id);

// P2P over SDG (§11 last paragraph): a file offer sent and declined as
// `Message-Type: Signal/P2P` (the MSNSLP text is the body), then a file sent
// as `Message-Type: Data`: P2P v2 packets (§9.2, with the 4-byte footer),
// several per SDG at the byte offsets listed in `Bridging-Offsets`.
void file_decline(Ns& from, Ns& to, const std::string& file_name, uint64_t size);
void file_transfer(Ns& from, Ns& to, const std::string& file_name, const Bytes& file);

}  // namespace rcds::msnpgen::msnp21
