#include "tools/msnpgen/notices.h"

#include <algorithm>

namespace rcds::msnpgen::notices {
using render::line;
using render::with_payload;

namespace {
std::string n(int64_t v) { return std::to_string(v); }

std::string hotmail_payload(const std::string& type, const std::string& fields) {
  return "MIME-Version: 1.0\r\nContent-Type: " + type + "; charset=UTF-8\r\n\r\n" + fields + "\r\n";
}

// A server → client MSG from "Hotmail Hotmail" (§8.4); returns its time.
int64_t push_hotmail(Ns& ns, const std::string& type, const std::string& fields) {
  return ns.push(with_payload("MSG", {"Hotmail", "Hotmail"}, hotmail_payload(type, fields)));
}

Json owner_event(Ns& ns, const char* name, Side side, int64_t at) {
  Json j = ns.w.event(name, *ns.link, side, at);
  j.str("account", ns.acct.email);
  return j;
}

// "{ABC-...}" → "abc-..." (MSNP10+ group ids are bare lower-case GUIDs).
std::string bare_guid(std::string g) {
  g = g.substr(1, g.size() - 2);
  std::transform(g.begin(), g.end(), g.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return g;
}

std::string split_domain(const std::string& account, std::string& local) {
  const size_t at = account.find('@');
  local = account.substr(0, at);
  return account.substr(at + 1);
}
}  // namespace

void alert(Ns& ns, const std::string& id, const std::string& text) {
  ns.w.begin_action();
  const std::string xml =
      "<NOTIFICATION ver=\"2\" id=\"" + id +
      "\" siteid=\"45705\" siteurl=\"http://alerts.example.com\"><TO pid=\"0x00060000:0x81ee5a43\" "
      "name=\"" +
      ns.acct.email +
      "\"><VIA agent=\"messenger\"/></TO><MSG id=\"0\"><SUBSCR url=\"s.htm\"/><ACTION "
      "url=\"a.htm\"/><BODY lang=\"1033\" icon=\"\"><TEXT>" +
      xml_escape(text) + "</TEXT></BODY></MSG></NOTIFICATION>";
  const int64_t at = ns.push(with_payload("NOT", {}, xml));
  ns.w.record(at, owner_event(ns, "alert", kServer, at)
                      .str("alert_id", id)
                      .str("alert_text", xml_escape(text))
                      .str("action_url", "a.htm"));
}

void pager(Ns& ns, const std::string& from, const std::string& text) {
  ns.w.begin_action();
  const std::string xml =
      "<NOTIFICATION id=\"0\" siteid=\"111100400\" siteurl=\"http://mobile.example.com/\"><TO "
      "name=\"" +
      ns.acct.email + "\" pid=\"0x1:0x2\" email=\"" + ns.acct.email +
      "\"><VIA agent=\"mobile\"/></TO><FROM pid=\"0x3:0x4\" name=\"" + from +
      "\"/><MSG pri=\"1\" id=\"0\"><ACTION url=\"2wayIM.asp\"/><SUBSCR url=\"2wayIM.asp\"/><CAT "
      "id=\"110110001\"/><BODY lang=\"1033\"><TEXT>" +
      xml_escape(text) + "</TEXT></BODY></MSG></NOTIFICATION>";
  const int64_t at = ns.push(with_payload("IPG", {}, xml));
  Json j = ns.w.event("pager_message", *ns.link, kServer, at);
  ns.w.record(at, j.str("account", from)
                      .list("peers", {ns.acct.email})
                      .str("pager_text", xml_escape(text))
                      .num("size", static_cast<int64_t>(xml.size())));
}

void mail_initial(Ns& ns, int inbox_unread, int folders_unread) {
  ns.w.begin_action();
  const int64_t at = push_hotmail(
      ns, "text/x-msmsgsinitialemailnotification",
      "Inbox-Unread: " + n(inbox_unread) + "\r\nFolders-Unread: " + n(folders_unread) +
          "\r\nInbox-URL: /cgi-bin/HoTMaiL\r\nFolders-URL: /cgi-bin/folders\r\nPost-URL: "
          "http://mail.example.com\r\n");
  ns.w.record(at, owner_event(ns, "mail", kServer, at)
                      .str("kind", "initial")
                      .str("inbox_unread", n(inbox_unread))
                      .str("folders_unread", n(folders_unread)));
}

void mail_new(Ns& ns, const std::string& from, const std::string& from_address,
              const std::string& subject) {
  ns.w.begin_action();
  const int64_t at = push_hotmail(
      ns, "text/x-msmsgsemailnotification",
      "From: " + from +
          "\r\nMessage-URL: /cgi-bin/getmsg?msg=MSG1104577200.17\r\n"
          "Post-URL: http://mail.example.com\r\nSubject: " +
          subject + "\r\nDest-Folder: ACTIVE\r\nFrom-Addr: " + from_address + "\r\nid: 2\r\n");
  ns.w.record(at, owner_event(ns, "mail", kServer, at)
                      .str("kind", "new")
                      .str("from", from)
                      .str("from_address", from_address)
                      .str("subject", subject)
                      .str("dest_folder", "ACTIVE"));
}

void mail_moved(Ns& ns, const std::string& from_folder, const std::string& to_folder, int delta) {
  ns.w.begin_action();
  const int64_t at = push_hotmail(ns, "text/x-msmsgsactivemailnotification",
                                  "Src-Folder: " + from_folder + "\r\nDest-Folder: " + to_folder +
                                      "\r\nMessage-Delta: " + n(delta) + "\r\n");
  ns.w.record(at, owner_event(ns, "mail", kServer, at)
                      .str("kind", "activity")
                      .str("src_folder", from_folder)
                      .str("dest_folder", to_folder)
                      .str("message_delta", n(delta)));
}

void offline_messages(Ns& ns, const std::vector<Oim>& oims, bool initial) {
  ns.w.begin_action();
  std::string data = "<MD><E><I>" + n(static_cast<int64_t>(oims.size())) +
                     "</I><IU>0</IU><O>0</O><OU>0</OU></E><Q><QTM>409600</QTM><QNM>204800</QNM>"
                     "</Q>";
  std::vector<std::string> nicks;
  for (const Oim& o : oims) {
    const std::string& f = o.from->acct.friendly;
    nicks.push_back("=?utf-8?B?" + render::base64(Bytes(f.begin(), f.end())) + "?=");
    data += "<M><T>11</T><S>6</S><RT>" + o.received + "</RT><RS>0</RS><SZ>950</SZ><E>" +
            o.from->acct.email + "</E><I>" + o.id +
            "</I><F>00000000-0000-0000-0000-000000000009</F><N>" + nicks.back() + "</N></M>";
  }
  data += "</MD>";
  const int64_t at = push_hotmail(
      ns, initial ? "text/x-msmsgsinitialmdatanotification" : "text/x-msmsgsoimnotification",
      "Mail-Data: " + data + "\r\n");
  for (size_t i = 0; i < oims.size(); ++i) {
    Json j = ns.w.event("oim", *ns.link, kServer, at);
    ns.w.record(at, j.str("account", oims[i].from->acct.email)
                        .list("peers", {ns.acct.email})
                        .str("oim_id", oims[i].id)
                        .str("received", oims[i].received)
                        .str("nick", nicks[i]));
  }
}

void system_message(Ns& ns, int type, int minutes) {
  ns.w.begin_action();
  const int64_t at = push_hotmail(ns, "application/x-msmsgssystemmessage",
                                  "Type: " + n(type) + "\r\nArg1: " + n(minutes) + "\r\n");
  ns.w.record(
      at,
      owner_event(ns, "system_message", kServer, at).str("type", n(type)).str("arg", n(minutes)));
}

std::string add_group(Ns& ns, const std::string& name) {
  const bool old = ns.version() < 10;
  ns.w.begin_action();
  const int t = ns.next_trid();
  const std::string enc = render::url_encode(name);
  const std::string id = old ? n(++ns.groups_made) : bare_guid(ns.w.cap.rng().guid());
  ns.link->send1(kClient, old ? line("ADG", {n(t), enc, "0"}) : line("ADG", {n(t), enc}));
  const int64_t at = ns.push(old ? line("ADG", {n(t), n(++ns.list_version), enc, id, "0"})
                                 : line("ADG", {n(t), enc, id}));
  ns.w.record(at, owner_event(ns, "group", kServer, at)
                      .str("op", "added")
                      .str("group_id", id)
                      .str("name", name));
  return id;
}

void rename_group(Ns& ns, const std::string& id, const std::string& name) {
  const bool old = ns.version() < 10;
  ns.w.begin_action();
  const int t = ns.next_trid();
  const std::string enc = render::url_encode(name);
  ns.link->send1(kClient, old ? line("REG", {n(t), id, enc, "0"}) : line("REG", {n(t), id, enc}));
  const int64_t at = ns.push(old ? line("REG", {n(t), n(++ns.list_version), id, enc, "0"})
                                 : line("REG", {n(t), id, enc}));
  ns.w.record(at, owner_event(ns, "group", kServer, at)
                      .str("op", "renamed")
                      .str("group_id", id)
                      .str("name", name));
}

void remove_group(Ns& ns, const std::string& id) {
  const bool old = ns.version() < 10;
  ns.w.begin_action();
  const int t = ns.next_trid();
  ns.link->send1(kClient, line("RMG", {n(t), id}));
  const int64_t at =
      ns.push(old ? line("RMG", {n(t), n(++ns.list_version), id}) : line("RMG", {n(t), id}));
  ns.w.record(at, owner_event(ns, "group", kServer, at)
                      .str("op", "removed")
                      .str("group_id", id)
                      .str("name", ""));
}

void set_phone(Ns& ns, const std::string& property, const std::string& value) {
  ns.w.begin_action();
  const int t = ns.next_trid();
  const std::string enc = render::url_encode(value);
  const int64_t at = ns.link->send1(kClient, line("PRP", {n(t), property, enc}));
  ns.push(ns.version() < 10 ? line("PRP", {n(t), n(++ns.list_version), property, enc})
                            : line("PRP", {n(t), property, enc}));
  ns.phones.emplace_back(property, value);
  ns.w.record(at, owner_event(ns, "contact_property", kClient, at)
                      .str("property", property)
                      .str("value", value)
                      .str("via", "PRP"));
}

void rename_contact(Ns& ns, const Ns& contact, const std::string& nick) {
  ns.w.begin_action();
  const int t = ns.next_trid();
  const std::string id = guid_of(contact.acct.email);
  const std::string enc = render::url_encode(nick);
  const int64_t at = ns.link->send1(kClient, line("SBP", {n(t), id, "MFN", enc}));
  ns.push(line("SBP", {n(t), id, "MFN", enc}));
  ns.w.record(at, owner_event(ns, "contact_property", kClient, at)
                      .str("contact_id", id)
                      .str("property", "MFN")
                      .str("value", nick)
                      .str("via", "SBP"));
}

void lookup(Ns& ns, const std::string& account, int network_id) {
  ns.w.begin_action();
  const int t = ns.next_trid();
  std::string local;
  const std::string domain = split_domain(account, local);
  const int64_t asked = ns.link->send1(
      kClient, with_payload("FQY", {n(t)},
                            "<ml><d n=\"" + domain + "\"><c n=\"" + local + "\" /></d></ml>"));
  const int64_t answered = ns.push(with_payload("FQY", {n(t)},
                                                "<ml><d n=\"" + domain + "\"><c n=\"" + local +
                                                    "\" t=\"" + n(network_id) + "\" /></d></ml>"));
  Json q = ns.w.event("network_lookup", *ns.link, kClient, asked);
  ns.w.record(asked, q.str("account", account).str("via", "query").num("network", 0));
  Json a = ns.w.event("network_lookup", *ns.link, kServer, answered);
  ns.w.record(answered, a.str("account", account).str("via", "answer").num("network", network_id));
}

void user_notification(Ns& ns, Ns& to, int type, const std::string& payload) {
  ns.w.begin_action();
  const int t = ns.next_trid();
  const int64_t sent =
      ns.link->send1(kClient, with_payload("UUN", {n(t), to.acct.email, n(type)}, payload));
  ns.push(line("UUN", {n(t), "OK"}));
  const int64_t got = to.push(with_payload("UBN", {ns.acct.email, n(type)}, payload));
  for (auto [link, side, at, via] : {std::tuple{ns.link.get(), kClient, sent, "UUN"},
                                     std::tuple{to.link.get(), kServer, got, "UBN"}}) {
    Json j = ns.w.event("user_notification", *link, side, at);
    ns.w.record(at, j.str("account", ns.acct.email)
                        .list("peers", {to.acct.email})
                        .str("via", via)
                        .str("type", n(type))
                        .num("size", static_cast<int64_t>(payload.size())));
  }
}

void refused(Ns& ns, const std::string& cmd, const std::vector<std::string>& params,
             const std::string& request_payload, int code, const std::string& key,
             const std::string& xml) {
  ns.w.begin_action();
  const int t = ns.next_trid();
  std::vector<std::string> p{n(t)};
  p.insert(p.end(), params.begin(), params.end());
  ns.link->send1(kClient,
                 request_payload.empty() ? line(cmd, p) : with_payload(cmd, p, request_payload));
  const int64_t at =
      ns.push(xml.empty() ? line(n(code), {n(t)}) : with_payload(n(code), {n(t)}, xml));
  ns.w.record(at, owner_event(ns, "command_error", kServer, at)
                      .str("command", cmd)
                      .num("code", code)
                      .str("key", key)
                      .num("payload_size", static_cast<int64_t>(xml.size())));
}

void acked_message(World& w, Switchboard& sb, Ns& from, const render::Format& f,
                   const std::string& text, bool delivered) {
  w.begin_action();
  const std::string payload = render::mime_text(f, text);
  const std::string format = render::format_header(f).substr(sizeof("X-MMS-IM-Format: ") - 1);
  const auto fields = [&](Json& j) {
    j.str("text", text).str("format", format).num("bytes", static_cast<int64_t>(text.size()));
  };
  Switchboard::Member& m = sb.member(from);
  int64_t answered = 0;
  if (delivered) {
    const Switchboard::Delivery d = sb.relay(from, 'A', payload);
    sb.record(d, from, "message", fields);
    answered = d.acked;
  } else {
    // Mode N: the server answers only a failure, with NAK, and relays nothing.
    const int t = ++m.trid;
    const int64_t sent = m.link->send1(kClient, with_payload("MSG", {n(t), "N"}, payload));
    Json j = w.event("message", *m.link, kClient, sent);
    j.str("account", from.acct.email).list("peers", sb.others(from));
    fields(j);
    w.record(sent, j);
    answered = m.link->send1(kServer, line("NAK", {n(t)}));
  }
  Json j = w.event("delivery", *m.link, kServer, answered);
  w.record(answered, j.str("account", from.acct.email)
                         .str("trid", n(m.trid))
                         .str("result", delivered ? "ACK" : "NAK"));
}

}  // namespace rcds::msnpgen::notices
