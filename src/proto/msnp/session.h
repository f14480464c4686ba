// Cross-connection correlation for the MSNP decoders of one sensor worker
// (MSNP.md §7.1, §15): which NS connection handed out the cookie an SB
// connection presents, and which account was logged in from which client
// address and port during which interval, and which MSNFTP transfer
// connection belongs to which switchboard file invitation (§10).
//
// One instance per worker, passed to every decoder by the factory; it is
// not thread-safe (workers share nothing mutable). All tables are bounded
// FIFOs: when full the oldest entry goes and the eviction is counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "util/address.h"
#include "util/timestamp.h"

namespace rcds::proto::msnp {

class MsnpSession {
 public:
  // A switchboard cookie granted on an NS connection (XFR SB or RNG).
  struct CookieGrant {
    std::string cookie;
    std::string account;     // the NS connection's owner (who may use the cookie)
    std::string sb_address;  // "ip:port" named in XFR/RNG
    std::string session_id;  // RNG only
    bool from_rng = false;
    uint64_t ns_flow_id = 0;
    Endpoint ns_client;
    Timestamp time;
    uint64_t sb_flow_id = 0;  // the SB connection that used it, 0 = not yet
  };
  // One NS login: [start, end) on the client endpoint; end.ns == 0 while open.
  struct Login {
    std::string account;
    Endpoint client;
    uint64_t flow_id = 0;
    Timestamp start;
    Timestamp end;
    bool open = true;
  };

  // An MSNFTP offer (§10.1) accepted on a switchboard: the listener's
  // ACCEPT named the AuthCookie the transfer connection's USR presents.
  struct MsnftpOffer {
    std::string auth_cookie;
    std::string file_name;          // Application-File of the INVITE
    uint64_t file_size = 0;         // Application-FileSize of the INVITE
    std::string sender;             // who offered (sends) the file
    uint64_t invite_flow_id = 0;    // the SB connection of the INVITE/ACCEPT
    Timestamp time;                 // of the ACCEPT
    uint64_t transfer_flow_id = 0;  // the MSNFTP connection that used it, 0 = not yet
  };

  // A direct P2P connection negotiated on a switchboard (§9.3): the Nonce
  // (or Hashed-Nonce) of a transreq/transresp, which the direct
  // connection's handshake presents, and the P2P session it serves.
  struct P2pNonce {
    std::string nonce;       // "{GUID}" upper case (normalize_guid)
    std::string owner;       // the switchboard connection's owner
    std::string sender;      // who sends the session's data
    std::string session_id;  // SLP SessionID ("" if the INVITE was not seen)
    std::string call_id;     // SLP Call-ID
    std::string file_name;   // from the file-transfer Context
    uint64_t file_size = 0;
    uint64_t sb_flow_id = 0;      // the switchboard connection
    Timestamp time;               // of the transreq/transresp
    uint64_t direct_flow_id = 0;  // the direct connection that used it, 0 = not yet
  };

  explicit MsnpSession(size_t max_cookies = 4096, size_t max_logins = 4096, size_t max_msnftp = 256,
                       size_t max_nonces = 256)
      : max_cookies_(max_cookies),
        max_logins_(max_logins),
        max_msnftp_(max_msnftp),
        max_nonces_(max_nonces) {}

  // Returns false when an older entry had to be evicted to make room.
  bool note_cookie(CookieGrant grant);
  // The grant for `cookie`, marked as used by `sb_flow_id`; nullptr if unseen.
  const CookieGrant* use_cookie(std::string_view cookie, uint64_t sb_flow_id);

  // Returns false when an older offer had to be evicted to make room.
  bool note_msnftp(MsnftpOffer offer);
  // The offer whose AuthCookie is `auth_cookie`, marked as used by
  // `transfer_flow_id`; nullptr if unseen.
  const MsnftpOffer* use_msnftp(std::string_view auth_cookie, uint64_t transfer_flow_id);

  // Returns false when an older nonce had to be evicted to make room. A
  // nonce noted again (the transresp after the transreq) updates its entry.
  bool note_nonce(P2pNonce entry);
  // The entry whose nonce is `nonce`, marked as used by `direct_flow_id`;
  // nullptr if unseen.
  const P2pNonce* use_nonce(std::string_view nonce, uint64_t direct_flow_id);

  bool note_login(std::string account, const Endpoint& client, uint64_t flow_id, Timestamp start);
  void note_logout(uint64_t flow_id, Timestamp end);
  // The account logged in from `client` at `at`, nullptr if none is known.
  const Login* logged_in(const Endpoint& client, Timestamp at) const;

  const std::deque<Login>& logins() const { return logins_; }
  uint64_t evictions() const { return evictions_; }

 private:
  size_t max_cookies_;
  size_t max_logins_;
  size_t max_msnftp_;
  size_t max_nonces_;
  std::deque<P2pNonce> nonces_;
  std::deque<CookieGrant> cookies_;
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  uint64_t first_cookie_ = 0;  // position of cookies_.front() among all cookies noted
  std::unordered_map<std::string, uint64_t, StringHash, std::equal_to<>> cookie_positions_;
  std::deque<MsnftpOffer> msnftp_;
  std::deque<Login> logins_;
  uint64_t first_login_ = 0;  // position of logins_.front() among all logins ever noted
  std::unordered_map<uint64_t, uint64_t> open_logins_;  // flow id -> position, open ones
  uint64_t evictions_ = 0;
};

}  // namespace rcds::proto::msnp
