// Each scenario is a script: accounts and their protocol versions, then the
// actions in order. Everything the truth says comes from these calls.
#include "tools/msnpgen/scenarios.h"

#include <cstdio>

#include "tools/msnpgen/files.h"
#include "tools/msnpgen/msnp21.h"
#include "tools/msnpgen/notices.h"
#include "tools/msnpgen/ns.h"
#include "tools/msnpgen/objects.h"
#include "tools/msnpgen/sb.h"

namespace rcds::msnpgen {
namespace {

using render::Format;

Account alice(int v) { return {"alice@example.com", "Alice A.", v, "192.0.2.10", "tulip7", false}; }
Account bob(int v) { return {"bob@example.net", "Bob", v, "203.0.113.50", "otter3", false}; }
Account carol(int v) { return {"carol@example.org", "Carol C.", v, "192.0.2.77", "maple9", false}; }

const Format kArial{"Arial", "B", "0", "0", "22"};
const Format kSegoe{"Segoe UI", "", "ff0000", "1", "0"};
const Format kTahoma{"Tahoma", "I", "808000", "0", "0"};

// File contents: pseudo-random bytes from the seed and the scenario's salt
// only, independent of the traffic's randomness (changing a scenario's
// script does not change its file), and different in each scenario so a
// file attributed to the wrong transfer cannot pass for the right one.
Bytes file_bytes(uint64_t seed, uint64_t salt, size_t size) {
  Rng rng(seed ^ (0x5eed'f11e'0000'0000ULL + salt));
  return rng.bytes(size);
}

void md5_chat(World& w, uint64_t) {
  Ns c(w, carol(2)), a(w, alice(5)), b(w, bob(7));
  c.login(/*wrong_password=*/true);  // 911, then nothing from carol
  a.sign_in({&b, &c}, "NLN", {});
  b.sign_in({&a}, "NLN", {&a});
  a.add_contact(c);
  a.remove_contact(c);
  Switchboard sb(w);
  sb.open(a);
  sb.call_fails(a, c.acct.email, 217);  // carol is not online
  sb.invite(a, b);
  sb.typing(a);
  sb.message(a, kArial, "Hi Bob, lunch at 12?");
  sb.message(b, kSegoe, "Sure \xe2\x80\x93 see you \xe2\x98\xba", 'N');
  sb.leave(a);
  sb.leave(b);
  b.rename("Bobby (away)", {&a});
  b.set_status("AWY", {&a});
  a.logout({&b});
  b.logout({});
}

void twn_chat(World& w, uint64_t) {
  Ns a(w, alice(8)), b(w, bob(9));
  a.sign_in({&b}, "NLN", {});
  b.sign_in({&a}, "NLN", {&a});
  a.ping();
  Switchboard sb(w);
  sb.open(a);
  sb.invite(a, b);
  sb.typing(a);
  sb.message(a, kArial, "Hi Bob, lunch at 12?");
  sb.typing(b);
  sb.message(b, kSegoe, "Sure \xe2\x80\x93 see you \xe2\x98\xba", 'N');
  sb.nudge(a);
  sb.message(a, kArial, "Line one\r\nline two with 100% & <tags>");
  std::string long_text;
  for (int i = 0; long_text.size() < 3000; ++i) {
    long_text +=
        "Paragraph " + std::to_string(i) + ": the quick brown fox jumps over the lazy dog.\r\n";
  }
  sb.message_chunked(b, kSegoe, long_text, 3);
  sb.leave(b);
  sb.leave(a);
  a.add_contact(b);
  b.set_status("BRB", {&a});
  a.logout({&b});
  b.logout({});
}

void multiparty(World& w, uint64_t) {
  Ns a(w, alice(10)), b(w, bob(11)), c(w, carol(12));
  a.sign_in({&b, &c}, "NLN", {});
  b.login();
  b.sync_contacts({&a, &c});
  b.challenge();
  b.set_status("NLN", {&a});
  b.personal_message("At the beach", {&a});
  c.sign_in({&a, &b}, "NLN", {&a, &b});
  Switchboard sb(w);
  sb.open(a);
  sb.invite(a, b);
  sb.message(a, kArial, "Hi Bob, lunch at 12?");
  sb.message(b, kSegoe, "Let me ask Carol too");
  sb.invite(b, c);
  sb.message(c, kTahoma, "Count me in.", 'N');
  sb.nudge(c);
  sb.typing(a);
  sb.message(a, kArial, "Great, see you both. Bye!");
  sb.leave(a);
  sb.message(b, kSegoe, "Just us now");
  sb.message(c, kTahoma,
             "\xc3\x9c"
             "ber-fine \xe2\x82\xac 5");
  sb.leave(c);
  sb.leave(b);
  c.add_contact(a);
  a.remove_contact(c);
  a.rename("Alice (lunch)", {&b});
  a.logout({&b, &c});
  b.logout({&c});
  c.logout({});
}

void sso_presence(World& w, uint64_t) {
  Ns a(w, alice(15)), b(w, bob(13)), c(w, carol(14));
  b.sign_in({&a, &c}, "NLN", {});
  c.sign_in({&a, &b}, "BSY", {&b});
  a.login();
  a.sync_contacts({&b, &c});
  a.challenge();
  a.set_status("NLN", {&b, &c});
  a.personal_message("Reading <MSNP.md> & friends", {&b, &c});
  b.personal_message("Gone fishing", {&a, &c});
  c.personal_message("In a meeting", {&a, &b});
  a.set_status("AWY", {&b, &c});
  a.set_status("NLN", {&b, &c});
  Switchboard sb(w);
  sb.open(a);
  sb.invite(a, c);
  sb.message(a, kSegoe, "Quick question about the report");
  sb.message(c, kArial, "Sure, go ahead");
  sb.leave(c);
  sb.leave(a);
  Ns d(w, {"dave@example.com", "Dave", 15, "198.51.100.99", "", false});
  a.add_contact(d);
  a.remove_contact(d);
  c.yahoo_message("yuki@yahoo.example", "Hi from the MSN side", false);
  c.yahoo_message("yuki@yahoo.example", "Hello from Yahoo!", true);
  c.set_status("HDN", {&a, &b});
  c.signed_in_elsewhere();
  b.logout({&a});
  a.logout({});
}

void mpop(World& w, uint64_t) {
  Rng& rng = w.cap.rng();
  Ns home(w, alice(18), rng.guid()), work(w, alice(18), rng.guid());
  Ns b(w, bob(16), rng.guid());
  work.acct.ip = "192.0.2.11";  // the second device of the same account
  home.acct.friendly = "Alice A.";
  b.sign_in({&home}, "NLN", {});
  home.sign_in({&b}, "NLN", {&b});
  home.personal_message("Two places at once", {&b, &work});
  work.sign_in({&b}, "NLN", {&home});
  Switchboard sb(w);
  sb.open(b);
  sb.invite(b, {&home, &work});
  sb.message(b, kSegoe, "Which PC are you on?");
  sb.message(work, kArial, "The office one");
  sb.typing(home);
  sb.message(home, kArial, "And now from home");
  sb.leave(work);
  sb.message(b, kSegoe, "OK");
  sb.leave(home);
  sb.leave(b);
  work.logout({&home, &b});
  home.logout({&b});
  b.logout({});
}

void sdg(World& w, uint64_t) {
  Rng& rng = w.cap.rng();
  Ns a(w, alice(21), rng.guid()), b(w, bob(21), rng.guid()), c(w, carol(21), rng.guid());
  a.sign_in({&b, &c}, "NLN", {});
  b.sign_in({&a, &c}, "NLN", {&a});
  c.sign_in({&a, &b}, "BSY", {&a, &b});
  a.personal_message("No more switchboards", {&b, &c});
  msnp21::typing(a, {&b}, "");
  msnp21::text(a, {&b}, "", kSegoe, "Hi Bob, via SDG");
  msnp21::text(b, {&a}, "", kArial, "Hello \xe2\x98\xba");
  msnp21::nudge(b, {&a}, "");
  const std::string group = "10:" + rng.guid() + "@live.com";
  msnp21::text(a, {&b, &c}, group, kSegoe, "Group: hello both");
  msnp21::text(c, {&a, &b}, group, kTahoma, "Carol here");
  msnp21::nudge(c, {&a, &b}, group);
  c.logout({&a, &b});
  b.logout({&a});
  a.logout({});
}

// P2P over SDG between two MSNP21 endpoints: an offer declined, then a file.
void sdg_p2p(World& w, uint64_t seed) {
  Rng& rng = w.cap.rng();
  Ns a(w, alice(21), rng.guid()), b(w, bob(21), rng.guid());
  a.sign_in({&b}, "NLN", {});
  b.sign_in({&a}, "NLN", {&a});
  msnp21::text(a, {&b}, "", kSegoe, "The report is on its way");
  msnp21::file_decline(a, b, "holiday.avi", 52428800);
  msnp21::file_transfer(a, b, "report.pdf", file_bytes(seed, 4, 7300));
  msnp21::text(b, {&a}, "", kArial, "Got it, thanks");
  b.logout({&a});
  a.logout({});
}

void msnftp(World& w, uint64_t seed) {
  Ns a(w, alice(8)), b(w, bob(8));
  a.login();
  a.set_status("NLN", {});
  b.login();
  b.set_status("NLN", {&a});
  Switchboard sb(w);
  sb.open(a);
  sb.invite(a, b);
  sb.message(a, kArial, "Sending you the plans");
  msnftp_decline(w, sb, a, b, "huge.iso", 700000000);
  msnftp_transfer(w, sb, a, b, "plans.txt", file_bytes(seed, 1, 5000));
  sb.message(b, kSegoe, "Got it, thanks");
  sb.leave(a);
  sb.leave(b);
  a.logout({&b});
  b.logout({});
}

void p2p(World& w, uint64_t seed, bool v2) {
  Rng& rng = w.cap.rng();
  Ns a(w, alice(v2 ? 18 : 9), rng.guid()), b(w, bob(v2 ? 18 : 12), rng.guid());
  a.sign_in({&b}, "NLN", {});
  b.sign_in({&a}, "NLN", {&a});
  Switchboard sb(w);
  sb.open(a);
  sb.invite(a, b);
  sb.message(a, kArial, "Photo coming over P2P");
  p2p_transfer(w, sb, a, b, v2 ? "holiday.jpg" : "plans.txt",
               file_bytes(seed, v2 ? 3 : 2, v2 ? 6500 : 5000), v2);
  sb.message(b, kSegoe, "Received");
  sb.leave(b);
  sb.leave(a);
  a.logout({&b});
  b.logout({});
}
void p2p_v1(World& w, uint64_t seed) { p2p(w, seed, false); }
void p2p_v2(World& w, uint64_t seed) { p2p(w, seed, true); }

void gateway(World& w, uint64_t) {
  Account tunnelled = alice(9);
  tunnelled.via_gateway = true;
  Ns a(w, tunnelled), b(w, bob(9));
  b.sign_in({&a}, "NLN", {});
  a.sign_in({&b}, "NLN", {&b});
  Switchboard sb(w);
  sb.open(a);
  sb.invite(a, b);
  sb.typing(a);
  sb.message(a, kArial, "Behind a proxy, over HTTP");
  sb.message(b, kSegoe, "Works fine");
  sb.nudge(b);
  sb.leave(b);
  sb.leave(a);
  a.logout({&b});
  b.logout({});
}

// Alice behind an HTTP proxy (192.0.2.200): every request carries Via and
// X-Forwarded-For, every response body comes chunked (§12).
void gateway_proxy(World& w, uint64_t) {
  Account proxied = alice(12);
  proxied.via_gateway = true;
  proxied.proxy_ip = "192.0.2.200";
  Ns a(w, proxied), b(w, bob(11));
  b.sign_in({&a}, "NLN", {});
  a.sign_in({&b}, "NLN", {&b});
  Switchboard sb(w);
  sb.open(a);
  sb.invite(a, b);
  sb.message(a, kSegoe, "Through the office proxy");
  sb.typing(b);
  sb.message(b, kArial, "Chunked replies arrive fine \xe2\x98\xba");
  sb.message(a, kSegoe, std::string(1800, 'x') + " (a long one, several chunks)");
  sb.leave(b);
  sb.leave(a);
  a.logout({&b});
  b.logout({});
}

// Minimisation (tests/intercept/minimisation_test.py): alice is the target;
// bob, carol and dave are not. Every text and transferred file carries a
// marker "<class>-MARKER-<16 hex digits from the seed>", the class telling
// the test what an interception of alice may show:
//   TG  alice's own messages (content of her communication),
//   IN  a non-target's messages while alice is in the switchboard (also
//       alice's communication: she receives them),
//   NT  everything else: non-targets among themselves, before alice joins and
//       after she leaves a switchboard, and their file transfers (file names
//       and contents).
Account dave(int v) { return {"dave@example.com", "Dave D.", v, "192.0.2.88", "birch5", false}; }

void minimisation(World& w, uint64_t seed) {
  Rng marks(seed ^ 0x4d41'524b'4552'0000ULL);  // independent of the traffic's randomness
  const auto marker = [&](const char* cls) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(marks.next()));
    return std::string(cls) + "-MARKER-" + hex;
  };
  const auto file_of = [&](const std::string& mark, size_t size) {
    std::string text;
    while (text.size() < size) text += "line " + std::to_string(text.size()) + " " + mark + "\r\n";
    text.resize(size);
    return Bytes(text.begin(), text.end());
  };
  Rng& rng = w.cap.rng();
  Ns a(w, alice(12), rng.guid()), b(w, bob(11), rng.guid()), c(w, carol(12), rng.guid());
  Ns d(w, dave(9), rng.guid());
  a.sign_in({&b, &c}, "NLN", {});
  b.sign_in({&a, &c, &d}, "NLN", {&a});
  c.sign_in({&a, &b, &d}, "NLN", {&a, &b});
  d.sign_in({&b, &c}, "NLN", {&b, &c});

  // A switchboard alice joins late and leaves early.
  Switchboard group(w);
  group.open(b);
  group.invite(b, c);
  group.message(c, kTahoma, "Before alice: " + marker("NT"));
  group.typing(b);
  group.message(b, kSegoe, "Still before alice: " + marker("NT"));
  group.invite(b, a);
  group.message(a, kArial, "Hello both: " + marker("TG"));
  group.message(b, kSegoe, "Welcome alice: " + marker("IN"));
  group.message(c, kTahoma, "Hi alice: " + marker("IN"), 'N');
  group.nudge(c);
  group.message(a, kArial, "Got to go: " + marker("TG"));
  group.leave(a);
  group.message(b, kSegoe, "After alice: " + marker("NT"));
  group.message(c, kTahoma, "Still after alice: " + marker("NT"));
  group.leave(c);
  group.leave(b);

  // Non-targets only: a chat, a declined and a completed MSNFTP transfer.
  Switchboard pair(w);
  pair.open(c);
  pair.invite(c, d);
  pair.message(c, kTahoma, "Between us: " + marker("NT"));
  pair.message(d, kArial, "Indeed: " + marker("NT"));
  const std::string declined = marker("NT");
  msnftp_decline(w, pair, c, d, declined + ".iso", 700000000);
  const std::string sent = marker("NT");
  msnftp_transfer(w, pair, c, d, sent + ".txt", file_of(marker("NT"), 5000));
  pair.message(d, kArial, "Thanks: " + marker("NT"));
  pair.leave(d);
  pair.leave(c);

  // Non-targets only: a P2P v1 file.
  Switchboard photo(w);
  photo.open(b);
  photo.invite(b, d);
  photo.message(b, kSegoe, "Photo: " + marker("NT"));
  const std::string photo_name = marker("NT");
  p2p_transfer(w, photo, b, d, photo_name + ".jpg", file_of(marker("NT"), 4000), false);
  photo.message(d, kArial, "Received: " + marker("NT"));
  photo.leave(b);
  photo.leave(d);

  // alice and bob alone.
  Switchboard direct(w);
  direct.open(a);
  direct.invite(a, b);
  direct.message(a, kArial, "Just us: " + marker("TG"));
  direct.message(b, kSegoe, "Yes: " + marker("IN"));
  direct.leave(b);
  direct.leave(a);

  a.logout({&b, &c});
  b.logout({&c, &d});
  c.logout({&d});
  d.logout({});
}

}  // namespace

const std::vector<Scenario>& scenarios() {
  static const std::vector<Scenario> all = {
      {"msnp2-md5-chat",
       "MSNP2/5/7 MD5 logins (one 911 failure), ADD/REM, REA, CAL 217, two-party chat", md5_chat},
      {"msnp8-twn-chat",
       "MSNP8/9 Tweener login, SYN/LST, chat with typing, nudge, chunked MSG, PNG", twn_chat},
      {"msnp12-multiparty", "MSNP10/11/12: three accounts, CAL/RNG joins and BYE leaves, ADC/REM",
       multiparty},
      {"msnp15-sso-presence",
       "MSNP13/14/15: SSO, ADL/RML, CHG/NLN/FLN, UUX/UBX, CHL/QRY, UUM/UBM, OUT OTH", sso_presence},
      {"msnp18-mpop", "MSNP16/18: endpoint GUIDs, N: prefixes, one account on two devices", mpop},
      {"msnp21-sdg", "MSNP21: PUT/NFY presence, SDG messages, temporary group chat", sdg},
      {"msnp21-p2p", "MSNP21: P2P over SDG, a Signal/P2P offer declined, a 7300-byte file as Data",
       sdg_p2p},
      {"msnftp-file", "a declined offer, then a 5000-byte file over MSNFTP (text/x-msmsgsinvite)",
       msnftp},
      {"p2p-v1-file", "a 5000-byte file over P2P v1 (MSNSLP INVITE/200 OK/BYE, data chunks)",
       p2p_v1},
      {"p2p-v2-file", "a 6500-byte file over P2P v2 between MSNP18 endpoints", p2p_v2},
      {"p2p-objects",
       "MSN objects over P2P v1: display picture, wink, voice clip, emoticon; SLP 603 Decline",
       p2p_objects},
      {"p2p-direct", "a 9000-byte file over a direct TCPv1 connection after transreq/transresp",
       p2p_direct},
      {"http-gateway", "NS and SB sessions tunnelled through the HTTP gateway (POST gateway.dll)",
       gateway},
      {"http-gateway-proxy",
       "the gateway through an HTTP proxy: Via/X-Forwarded-For requests, chunked responses",
       gateway_proxy},
      {"minimisation",
       "target alice beside non-targets (chats, MSNFTP, P2P) with class-tagged marker texts",
       minimisation},
      {"ns-families",
       "NOT, IPG, mail/OIM/system notices, groups, PRP/BPR/SBP, FQY, UUN/UBN, errors, ACK/NAK",
       ns_families_scenario},
      {"msnp-versions", "MSNP3/4/6 MD5 logins and chat; MSNP17/19/20 SSO logins, PSMs and chat",
       msnp_versions_scenario},
  };
  return all;
}

}  // namespace rcds::msnpgen
