// MPOP switchboard rosters (MSNP16+, `account;{GUID}` endpoints, MSNP.md
// §2.3, §7.1) and Yahoo! interop messages (`UUM`/`UBM`, MSNP14+, §2.1): each
// exchange fed whole, byte by byte and in random chunks with identical results;
// and the MSNFTP AuthCookie table of MsnpSession.
#include <gtest/gtest.h>

#include "event_text.h"

namespace rcds::proto::msnp::testing {
namespace {

using Lines = std::vector<std::string>;

std::string text(const std::string& body) {
  return "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: "
         "FN=Arial; EF=; CO=0; CS=0; PF=22\r\n\r\n" +
         body;
}
std::string typing(const std::string& who) {
  return "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: " + who +
         "\r\n\r\n\r\n";
}
const std::string kNudge =
    "MIME-Version: 1.0\r\nContent-Type: text/x-msnmsgr-datacast\r\n\r\nID: 1\r\n\r\n";

const std::string kA = "{2245BD5F-BB68-4F68-82EB-92502318FA4E}";  // alice, home PC
const std::string kC = "{7382D1E7-7AE6-459A-8561-D8057935C08E}";  // alice, office PC
const std::string kB = "{59D47572-ECFC-4738-894E-C2D2B9936849}";  // bob

// Alice's home endpoint answers (an MSNP18 observer: the server lists bob and
// alice's office endpoint both per endpoint and as bare accounts). The office
// endpoint leaving keeps alice a recipient; bob's last endpoint leaving takes
// his bare entry with it.
TEST(MsnpMpop, AnsweringEndpointRosterPerDevice) {
  const Lines got = decode_all_ways({
      c2s(line("ANS 1 alice@example.com;" + kA + " 1104781549.6431.224043 54066800")),
      s2c(line("IRO 1 1 4 bob@example.net;" + kB + " Bob 2789003324:48") +
          line("IRO 1 2 4 bob@example.net Bob 2789003324:48") +
          line("IRO 1 3 4 alice@example.com;" + kC + " Alice 2789003324:48") +
          line("IRO 1 4 4 Alice@Example.com Alice 2789003324:48") + line("ANS 1 OK")),
      s2c(with_payload("MSG bob@example.net Bob", text("Which PC are you on?"))),
      s2c(line("BYE alice@example.com;" + kC)),
      s2c(with_payload("MSG bob@example.net Bob", text("OK"))),
      c2s(with_payload("MSG 2 A", text("Home"))),
      s2c(line("BYE bob@example.net;" + kB)),
      c2s(line("OUT")),
  });
  EXPECT_EQ(got,
            (Lines{
                "joined present bob@example.net;" + kB + " [bob@example.net]",
                "joined present bob@example.net [bob@example.net]",
                "joined present alice@example.com;" + kC + " [bob@example.net,alice@example.com]",
                "joined present alice@example.com [bob@example.net,alice@example.com]",
                // ANS OK names no account: the ANS request's device id.
                "joined answered alice@example.com;" + kA + " [bob@example.net,alice@example.com]",
                "message bob@example.net->alice@example.com: Which PC are you on?",
                // alice is still there on her home endpoint.
                "left alice@example.com;" + kC + " bye [bob@example.net,alice@example.com]",
                "message bob@example.net->alice@example.com: OK",
                "message alice@example.com->bob@example.net: Home",
                "left bob@example.net;" + kB + " bye [alice@example.com]",
                "left alice@example.com;" + kA + " out []",
            }));
}

// The MSNP16 caller sees one JOI per endpoint: alice stays a recipient until
// her last endpoint's BYE. A BYE naming a bare account removes all of it.
TEST(MsnpMpop, CallerSeesEndpointsLeaveOneByOne) {
  const Lines got = decode_all_ways({
      c2s(line("USR 1 bob@example.net;" + kB + " 1104840201.5251.287325")),
      s2c(line("USR 1 OK bob@example.net;" + kB + " Bob")),
      s2c(line("JOI alice@example.com;" + kA + " Alice%20A. 2789003324:48")),
      s2c(line("JOI alice@example.com;" + kC + " Alice%20A. 2789003324:48")),
      s2c(line("JOI carol@example.org;" + kC + " Carol 2789003324:48")),
      s2c(line("JOI carol@example.org;" + kA + " Carol 2789003324:48")),
      s2c(line("BYE carol@example.org")),
      s2c(line("BYE alice@example.com;" + kC)),
      c2s(with_payload("MSG 2 N", text("Still there?"))),
      s2c(with_payload("MSG alice@example.com Alice%20A.", text("Yes"))),
      s2c(line("BYE alice@example.com;" + kA + " 1")),
      c2s(with_payload("MSG 3 N", text("Bye"))),
  });
  const std::string ba = "[bob@example.net,alice@example.com]";
  EXPECT_EQ(got, (Lines{
                     "joined caller bob@example.net;" + kB + " [bob@example.net]",
                     "joined joined alice@example.com;" + kA + " " + ba,
                     "joined joined alice@example.com;" + kC + " " + ba,
                     "joined joined carol@example.org;" + kC +
                         " [bob@example.net,alice@example.com,carol@example.org]",
                     "joined joined carol@example.org;" + kA +
                         " [bob@example.net,alice@example.com,carol@example.org]",
                     "left carol@example.org bye " + ba,
                     "left alice@example.com;" + kC + " bye " + ba,
                     "message bob@example.net->alice@example.com: Still there?",
                     "message alice@example.com->bob@example.net: Yes",
                     "left alice@example.com;" + kA + " bye-idle [bob@example.net]",
                     "message bob@example.net->: Bye",
                     "left bob@example.net;" + kB + " closed []",
                 }));
}

// The roster bound counts endpoints, not accounts.
TEST(MsnpMpop, RosterBoundCountsEndpoints) {
  CollectingSink sink;
  DecoderLimits limits;
  limits.max_roster = 3;
  MsnpDecoder decoder(stream_info(), sink, nullptr, limits);
  drive(decoder,
        {c2s(line("USR 1 bob@example.net;" + kB + " 1.2.3")),
         s2c(line("USR 1 OK bob@example.net;" + kB + " Bob")),
         s2c(line("JOI alice@example.com;" + kA + " Alice")),
         s2c(line("JOI alice@example.com;" + kC + " Alice")),
         s2c(line("JOI alice@example.com Alice"))},
        Chunking::kWhole);
  EXPECT_EQ(decoder.endpoints(), 3u);
  EXPECT_EQ(list(decoder.roster()), "bob@example.net,alice@example.com");
  EXPECT_EQ(decoder.anomalies(MsnpAnomaly::kRosterFull), 1u);
}

std::vector<Step> yahoo_session() {
  return {
      c2s(line("VER 1 MSNP15 MSNP14 CVR0")),
      s2c(line("VER 1 MSNP15")),
      c2s(line("USR 2 SSO I carol@example.org")),
      s2c(line("USR 2 OK carol@example.org 1 0")),
      c2s(with_payload("UUM 3 yuki@yahoo.example 32 1", text("Hi from the MSN side"))),
      s2c(with_payload("UBM yuki@yahoo.example 32 1", text("Hello from Yahoo!"))),
      s2c(with_payload("UBM Yuki@Yahoo.example 32 2", typing("yuki@yahoo.example"))),
      c2s(with_payload("UUM 4 yuki@yahoo.example 32 3", kNudge)),
      // Framing continues after the payloads.
      c2s(line("CHG 5 AWY 0")),
  };
}

TEST(MsnpYahooInterop, UumUbmDecodedLikeSwitchboardMsg) {
  const Lines got = decode_all_ways(yahoo_session());
  EXPECT_EQ(only(got, {"message", "typing", "datacast", "presence", "anomaly"}),
            (Lines{
                "message carol@example.org->yuki@yahoo.example (net 32): Hi from the MSN side",
                "message yuki@yahoo.example->carol@example.org (net 32): Hello from Yahoo!",
                "typing yuki@yahoo.example->carol@example.org (net 32)",
                "datacast carol@example.org->yuki@yahoo.example 1 (net 32)",
                "presence* carol@example.org AWY",
            }));
}

TEST(MsnpYahooInterop, NoContentForNonTargets) {
  const Lines got = decode_all_ways(yahoo_session(), nullptr, stream_info(), false);
  EXPECT_EQ(only(got, {"message", "typing", "datacast", "presence", "anomaly", "login_ok"}),
            (Lines{"login_ok carol@example.org ''", "presence* carol@example.org AWY"}));
}

// The MSNFTP AuthCookie table of MsnpSession (switchboard ACCEPT → transfer
// connection USR) is its own bounded FIFO, apart from the SB cookies.
TEST(MsnpSessionMsnftp, BoundedAndSeparateFromCookies) {
  MsnpSession session(4096, 4096, 2);
  auto offer = [](std::string cookie, std::string name) {
    MsnpSession::MsnftpOffer o;
    o.auth_cookie = std::move(cookie);
    o.file_name = std::move(name);
    o.file_size = 5000;
    o.sender = "alice@example.com";
    o.invite_flow_id = 7;
    return o;
  };
  EXPECT_TRUE(session.note_msnftp(offer("111", "a.txt")));
  EXPECT_TRUE(session.note_msnftp(offer("222", "b.txt")));
  EXPECT_FALSE(session.note_msnftp(offer("333", "c.txt")));  // "111" evicted
  EXPECT_EQ(session.evictions(), 1u);
  EXPECT_EQ(session.use_msnftp("111", 9), nullptr);
  EXPECT_EQ(session.use_cookie("333", 9), nullptr);  // not an SB cookie
  const MsnpSession::MsnftpOffer* got = session.use_msnftp("333", 9);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->file_name, "c.txt");
  EXPECT_EQ(got->file_size, 5000u);
  EXPECT_EQ(got->sender, "alice@example.com");
  EXPECT_EQ(got->invite_flow_id, 7u);
  EXPECT_EQ(got->transfer_flow_id, 9u);
}

}  // namespace
}  // namespace rcds::proto::msnp::testing
