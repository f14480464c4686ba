// The scenarios of the notification-server families and of the protocol
// versions no other scenario negotiates (registered in scenarios.cc).
#include "tools/msnpgen/notices.h"

namespace rcds::msnpgen {
namespace {

Account person(const char* email, const char* friendly, int v, const char* ip,
               const char* password) {
  return {email, friendly, v, ip, password, false};
}

const render::Format kArial{"Arial", "B", "0", "0", "22"};
const render::Format kSegoe{"Segoe UI", "", "ff0000", "1", "0"};

// A bare upper-case GUID, as OIM ids are written.
std::string oim_id(Rng& rng) { return rng.guid().substr(1, 36); }

}  // namespace

// alice MSNP8, bob MSNP11, carol MSNP13, dave MSNP14: phone numbers (PRP,
// listed as PRP/BPR in later SYN answers), groups in both id forms, SBP,
// NOT, IPG, e-mail notices, OIM lists, a system message, FQY, UUN/UBN,
// refused requests (with and without an XML error payload), ACK and NAK.
void ns_families_scenario(World& w, uint64_t) {
  Rng& rng = w.cap.rng();
  Ns a(w, person("alice@example.com", "Alice A.", 8, "192.0.2.10", "tulip7"));
  Ns b(w, person("bob@example.net", "Bob", 11, "203.0.113.50", "otter3"));
  Ns c(w, person("carol@example.org", "Carol C.", 13, "192.0.2.77", "maple9"));
  Ns d(w, person("dave@example.com", "Dave D.", 14, "192.0.2.88", "birch5"));
  a.login();
  notices::set_phone(a, "PHH", "+1 555 0100");
  a.sync_contacts({&b});  // the answer lists alice's own number (PRP)
  a.set_status("NLN", {});
  b.login();
  notices::set_phone(b, "PHM", "+1 555 0111");
  b.sync_contacts({&a, &c});  // alice's number as a BPR after her LST
  b.set_status("NLN", {&a});
  c.sign_in({&a, &b, &d}, "NLN", {&a, &b});
  d.sign_in({&c}, "NLN", {&c});

  const std::string work = notices::add_group(a, "Work Mates");
  notices::rename_group(a, work, "Co-Workers");
  notices::remove_group(a, work);
  const std::string family = notices::add_group(b, "Family");
  notices::rename_group(b, family, "Close Family");
  notices::remove_group(b, family);
  notices::rename_contact(b, a, "Ali");

  notices::alert(a, "4", "Meeting at 10:00");
  notices::pager(a, "tel:+15555550123", "Call me back");
  notices::mail_initial(a, 3, 1);
  notices::mail_new(a, "Bob", "bob@example.net", "Lunch plans");
  notices::mail_moved(a, "ACTIVE", "trAsH", 1);
  notices::system_message(b, 1, 5);
  notices::offline_messages(c,
                            {{&a, oim_id(rng), "2005-01-01T10:00:00.000Z"},
                             {&d, oim_id(rng), "2005-01-01T10:05:00.000Z"}},
                            true);
  notices::offline_messages(c, {{&b, oim_id(rng), "2005-01-01T10:07:30.000Z"}}, false);
  notices::lookup(c, "yuki@yahoo.example", 32);
  notices::user_notification(c, d, 3, "<State>active</State>");

  notices::refused(a, "ADD", {"FL", "bob@example.net", "Bob"}, "", 215, "bob@example.net");
  notices::refused(a, "XFR", {"SB"}, "", 913, "SB");
  notices::refused(b, "ADC", {"FL", "N=nobody@example.org", "F=Nobody"}, "", 205,
                   "nobody@example.org");
  notices::refused(
      c, "ADL", {}, R"(<ml l="1"><d n="example.com"><c n="erin" l="1" t="1" /></d></ml>)", 241,
      "erin@example.com", R"(<ml><d n="example.com"><c n="erin" l="1" t="1" e="241"/></d></ml>)");
  notices::refused(d, "RML", {}, R"(<ml><d n="example.invalid"><c n="ghost" l="1" /></d></ml>)",
                   508, "ghost@example.invalid",
                   R"(<ml><d n="example.invalid"><c n="ghost" l="1" e="508"/></d></ml>)");

  Switchboard sb(w);
  sb.open(a);
  sb.invite(a, b);
  notices::acked_message(w, sb, a, kArial, "Did you get this?", true);
  notices::acked_message(w, sb, b, kSegoe, "This one is lost", false);
  sb.message(b, kSegoe, "But this one arrives", 'N');
  sb.leave(b);
  sb.leave(a);
  d.logout({&c});
  c.logout({&a, &b});
  b.logout({&a});
  a.logout({});
}

// MSNP3, MSNP4 and MSNP6 MD5 logins with INF (§4.1) and a three-party chat;
// MSNP17, MSNP19 and MSNP20 SSO logins with endpoint GUIDs (MSNP19/20 in the
// MSNP18 forms: MSNP.md calls them transitional), PSMs and a chat.
void msnp_versions_scenario(World& w, uint64_t) {
  Rng& rng = w.cap.rng();
  Ns a(w, person("alice@example.com", "Alice A.", 3, "192.0.2.10", "tulip7"));
  Ns b(w, person("bob@example.net", "Bob", 4, "203.0.113.50", "otter3"));
  Ns c(w, person("carol@example.org", "Carol C.", 6, "192.0.2.77", "maple9"));
  a.sign_in({&b, &c}, "NLN", {});
  b.sign_in({&a, &c}, "NLN", {&a});
  c.sign_in({&a, &b}, "BSY", {&a, &b});
  Switchboard old(w);
  old.open(a);
  old.invite(a, b);
  old.message(a, kArial, "MSNP3 says hello");
  old.message(b, kSegoe, "MSNP4 answers", 'N');
  old.invite(b, c);
  old.typing(c);
  old.message(c, kArial, "And MSNP6 joins");
  old.leave(a);
  old.leave(b);
  old.leave(c);
  c.rename("Carol (v6)", {&a, &b});
  c.logout({&a, &b});
  b.logout({&a});
  a.logout({});

  Ns d(w, person("dave@example.com", "Dave D.", 17, "192.0.2.88", "birch5"), rng.guid());
  Ns e(w, person("erin@example.com", "Erin", 19, "192.0.2.99", "cedar2"), rng.guid());
  Ns f(w, person("frank@example.net", "Frank F.", 20, "203.0.113.70", "aspen4"), rng.guid());
  d.sign_in({&e, &f}, "NLN", {});
  e.sign_in({&d, &f}, "NLN", {&d});
  f.sign_in({&d, &e}, "AWY", {&d, &e});
  e.personal_message("Version nineteen", {&d, &f});
  f.personal_message("Version twenty", {&d, &e});
  Switchboard sb(w);
  sb.open(d);
  sb.invite(d, e);
  sb.message(d, kArial, "MSNP17 here");
  sb.invite(e, f);
  sb.message(e, kSegoe, "MSNP19 and MSNP20 too");
  sb.nudge(f);
  sb.message(f, kArial, "Hi both");
  sb.leave(f);
  sb.leave(e);
  sb.leave(d);
  f.logout({&d, &e});
  e.logout({&d});
  d.logout({});
}

}  // namespace rcds::msnpgen
