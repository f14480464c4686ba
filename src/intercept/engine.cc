#include "intercept/engine.h"

#include <algorithm>
#include <limits>

#include "intercept/engine_state.h"
#include "proto/msnp/event_fields.h"

namespace rcds::intercept {

namespace msnp = proto::msnp;

InterceptEngine::InterceptEngine(const WarrantStore& store, RecordSink& sink, EngineOptions options)
    : store_(store), sink_(sink), options_(std::move(options)) {
  transfer_cookies_.resize(options_.max_transfer_cookies);
}

InterceptEngine::~InterceptEngine() = default;

// --- warrants ---------------------------------------------------------------

namespace {

std::string changes_between(const Warrant& before, const Warrant& after) {
  std::string what;
  auto add = [&](std::string_view item) {
    if (!what.empty()) what += ",";
    what += item;
  };
  if (before.valid_from != after.valid_from || before.valid_until != after.valid_until) {
    add("window");
  }
  if (before.targets != after.targets) add("targets");
  if (before.scope != after.scope) add("scope");
  if (before.destination != after.destination) add("destination");
  if (before.case_reference != after.case_reference || before.authority != after.authority) {
    add("reference");
  }
  if (before.revoked_at != after.revoked_at) add("revoked_at");
  return what;
}

const Warrant* find_warrant(const WarrantSet& set, std::string_view liid) {
  for (const Warrant& w : set) {
    if (w.liid == liid) return &w;
  }
  return nullptr;
}

}  // namespace

void InterceptEngine::reload() {
  const std::shared_ptr<const WarrantSet> previous = warrants_;
  generation_ = store_.generation();
  warrants_ = store_.snapshot();
  index_.build(*warrants_);

  // The audit trail: what changed, at the packet time it took effect.
  const Timestamp at = now_.ns == std::numeric_limits<int64_t>::min() ? Timestamp{} : now_;
  auto notice = [&](WarrantNotice::Kind kind, const Warrant& w, std::string detail) {
    ++stats_.notices;
    sink_.on_notice(WarrantNotice{kind, w.liid, at, std::move(detail), w.destination});
  };
  for (const Warrant& w : *warrants_) {
    const Warrant* old = previous ? find_warrant(*previous, w.liid) : nullptr;
    if (old == nullptr) {
      // A warrant that arrives with a future revocation is in force until then.
      if (!w.revoked || w.revoked_at > at) notice(WarrantNotice::Kind::kActivated, w, "");
    } else if (w.revoked && !old->revoked) {
      notice(WarrantNotice::Kind::kDeactivated, w, "revoked");
    } else if (std::string what = changes_between(*old, w); !what.empty()) {
      notice(WarrantNotice::Kind::kModified, w, std::move(what));
    }
  }
  if (previous) {
    for (const Warrant& old : *previous) {
      if (find_warrant(*warrants_, old.liid) == nullptr && !old.revoked) {
        notice(WarrantNotice::Kind::kDeactivated, old, "removed");
      }
    }
  }

  // Interceptions in progress follow their warrant by LIID.
  std::unordered_map<std::string_view, uint32_t> by_liid;
  for (uint32_t i = 0; i < warrants_->size(); ++i) by_liid[(*warrants_)[i].liid] = i;
  auto relink = [&](std::vector<Interception>& list) {
    for (Interception& in : list) {
      const auto it = by_liid.find(in.liid);
      in.warrant = it == by_liid.end() ? kNoWarrant : it->second;
    }
  };
  for (auto& [id, connection] : connections_) relink(connection->active);
  for (auto& [key, comm] : ip_comms_) relink(comm->active);
  for (TransferCookie& cookie : transfer_cookies_) {
    const auto it = by_liid.find(cookie.liid);
    cookie.warrant = it == by_liid.end() ? kNoWarrant : it->second;
  }
}

void InterceptEngine::refresh() {
  if (store_.generation() != generation_) reload();
  if (now_ >= next_ip_expiry_) expire_ip(now_);
  // Decoders must ask again: a window may just have opened or closed.
  content_decisions_changed();
  Timestamp next{std::numeric_limits<int64_t>::max()};
  auto consider = [&](Timestamp t) {
    if (t > now_ && t < next) next = t;
  };
  for (const Warrant& w : *warrants_) {
    consider(w.valid_from);
    consider(w.valid_until);
    if (w.revoked) consider(w.revoked_at);
  }
  consider(next_ip_expiry_);
  next_edge_ = next;
}

bool InterceptEngine::covers(const Interception& interception, Timestamp time) const {
  return interception.warrant != kNoWarrant && (*warrants_)[interception.warrant].covers(time);
}

bool InterceptEngine::covers(TargetRef ref, Timestamp time) const {
  return (*warrants_)[ref.warrant].covers(time);
}

InterceptEngine::Interception InterceptEngine::start(TargetRef ref, std::string account) {
  const Warrant& warrant = (*warrants_)[ref.warrant];
  Interception in;
  in.liid = warrant.liid;
  in.warrant = ref.warrant;
  in.target = warrant.targets[ref.target].to_string();
  in.account = std::move(account);
  in.cin = options_.cins != nullptr ? options_.cins->next(warrant.liid) : ++next_cin_[warrant.liid];
  return in;
}

void InterceptEngine::emit(Interception& interception, Record& record, RecordKind kind) {
  record.liid = interception.liid;
  record.cin = interception.cin;
  record.kind = kind;
  record.sequence = interception.iri_sequence++;
  record.sensor_id = options_.sensor_id;
  record.target = interception.target;
  record.destination = (*warrants_)[interception.warrant].destination;
  ++stats_.records_iri;
  sink_.on_record(record);
}

void InterceptEngine::emit_cc(Interception& interception, Record& record) {
  if ((*warrants_)[interception.warrant].scope != CollectScope::kIriAndCc) return;
  record.liid = interception.liid;
  record.cin = interception.cin;
  record.kind = RecordKind::kCc;
  record.sequence = interception.cc_sequence++;
  record.sensor_id = options_.sensor_id;
  record.target = interception.target;
  record.destination = (*warrants_)[interception.warrant].destination;
  ++stats_.records_cc;
  sink_.on_record(record);
}

// --- MSN ----------------------------------------------------------------------

InterceptEngine::Connection* InterceptEngine::connection_for(uint64_t flow_id, bool create) {
  const auto it = connections_.find(flow_id);
  if (it != connections_.end()) return it->second.get();
  if (!create) return nullptr;
  if (connections_.size() >= options_.max_connections) {
    ++stats_.connections_refused;
    return nullptr;
  }
  auto& slot = connections_[flow_id];
  slot = std::make_unique<Connection>();
  // The connection's decoder may have decided to skip content already.
  content_decisions_changed();
  return slot.get();
}

namespace {

// The account an event is about when the connection's owner is not known
// yet (the login itself) or is someone else (an MSNFTP receiver).
std::string_view subject_account(const msnp::EventBody& body) {
  if (const auto* e = std::get_if<msnp::LoginAttempt>(&body)) return e->account;
  if (const auto* e = std::get_if<msnp::LoginResult>(&body)) return e->account;
  if (const auto* e = std::get_if<msnp::Redirect>(&body)) return e->account;
  if (const auto* e = std::get_if<msnp::MsnftpTransfer>(&body)) return e->account;
  return {};
}

// Sender and recipients of the events that carry them.
template <class Visit>
void for_each_party(const msnp::EventBody& body, Visit visit) {
  std::visit(
      [&](const auto& e) {
        if constexpr (requires {
                        e.sender;
                        e.recipients;
                      }) {
          visit(std::string_view(e.sender));
          for (const std::string_view r : e.recipients) visit(r);
        }
      },
      body);
}

const msnp::AccountList* roster_of(const msnp::EventBody& body) {
  if (const auto* e = std::get_if<msnp::ParticipantJoined>(&body)) return &e->roster;
  if (const auto* e = std::get_if<msnp::ParticipantLeft>(&body)) return &e->roster;
  return nullptr;
}

}  // namespace

void InterceptEngine::on_event(const msnp::MsnpEvent& event) {
  advance(event.context.time);
  const msnp::EventContext& c = event.context;
  Connection* connection = connection_for(c.flow_id, false);
  if (connection == nullptr && !index_.has_msn_targets()) return;
  // The owner logged out or left: nothing later on this connection belongs
  // to a communication any more.
  if (connection != nullptr && connection->owner_session_over) return;

  // Who on this connection is a target: its owner (or the account logging
  // in), targets in the switchboard roster, or the invitation an MSNFTP
  // connection presents.
  wants_.clear();
  auto want_account = [&](std::string_view account, Basis basis) {
    for (const TargetRef& ref : index_.msn(account)) wants_.push_back({ref, account, basis});
  };
  want_account(c.owner, Basis::kOwner);
  if (const std::string_view subject = subject_account(event.body); subject != c.owner) {
    want_account(subject, Basis::kOwner);
  }
  if (const msnp::AccountList* roster = roster_of(event.body)) {
    // The roster after the change replaces what we knew.
    // Targets in someone else's switchboard, whatever their warrants' windows:
    // a window that opens while they chat picks them up at the next event.
    // (The owner is matched as owner at every event; no state needed.) This
    // is state about targets only, and ends with the connection.
    std::vector<std::string> in_roster;
    for (const std::string_view member : *roster) {
      if (member != c.owner && !index_.msn(member).empty()) in_roster.emplace_back(member);
    }
    if (connection == nullptr && !in_roster.empty()) connection = connection_for(c.flow_id, true);
    if (connection != nullptr) connection->roster_targets = std::move(in_roster);
  }
  if (connection != nullptr) {
    for (const std::string& member : connection->roster_targets) {
      want_account(member, Basis::kRoster);
    }
  }
  // A target sending or receiving on a connection whose roster is unknown
  // (picked up mid-stream): it is evidently in that chat.
  for_each_party(event.body, [&](std::string_view account) {
    if (account != c.owner) want_account(account, Basis::kRoster);
  });
  if (const auto* ftp = std::get_if<msnp::MsnftpTransfer>(&event.body);
      ftp != nullptr && ftp->stage == msnp::MsnftpTransfer::Stage::kAuth) {
    match_transfer(ftp->auth_cookie);
  }
  if (const auto* direct = std::get_if<msnp::P2pDirectHandshake>(&event.body)) {
    // A direct P2P connection negotiated on an intercepted switchboard.
    if (!direct->nonce.empty()) match_transfer("p2p:" + direct->nonce);
    if (!direct->hashed_nonce.empty()) match_transfer("p2p:" + direct->hashed_nonce);
  }
  if (wants_.empty() && connection == nullptr) return;  // a non-target: nothing kept

  for (const Want& want : wants_) {
    if (!covers(want.ref, c.time)) continue;
    if (connection == nullptr) connection = connection_for(c.flow_id, true);
    if (connection == nullptr) return;  // refused (counted)
    const std::string& liid = (*warrants_)[want.ref.warrant].liid;
    const bool present = std::any_of(connection->active.begin(), connection->active.end(),
                                     [&](const Interception& in) { return in.liid == liid; });
    if (present) continue;
    Interception in = start(want.ref, std::string(want.account));
    in.basis = want.basis;
    connection->active.push_back(std::move(in));
  }
  if (connection == nullptr) return;
  record_msn(event, *connection);
  if (connection->active.empty() && connection->roster_targets.empty() &&
      !connection->owner_session_over) {
    connections_.erase(c.flow_id);
  }
}

bool InterceptEngine::any_covers(std::span<const TargetRef> refs, Timestamp time) const {
  for (const TargetRef& ref : refs) {
    if (covers(ref, time)) return true;
  }
  return false;
}

bool InterceptEngine::wants_content(std::string_view owner, const flow::StreamInfo& info) {
  if (!warrants_) return false;
  if (const Connection* connection = connection_for(info.flow_id, false)) {
    for (const Interception& in : connection->active) {
      if (covers(in, now_)) return true;
    }
    for (const std::string& member : connection->roster_targets) {
      if (any_covers(index_.msn(member), now_)) return true;
    }
  }
  // A connection whose owner is not known yet (picked up mid-stream) may be
  // a target's: its content is parsed until the owner shows (a switchboard
  // client names itself only inside messages, TypingUser), and nothing of
  // it is kept unless it matches.
  // A direct P2P connection is the exception: not matched above, its nonce
  // named no target's transfer, so it is nobody's we intercept.
  if (owner.empty()) {
    return info.protocol != msnp::kP2pDirectProtocol && index_.has_msn_targets();
  }
  return any_covers(index_.msn(owner), now_);
}

void InterceptEngine::remember_transfer(std::string_view auth_cookie,
                                        const Interception& interception) {
  if (transfer_cookies_.empty() || auth_cookie.empty()) return;
  TransferCookie& slot = transfer_cookies_[transfer_cookie_next_];
  if (!slot.auth_cookie.empty()) ++stats_.transfer_cookies_evicted;
  slot.auth_cookie = auth_cookie;
  slot.liid = interception.liid;
  slot.warrant = interception.warrant;
  slot.target = interception.target;
  slot.account = interception.account;
  transfer_cookie_next_ = (transfer_cookie_next_ + 1) % transfer_cookies_.size();
}

void InterceptEngine::match_transfer(std::string_view auth_cookie) {
  if (auth_cookie.empty()) return;
  for (const TransferCookie& cookie : transfer_cookies_) {
    if (cookie.auth_cookie != auth_cookie || cookie.warrant == kNoWarrant) continue;
    const Warrant& warrant = (*warrants_)[cookie.warrant];
    for (uint32_t t = 0; t < warrant.targets.size(); ++t) {
      if (warrant.targets[t].to_string() == cookie.target) {
        wants_.push_back({TargetRef{cookie.warrant, t}, cookie.account, Basis::kTransfer});
      }
    }
  }
}

// --- flows --------------------------------------------------------------------

void InterceptEngine::on_flow_closed(uint64_t flow_id, const FlowKey& key, std::string_view reason,
                                     Timestamp time) {
  advance(time);
  if (const auto it = connections_.find(flow_id); it != connections_.end()) {
    // The decoder's own end events (logout, left) normally ended these.
    for (Interception& in : it->second->active) {
      if (!in.begun || !covers(in, time)) continue;
      Record record;
      record.time = time;
      record.protocol = "msnp";
      record.event = "connection_closed";
      record.client = key.source;
      record.server = key.destination;
      record.details.emplace_back("reason", std::string(reason));
      emit(in, record, RecordKind::kIriEnd);
    }
    connections_.erase(it);
  }
  close_ip_flow(key, reason, time);
}

}  // namespace rcds::intercept
