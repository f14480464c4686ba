// Notification-server command families beyond login and presence, and the
// switchboard's delivery results: command errors by TrID (MSNP.md §2, §14,
// XML error payloads §2.1), ACK/NAK (§7.2), NOT/IPG (§2.1), e-mail, OIM and
// system notices (§8.4), groups (§6), contact properties (§5), FQY and
// UUN/UBN (§2.1). Lines are written by hand from the reference (the NOT/IPG
// XML and the mail-notification fields from the community documentation it
// cites); every exchange is fed whole, byte by byte and in random chunks.
#include <gtest/gtest.h>

#include "event_text.h"

namespace rcds::proto::msnp::testing {
namespace {

using Lines = std::vector<std::string>;

// A logged-in notification connection of `version` for alice.
std::vector<Step> ns_login(int version) {
  const std::string v = "MSNP" + std::to_string(version);
  if (version >= 13) {
    return {c2s(line("VER 1 " + v + " CVR0")),
            s2c(line("VER 1 " + v + " CVR0")),
            c2s(line("USR 2 SSO I alice@example.com")),
            s2c(line("USR 2 SSO S MBI_KEY_OLD bm9uY2U=")),
            c2s(line("USR 3 SSO S t=ticket cmVzcG9uc2U=")),
            s2c(line("USR 3 OK alice@example.com 1 0"))};
  }
  return {c2s(line("VER 1 " + v + " CVR0")),
          s2c(line("VER 1 " + v + " CVR0")),
          c2s(line("USR 2 TWN I alice@example.com")),
          s2c(line("USR 2 TWN S lc=1033,id=507")),
          c2s(line("USR 3 TWN S t=ticket")),
          s2c(line("USR 3 OK alice@example.com Alice%20A. 1 0"))};
}

std::vector<Step> plus(std::vector<Step> a, const std::vector<Step>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const std::string kAdlXml = R"(<ml l="1"><d n="example.net"><c n="bob" l="3" t="1" /></d></ml>)";
const std::string kErrorXml = R"(<ml><d n="example.net"><c n="bob" l="3" t="1" e="241"/></d></ml>)";

// §14 errors answering requests other than USR and CAL: the TrID names the
// request, whose key parameter the error carries; an MSNP13+ error with an
// XML payload ("nnn trid len", §2.1) is framed by its length, so the next
// command still parses.
TEST(MsnpNsFamilies, CommandErrorsByTrid) {
  const Lines got = decode_all_ways(
      plus(ns_login(13), {
                             c2s(with_payload("ADL 4", kAdlXml)),
                             s2c(with_payload("241 4", kErrorXml) + line("SBS 0 null")),
                             c2s(line("XFR 5 SB")),
                             s2c(line("913 5")),
                             c2s(line("ADG 6 Work%20Mates")),
                             s2c(line("229 6")),
                             c2s(line("UUX 7 0")),  // answered: forgotten, not an error
                             s2c(line("UUX 7 0")),
                             s2c(line("500 7")),   // 7 was answered: the request is unknown now
                             s2c(line("601 42")),  // never seen
                             c2s(line("PNG")),
                             s2c(line("QNG 50")),
                         }));
  EXPECT_EQ(
      only(got, {"command_error", "login", "anomaly"}),
      (Lines{
          "login_attempt alice@example.com SSO [MSNP13 CVR0]    ",
          "login_ok alice@example.com ''",
          "command_error ADL 241 bob@example.net trid 4 xml " + std::to_string(kErrorXml.size()),
          "command_error XFR 913 SB trid 5 xml 0",
          "command_error ADG 229 Work%20Mates trid 6 xml 0",
          "command_error  500  trid 7 xml 0",
          "command_error  601  trid 42 xml 0",
      }));
}

// Pre-MSNP13 errors have no payload; the login's 911 stays a login failure
// (no command_error besides), and so does an error after a later USR.
TEST(MsnpNsFamilies, OldErrorsAndLoginFailureOnce) {
  const Lines got =
      decode_all_ways(plus(ns_login(8), {
                                            c2s(line("ADD 4 FL Carol@Example.org Carol")),
                                            s2c(line("215 4")),
                                            c2s(line("REM 5 AL dave@example.com")),
                                            s2c(line("216 5")),
                                        }));
  EXPECT_EQ(only(got, {"command_error", "login_fail"}),
            (Lines{"command_error ADD 215 carol@example.org trid 4 xml 0",
                   "command_error REM 216 dave@example.com trid 5 xml 0"}));
  const Lines fail = decode_all_ways({
      c2s(line("VER 1 MSNP8 CVR0")),
      s2c(line("VER 1 MSNP8 CVR0")),
      c2s(line("USR 2 TWN I mallory@example.com")),
      s2c(line("911 2")),
  });
  EXPECT_EQ(only(fail, {"command_error", "login_fail"}),
            (Lines{"login_fail mallory@example.com 911"}));
}

// The TrID map is bounded: requests never answered are evicted, oldest
// first, each eviction a named anomaly; the newest are still matched.
TEST(MsnpNsFamilies, RequestMapIsBounded) {
  std::string burst;
  for (int t = 4; t < 4 + 70; ++t)
    burst += line("ADD " + std::to_string(t) + " FL u" + std::to_string(t) + "@example.com U");
  const Lines got =
      decode_all_ways(plus(ns_login(8), {c2s(burst), s2c(line("215 73") + line("215 4"))}));
  EXPECT_EQ(only(got, {"anomaly"}).size(), 6u);
  EXPECT_EQ(only(got, {"anomaly"})[0], "anomaly msnp_pending_full 0");
  EXPECT_EQ(only(got, {"command_error"}),
            (Lines{"command_error ADD 215 u73@example.com trid 73 xml 0",
                   "command_error  215  trid 4 xml 0"}));
}

// §7.2: ACK answers MSG A (and D), NAK answers MSG N or A when undeliverable;
// a 282-style error answering a MSG D is a command error of an unseen request.
TEST(MsnpNsFamilies, SwitchboardAckNak) {
  const std::string text = "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nHi";
  const Lines got = decode_all_ways({
      c2s(line("USR 1 alice@example.com 1104577300.12345.678901")),
      s2c(line("USR 1 OK alice@example.com Alice%20A.")),
      s2c(line("JOI bob@example.net Bob")),
      c2s(with_payload("MSG 2 A", text)),
      s2c(line("ACK 2")),
      c2s(with_payload("MSG 3 N", text)),
      s2c(line("NAK 3")),
  });
  EXPECT_EQ(only(got, {"ack", "nak"}),
            (Lines{"ack alice@example.com 2", "nak alice@example.com 3"}));
}

const std::string kNot =
    R"(<NOTIFICATION ver="2" id="4" siteid="45705" siteurl="http://calendar.example.com">)"
    R"(<TO pid="0x00060000:0x81ee5a43" name="alice@example.com"><VIA agent="messenger"/></TO>)"
    R"(<MSG id="0"><SUBSCR url="s.htm"/><ACTION url="a.htm"/><BODY lang="1033" icon="">)"
    R"(<TEXT>Meeting at 10:00</TEXT></BODY></MSG></NOTIFICATION>)";
const std::string kIpg =
    R"(<NOTIFICATION id="0" siteid="111100400" siteurl="http://mobile.example.com/">)"
    R"(<TO name="alice@example.com" pid="0x1:0x2" email="alice@example.com"><VIA agent="mobile"/>)"
    R"(</TO><FROM pid="0x3:0x4" name="tel:+15555550123"/><MSG pri="1" id="0"><ACTION )"
    R"(url="2wayIM.asp"/><SUBSCR url="2wayIM.asp"/><CAT id="110110001"/><BODY lang="1033">)"
    R"(<TEXT>Call me back</TEXT></BODY></MSG></NOTIFICATION>)";

// NOT (an alert: identity-level, always) and IPG (a pager message: its text
// only when content is wanted), "NOT len" / "IPG len" (§2.1).
TEST(MsnpNsFamilies, AlertAndPagerMessage) {
  const std::vector<Step> steps = plus(
      ns_login(9), {s2c(with_payload("NOT", kNot) + with_payload("IPG", kIpg) + line("QNG 50"))});
  const std::string ipg_size = std::to_string(kIpg.size());
  EXPECT_EQ(only(decode_all_ways(steps), {"alert", "pager"}),
            (Lines{"alert alice@example.com 4 45705 a.htm 'Meeting at 10:00'",
                   "pager tel:+15555550123->alice@example.com " + ipg_size + " 'Call me back'"}));
  // Not wanted: the alert still, the pager message only as its size.
  EXPECT_EQ(only(decode_all_ways(steps, nullptr, stream_info(), false), {"alert", "pager"}),
            (Lines{"alert alice@example.com 4 45705 a.htm 'Meeting at 10:00'",
                   "pager ->alice@example.com " + ipg_size + " ''"}));
}

std::string hotmail(const std::string& type, const std::string& body) {
  return with_payload("MSG Hotmail Hotmail", "MIME-Version: 1.0\r\nContent-Type: " + type +
                                                 "; charset=UTF-8\r\n\r\n" + body);
}

// §8.4 NS notices: inbox counters, a new mail (From/Subject: the subject is
// content-like), a mail moved, offline IMs listed in Mail-Data, a system
// message.
TEST(MsnpNsFamilies, MailOimAndSystemNotices) {
  const std::vector<Step> steps = plus(
      ns_login(11),
      {s2c(hotmail("text/x-msmsgsinitialemailnotification",
                   "Inbox-Unread: 3\r\nFolders-Unread: 1\r\nInbox-URL: /cgi-bin/HoTMaiL\r\n"
                   "Folders-URL: /cgi-bin/folders\r\nPost-URL: http://mail.example.com\r\n\r\n")),
       s2c(hotmail("text/x-msmsgsemailnotification",
                   "From: Bob\r\nMessage-URL: /cgi-bin/getmsg?msg=MSG1\r\nPost-URL: "
                   "http://mail.example.com\r\nSubject: Lunch plans\r\nDest-Folder: ACTIVE\r\n"
                   "From-Addr: Bob@Example.net\r\nid: 2\r\n\r\n")),
       s2c(hotmail("text/x-msmsgsactivemailnotification",
                   "Src-Folder: ACTIVE\r\nDest-Folder: trAsH\r\nMessage-Delta: 1\r\n\r\n")),
       s2c(hotmail(
           "text/x-msmsgsinitialmdatanotification",
           "Mail-Data: <MD><E><I>3</I><IU>1</IU><O>0</O><OU>0</OU></E><Q><QTM>409600</QTM>"
           "<QNM>204800</QNM></Q><M><T>11</T><S>6</S><RT>2005-01-01T10:00:00.000Z</RT>"
           "<RS>0</RS><SZ>950</SZ><E>Carol@example.org</E><I>08CBD8BE-9972-433C-A9DA-"
           "84A0A725ABFA</I><F>00000000-0000-0000-0000-000000000009</F><N>=?utf-8?B?Q2Fyb2w="
           "?=</N></M><M><T>11</T><RT>2005-01-01T10:05:00.000Z</RT><E>bob@example.net</E>"
           "<I>1A2B</I><N>Bob</N></M></MD>\r\n\r\n")),
       s2c(hotmail("application/x-msmsgssystemmessage", "Type: 1\r\nArg1: 5\r\n\r\n"))});
  const Lines wanted = {
      "mail initial alice@example.com unread 3/1 from '' <> '' > ",
      "mail new alice@example.com unread / from 'Bob' <bob@example.net> 'Lunch plans' >ACTIVE ",
      "mail activity alice@example.com unread / from '' <> '' ACTIVE>trAsH 1",
      "oim carol@example.org->alice@example.com '=?utf-8?B?Q2Fyb2w=?=' 2005-01-01T10:00:00.000Z "
      "08CBD8BE-9972-433C-A9DA-84A0A725ABFA 950",
      "oim bob@example.net->alice@example.com 'Bob' 2005-01-01T10:05:00.000Z 1A2B ",
      "system_message 1 5",
  };
  EXPECT_EQ(only(decode_all_ways(steps), {"mail", "oim", "system"}), wanted);
  Lines unwanted = wanted;
  unwanted[1] = "mail new alice@example.com unread / from 'Bob' <bob@example.net> '' >ACTIVE ";
  EXPECT_EQ(only(decode_all_ways(steps, nullptr, stream_info(), false), {"mail", "oim", "system"}),
            unwanted);
}

// §6 groups: the SYN snapshot's LSG and the answers to ADG/REG/RMG, in the
// MSNP8-9 (numeric ids, list version) and MSNP10+ (GUIDs) forms.
TEST(MsnpNsFamilies, Groups) {
  const Lines old_forms = decode_all_ways(plus(
      ns_login(8), {c2s(line("SYN 4 0")),
                    s2c(line("SYN 4 42 1 2") + line("GTC A") + line("BLP AL") +
                        line("LSG 0 Other%20Contacts 0") + line("LSG 1 Co-Workers 0") +
                        line("LST bob@example.net Bob 11 0,1")),
                    c2s(line("ADG 5 Family 0")), s2c(line("ADG 5 43 Family 2 0")),
                    c2s(line("REG 6 2 Close%20Family 0")), s2c(line("REG 6 44 2 Close%20Family 0")),
                    c2s(line("RMG 7 1")), s2c(line("RMG 7 45 1"))}));
  EXPECT_EQ(
      only(old_forms, {"group"}),
      (Lines{"group listed 0 'Other Contacts'", "group listed 1 'Co-Workers'",
             "group added 2 'Family'", "group renamed 2 'Close Family'", "group removed 1 ''"}));
  const std::string g = "d6deeb79-0e6c-4a1c-9bd6-b5d36c0b9e6e";
  const Lines new_forms = decode_all_ways(plus(
      ns_login(11), {s2c(line("LSG Friends " + g)), c2s(line("ADG 5 2005")),
                     s2c(line("ADG 5 2005 " + g)), c2s(line("REG 6 " + g + " Class%20of%202005")),
                     s2c(line("REG 6 " + g + " Class%20of%202005")), c2s(line("RMG 7 " + g)),
                     s2c(line("RMG 7 " + g))}));
  EXPECT_EQ(only(new_forms, {"group"}),
            (Lines{"group listed " + g + " 'Friends'", "group added " + g + " '2005'",
                   "group renamed " + g + " 'Class of 2005'", "group removed " + g + " ''"}));
}

// §5 phone numbers: BPR after an LST (that contact), BPR naming the account,
// the owner's PRP PHH/PHW/PHM (request and SYN list; the echo is not
// repeated), SBP renaming a contact by GUID.
TEST(MsnpNsFamilies, ContactProperties) {
  const Lines got = decode_all_ways(
      plus(ns_login(10), {s2c(line("PRP PHH 555%201234") + line("PRP MFN Alice%20A.") +
                              line("LST N=bob@example.net F=Bob C=0b1c 11") +
                              line("BPR PHM 555%209876") + line("BPR MOB Y")),
                          s2c(line("BPR 12 carol@example.org PHW 555%200000")),
                          c2s(line("PRP 4 PHW 555%204321")), s2c(line("PRP 4 PHW 555%204321")),
                          c2s(line("SBP 5 0b1c MFN Bobby")), s2c(line("SBP 5 0b1c MFN Bobby"))}));
  EXPECT_EQ(
      only(got, {"property", "psm"}),
      (Lines{"property PRP self alice@example.com PHH='555 1234'",
             "property BPR bob@example.net PHM='555 9876'", "property BPR bob@example.net MOB='Y'",
             "property BPR carol@example.org PHW='555 0000'",
             "property PRP self alice@example.com PHW='555 4321'",
             "property SBP 0b1c MFN='Bobby'"}));
}

// FQY (MSNP13-18): a lookup by the client and the server's answer with the
// network id; UUN/UBN: account, type and size always, the payload only when
// content is wanted.
TEST(MsnpNsFamilies, FqyAndUserNotifications) {
  const std::string query = R"(<ml><d n="yahoo.example"><c n="yuki" /></d></ml>)";
  const std::string answer = R"(<ml><d n="yahoo.example"><c n="yuki" t="32" /></d></ml>)";
  const std::string uun = "<State>active</State>";
  const std::string ubn = "<SharingFolder>photos</SharingFolder>";
  const std::vector<Step> steps =
      plus(ns_login(14), {c2s(with_payload("FQY 4", query)), s2c(with_payload("FQY 4", answer)),
                          c2s(with_payload("UUN 5 bob@example.net 3", uun)), s2c(line("UUN 5 OK")),
                          s2c(with_payload("UBN Bob@Example.net 5", ubn) + line("QNG 50"))});
  const Lines wanted = {"fqy yuki@yahoo.example 0", "fqy_answer yuki@yahoo.example 32",
                        "uun bob@example.net 3 21 '" + uun + "'",
                        "ubn bob@example.net 5 37 '" + ubn + "'"};
  EXPECT_EQ(only(decode_all_ways(steps), {"fqy", "uun", "ubn", "command_error", "anomaly"}),
            wanted);
  EXPECT_EQ(only(decode_all_ways(steps, nullptr, stream_info(), false),
                 {"fqy", "uun", "ubn", "command_error", "anomaly"}),
            (Lines{"fqy yuki@yahoo.example 0", "fqy_answer yuki@yahoo.example 32",
                   "uun bob@example.net 3 21 ''", "ubn bob@example.net 5 37 ''"}));
}

// Not wanted: IPG and UUN/UBN payloads split across chunks are skipped by
// count, never buffered, and their events carry no content.
TEST(MsnpNsFamilies, NonTargetPayloadsAreNotBuffered) {
  CollectingSink sink;
  sink.target = "carol@example.org";  // not this connection's owner
  MsnpDecoder decoder(stream_info(), sink);
  const std::string note = "<State>active</State>";
  drive(decoder,
        plus(ns_login(13),
             {s2c(with_payload("IPG", kIpg)), c2s(with_payload("UUN 4 bob@example.net 3", note)),
              s2c(with_payload("UBN bob@example.net 3", note))}),
        Chunking::kRandom, 3);
  EXPECT_EQ(decoder.buffered(), 0u);
  EXPECT_EQ(only(sink.lines, {"pager", "uun", "ubn"}),
            (Lines{"pager ->alice@example.com " + std::to_string(kIpg.size()) + " ''",
                   "uun bob@example.net 3 21 ''", "ubn bob@example.net 3 21 ''"}));
  EXPECT_GE(sink.content_questions, 1);
}

// §2.1 payload rows of these families: NOT (MSNP8+), IPG, GCF (MSNP11+), FQY
// (MSNP13-18 only), UUN/UBN (MSNP13+, one direction each), "nnn trid len"
// (MSNP13+); group, BPR and ACK lines never carry one although they end in
// digits.
TEST(MsnpNsFamilies, PayloadTableOfTheFamilies) {
  const auto c2s_dir = flow::Direction::kClientToServer;
  const auto s2c_dir = flow::Direction::kServerToClient;
  const auto ns = ConnectionType::kNotification;
  auto has = [](std::string_view text, flow::Direction d, ConnectionType t, int v) {
    Command cmd;
    uint64_t length = 0;
    return parse_command(text, cmd) && payload_length(cmd, d, t, v, length);
  };
  EXPECT_TRUE(has("NOT 120", s2c_dir, ns, 8));
  EXPECT_FALSE(has("NOT 120", s2c_dir, ns, 7));
  EXPECT_TRUE(has("IPG 250", s2c_dir, ns, 2));
  EXPECT_TRUE(has("GCF 0 Shields.xml 100", s2c_dir, ns, 11));
  EXPECT_TRUE(has("GCF 1 100", s2c_dir, ns, 13));
  EXPECT_FALSE(has("GCF 1 100", s2c_dir, ns, 10));
  EXPECT_TRUE(has("FQY 4 63", c2s_dir, ns, 13));
  EXPECT_TRUE(has("FQY 4 63", s2c_dir, ns, 18));
  EXPECT_FALSE(has("FQY 4 63", c2s_dir, ns, 21));
  EXPECT_FALSE(has("FQY 4 63", c2s_dir, ns, 12));
  EXPECT_TRUE(has("UUN 5 bob@example.net 3 21", c2s_dir, ns, 13));
  EXPECT_FALSE(has("UUN 5 bob@example.net 3 21", c2s_dir, ns, 12));
  EXPECT_FALSE(has("UUN 5 OK", s2c_dir, ns, 13));
  EXPECT_TRUE(has("UBN bob@example.net 5 37", s2c_dir, ns, 13));
  EXPECT_FALSE(has("UBN bob@example.net 5 37", c2s_dir, ns, 13));
  EXPECT_TRUE(has("241 4 64", s2c_dir, ns, 13));
  EXPECT_FALSE(has("215 4", s2c_dir, ns, 13));
  EXPECT_FALSE(has("ADG 5 43 Family 2 0", s2c_dir, ns, 8));
  EXPECT_FALSE(has("RMG 7 45 1", s2c_dir, ns, 8));
  EXPECT_FALSE(has("BPR 12 carol@example.org PHW 5550000", s2c_dir, ns, 8));
  EXPECT_FALSE(has("ACK 4", s2c_dir, ConnectionType::kSwitchboard, 0));
}

}  // namespace
}  // namespace rcds::proto::msnp::testing
