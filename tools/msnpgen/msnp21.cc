#include "tools/msnpgen/msnp21.h"

#include <algorithm>
#include <functional>

namespace rcds::msnpgen::msnp21 {
using render::line;
using render::with_payload;

namespace {
std::string n(int64_t v) { return std::to_string(v); }

std::string epid(const Ns& ns) { return "1:" + ns.acct.email + ";epid=" + ns.guid; }

std::string user_xml(const Ns& me, const std::string& status, const std::string& psm) {
  std::string x = "<user><s n=\"IM\"><Status>" + status +
                  "</Status></s><s n=\"PE\"><FriendlyName>" + xml_escape(me.acct.friendly) +
                  "</FriendlyName>";
  if (!psm.empty()) x += "<PSM>" + xml_escape(psm) + "</PSM>";
  x += "</s><sep n=\"IM\" epid=\"" + me.guid + "\"><Capabilities>" + caps(21) +
       "</Capabilities></sep></user>";
  return x;
}

// NFY PUT carrying `me`'s state to `to`, recorded as presence (and PSM).
void notify(Ns& me, Ns& to, const std::string& status, const std::string& psm, bool full) {
  if (!to.link) return;
  const std::string body = user_xml(me, status, psm);
  const std::string payload = render::msnp21(
      {"Routing: 1.0", "To: 1:" + to.acct.email, "From: 1:" + me.acct.email}, {"Reliability: 1.0"},
      {"Notification: 1.0", "NotifType: " + std::string(full ? "Full" : "Partial"),
       "Content-Type: application/user+xml",
       "Content-Length: " + n(static_cast<int64_t>(body.size()))},
      body);
  const int64_t at = to.push(with_payload("NFY", {"PUT"}, payload));
  World& w = me.w;
  w.record(at, w.event("presence", *to.link, kServer, at)
                   .str("account", me.acct.email)
                   .str("status", status)
                   .str("via", "NFY"));
  if (!psm.empty()) {
    w.record(at, w.event("personal_message", *to.link, kServer, at)
                     .str("account", me.acct.email)
                     .str("text", psm)
                     .str("via", "NFY"));
  }
}

std::string sdg_payload(const Ns& from, const std::string& to, const std::vector<std::string>& msg,
                        const std::string& body) {
  std::vector<std::string> messaging{"Messaging: 2.0",
                                     "Content-Length: " + n(static_cast<int64_t>(body.size()))};
  messaging.insert(messaging.end(), msg.begin(), msg.end());
  return render::msnp21({"Routing: 1.0", "To: " + to, "From: " + epid(from)}, {"Reliability: 1.0"},
                        messaging, body);
}

// SDG from `from` (client, TrID) and its copies (server, TrID 0).
void sdg(Ns& from, const std::vector<Ns*>& to, const std::string& group_id,
         const std::vector<std::string>& msg_headers, const std::string& body,
         const std::string& event, const std::function<void(Json&)>& fields) {
  World& w = from.w;
  w.begin_action();
  const std::string dest = group_id.empty() ? "1:" + to.front()->acct.email : group_id;
  const std::string payload = sdg_payload(from, dest, msg_headers, body);
  const int t = from.next_trid();
  std::vector<std::string> peers;
  for (const Ns* r : to) peers.push_back(r->acct.email);
  const auto rec = [&](Link& link, Side side, int64_t at) {
    Json j = w.event(event, link, side, at);
    j.str("account", from.acct.email).list("peers", peers);
    if (!group_id.empty()) j.str("group", group_id);
    fields(j);
    w.record(at, j);
  };
  const int64_t at = from.link->send1(kClient, with_payload("SDG", {n(t)}, payload));
  rec(*from.link, kClient, at);
  for (Ns* r : to) {
    if (!r->link) continue;
    rec(*r->link, kServer, r->push(with_payload("SDG", {"0"}, payload)));
  }
}
}  // namespace

void after_login(Ns& me) {
  World& w = me.w;
  const std::string digits = n(static_cast<int64_t>(w.cap.rng().between(1000000000, 9999999999)));
  me.push(line("CHL", {"0", digits}));
  const int t = me.next_trid();
  me.link->send1(kClient, with_payload("QRY", {n(t), "PROD0000EXAMPLE1"}, md5_hex(digits)));
  me.link->send1(kServer, line("QRY", {n(t)}));
  notify(me, me, "HDN", "", true);  // the user's own (not yet published) state
}

void publish(Ns& me, const std::string& status, const std::string& psm,
             const std::vector<Ns*>& watchers) {
  World& w = me.w;
  w.begin_action();
  const std::string body = user_xml(me, status, psm);
  const std::string payload =
      render::msnp21({"Routing: 1.0", "To: " + epid(me), "From: " + epid(me)}, {"Reliability: 1.0"},
                     {"Publication: 1.0", "Uri: /user", "Content-Type: application/user+xml",
                      "Content-Length: " + n(static_cast<int64_t>(body.size()))},
                     body);
  const int t = me.next_trid();
  const int64_t at = me.link->send1(kClient, with_payload("PUT", {n(t)}, payload));
  w.record(at, w.event("presence", *me.link, kClient, at)
                   .str("account", me.acct.email)
                   .str("status", status)
                   .str("via", "PUT"));
  if (!psm.empty()) {
    w.record(at, w.event("personal_message", *me.link, kClient, at)
                     .str("account", me.acct.email)
                     .str("text", psm)
                     .str("via", "PUT"));
  }
  const std::string ack =
      render::msnp21({"Routing: 1.0", "To: " + epid(me), "From: " + epid(me)}, {"Reliability: 1.0"},
                     {"Publication: 1.0", "Content-Length: 0"}, "");
  me.link->send1(kServer, with_payload("PUT", {n(t), "OK"}, ack));
  for (Ns* watcher : watchers) notify(me, *watcher, status, psm, false);
}

void signed_out(Ns& me, const std::vector<Ns*>& watchers) {
  World& w = me.w;
  for (Ns* to : watchers) {
    if (!to->link) continue;
    const std::string body = "<user><s n=\"IM\"><Status>FLN</Status></s></user>";
    const std::string payload = render::msnp21(
        {"Routing: 1.0", "To: 1:" + to->acct.email, "From: 1:" + me.acct.email},
        {"Reliability: 1.0"},
        {"Notification: 1.0", "NotifType: Partial", "Content-Type: application/user+xml",
         "Content-Length: " + n(static_cast<int64_t>(body.size()))},
        body);
    const int64_t at = to->push(with_payload("NFY", {"DEL"}, payload));
    w.record(at, w.event("presence", *to->link, kServer, at)
                     .str("account", me.acct.email)
                     .str("status", "FLN")
                     .str("via", "NFY"));
  }
}

void text(Ns& from, const std::vector<Ns*>& to, const std::string& group_id,
          const render::Format& f, const std::string& body) {
  const std::string format = render::format_header(f);
  sdg(from, to, group_id, {"Content-Type: Text/plain; charset=UTF-8", "Message-Type: Text", format},
      body, "message", [&](Json& j) {
        j.str("text", body)
            .str("format", format.substr(sizeof("X-MMS-IM-Format: ") - 1))
            .num("bytes", static_cast<int64_t>(body.size()));
      });
}

void typing(Ns& from, const std::vector<Ns*>& to, const std::string& group_id) {
  sdg(from, to, group_id, {"Content-Type: Application/Message", "Message-Type: Control/Typing"}, "",
      "typing", [](Json&) {});
}

namespace {

constexpr const char* kFtGuid = "{5D3E02AB-6190-11D3-BBBB-00C04F795683}";

// One SDG from `from` to `to` with the given messaging headers, and its copy
// pushed to `to`; returns the capture times of both (sender's, receiver's).
std::pair<int64_t, int64_t> sdg_to(Ns& from, Ns& to, const std::vector<std::string>& headers,
                                   const std::string& body) {
  std::vector<std::string> messaging{"Messaging: 2.0",
                                     "Content-Length: " + n(static_cast<int64_t>(body.size()))};
  messaging.insert(messaging.end(), headers.begin(), headers.end());
  const std::string payload = render::msnp21(
      {"Routing: 1.0", "To: " + epid(to), "From: " + epid(from), "Service-Channel: PE"},
      {"Reliability: 1.0"}, messaging, body);
  const int64_t sent =
      from.link->send1(kClient, with_payload("SDG", {n(from.next_trid())}, payload));
  return {sent, to.push(with_payload("SDG", {"0"}, payload))};
}

// A truth line of `event` on both NS connections (the sender's as c2s, the
// receiver's as s2c).
void record_both(Ns& from, Ns& to, std::pair<int64_t, int64_t> at, const std::string& event,
                 const std::string& account, const std::function<void(Json&)>& fields) {
  World& w = from.w;
  const std::pair<Link*, Side> where[] = {{from.link.get(), kClient}, {to.link.get(), kServer}};
  const int64_t times[] = {at.first, at.second};
  for (int i = 0; i < 2; ++i) {
    Json j = w.event(event, *where[i].first, where[i].second, times[i]);
    j.str("account", account);
    fields(j);
    w.record(times[i], j);
  }
}

// MSNSLP between the two endpoints (§9.3), with the body's NUL.
std::string slp(const std::string& start, const Ns& to, const Ns& from, Rng& rng, int cseq,
                const std::string& call_id, const std::string& type, const std::string& body) {
  const std::string to_id = to.acct.email + ";" + to.guid;
  const std::string from_id = from.acct.email + ";" + from.guid;
  return render::slp_message(
      start == "INVITE" || start == "BYE" ? start + " MSNMSGR:" + to_id + " MSNSLP/1.0" : start,
      to_id, from_id, rng.guid(), cseq, call_id, type, body);
}

std::string invite_body(uint32_t session, const std::string& file_name, uint64_t size) {
  return std::string("EUF-GUID: ") + kFtGuid + "\r\nSessionID: " + n(session) +
         "\r\nAppID: 2\r\nContext: " + render::ft_context(file_name, size) + "\r\n\r\n";
}

// The P2P v2 state of one endpoint: its sequence number and package counter.
struct Peer {
  Ns* ns;
  uint32_t seq;
  uint16_t package = 0;
};

std::string packet(Peer& p, const render::P2pV2& h, const Bytes& data, uint32_t footer) {
  const Bytes header = render::p2p_v2_header(h, data.size());
  std::string out(header.begin(), header.end());
  out.append(data.begin(), data.end());
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(footer >> (8 * i) & 0xFF));
  p.seq += static_cast<uint32_t>(data.size());
  return out;
}

// `message` (SLP text or file bytes) as P2P v2 data packets of at most 1200
// bytes, `per_sdg` packets per SDG; returns the times of the last SDG.
std::pair<int64_t, int64_t> send_data(Peer& a, Peer& b, uint32_t session, const Bytes& message,
                                      bool file, size_t per_sdg) {
  std::vector<std::string> packets;
  ++a.package;
  for (size_t off = 0; off < message.size(); off += 1200) {
    const size_t len = std::min<size_t>(1200, message.size() - off);
    render::P2pV2 h;
    h.base_id = a.seq;
    h.has_data = true;
    h.tf = file ? 0x06 : (off == 0 ? 0x01 : 0x00);
    h.package = a.package;
    h.session = session;
    h.remaining = message.size() - off - len;
    if (!file && off == 0 && a.package == 1) {
      h.opcode = 0x01;  // the first message opens the transport: SYN + peer info
      h.header_tlvs = render::tlv(
          0x01, Bytes{0x02, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f});
    }
    packets.push_back(packet(a, h,
                             Bytes(message.begin() + static_cast<std::ptrdiff_t>(off),
                                   message.begin() + static_cast<std::ptrdiff_t>(off + len)),
                             file ? 2 : 0));
  }
  std::pair<int64_t, int64_t> last{};
  for (size_t i = 0; i < packets.size(); i += per_sdg) {
    std::string body, offsets;
    for (size_t k = i; k < std::min(packets.size(), i + per_sdg); ++k) {
      offsets += (offsets.empty() ? "" : ",") + n(static_cast<int64_t>(body.size()));
      body += packets[k];
    }
    last = sdg_to(*a.ns, *b.ns,
                  {"Content-Type: application/x-msnmsgrp2p", "Content-Transfer-Encoding: binary",
                   "Message-Type: Data", "Pipe: " + n(a.package), "Bridging-Offsets: " + offsets},
                  body);
  }
  // The receiver acknowledges: a transport header with the ACK TLV, no data.
  render::P2pV2 ack;
  ack.base_id = b.seq;
  Bytes seq(4);
  for (int i = 0; i < 4; ++i)
    seq[static_cast<size_t>(i)] = static_cast<uint8_t>(a.seq >> (24 - 8 * i));
  ack.header_tlvs = render::tlv(0x02, seq);
  sdg_to(*b.ns, *a.ns,
         {"Content-Type: application/x-msnmsgrp2p", "Content-Transfer-Encoding: binary",
          "Message-Type: Data", "Bridging-Offsets: 0"},
         packet(b, ack, {}, 0));
  return last;
}

Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

const std::vector<std::string> kSignal{"Content-Type: text/plain; charset=UTF-8",
                                       "Message-Type: Signal/P2P"};

}  // namespace

void file_decline(Ns& from, Ns& to, const std::string& file_name, uint64_t size) {
  World& w = from.w;
  Rng& rng = w.cap.rng();
  const uint32_t session = static_cast<uint32_t>(rng.between(10000, 4000000));
  const std::string call_id = rng.guid();
  w.begin_action();
  const auto offer =
      sdg_to(from, to, kSignal,
             slp("INVITE", to, from, rng, 0, call_id, "application/x-msnmsgr-sessionreqbody",
                 invite_body(session, file_name, size)));
  record_both(from, to, offer, "file_offer", from.acct.email, [&](Json& j) {
    j.list("peers", {to.acct.email})
        .str("file_name", file_name)
        .num("file_size", static_cast<int64_t>(size))
        .str("transport", "p2p_v2")
        .num("p2p_session", session)
        .str("call_id", call_id);
  });
  w.begin_action();
  const auto decline =
      sdg_to(to, from, kSignal,
             slp("MSNSLP/1.0 603 Decline", from, to, rng, 1, call_id,
                 "application/x-msnmsgr-sessionreqbody", "SessionID: " + n(session) + "\r\n\r\n"));
  record_both(to, from, decline, "file_decline", to.acct.email, [&](Json& j) {
    j.str("file_name", file_name)
        .str("transport", "p2p_v2")
        .num("p2p_session", session)
        .str("reason", "603");
  });
}

void file_transfer(Ns& from, Ns& to, const std::string& file_name, const Bytes& file) {
  World& w = from.w;
  Rng& rng = w.cap.rng();
  w.files.push_back({w.scenario + "." + file_name, file});
  Peer a{&from, static_cast<uint32_t>(rng.next())}, b{&to, static_cast<uint32_t>(rng.next())};
  const uint32_t session = static_cast<uint32_t>(rng.between(10000, 4000000));
  const std::string call_id = rng.guid();
  const auto file_fields = [&](Json& j) {
    j.list("peers", {to.acct.email})
        .str("file_name", file_name)
        .num("file_size", static_cast<int64_t>(file.size()))
        .str("transport", "p2p_v2");
  };

  w.begin_action();
  const std::string invite =
      slp("INVITE", to, from, rng, 0, call_id, "application/x-msnmsgr-sessionreqbody",
          invite_body(session, file_name, file.size()));
  const auto offer = send_data(a, b, 0, bytes_of(invite), false, 4);
  record_both(from, to, offer, "file_offer", from.acct.email, [&](Json& j) {
    file_fields(j);
    j.num("p2p_session", session).str("call_id", call_id);
  });

  w.begin_action();
  const std::string ok =
      slp("MSNSLP/1.0 200 OK", from, to, rng, 1, call_id, "application/x-msnmsgr-sessionreqbody",
          "SessionID: " + n(session) + "\r\n\r\n");
  const auto accept = send_data(b, a, 0, bytes_of(ok), false, 4);
  record_both(to, from, accept, "file_accept", to.acct.email, [&](Json& j) {
    j.str("file_name", file_name).str("transport", "p2p_v2").num("p2p_session", session);
  });

  w.begin_action();
  const auto data = send_data(a, b, session, file, true, 3);
  record_both(from, to, data, "file_data", from.acct.email, [&](Json& j) {
    file_fields(j);
    j.str("sha256", sha256_hex(file)).num("p2p_session", session);
  });

  w.begin_action();
  send_data(a, b, 0,
            bytes_of(slp("BYE", to, from, rng, 0, call_id, "application/x-msnmsgr-sessionclosebody",
                         "SessionID: " + n(session) + "\r\n\r\n")),
            false, 4);
}

void nudge(Ns& from, const std::vector<Ns*>& to, const std::string& group_id) {
  sdg(from, to, group_id, {"Content-Type: Application/Message", "Message-Type: Nudge"}, "\r\n",
      "nudge", [](Json&) {});
}

}  // namespace rcds::msnpgen::msnp21
