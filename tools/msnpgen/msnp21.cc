#include "tools/msnpgen/msnp21.h"

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

void nudge(Ns& from, const std::vector<Ns*>& to, const std::string& group_id) {
  sdg(from, to, group_id, {"Content-Type: Application/Message", "Message-Type: Nudge"}, "\r\n",
      "nudge", [](Json&) {});
}

}  // namespace rcds::msnpgen::msnp21
