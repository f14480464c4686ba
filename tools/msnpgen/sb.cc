#include "tools/msnpgen/sb.h"

#include <algorithm>
#include <stdexcept>

namespace rcds::msnpgen {
using render::line;
using render::with_payload;

namespace {
std::string n(int64_t v) { return std::to_string(v); }

std::string cookie(Rng& rng) {
  return n(static_cast<int64_t>(rng.between(1104577200, 1104999999))) + "." +
         n(static_cast<int64_t>(rng.between(1000, 99999))) + "." +
         n(static_cast<int64_t>(rng.between(100000, 999999)));
}

// JOI/IRO name a member by endpoint from MSNP16; an MSNP18 server also
// names each account once without endpoint (§7.1 step 6). Returns the ids
// to announce for `ns` to an observer of version `v`: (id, endpoint).
std::vector<std::pair<std::string, std::string>> ids_for(const Ns& ns, int v, bool first_endpoint) {
  std::vector<std::pair<std::string, std::string>> ids;
  const bool has_ep = ns.version() >= 16 && !ns.guid.empty() && v >= 16;
  ids.push_back({has_ep ? ns.sb_id() : ns.acct.email, has_ep ? ns.guid : ""});
  if (has_ep && v >= 18 && first_endpoint) ids.push_back({ns.acct.email, ""});
  return ids;
}
}  // namespace

Switchboard::Member& Switchboard::member(Ns& ns) {
  for (auto& m : members_) {
    if (m->ns == &ns) return *m;
  }
  throw std::logic_error("not a member: " + ns.acct.email);
}

std::vector<std::string> Switchboard::others(const Ns& ns) const {
  std::vector<std::string> out;
  for (const auto& m : members_) {
    const std::string& e = m->ns->acct.email;
    if (e != ns.acct.email && std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
  }
  return out;
}

void Switchboard::open(Ns& caller) {
  w_.begin_action();
  const int v = caller.version();
  const int t = caller.next_trid();
  caller.link->send1(kClient, line("XFR", {n(t), "SB"}));
  const std::string c = cookie(w_.cap.rng());
  std::vector<std::string> p{n(t), "SB", host_text(w_.sb), "CKI", c};
  if (v >= 13) p.push_back("U messenger.msn.com");
  if (v >= 14) p.push_back("0");
  const int64_t at = caller.push(line("XFR", p));
  w_.record(at, w_.event("sb_referral", *caller.link, kServer, at)
                    .str("account", caller.acct.email)
                    .str("sb", host_text(w_.sb))
                    .str("cookie", c));
  session_id_ = n(static_cast<int64_t>(w_.cap.rng().between(10000000, 99999999)));

  w_.begin_action();
  auto m = std::make_unique<Member>();
  m->ns = &caller;
  m->link = w_.connect(caller.acct, "sb", w_.sb);
  m->trid = 1;
  m->link->send1(kClient, line("USR", {"1", caller.sb_id(), c}));
  const int64_t ok =
      m->link->send1(kServer, line("USR", {"1", "OK", caller.sb_id(), caller.friendly_enc()}));
  Json j = w_.event("joined", *m->link, kServer, ok);
  j.str("account", caller.acct.email).list("peers", {}).str("via", "USR").str("cookie", c);
  if (caller.version() >= 16 && !caller.guid.empty()) j.str("endpoint", caller.guid);
  w_.record(ok, j);
  members_.push_back(std::move(m));
}

void Switchboard::invite(Ns& inviter, const std::vector<Ns*>& endpoints) {
  Member& from = member(inviter);
  const std::string invitee = endpoints.front()->acct.email;
  w_.begin_action();
  const int t = ++from.trid;
  const int64_t at = from.link->send1(kClient, line("CAL", {n(t), invitee}));
  w_.record(at, w_.event("invite", *from.link, kClient, at)
                    .str("account", inviter.acct.email)
                    .list("peers", {invitee})
                    .str("session_id", session_id_));
  from.link->send1(kServer, line("CAL", {n(t), "RINGING", session_id_}));

  for (Ns* ep : endpoints) {
    w_.begin_action();
    const int v = ep->version();
    const std::string c = cookie(w_.cap.rng());
    std::vector<std::string> p{session_id_, host_text(w_.sb),   "CKI",
                               c,           inviter.acct.email, inviter.friendly_enc()};
    if (v >= 13) p.push_back("U messenger.hotmail.com");
    if (v >= 14) p.push_back("1");
    const int64_t rang = ep->push(line("RNG", p));
    w_.record(rang, w_.event("ring", *ep->link, kServer, rang)
                        .str("account", inviter.acct.email)
                        .list("peers", {invitee})
                        .str("session_id", session_id_)
                        .str("cookie", c));

    w_.begin_action();
    auto m = std::make_unique<Member>();
    m->ns = ep;
    m->link = w_.connect(ep->acct, "sb", w_.sb);
    m->trid = 1;
    m->link->send1(kClient, line("ANS", {"1", ep->sb_id(), c, session_id_}));
    // Roster lines for the newcomer, then ANS OK, in one burst.
    std::vector<std::string> batch;
    std::vector<std::pair<std::string, std::string>> listed;  // (account, endpoint)
    std::vector<std::string> seen;
    for (const auto& other : members_) {
      const Ns& o = *other->ns;
      const bool first = std::find(seen.begin(), seen.end(), o.acct.email) == seen.end();
      seen.push_back(o.acct.email);
      for (const auto& [id, guid] : ids_for(o, v, first)) listed.push_back({id, guid});
    }
    std::vector<std::string> iro_accounts;
    for (size_t i = 0; i < listed.size(); ++i) {
      std::vector<std::string> q{"1", n(static_cast<int64_t>(i + 1)),
                                 n(static_cast<int64_t>(listed.size())), listed[i].first};
      const std::string email = listed[i].first.substr(0, listed[i].first.find(';'));
      for (const auto& other : members_) {
        if (other->ns->acct.email == email) {
          q.push_back(other->ns->friendly_enc());
          if (v >= 12) q.push_back(caps(other->ns->version()));
          break;
        }
      }
      batch.push_back(line("IRO", q));
    }
    batch.push_back(line("ANS", {"1", "OK"}));
    const std::vector<int64_t> times = m->link->send(kServer, batch);
    for (size_t i = 0; i < listed.size(); ++i) {
      const std::string email = listed[i].first.substr(0, listed[i].first.find(';'));
      Json j = w_.event("joined", *m->link, kServer, times[i]);
      j.str("account", email).str("via", "IRO").str("session_id", session_id_);
      if (!listed[i].second.empty()) j.str("endpoint", listed[i].second);
      w_.record(times[i], j);
    }
    Member* added = m.get();
    members_.push_back(std::move(m));
    Json j = w_.event("joined", *added->link, kServer, times.back());
    j.str("account", ep->acct.email).list("peers", others(*ep)).str("via", "ANS").str("cookie", c);
    j.str("session_id", session_id_);
    if (v >= 16 && !ep->guid.empty()) j.str("endpoint", ep->guid);
    w_.record(times.back(), j);

    // Everybody already there hears JOI.
    const bool first_ep = std::count_if(members_.begin(), members_.end(), [&](const auto& x) {
                            return x->ns->acct.email == ep->acct.email;
                          }) == 1;
    for (const auto& other : members_) {
      if (other.get() == added) continue;
      const int ov = other->ns->version();
      std::vector<std::string> joins;
      const auto ids = ids_for(*ep, ov, first_ep);
      for (const auto& [id, guid] : ids) {
        joins.push_back(line("JOI", {id, ep->friendly_enc(), ov >= 12 ? caps(v) : ""}));
      }
      const std::vector<int64_t> jt = other->link->send(kServer, joins);
      for (size_t i = 0; i < ids.size(); ++i) {
        Json k = w_.event("joined", *other->link, kServer, jt[i]);
        k.str("account", ep->acct.email).str("via", "JOI").str("session_id", session_id_);
        if (!ids[i].second.empty()) k.str("endpoint", ids[i].second);
        w_.record(jt[i], k);
      }
    }
  }
}

Switchboard::Delivery Switchboard::relay(Ns& from, char ack, const std::string& payload) {
  Member& m = member(from);
  Delivery d;
  const int t = ++m.trid;
  d.sent = m.link->send1(kClient, with_payload("MSG", {n(t), std::string(1, ack)}, payload));
  if (ack == 'A' || ack == 'D') d.acked = m.link->send1(kServer, line("ACK", {n(t)}));
  for (auto& other : members_) {
    if (other.get() == &m) continue;
    const int64_t got = other->link->send1(
        kServer, with_payload("MSG", {from.acct.email, from.friendly_enc()}, payload));
    d.copies.push_back({other.get(), got});
  }
  return d;
}

void Switchboard::record(const Delivery& d, Ns& from, const std::string& event,
                         const std::function<void(Json&)>& fields) {
  const std::vector<std::string> peers = others(from);
  const auto one = [&](const Link& link, Side side, int64_t t) {
    Json j = w_.event(event, link, side, t);
    j.str("account", from.acct.email).list("peers", peers).str("session_id", session_id_);
    fields(j);
    w_.record(t, j);
  };
  one(*member(from).link, kClient, d.sent);
  for (const auto& [m, t] : d.copies) one(*m->link, kServer, t);
}

void Switchboard::message(Ns& from, const render::Format& f, const std::string& text, char ack) {
  w_.begin_action();
  const Delivery d = relay(from, ack, render::mime_text(f, text));
  const std::string format = render::format_header(f).substr(sizeof("X-MMS-IM-Format: ") - 1);
  record(d, from, "message", [&](Json& j) {
    j.str("text", text).str("format", format).num("bytes", static_cast<int64_t>(text.size()));
  });
}

void Switchboard::message_chunked(Ns& from, const render::Format& f, const std::string& text,
                                  size_t chunks) {
  w_.begin_action();
  const std::string id = w_.cap.rng().guid();
  const size_t per = (text.size() + chunks - 1) / chunks;
  Delivery last;
  for (size_t i = 0; i < chunks; ++i) {
    const std::string part = text.substr(i * per, per);
    // The first chunk carries the full headers and the count; the others
    // only the Message-ID and their index (§8.5).
    const std::string payload =
        i == 0
            ? "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n" +
                  render::format_header(f) + "\r\nMessage-ID: " + id +
                  "\r\nChunks: " + n(static_cast<int64_t>(chunks)) + "\r\n\r\n" + part
            : "Message-ID: " + id + "\r\nChunk: " + n(static_cast<int64_t>(i)) + "\r\n\r\n" + part;
    last = relay(from, 'N', payload);
  }
  const std::string format = render::format_header(f).substr(sizeof("X-MMS-IM-Format: ") - 1);
  record(last, from, "message", [&](Json& j) {
    j.str("text", text)
        .str("format", format)
        .num("bytes", static_cast<int64_t>(text.size()))
        .num("chunks", static_cast<int64_t>(chunks));
  });
}

void Switchboard::call_fails(Ns& inviter, const std::string& invitee, int code) {
  Member& from = member(inviter);
  w_.begin_action();
  const int t = ++from.trid;
  from.link->send1(kClient, line("CAL", {n(t), invitee}));
  const int64_t at = from.link->send1(kServer, line(n(code), {n(t)}));
  w_.record(at, w_.event("error", *from.link, kServer, at)
                    .str("account", inviter.acct.email)
                    .list("peers", {invitee})
                    .num("code", code)
                    .str("via", "CAL"));
}

void Switchboard::typing(Ns& from) {
  w_.begin_action();
  record(relay(from, 'U', render::mime_typing(from.acct.email)), from, "typing", [](Json&) {});
}

void Switchboard::nudge(Ns& from) {
  w_.begin_action();
  record(relay(from, 'N', render::mime_nudge()), from, "nudge", [](Json&) {});
}

void Switchboard::leave(Ns& who) {
  w_.begin_action();
  Member& m = member(who);
  const int64_t at = m.link->send1(kClient, "OUT\r\n");
  Json j = w_.event("left", *m.link, kClient, at);
  j.str("account", who.acct.email).str("via", "OUT").str("session_id", session_id_);
  if (who.version() >= 16 && !who.guid.empty()) j.str("endpoint", who.guid);
  w_.record(at, j);
  w_.close(*m.link, kClient);
  members_.erase(std::remove_if(members_.begin(), members_.end(),
                                [&](const auto& x) { return x.get() == &m; }),
                 members_.end());
  for (auto& other : members_) {
    const bool ep = who.version() >= 16 && !who.guid.empty() && other->ns->version() >= 16;
    const int64_t got =
        other->link->send1(kServer, line("BYE", {ep ? who.sb_id() : who.acct.email}));
    Json k = w_.event("left", *other->link, kServer, got);
    k.str("account", who.acct.email).str("via", "BYE").str("session_id", session_id_);
    if (ep) k.str("endpoint", who.guid);
    w_.record(got, k);
  }
}

}  // namespace rcds::msnpgen
