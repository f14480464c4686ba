#include "proto/msnp/session.h"

#include <utility>

namespace rcds::proto::msnp {

bool MsnpSession::note_cookie(CookieGrant grant) {
  bool room = true;
  if (max_cookies_ == 0) return false;
  if (cookies_.size() >= max_cookies_) {
    cookies_.pop_front();
    ++evictions_;
    room = false;
  }
  cookies_.push_back(std::move(grant));
  return room;
}

const MsnpSession::CookieGrant* MsnpSession::use_cookie(std::string_view cookie,
                                                        uint64_t sb_flow_id) {
  // Newest first: a cookie is single-use, a repeat is most likely the latest.
  for (auto it = cookies_.rbegin(); it != cookies_.rend(); ++it) {
    if (it->cookie == cookie) {
      it->sb_flow_id = sb_flow_id;
      return &*it;
    }
  }
  return nullptr;
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

bool MsnpSession::note_login(std::string account, const Endpoint& client, uint64_t flow_id,
                             Timestamp start) {
  bool room = true;
  if (max_logins_ == 0) return false;
  if (logins_.size() >= max_logins_) {
    logins_.pop_front();
    ++evictions_;
    room = false;
  }
  logins_.push_back(Login{std::move(account), client, flow_id, start, {}, true});
  return room;
}

void MsnpSession::note_logout(uint64_t flow_id, Timestamp end) {
  for (auto it = logins_.rbegin(); it != logins_.rend(); ++it) {
    if (it->flow_id == flow_id && it->open) {
      it->open = false;
      it->end = end;
      return;
    }
  }
}

const MsnpSession::Login* MsnpSession::logged_in(const Endpoint& client, Timestamp at) const {
  for (auto it = logins_.rbegin(); it != logins_.rend(); ++it) {
    if (it->client == client && it->start <= at && (it->open || at < it->end)) return &*it;
  }
  return nullptr;
}

}  // namespace rcds::proto::msnp
