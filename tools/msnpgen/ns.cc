#include "tools/msnpgen/ns.h"

#include <algorithm>

#include "tools/msnpgen/msnp21.h"
#include "tools/msnpgen/render.h"

namespace rcds::msnpgen {
using render::line;
using render::with_payload;

namespace {
std::string n(int v) { return std::to_string(v); }

}  // namespace

// The capability number a client of version v puts in CHG/ILN/NLN (§5):
// top nibble = client generation; MSNP16+ adds ":extcaps".
std::string caps(int v) {
  if (v < 8) return "";
  if (v <= 9) return "268435492";
  if (v <= 12) return "1342177312";
  if (v <= 15) return "2147483700";
  return "2789003324:48";
}

namespace {}  // namespace

std::string guid_of(const std::string& email) {
  const std::string h = md5_hex(email);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

namespace {}  // namespace

std::string presence_line(const char* cmd, const std::string& trid, int v, const Ns& who,
                          const std::string& status) {
  std::vector<std::string> p;
  if (!trid.empty()) p.push_back(trid);
  p.push_back(status);
  p.push_back(who.as_seen_by(v));
  if (v >= 14 && v < 18) p.push_back("1");
  p.push_back(who.friendly_enc());
  if (v >= 8) p.push_back(caps(who.version()));
  return line(cmd, p);
}

std::string client_version(int v) {
  if (v <= 7) return "MSMSGS 4.7.3001";
  if (v <= 9) return "MSNMSGR 6.0.0602";
  if (v <= 10) return "MSNMSGR 6.2.0208";
  if (v == 11) return "MSNMSGR 7.0.0813";
  if (v == 12) return "MSNMSGR 7.5.0324";
  if (v == 13) return "MSNMSGR 8.0.0812";
  if (v == 14) return "MSNMSGR 8.1.0178";
  if (v == 15) return "MSNMSGR 8.5.1302";
  if (v <= 18) return "MSNMSGR 14.0.8117.0416";
  return "MSNMSGR 16.4.3528.0331";
}

std::string xml_escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

Ns::Ns(World& world, const Account& a, std::string g) : w(world), acct(a), guid(std::move(g)) {}

std::string Ns::sb_id() const {
  return version() >= 16 && !guid.empty() ? acct.email + ";" + guid : acct.email;
}
std::string Ns::as_seen_by(int v) const { return v >= 18 ? "1:" + acct.email : acct.email; }
std::string Ns::friendly_enc() const { return render::url_encode(acct.friendly); }

void Ns::login(bool wrong_password) {
  const int v = version();
  const std::string auth = v <= 7 ? "MD5" : v <= 14 ? "TWN" : "SSO";
  const std::string auth_lc = v <= 7 ? "md5" : v <= 14 ? "twn" : "sso";
  std::string offered;
  for (int x = v; x >= std::max(2, v - 2); --x) offered += "MSNP" + n(x) + " ";
  offered += "CVR0";
  const std::string ver = "MSNP" + n(v);
  const std::string cvr = "0x0409 winnt 5.1 i386 " + client_version(v) + " MSMSGS " + acct.email +
                          (v >= 21 ? " 0" : "");
  const std::string cvr_reply = client_version(v).substr(client_version(v).find(' ') + 1);

  // The preamble shared by dispatch and notification server.
  const auto preamble = [&](Link& l) {
    int t = next_trid();
    l.send1(kClient, line("VER", {n(t), offered}));
    l.send1(kServer, line("VER", {n(t), ver, "CVR0"}));
    t = next_trid();
    if (v <= 7) {
      l.send1(kClient, line("INF", {n(t)}));
      l.send1(kServer, line("INF", {n(t), "MD5"}));
    } else {
      l.send1(kClient, line("CVR", {n(t), cvr}));
      l.send1(kServer,
              line("CVR", {n(t), cvr_reply, cvr_reply, cvr_reply, "http://download.example/msn.exe",
                           "http://messenger.example/"}));
    }
    t = next_trid();
    const int64_t at = l.send1(kClient, line("USR", {n(t), auth, "I", acct.email}));
    Json j = w.event("login_attempt", l, kClient, at);
    j.str("account", acct.email).str("version", ver).str("auth", auth_lc);
    if (v >= 8) j.str("client_version", client_version(v));
    w.record(at, j);
    return t;
  };

  w.begin_action();
  std::unique_ptr<Link> ds = w.connect(acct, "ds", w.ds);
  int t = preamble(*ds);
  const std::string target = host_text(w.ns);
  const int64_t at =
      ds->send1(kServer, v >= 13 ? line("XFR", {n(t), "NS", target, "U", "D"})
                                 : line("XFR", {n(t), "NS", target, "0", host_text(w.ds)}));
  w.record(at, w.event("redirect", *ds, kServer, at).str("account", acct.email).str("to", target));
  w.close(*ds, kClient);

  w.begin_action();
  link = w.connect(acct, "ns", w.ns);
  t = preamble(*link);
  std::string reply;
  if (v <= 7) {
    const std::string salt = n(static_cast<int>(w.cap.rng().between(100000000, 999999999))) + "." +
                             n(static_cast<int>(w.cap.rng().between(100000000, 999999999)));
    link->send1(kServer, line("USR", {n(t), "MD5", "S", salt}));
    t = next_trid();
    const std::string pw = wrong_password ? acct.password + "x" : acct.password;
    link->send1(kClient, line("USR", {n(t), "MD5", "S", md5_hex(salt + pw)}));
  } else if (auth == "TWN") {
    link->send1(kServer,
                line("USR", {n(t), "TWN", "S",
                             "lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,"
                             "ct=1104577200,kpp=1,kv=5,ver=2.1.0173.1,"
                             "tpf=0123456789abcdef0123456789abcdef"}));
    t = next_trid();
    link->send1(kClient, line("USR", {n(t), "TWN", "S", "t=AbCdEf0123$$&p=GhIjKl4567$$"}));
  } else {
    const std::string nonce = render::base64(w.cap.rng().bytes(24));
    link->send1(kServer, line("USR", {n(t), "SSO", "S", "MBI_KEY_OLD", nonce}));
    t = next_trid();
    const std::string response = render::base64(w.cap.rng().bytes(72));
    link->send1(kClient, line("USR", {n(t), "SSO", "S", "t=EwCoARAnAAAUdummyTicket$$", response,
                                      v >= 16 ? guid : ""}));
  }
  if (wrong_password) {
    const int64_t fail = link->send1(kServer, line("911", {n(t)}));
    w.record(fail, w.event("login_failure", *link, kServer, fail)
                       .str("account", acct.email)
                       .str("auth", auth_lc)
                       .num("code", 911));
    w.close(*link, kServer);
    link.reset();
    return;
  }
  std::vector<std::string> batch;
  if (v <= 7) {
    batch.push_back(line("USR", {n(t), "OK", acct.email, friendly_enc(), v >= 5 ? "1" : ""}));
  } else if (v <= 9) {
    batch.push_back(line("USR", {n(t), "OK", acct.email, friendly_enc(), "1", "0"}));
  } else {
    batch.push_back(line("USR", {n(t), "OK", acct.email, "1", "0"}));
  }
  if (v >= 8) {
    // ClientPort is reported byte-swapped (§8.4), 0 through the gateway.
    const int port =
        acct.via_gateway ? 0 : ((link->client.port & 0xFF) << 8 | link->client.port >> 8);
    batch.push_back(with_payload("MSG", {"Hotmail", "Hotmail"},
                                 render::mime_profile(acct.email, acct.ip, port)));
  }
  if (v >= 13) batch.push_back(line("SBS", {"0", "null"}));
  if (v >= 13 && v < 21) {
    batch.push_back(with_payload(
        "GCF", {"0"}, "<Policies><Policy type=\"SHIELDS\"><config/></Policy></Policies>"));
  }
  const std::vector<int64_t> times = link->send(kServer, batch);
  Json j = w.event("login_success", *link, kServer, times[0]);
  j.str("account", acct.email).str("version", ver).str("auth", auth_lc);
  if (v >= 8) j.str("client_version", client_version(v));
  if (v >= 16 && !guid.empty()) j.str("endpoint", guid);
  w.record(times[0], j);
  if (v >= 21) msnp21::after_login(*this);
}

void Ns::sign_in(const std::vector<Ns*>& contacts, const std::string& status,
                 const std::vector<Ns*>& watchers) {
  login();
  sync_contacts(contacts);
  set_status(status, watchers);
}

void Ns::set_status(const std::string& s, const std::vector<Ns*>& watchers) {
  const bool first = status.empty();
  status = s;
  if (version() >= 21) {
    msnp21::publish(*this, s, "", watchers);
    return;
  }
  const int v = version();
  w.begin_action();
  const int t = next_trid();
  const int64_t at = link->send1(kClient, line("CHG", {n(t), s, caps(v)}));
  w.record(at, w.event("presence", *link, kClient, at)
                   .str("account", acct.email)
                   .str("status", s)
                   .str("via", "CHG"));
  std::vector<std::string> batch{line("CHG", {n(t), s, caps(v)})};
  std::vector<const Ns*> listed;
  if (first && v <= 12) {
    for (const Ns* c : contacts_) {
      if (c->status.empty() || c->status == "HDN") continue;
      batch.push_back(presence_line("ILN", n(t), v, *c, c->status));
      listed.push_back(c);
    }
  }
  const std::vector<int64_t> times = link->send(kServer, batch);
  for (size_t i = 0; i < listed.size(); ++i) {
    w.record(times[i + 1], w.event("presence", *link, kServer, times[i + 1])
                               .str("account", listed[i]->acct.email)
                               .str("status", listed[i]->status)
                               .str("friendly", listed[i]->acct.friendly)
                               .str("via", "ILN"));
  }
  for (Ns* watcher : watchers) deliver_presence(*watcher);
}

void Ns::deliver_presence(Ns& watcher) {
  if (!watcher.link) return;
  const int wv = watcher.version();
  const bool gone = status.empty() || status == "HDN";
  std::string text;
  if (!gone) {
    text = presence_line("NLN", "", wv, *this, status);
  } else if (wv >= 18) {
    text = line("FLN", {as_seen_by(wv), "0:0"});
  } else {
    text = line("FLN", {acct.email, wv >= 14 ? "1" : ""});
  }
  const int64_t at = watcher.push(text);
  Json j = w.event("presence", *watcher.link, kServer, at);
  j.str("account", acct.email).str("status", gone ? "FLN" : status);
  if (!gone) j.str("friendly", acct.friendly);
  w.record(at, j.str("via", gone ? "FLN" : "NLN"));
}

void Ns::rename(const std::string& friendly, const std::vector<Ns*>& watchers) {
  const int v = version();
  w.begin_action();
  acct.friendly = friendly;
  const int t = next_trid();
  const std::string enc = friendly_enc();
  int64_t at = 0;
  if (v <= 9) {
    at = link->send1(kClient, line("REA", {n(t), acct.email, enc}));
    link->send1(kServer, line("REA", {n(t), "43", acct.email, enc}));  // 43: list version
  } else {
    at = link->send1(kClient, line("PRP", {n(t), "MFN", enc}));
    link->send1(kServer, line("PRP", {n(t), "MFN", enc}));
  }
  w.record(at, w.event("friendly_name", *link, kClient, at)
                   .str("account", acct.email)
                   .str("friendly", friendly)
                   .str("via", v <= 9 ? "REA" : "PRP"));
  // Contacts see the new name in an NLN with the unchanged status.
  for (Ns* watcher : watchers) deliver_presence(*watcher);
}

void Ns::signed_in_elsewhere() {
  w.begin_action();
  const int64_t at = push(line("OUT", {"OTH"}));
  w.record(at,
           w.event("logout", *link, kServer, at).str("account", acct.email).str("reason", "OTH"));
  w.close(*link, kServer);
  link.reset();
  status.clear();
}

void Ns::yahoo_message(const std::string& yahoo_account, const std::string& text, bool incoming) {
  w.begin_action();
  const std::string payload = render::mime_text(render::Format{}, text);
  // Type 1 = text message; 32 = the Yahoo! network (§2.1, §2.3).
  int64_t at = 0;
  if (incoming) {
    at = push(with_payload("UBM", {yahoo_account, "32", "1"}, payload));
  } else {
    at = link->send1(kClient,
                     with_payload("UUM", {n(next_trid()), yahoo_account, "32", "1"}, payload));
  }
  const std::string format =
      render::format_header(render::Format{}).substr(sizeof("X-MMS-IM-Format: ") - 1);
  w.record(at, w.event("message", *link, incoming ? kServer : kClient, at)
                   .str("account", incoming ? yahoo_account : acct.email)
                   .list("peers", {incoming ? acct.email : yahoo_account})
                   .str("network", "yahoo")
                   .str("via", incoming ? "UBM" : "UUM")
                   .str("text", text)
                   .str("format", format)
                   .num("bytes", static_cast<int64_t>(text.size())));
}

void Ns::personal_message(const std::string& text, const std::vector<Ns*>& watchers) {
  const int v = version();
  if (v >= 21) {
    msnp21::publish(*this, status, text, watchers);
    return;
  }
  w.begin_action();
  const std::string data =
      "<Data><PSM>" + xml_escape(text) + "</PSM><CurrentMedia></CurrentMedia></Data>";
  const int t = next_trid();
  const int64_t at = link->send1(kClient, with_payload("UUX", {n(t)}, data));
  w.record(
      at,
      w.event("personal_message", *link, kClient, at).str("account", acct.email).str("text", text));
  link->send1(kServer, line("UUX", {n(t), "0"}));
  for (Ns* watcher : watchers) {
    if (!watcher->link) continue;
    const int wv = watcher->version();
    if (wv < 11) continue;  // UBX exists from MSNP11 on (MSNP.md §2.1)
    std::vector<std::string> p{as_seen_by(wv)};
    if (wv >= 14 && wv < 18) p.push_back("1");
    const int64_t got = watcher->push(with_payload("UBX", p, data));
    w.record(got, w.event("personal_message", *watcher->link, kServer, got)
                      .str("account", acct.email)
                      .str("text", text));
  }
  if (v >= 16 && !guid.empty()) {
    // MPOP clients also publish their endpoint (device) data (§5).
    w.begin_action();
    const std::string ep = "<EndpointData id=\"" + guid + "\"><Capabilities>" + caps(v) +
                           "</Capabilities></EndpointData><PrivateEndpointData id=\"" + guid +
                           "\"><EpName>" + xml_escape(acct.friendly) +
                           "-PC</EpName><Idle>false</Idle><ClientType>1</ClientType><State>" +
                           status + "</State></PrivateEndpointData>";
    const int t2 = next_trid();
    const int64_t e = link->send1(kClient, with_payload("UUX", {n(t2)}, ep));
    w.record(e, w.event("endpoint", *link, kClient, e)
                    .str("account", acct.email)
                    .str("endpoint", guid)
                    .str("ep_name", acct.friendly + "-PC"));
    link->send1(kServer, line("UUX", {n(t2), "0"}));
  }
}

void Ns::challenge() {
  if (version() < 11) return;
  w.begin_action();
  const std::string digits = n(static_cast<int>(w.cap.rng().between(10000000, 99999999))) +
                             n(static_cast<int>(w.cap.rng().between(10000000, 99999999)));
  link->send1(kServer, line("CHL", {"0", digits}));
  const int t = next_trid();
  // The answer's algorithm is irrelevant to a passive decoder: any 32 hex digits.
  link->send1(kClient, with_payload("QRY", {n(t), "PROD0000EXAMPLE1"}, md5_hex(digits)));
  link->send1(kServer, line("QRY", {n(t)}));
}

void Ns::ping() {
  if (acct.via_gateway) return;  // no PNG over HTTP (§12)
  w.begin_action();
  link->send1(kClient, "PNG\r\n");
  link->send1(kServer, line("QNG", {"50"}));
}

void Ns::logout(const std::vector<Ns*>& watchers) {
  w.begin_action();
  const int64_t at = link->send1(kClient, "OUT\r\n");
  w.record(at,
           w.event("logout", *link, kClient, at).str("account", acct.email).str("reason", "OUT"));
  w.close(*link, kClient);
  link.reset();
  status.clear();
  if (version() >= 21) {
    msnp21::signed_out(*this, watchers);
    return;
  }
  for (Ns* watcher : watchers) deliver_presence(*watcher);
}

}  // namespace rcds::msnpgen
