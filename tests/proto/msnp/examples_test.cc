// Every example exchange of MSNP.md §13 within this decoder's scope (13.1
// login, 13.2 two-party conversation with typing, 13.3 multi-party join and
// nudge, 13.4 MSNFTP invitation and transfer steps, 13.5 P2P file offer),
// built from the reference text, decodes to
// the events the section describes — fed whole, byte by byte and in random
// chunks with identical results.
#include <gtest/gtest.h>

#include "event_text.h"

namespace rcds::proto::msnp::testing {
namespace {

using Lines = std::vector<std::string>;

// "HEAD len\r\n" + payload, checking the reference's len= value (byte count).
std::string with_payload(const std::string& head, const std::string& payload, size_t len) {
  EXPECT_EQ(payload.size(), len) << head;
  return head + " " + std::to_string(payload.size()) + "\r\n" + payload;
}

const std::string kTyping =
    "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: "
    "alice@example.com\r\n\r\n\r\n";
const std::string kAliceText =
    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Arial; "
    "EF=B; CO=0; CS=0; PF=22\r\n\r\nHi Bob, lunch at 12?";
const std::string kBobText =
    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: "
    "FN=Segoe%20UI; EF=; CO=ff0000; CS=1; PF=0\r\n\r\nSure \xE2\x80\x93 see you \xE2\x98\xBA";
const std::string kCarolText =
    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Tahoma; "
    "EF=I; CO=808000; CS=0; PF=0\r\n\r\nCount me in.";
const std::string kNudge =
    "MIME-Version: 1.0\r\nContent-Type: text/x-msnmsgr-datacast\r\n\r\nID: 1\r\n\r\n";

TEST(MsnpExamples, Login_13_1) {
  const std::string cvr = "CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.0.0602 MSMSGS alice@example.com";
  const Lines ds = decode_all_ways({
      c2s(line("VER 1 MSNP8 CVR0")),
      s2c(line("VER 1 MSNP8 CVR0")),
      c2s(line(cvr)),
      s2c(line("CVR 2 6.0.0602 6.0.0602 6.0.0602 http://download.example/msn.exe "
               "http://messenger.example/")),
      c2s(line("USR 3 TWN I alice@example.com")),
      s2c(line("XFR 3 NS 198.51.100.20:1863 0 198.51.100.1:1863")),
  });
  EXPECT_EQ(ds, (Lines{
                    "login_attempt alice@example.com TWN [MSNP8 CVR0] MSNMSGR 6.0.0602 winnt 5.1 "
                    "i386 0x0409",
                    "redirect alice@example.com 198.51.100.20:1863",
                }));

  const std::string profile =
      "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\n"
      "LoginTime: 1104577200\r\nEmailEnabled: 1\r\nMemberIdHigh: 12345\r\nMemberIdLow: -67890\r\n"
      "lang_preference: 1033\r\npreferredEmail: alice@example.com\r\ncountry: NL\r\nKid: 0\r\n"
      "Flags: 1027\r\nsid: 507\r\nkv: 5\r\nMSPAuth: 7Mm8dummyTicket00000000000000000000$$\r\n"
      "ClientIP: 203.0.113.7\r\nClientPort: 17052\r\n\r\n";
  const Lines ns = decode_all_ways({
      c2s(line("VER 4 MSNP8 CVR0")),
      s2c(line("VER 4 MSNP8 CVR0")),
      c2s(line("CVR 5 0x0409 winnt 5.1 i386 MSNMSGR 6.0.0602 MSMSGS alice@example.com")),
      s2c(line("CVR 5 6.0.0602 6.0.0602 6.0.0602 http://download.example/msn.exe "
               "http://messenger.example/")),
      c2s(line("USR 6 TWN I alice@example.com")),
      s2c(line("USR 6 TWN S lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct="
               "1104577200,kpp=1,kv=5,ver=2.1.0173.1,tpf=0123456789abcdef0123456789abcdef")),
      c2s(line("USR 7 TWN S t=AbCdEf0123$$&p=GhIjKl4567$$")),
      s2c(line("USR 7 OK alice@example.com Alice%20A. 1 0") +
          with_payload("MSG Hotmail Hotmail", profile, 353)),
      c2s(line("SYN 8 0")),
      s2c(line("SYN 8 42 2 1") + line("GTC A") + line("BLP AL") + line("LSG 0 Other%20Contacts 0") +
          line("LST bob@example.net Bob 11 0") + line("LST carol@example.org Carol%20C. 11 0")),
      c2s(line("CHG 9 NLN 268435492")),
      s2c(line("CHG 9 NLN 268435492") + line("ILN 9 NLN bob@example.net Bob 268435492")),
      c2s(line("PNG")),
      s2c(line("QNG")),
  });
  EXPECT_EQ(ns, (Lines{
                    "login_attempt alice@example.com TWN [MSNP8 CVR0] MSNMSGR 6.0.0602 winnt 5.1 "
                    "i386 0x0409",
                    "login_ok alice@example.com 'Alice A.'",
                    "profile alice@example.com 203.0.113.7:17052",
                    "group listed 0 'Other Contacts'",  // LSG <id> <name> 0 (§6)
                    "contact listed bob@example.net 11",
                    "contact listed carol@example.org 11",
                    "presence* alice@example.com NLN",
                    "presence bob@example.net NLN 'Bob'",
                    // The TCP close without OUT ends the session (§13.1 "What to record").
                    "logout alice@example.com connection_closed",
                }));
}

TEST(MsnpExamples, LoginFailure) {
  const Lines ns = decode_all_ways({
      c2s(line("VER 1 MSNP8 CVR0")),
      s2c(line("VER 1 MSNP8 CVR0")),
      c2s(line("USR 2 TWN I Mallory@Example.com")),
      s2c(line("USR 2 TWN S lc=1033,id=507")),
      c2s(line("USR 3 TWN S t=bad")),
      s2c(line("911 3")),
  });
  EXPECT_EQ(ns, (Lines{"login_attempt mallory@example.com TWN [MSNP8 CVR0]    ",
                       "login_fail mallory@example.com 911"}));
}

// Alice's switchboard connection, shared by 13.2, 13.3 and 13.4.
std::vector<Step> alice_switchboard() {
  return {
      c2s(line("USR 1 alice@example.com 1104577300.12345.678901")),
      s2c(line("USR 1 OK alice@example.com Alice%20A.")),
      c2s(line("CAL 2 bob@example.net")),
      s2c(line("CAL 2 RINGING 11752013")),
      s2c(line("JOI bob@example.net Bob")),
      c2s(with_payload("MSG 3 U", kTyping, 90)),
      c2s(with_payload("MSG 4 A", kAliceText, 134)),
      s2c(line("ACK 4") + with_payload("MSG bob@example.net Bob", kBobText, 142)),
  };
}

TEST(MsnpExamples, TwoPartyConversation_13_2) {
  MsnpSession session;
  // Alice's NS hands out the cookie; the SB connection presenting it is linked.
  CollectingSink ns_sink;
  MsnpDecoder ns(stream_info(10), ns_sink, &session);
  drive(ns,
        {c2s(line("XFR 10 SB")),
         s2c(line("XFR 10 SB 198.51.100.30:1863 CKI 1104577300.12345.678901"))},
        Chunking::kWhole);
  EXPECT_EQ(ns_sink.lines, (Lines{"sb_referral  198.51.100.30:1863 1104577300.12345.678901"}));

  const Lines alice = decode_all_ways(alice_switchboard(), &session);
  EXPECT_EQ(alice, (Lines{
                       "joined caller alice@example.com [alice@example.com]",
                       "sb_call alice@example.com->bob@example.net 11752013 0",
                       "joined joined bob@example.net [alice@example.com,bob@example.net]",
                       "typing alice@example.com->bob@example.net",
                       "message alice@example.com->bob@example.net: Hi Bob, lunch at 12?",
                       // <<< ACK 4 answers >>> MSG 4 A (§7.2).
                       "ack alice@example.com 4",
                       "message bob@example.net->alice@example.com: Sure \xE2\x80\x93 see you "
                       "\xE2\x98\xBA",
                       "left alice@example.com closed [bob@example.net]",
                   }));
  ASSERT_EQ(session.logins().size(), 0u);

  // Bob's NS (another client) and Bob's SB connection.
  const Lines bob_ns = decode_all_ways({s2c(line(
      "RNG 11752013 198.51.100.30:1863 CKI 849102291.520491113 alice@example.com Alice%20A."))});
  EXPECT_EQ(bob_ns, (Lines{"sb_invitation <-alice@example.com 198.51.100.30:1863 11752013 "
                           "849102291.520491113"}));
  const Lines bob_sb = decode_all_ways({
      c2s(line("ANS 1 bob@example.net 849102291.520491113 11752013")),
      s2c(line("IRO 1 1 1 alice@example.com Alice%20A.") + line("ANS 1 OK")),
      s2c(with_payload("MSG alice@example.com Alice%20A.", kTyping, 90)),
      s2c(with_payload("MSG alice@example.com Alice%20A.", kAliceText, 134)),
      c2s(with_payload("MSG 2 N", kBobText, 142)),
  });
  EXPECT_EQ(bob_sb, (Lines{
                        "joined present alice@example.com [alice@example.com]",
                        "joined answered bob@example.net [alice@example.com,bob@example.net]",
                        "typing alice@example.com->bob@example.net",
                        "message alice@example.com->bob@example.net: Hi Bob, lunch at 12?",
                        "message bob@example.net->alice@example.com: Sure \xE2\x80\x93 see you "
                        "\xE2\x98\xBA",
                        "left bob@example.net closed [alice@example.com]",
                    }));
}

TEST(MsnpExamples, SessionLinksSwitchboardToNotificationConnection) {
  MsnpSession session;
  CollectingSink sink;
  MsnpDecoder ns(stream_info(10), sink, &session);
  drive(ns, {s2c(line("XFR 10 SB 198.51.100.30:1863 CKI 1104577300.12345.678901"))},
        Chunking::kWhole);
  MsnpDecoder sb(stream_info(11), sink, &session);
  drive(sb, {alice_switchboard()[0], alice_switchboard()[1]}, Chunking::kWhole);
  ASSERT_EQ(sink.lines.size(), 2u);
  // The ParticipantJoined event carries the NS flow; check through the registry too.
  const MsnpSession::CookieGrant* grant = session.use_cookie("1104577300.12345.678901", 11);
  ASSERT_NE(grant, nullptr);
  EXPECT_EQ(grant->ns_flow_id, 10u);
  EXPECT_EQ(sink.contexts[1].flow_id, 11u);
  EXPECT_EQ(sink.contexts[1].owner, "alice@example.com");
  EXPECT_EQ(sink.contexts[1].connection, ConnectionType::kSwitchboard);
}

TEST(MsnpExamples, MultiParty_13_3) {
  const Lines bob = decode_all_ways({
      c2s(line("CAL 3 carol@example.org")),
      s2c(line("CAL 3 RINGING 11752013")),
  });
  // Bob's connection picked up here has no USR/ANS: the inviter is unknown.
  EXPECT_EQ(bob, (Lines{"sb_call ->carol@example.org 11752013 0"}));

  const Lines carol_ns = decode_all_ways({s2c(
      line("RNG 11752013 198.51.100.30:1863 CKI 1104577390.5555.121212 bob@example.net Bob"))});
  EXPECT_EQ(carol_ns, (Lines{"sb_invitation <-bob@example.net 198.51.100.30:1863 11752013 "
                             "1104577390.5555.121212"}));

  const Lines carol = decode_all_ways({
      c2s(line("ANS 1 carol@example.org 1104577390.5555.121212 11752013")),
      s2c(line("IRO 1 1 2 alice@example.com Alice%20A.") + line("IRO 1 2 2 bob@example.net Bob") +
          line("ANS 1 OK")),
      c2s(with_payload("MSG 2 N", kCarolText, 131)),
      c2s(with_payload("MSG 3 N", kNudge, 69)),
  });
  EXPECT_EQ(carol, (Lines{
                       "joined present alice@example.com [alice@example.com]",
                       "joined present bob@example.net [alice@example.com,bob@example.net]",
                       "joined answered carol@example.org "
                       "[alice@example.com,bob@example.net,carol@example.org]",
                       "message carol@example.org->alice@example.com,bob@example.net: Count me in.",
                       "datacast carol@example.org->alice@example.com,bob@example.net 1",
                       "left carol@example.org closed [alice@example.com,bob@example.net]",
                   }));

  // Alice's side: Carol seen only as JOI, then her message and nudge.
  std::vector<Step> alice = alice_switchboard();
  alice.push_back(s2c(line("JOI carol@example.org Carol%20C.")));
  alice.push_back(s2c(with_payload("MSG carol@example.org Carol%20C.", kCarolText, 131)));
  alice.push_back(s2c(with_payload("MSG carol@example.org Carol%20C.", kNudge, 69)));
  const Lines a = decode_all_ways(alice);
  ASSERT_EQ(a.size(), 11u);  // alice_switchboard() gives 7 (with the ACK of 13.2)
  EXPECT_EQ(a[7],
            "joined joined carol@example.org "
            "[alice@example.com,bob@example.net,carol@example.org]");
  EXPECT_EQ(a[8], "message carol@example.org->alice@example.com,bob@example.net: Count me in.");
  EXPECT_EQ(a[9], "datacast carol@example.org->alice@example.com,bob@example.net 1");
}

TEST(MsnpExamples, FileInvitation_13_4) {
  const std::string invite =
      "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinvite; charset=UTF-8\r\n\r\n"
      "Application-Name: File Transfer\r\n"
      "Application-GUID: {5D3E02AB-6190-11d3-BBBB-00C04F795683}\r\n"
      "Invitation-Command: INVITE\r\nInvitation-Cookie: 48213\r\nApplication-File: plans.txt\r\n"
      "Application-FileSize: 5000\r\nConnectivity: N\r\n\r\n";
  const std::string accept =
      "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinvite; charset=UTF-8\r\n\r\n"
      "Invitation-Command: ACCEPT\r\nInvitation-Cookie: 48213\r\nLaunch-Application: FALSE\r\n"
      "Request-Data: IP-Address:\r\n\r\n";
  const std::string listen =
      "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinvite; charset=UTF-8\r\n\r\n"
      "IP-Address: 203.0.113.7\r\nIP-Address-Internal: 192.0.2.10\r\nPort: 6891\r\n"
      "AuthCookie: 1357924680\r\nInvitation-Command: ACCEPT\r\nInvitation-Cookie: 48213\r\n"
      "Launch-Application: FALSE\r\nRequest-Data: IP-Address:\r\n\r\n";
  std::vector<Step> alice = alice_switchboard();
  alice.push_back(c2s(with_payload("MSG 5 N", invite, 292)));
  alice.push_back(s2c(with_payload("MSG bob@example.net Bob", accept, 181)));
  alice.push_back(c2s(with_payload("MSG 6 N", listen, 275)));
  alice.push_back(c2s(line("OUT")));
  const Lines a = decode_all_ways(alice);
  ASSERT_EQ(a.size(), 11u);  // alice_switchboard() gives 7 (with the ACK of 13.2)
  EXPECT_EQ(a[7], "file INVITE 48213 alice@example.com->bob@example.net 'plans.txt' 5000");
  EXPECT_EQ(a[8], "file ACCEPT 48213 bob@example.net->alice@example.com '' 0");
  EXPECT_EQ(a[9], "file ACCEPT 48213 alice@example.com->bob@example.net '' 0 203.0.113.7:6891");
  EXPECT_EQ(a[10], "left alice@example.com out [bob@example.net]");

  // Bob and Carol then see Alice leave.
  const Lines bob = decode_all_ways({s2c(line("BYE alice@example.com"))});
  EXPECT_EQ(bob, (Lines{"left alice@example.com bye []"}));

  // The MSNFTP connection is classified; its file blocks are decoded (the
  // full data phase is in file_content_test.cc): here one of three blocks.
  CollectingSink sink;
  MsnpDecoder ftp(stream_info(20), sink);
  std::string blocks = std::string("\x00\xFD\x07", 3) + std::string(2045, 'x');
  drive(ftp,
        {c2s(line("VER MSNFTP")), s2c(line("VER MSNFTP")),
         c2s(line("USR bob@example.net 1357924680")), s2c(line("FIL 5000")), c2s(line("TFR")),
         s2c(blocks), c2s(line("BYE 16777989"))},
        Chunking::kWhole);
  EXPECT_EQ(ftp.type(), ConnectionType::kMsnftp);
  EXPECT_EQ(ftp.anomalies(MsnpAnomaly::kBadLine), 0u);
  ASSERT_EQ(sink.lines.size(), 5u);
  EXPECT_EQ(sink.lines[0], "msnftp auth bob@example.net 1357924680 0 0");
  EXPECT_EQ(sink.lines[1], "msnftp size   5000 0");
  EXPECT_EQ(sink.lines[2], "file_data msnftp 1357924680 '' @0 2045");
  EXPECT_EQ(sink.lines[3], "msnftp end   0 16777989");
  EXPECT_EQ(sink.lines[4].substr(0, 58),
            "file_complete msnftp 1357924680 '' 2045/5000 incomplete by");
  EXPECT_EQ(ftp.owner(), "bob@example.net");
}

// P2P v1 header (§9.1) + data + big-endian footer.
std::string p2p(uint32_t session, uint32_t id, uint64_t offset, uint64_t total,
                const std::string& data, uint32_t flags, uint32_t ack_id, uint32_t footer) {
  std::string out = le(session, 4) + le(id, 4) + le(offset, 8) + le(total, 8) + le(data.size(), 4) +
                    le(flags, 4) + le(ack_id, 4) + le(0, 4) + le(0, 8);
  EXPECT_EQ(out.size(), 48u);
  out += data;
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((footer >> shift) & 0xFF);
  return out;
}

TEST(MsnpExamples, P2pFileOffer_13_5) {
  // The 574-byte file context: length, version 2, size 5000, type 1, name, reserved.
  std::string context = le(574, 4) + le(2, 4) + le(5000, 8) + le(1, 4);
  for (char c : std::string("plans.txt")) context += std::string{c, '\0'};
  context.resize(20 + 520, '\0');
  context += std::string(30, '\0') + le(0xFFFFFFFF, 4);
  ASSERT_EQ(context.size(), 574u);
  const std::string encoded = base64(context);
  ASSERT_EQ(encoded.size(), 768u);
  const std::string slp_body =
      "EUF-GUID: {5D3E02AB-6190-11D3-BBBB-00C04F795683}\r\nSessionID: "
      "94573\r\nAppID: 2\r\nContext: " +
      encoded + "\r\n\r\n" + std::string(1, '\0');
  ASSERT_EQ(slp_body.size(), 860u);
  const std::string slp =
      "INVITE MSNMSGR:bob@example.net MSNSLP/1.0\r\nTo: <msnmsgr:bob@example.net>\r\n"
      "From: <msnmsgr:alice@example.com>\r\n"
      "Via: MSNSLP/1.0/TLP ;branch={A0D624A6-6C0C-4283-A9E0-BC97B4B46D32}\r\nCSeq: 0\r\n"
      "Call-ID: {7B3C7C2D-1F2A-4E3B-9C7D-5E6F708192A3}\r\nMax-Forwards: 0\r\n"
      "Content-Type: application/x-msnmsgr-sessionreqbody\r\nContent-Length: 860\r\n\r\n" +
      slp_body;
  ASSERT_EQ(slp.size(), 1187u);
  const std::string mime =
      "MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\nP2P-Dest: "
      "bob@example.net\r\n\r\n";
  ASSERT_EQ(mime.size(), 88u);
  const std::string invite = mime + p2p(0, 0x0001A2B3, 0, 1187, slp, 0, 0x12345678, 0);
  // Bob's answer (constructed: the reference gives only its start line and body).
  const std::string ok_body = "SessionID: 94573\r\n\r\n" + std::string(1, '\0');
  const std::string ok =
      "MSNSLP/1.0 200 OK\r\nTo: <msnmsgr:alice@example.com>\r\nFrom: "
      "<msnmsgr:bob@example.net>\r\nCall-ID: "
      "{7B3C7C2D-1F2A-4E3B-9C7D-5E6F708192A3}\r\nContent-Length: " +
      std::to_string(ok_body.size()) + "\r\n\r\n" + ok_body;
  const std::string ok_mime =
      "MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\n"
      "P2P-Dest: alice@example.com\r\n\r\n";
  // A data chunk (SessionID 94573, flags 0x01000030, footer 2) carries no signalling.
  const std::string chunk =
      mime + p2p(94573, 0x0001A2B5, 0, 5000, std::string(1202, 'd'), 0x01000030, 0x2468ACE0, 2);

  std::vector<Step> alice = alice_switchboard();
  alice.push_back(c2s(with_payload("MSG 7 D", invite, 1327)));
  alice.push_back(s2c(with_payload("MSG bob@example.net Bob",
                                   ok_mime + p2p(0, 0x0006F1C0, 0, ok.size(), ok, 0, 7, 0),
                                   ok_mime.size() + 48 + ok.size() + 4)));
  alice.push_back(c2s(with_payload("MSG 8 D", chunk, 1342)));
  const Lines a = decode_all_ways(alice);
  ASSERT_EQ(a.size(), 12u);  // alice_switchboard() gives 7 (with the ACK of 13.2)
  EXPECT_EQ(a[7],
            "p2p INVITE alice@example.com->bob@example.net "
            "alice@example.com->bob@example.net {7B3C7C2D-1F2A-4E3B-9C7D-5E6F708192A3} "
            "94573 2 'plans.txt' 5000");
  EXPECT_EQ(a[8],
            "p2p 200 bob@example.net->alice@example.com "
            "bob@example.net->alice@example.com {7B3C7C2D-1F2A-4E3B-9C7D-5E6F708192A3} "
            "94573  '' 0");
  // The first of the five data chunks (file_content_test.cc has all five).
  EXPECT_EQ(a[9], "file_data p2p_v1 94573 'plans.txt' @0 1202");
  EXPECT_EQ(a[10].substr(0, 58), "file_complete p2p_v1 94573 'plans.txt' 1202/5000 incomplet");
  EXPECT_EQ(a[11], "left alice@example.com closed [bob@example.net]");
}

TEST(MsnpExamples, GapInsideAMessageLosesOnlyThatMessage) {
  // Alice's SB of 13.2 with 30 bytes of her text message lost in capture.
  std::vector<Step> steps = alice_switchboard();
  const std::string text_message = steps[6].bytes;
  steps.resize(6);
  CollectingSink sink;
  MsnpDecoder decoder(stream_info(), sink);
  drive(decoder, steps, Chunking::kWhole);
  const std::string head = text_message.substr(0, 40);
  const std::string tail = text_message.substr(70);
  decoder.on_data(flow::Direction::kClientToServer, as_bytes(head), Timestamp{1});
  decoder.on_gap(flow::Direction::kClientToServer, 30, Timestamp{2});
  decoder.on_data(flow::Direction::kClientToServer, as_bytes(tail), Timestamp{3});
  drive(decoder, {s2c(line("ACK 4") + with_payload("MSG bob@example.net Bob", kBobText, 142))},
        Chunking::kByteByByte);
  ASSERT_EQ(sink.lines.size(), 8u);
  EXPECT_EQ(sink.lines[4], "anomaly msnp_stream_gap 30");
  EXPECT_EQ(sink.lines[5], "anomaly msnp_payload_lost 39");  // line "MSG 4 A 134\r" + 27 bytes seen
  EXPECT_EQ(sink.lines[6], "ack alice@example.com 4");       // the server got it (§7.2)
  EXPECT_EQ(sink.lines[7],
            "message bob@example.net->alice@example.com: Sure \xE2\x80\x93 see you "
            "\xE2\x98\xBA");
  // A gap between commands resynchronises at the next plausible line.
  decoder.on_gap(flow::Direction::kServerToClient, 500, Timestamp{4});
  drive(decoder,
        {s2c("ut the rest of a message\r\n" + line("BYE bob@example.net") + line("JOI x@y X"))},
        Chunking::kWhole);
  ASSERT_EQ(sink.lines.size(), 12u);
  EXPECT_EQ(sink.lines[9], "anomaly msnp_resync 26");
  EXPECT_EQ(sink.lines[10], "left bob@example.net bye [alice@example.com]");
}

TEST(MsnpExamples, NonTargetConnectionsSkipContentUncopied) {
  CollectingSink sink;
  sink.target = "carol@example.org";
  MsnpDecoder decoder(stream_info(), sink);
  std::vector<Step> steps = alice_switchboard();
  // Split the text message so that, were it wanted, it would be buffered.
  drive(decoder, steps, Chunking::kRandom, 7);
  EXPECT_EQ(decoder.buffered(), 0u);
  EXPECT_EQ(sink.lines, (Lines{"joined caller alice@example.com [alice@example.com]",
                               "sb_call alice@example.com->bob@example.net 11752013 0",
                               "joined joined bob@example.net [alice@example.com,bob@example.net]",
                               "ack alice@example.com 4"}));  // a delivery result is identity data
  EXPECT_GE(sink.content_questions, 1);
}

}  // namespace
}  // namespace rcds::proto::msnp::testing
