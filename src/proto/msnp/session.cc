#include "proto/msnp/session.h"

#include <utility>

namespace rcds::proto::msnp {

bool MsnpSession::note_cookie(CookieGrant grant) {
  bool room = true;
  if (max_cookies_ == 0) return false;
  if (cookies_.size() >= max_cookies_) {
    // A cookie already presented has done its job; losing an unused one
    // means the table is too small.
    const CookieGrant& oldest = cookies_.front();
    if (oldest.sb_flow_id == 0) {
      ++evictions_;
      room = false;
    }
    const auto it = cookie_positions_.find(oldest.cookie);
    if (it != cookie_positions_.end() && it->second == first_cookie_) cookie_positions_.erase(it);
    cookies_.pop_front();
    ++first_cookie_;
  }
  cookie_positions_[grant.cookie] = first_cookie_ + cookies_.size();
  cookies_.push_back(std::move(grant));
  return room;
}

const MsnpSession::CookieGrant* MsnpSession::use_cookie(std::string_view cookie,
                                                        uint64_t sb_flow_id) {
  // By index (the newest grant of that cookie): a search of the table per
  // switchboard connection showed in profiles.
  const auto it = cookie_positions_.find(cookie);
  if (it == cookie_positions_.end()) return nullptr;
  CookieGrant& grant = cookies_[it->second - first_cookie_];
  grant.sb_flow_id = sb_flow_id;
  return &grant;
}

bool MsnpSession::note_msnftp(MsnftpOffer offer) {
  bool room = true;
  if (max_msnftp_ == 0) return false;
  if (msnftp_.size() >= max_msnftp_) {
    msnftp_.pop_front();
    ++evictions_;
    room = false;
  }
  msnftp_.push_back(std::move(offer));
  return room;
}

const MsnpSession::MsnftpOffer* MsnpSession::use_msnftp(std::string_view auth_cookie,
                                                        uint64_t transfer_flow_id) {
  // Newest first, as for cookies.
  for (auto it = msnftp_.rbegin(); it != msnftp_.rend(); ++it) {
    if (it->auth_cookie == auth_cookie) {
      it->transfer_flow_id = transfer_flow_id;
      return &*it;
    }
  }
  return nullptr;
}

bool MsnpSession::note_nonce(P2pNonce entry) {
  if (max_nonces_ == 0 || entry.nonce.empty()) return false;
  for (P2pNonce& known : nonces_) {
    if (known.nonce != entry.nonce) continue;
    // The answer of the same negotiation: keep what the first one knew.
    if (entry.session_id.empty()) entry.session_id = known.session_id;
    if (entry.file_name.empty()) entry.file_name = known.file_name;
    if (entry.file_size == 0) entry.file_size = known.file_size;
    if (entry.sender.empty()) entry.sender = known.sender;
    known = std::move(entry);
    return true;
  }
  bool room = true;
  if (nonces_.size() >= max_nonces_) {
    nonces_.pop_front();
    ++evictions_;
    room = false;
  }
  nonces_.push_back(std::move(entry));
  return room;
}

const MsnpSession::P2pNonce* MsnpSession::use_nonce(std::string_view nonce,
                                                    uint64_t direct_flow_id) {
  if (nonce.empty()) return nullptr;
  for (auto it = nonces_.rbegin(); it != nonces_.rend(); ++it) {
    if (it->nonce == nonce) {
      it->direct_flow_id = direct_flow_id;
      return &*it;
    }
  }
  return nullptr;
}

bool MsnpSession::note_login(std::string account, const Endpoint& client, uint64_t flow_id,
                             Timestamp start) {
  bool room = true;
  if (max_logins_ == 0) return false;
  if (logins_.size() >= max_logins_) {
    // Ending sessions age out as history; only an evicted open session
    // means the table is too small.
    const Login& oldest = logins_.front();
    if (oldest.open) {
      ++evictions_;
      room = false;
    }
    const auto it = open_logins_.find(oldest.flow_id);
    if (it != open_logins_.end() && it->second == first_login_) open_logins_.erase(it);
    logins_.pop_front();
    ++first_login_;
  }
  open_logins_[flow_id] = first_login_ + logins_.size();
  logins_.push_back(Login{std::move(account), client, flow_id, start, {}, true});
  return room;
}

void MsnpSession::note_logout(uint64_t flow_id, Timestamp end) {
  // By index: a linear search of the table per logout was 8% of a run with
  // a million logins.
  const auto it = open_logins_.find(flow_id);
  if (it == open_logins_.end()) return;
  Login& login = logins_[it->second - first_login_];
  open_logins_.erase(it);
  if (!login.open) return;
  login.open = false;
  login.end = end;
}

const MsnpSession::Login* MsnpSession::logged_in(const Endpoint& client, Timestamp at) const {
  for (auto it = logins_.rbegin(); it != logins_.rend(); ++it) {
    if (it->client == client && it->start <= at && (it->open || at < it->end)) return &*it;
  }
  return nullptr;
}

}  // namespace rcds::proto::msnp
