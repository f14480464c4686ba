// MSNP through the HTTP gateway (MSNP.md §12), built by hand from the
// reference text: open / send / poll requests, X-MSN-Messenger responses
// whose SessionID keeps its stable part, Session=close. Fed whole, byte by
// byte and in random chunks through MsnpConnection (what the factory uses).
#include "proto/msnp/gateway.h"

#include <gtest/gtest.h>

#include "event_text.h"

namespace rcds::proto::msnp::testing {
namespace {

using Lines = std::vector<std::string>;

std::string line(const std::string& text) { return text + "\r\n"; }

std::string request(const std::string& host, const std::string& query, const std::string& body) {
  return "POST http://" + host + "/gateway/gateway.dll?" + query +
         " HTTP/1.1\r\nAccept: */*\r\nUser-Agent: MSMSGS\r\nHost: " + host +
         "\r\nProxy-Connection: Keep-Alive\r\nContent-Type: application/x-msn-messenger\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string response(const std::string& gateway_header, const std::string& body) {
  return "HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/5.0\r\nX-MSN-Messenger: " + gateway_header +
         "\r\nContent-Type: application/x-msn-messenger\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

struct Seen {
  std::vector<std::string> lines;
  std::vector<EventContext> contexts;
};

Seen run(const std::vector<Step>& steps, Chunking chunking, uint32_t seed,
         GatewayLimits limits = {}) {
  CollectingSink sink;
  flow::StreamInfo info = stream_info();
  info.key.destination.port = 80;
  MsnpConnection connection(info, sink, nullptr, limits);
  drive(connection, steps, chunking, seed);
  connection.on_close(flow::CloseReason::kFin, Timestamp{2'000'000'000'000'000'000});
  return {sink.lines, sink.contexts};
}

Seen run_all_ways(const std::vector<Step>& steps, GatewayLimits limits = {}) {
  const Seen first = run(steps, Chunking::kWhole, 1, limits);
  EXPECT_EQ(run(steps, Chunking::kByteByByte, 1, limits).lines, first.lines);
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    EXPECT_EQ(run(steps, Chunking::kRandom, seed, limits).lines, first.lines) << seed;
  }
  return first;
}

// The §12 exchange for an NS tunnel: open with the first command, send with
// the returned SessionID, poll, and the server closing the session. The
// SessionID pair is the reference's example (954547325.13160 / .32498).
std::vector<Step> ns_tunnel() {
  const std::string gw = "gateway.messenger.hotmail.com";
  return {
      c2s(request(gw, "Action=open&Server=NS&IP=198.51.100.20", line("VER 1 MSNP8 CVR0"))),
      s2c(response("SessionID=954547325.13160; GW-IP=198.51.100.80", line("VER 1 MSNP8 CVR0"))),
      c2s(request("198.51.100.80", "SessionID=954547325.13160",
                  line("USR 2 TWN I alice@example.com"))),
      s2c(response("SessionID=954547325.32498; GW-IP=198.51.100.80",
                   line("USR 2 TWN S lc=1033,id=507"))),
      c2s(request("198.51.100.80", "SessionID=954547325.32498", line("USR 3 TWN S t=x$$"))),
      s2c(response("SessionID=954547325.41000; GW-IP=198.51.100.80",
                   line("USR 3 OK alice@example.com Alice 1 0"))),
      c2s(request("198.51.100.80", "Action=poll&SessionID=954547325.41000", "")),
      s2c(response("SessionID=954547325.42000; GW-IP=198.51.100.80",
                   line("ILN 4 NLN bob@example.net Bob 268435492"))),
      c2s(request("198.51.100.80", "SessionID=954547325.42000", line("OUT"))),
      s2c(response("SessionID=954547325.43000; GW-IP=198.51.100.80; Session=close", "")),
  };
}

TEST(MsnpGateway, NotificationTunnelOfSectionTwelve) {
  const Seen seen = run_all_ways(ns_tunnel());
  EXPECT_EQ(seen.lines, (Lines{
                            "login_attempt alice@example.com TWN [MSNP8 CVR0]    ",
                            "login_ok alice@example.com 'Alice'",
                            "presence bob@example.net NLN 'Bob'",
                            "logout alice@example.com client_out",
                        }));
  for (const EventContext& c : seen.contexts) {
    EXPECT_TRUE(c.tunnelled);
    EXPECT_EQ(c.gateway_session, "954547325");  // the stable part only
    EXPECT_EQ(c.tunnel_server, "198.51.100.20");
    EXPECT_EQ(c.server.port, 80);
  }
}

TEST(MsnpGateway, TwoSessionsOnOneConnectionStaySeparate) {
  // An NS and an SB tunnel interleaved on one keep-alive connection.
  const std::string gw = "198.51.100.80";
  const std::string msg =
      "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nHello through HTTP";
  const std::vector<Step> steps = {
      c2s(request(gw, "Action=open&Server=NS&IP=198.51.100.20", line("VER 1 MSNP8 CVR0"))),
      s2c(response("SessionID=111.1; GW-IP=" + gw, line("VER 1 MSNP8 CVR0"))),
      c2s(request(gw, "Action=open&Server=SB&IP=198.51.100.30:1863",
                  line("USR 1 alice@example.com 17262740.1050826919.32308"))),
      s2c(response("SessionID=222.1; GW-IP=" + gw, line("USR 1 OK alice@example.com Alice"))),
      c2s(request(gw, "SessionID=111.1", line("USR 2 TWN I alice@example.com"))),
      s2c(response("SessionID=111.2; GW-IP=" + gw, "")),
      c2s(request(gw, "SessionID=222.1", line("CAL 2 bob@example.net"))),
      s2c(response("SessionID=222.2; GW-IP=" + gw,
                   line("CAL 2 RINGING 11752013") + line("JOI bob@example.net Bob"))),
      c2s(request(gw, "SessionID=222.2", "MSG 3 N " + std::to_string(msg.size()) + "\r\n" + msg)),
      s2c(response("SessionID=222.3; GW-IP=" + gw, "")),
  };
  const Seen seen = run_all_ways(steps);
  EXPECT_EQ(seen.lines, (Lines{
                            "joined caller alice@example.com [alice@example.com]",
                            "login_attempt alice@example.com TWN [MSNP8 CVR0]    ",
                            "sb_call alice@example.com->bob@example.net 11752013 0",
                            "joined joined bob@example.net [alice@example.com,bob@example.net]",
                            "message alice@example.com->bob@example.net: Hello through HTTP",
                            "left alice@example.com closed [bob@example.net]",
                        }));
  ASSERT_EQ(seen.contexts.size(), seen.lines.size());
  EXPECT_EQ(seen.contexts[0].gateway_session, "222");
  EXPECT_EQ(seen.contexts[0].connection, ConnectionType::kSwitchboard);
  EXPECT_EQ(seen.contexts[1].gateway_session, "111");
  EXPECT_EQ(seen.contexts[1].connection, ConnectionType::kNotification);
  EXPECT_EQ(seen.contexts[4].tunnel_server, "198.51.100.30:1863");
}

TEST(MsnpGateway, SessionLimitEvictsTheOldest) {
  GatewayLimits limits;
  limits.max_sessions = 1;
  const std::string gw = "198.51.100.80";
  const std::vector<Step> steps = {
      c2s(request(gw, "Action=open&Server=NS&IP=a", line("VER 1 MSNP8 CVR0"))),
      s2c(response("SessionID=1.1; GW-IP=" + gw, line("VER 1 MSNP8 CVR0"))),
      c2s(request(gw, "Action=open&Server=NS&IP=b", line("VER 1 MSNP8 CVR0"))),
      s2c(response("SessionID=2.1; GW-IP=" + gw, line("VER 1 MSNP8 CVR0"))),
  };
  const Seen seen = run_all_ways(steps, limits);
  EXPECT_EQ(seen.lines, (Lines{"anomaly msnp_session_table_full 0"}));
}

TEST(MsnpGateway, BrokenHttpIsANamedAnomalyNotACrash) {
  GatewayLimits limits;
  limits.max_head = 256;
  const std::vector<Step> overlong = {
      c2s("POST /gateway/gateway.dll?Action=open HTTP/1.1\r\nX: " + std::string(400, 'a'))};
  EXPECT_EQ(run_all_ways(overlong, limits).lines, (Lines{"anomaly msnp_line_too_long 256"}));
  const std::vector<Step> huge = {
      c2s("POST /gateway/gateway.dll?Action=open HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n")};
  EXPECT_EQ(run_all_ways(huge).lines, (Lines{"anomaly msnp_payload_too_large 99999999999"}));
  const std::vector<Step> chunked = {
      c2s(request("h", "Action=open&Server=NS&IP=x", "")),
      s2c("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")};
  const Seen seen = run_all_ways(chunked);
  ASSERT_EQ(seen.lines.size(), 1u);
  EXPECT_EQ(seen.lines[0].rfind("anomaly msnp_bad_line", 0), 0u);
}

TEST(MsnpGateway, RandomBytesGapsAndTruncationDoNotCrash) {
  // The §12 exchange with random bytes flipped, gaps and early close: the
  // handler must stay within its bounds (ASan/UBSan watch) and not throw.
  std::mt19937 rng(42);
  const std::vector<Step> clean = ns_tunnel();
  for (int round = 0; round < 200; ++round) {
    CollectingSink sink;
    GatewayLimits limits;
    limits.max_sessions = 2;
    limits.max_pending = 2;
    MsnpConnection connection(stream_info(), sink, nullptr, limits);
    for (const Step& step : clean) {
      std::string bytes = step.bytes;
      for (int flips = static_cast<int>(rng() % 4); flips > 0; --flips) {
        bytes[rng() % bytes.size()] = static_cast<char>(rng() % 256);
      }
      if (rng() % 10 == 0) connection.on_gap(step.direction, 1 + rng() % 50, Timestamp{1});
      const size_t cut = rng() % 8 == 0 ? rng() % bytes.size() : bytes.size();
      std::vector<uint8_t> chunk(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
      connection.on_data(step.direction, ByteView(chunk.data(), chunk.size()), Timestamp{1});
    }
    connection.on_close(flow::CloseReason::kReset, Timestamp{2});
  }
  SUCCEED();
}

TEST(MsnpGateway, DirectMsnpStillGoesToTheDecoder) {
  CollectingSink sink;
  MsnpConnection connection(stream_info(), sink, nullptr);
  const std::string bytes = line("VER 1 MSNP8 CVR0") + line("USR 2 TWN I alice@example.com");
  for (char c : bytes) {
    const uint8_t b = static_cast<uint8_t>(c);
    connection.on_data(flow::Direction::kClientToServer, ByteView(&b, 1), Timestamp{1});
  }
  EXPECT_NE(connection.decoder(), nullptr);
  EXPECT_EQ(connection.gateway(), nullptr);
  ASSERT_EQ(sink.lines.size(), 1u);
  EXPECT_FALSE(sink.contexts[0].tunnelled);
}

TEST(MsnpGateway, ProbeClaimsOnlyGatewayPosts) {
  auto probe = [](std::string_view text, flow::Direction d = flow::Direction::kClientToServer) {
    return msnp_probe(as_bytes(text), d);
  };
  EXPECT_EQ(probe("POST http://gateway.messenger.hotmail.com/gateway/gateway.dll?Action=open&"
                  "Server=NS&IP=198.51.100.1 HTTP/1.1\r\n"),
            flow::ProbeResult::kMatch);
  EXPECT_EQ(probe("POST /gateway/gateway.dll?SessionID=1.2 HTTP/1.0\r\n"),
            flow::ProbeResult::kMatch);
  EXPECT_EQ(probe("POST /gateway/gate"), flow::ProbeResult::kNeedMore);
  EXPECT_EQ(probe("PO"), flow::ProbeResult::kNeedMore);
  EXPECT_EQ(probe("POST /upload.php HTTP/1.1\r\n"), flow::ProbeResult::kNoMatch);
  EXPECT_EQ(probe("GET /gateway/gateway.dll HTTP/1.1\r\n"), flow::ProbeResult::kNoMatch);
  EXPECT_EQ(probe("GET / HTTP/1.1\r\n"), flow::ProbeResult::kNoMatch);
  EXPECT_EQ(probe("HTTP/1.1 200 OK\r\n", flow::Direction::kServerToClient),
            flow::ProbeResult::kNoMatch);
  EXPECT_EQ(probe("POST /gateway/gateway.dll?" + std::string(3000, 'a')),
            flow::ProbeResult::kNoMatch);
  EXPECT_EQ(probe("PNG\r\n"), flow::ProbeResult::kMatch);  // MSNP keep-alive still matches
}

}  // namespace
}  // namespace rcds::proto::msnp::testing
