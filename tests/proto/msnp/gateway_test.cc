// MSNP through the HTTP gateway (MSNP.md §12), built by hand from the
// reference text: open / send / poll requests, X-MSN-Messenger responses
// whose SessionID keeps its stable part, Session=close. Fed whole, byte by
// byte and in random chunks through MsnpConnection (what the factory uses).
#include "proto/msnp/gateway.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "event_text.h"

namespace rcds::proto::msnp::testing {
namespace {

using Lines = std::vector<std::string>;

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

// The same response with its body in chunked transfer coding (RFC 9112
// §7.1), cut into `sizes`, with a chunk extension and a trailer field.
std::string chunked_response(const std::string& gateway_header, const std::string& body,
                             const std::vector<size_t>& sizes) {
  std::string out =
      "HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/5.0\r\nX-MSN-Messenger: " + gateway_header +
      "\r\nContent-Type: application/x-msn-messenger\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  size_t at = 0;
  for (size_t i = 0; at < body.size(); ++i) {
    const size_t n = std::min(body.size() - at, i < sizes.size() ? sizes[i] : body.size());
    char hex[20];
    std::snprintf(hex, sizeof hex, "%zX", n);
    out +=
        std::string(hex) + (i == 0 ? ";name=\"value\"" : "") + "\r\n" + body.substr(at, n) + "\r\n";
    at += n;
  }
  return out + "0\r\nX-Trailer: ignored\r\n\r\n";
}

TEST(MsnpGateway, ChunkedResponsesDecodeLikeContentLength) {
  // §12's NS tunnel again, every response body chunked as a proxy may
  // re-encode it (chunks cut inside command lines): the same events.
  std::vector<Step> steps = ns_tunnel();
  const std::string gw = "198.51.100.80";
  steps[1] = s2c(
      chunked_response("SessionID=954547325.13160; GW-IP=" + gw, line("VER 1 MSNP8 CVR0"), {3, 4}));
  steps[3] = s2c(chunked_response("SessionID=954547325.32498; GW-IP=" + gw,
                                  line("USR 2 TWN S lc=1033,id=507"), {1}));
  steps[5] = s2c(chunked_response("SessionID=954547325.41000; GW-IP=" + gw,
                                  line("USR 3 OK alice@example.com Alice 1 0"), {20, 5, 1}));
  steps[7] = s2c(chunked_response("SessionID=954547325.42000; GW-IP=" + gw,
                                  line("ILN 4 NLN bob@example.net Bob 268435492"), {}));
  steps[9] =
      s2c(chunked_response("SessionID=954547325.43000; GW-IP=" + gw + "; Session=close", "", {}));
  const Seen seen = run_all_ways(steps);
  EXPECT_EQ(seen.lines, (Lines{
                            "login_attempt alice@example.com TWN [MSNP8 CVR0]    ",
                            "login_ok alice@example.com 'Alice'",
                            "presence bob@example.net NLN 'Bob'",
                            "logout alice@example.com client_out",
                        }));
}

TEST(MsnpGateway, BrokenChunkingIsNamedAndResynchronised) {
  // A chunk size that is not hex, then a chunk beyond the body bound: each a
  // named anomaly, and the next response is found again.
  GatewayLimits limits;
  limits.max_body = 1000;
  const std::string gw = "198.51.100.80";
  std::vector<Step> steps = ns_tunnel();
  steps[3] =
      s2c("HTTP/1.1 200 OK\r\nX-MSN-Messenger: SessionID=954547325.2\r\n"
          "Transfer-Encoding: chunked\r\n\r\nzz\r\nUSR 2 TWN S lc=1\r\n0\r\n\r\n");
  steps[7] =
      s2c("HTTP/1.1 200 OK\r\nX-MSN-Messenger: SessionID=954547325.4\r\n"
          "Transfer-Encoding: chunked\r\n\r\n10000\r\n" +
          line("ILN 4 NLN x@y.z X 1"));
  const Seen seen = run_all_ways(steps, limits);
  EXPECT_EQ(seen.lines,
            (Lines{
                "login_attempt alice@example.com TWN [MSNP8 CVR0]    ", "anomaly msnp_bad_line 4",
                "anomaly msnp_resync 23",  // "USR 2 TWN S lc=1\r\n0\r\n\r\n"
                "login_ok alice@example.com 'Alice'", "anomaly msnp_payload_too_large 65536",
                "logout alice@example.com client_out",  // the OUT request
                "anomaly msnp_resync 21",               // the ILN line, up to the last response
            }));
}

TEST(MsnpGateway, ProxyHeadersAreReportedPerTunnel) {
  // §12 lists the proxy headers as IRI: the first request of a tunnel that
  // carries any names them (Via, X-Forwarded-For, Forwarded, in that order);
  // a later request with other values does not change them.
  auto proxied = [](const std::string& query, const std::string& body, const std::string& via) {
    std::string r = request("198.51.100.80", query, body);
    const size_t at = r.find("Content-Type:");
    return r.insert(at, "Via: " + via + "\r\nX-Forwarded-For: 192.0.2.10\r\n");
  };
  const std::string gw = "198.51.100.80";
  const std::vector<Step> steps = {
      c2s(request(gw, "Action=open&Server=NS&IP=198.51.100.20", line("VER 1 MSNP8 CVR0"))),
      s2c(response("SessionID=5.1; GW-IP=" + gw, line("VER 1 MSNP8 CVR0"))),
      c2s(proxied("SessionID=5.1", line("USR 2 TWN I alice@example.com"), "1.1 squid")),
      s2c(response("SessionID=5.2; GW-IP=" + gw, "")),
      c2s(proxied("SessionID=5.2", line("USR 3 TWN S t=x$$"), "1.0 other")),
      s2c(response("SessionID=5.3; GW-IP=" + gw, line("USR 3 OK alice@example.com Alice 1 0"))),
      c2s(proxied("Action=open&Server=SB&IP=198.51.100.30:1863",
                  line("USR 1 alice@example.com 1.2.3"), "1.1 " + std::string(600, 'p'))),
      s2c(response("SessionID=6.1; GW-IP=" + gw, line("USR 1 OK alice@example.com Alice"))),
  };
  const Seen seen = run_all_ways(steps);
  ASSERT_EQ(seen.lines, (Lines{
                            "login_attempt alice@example.com TWN [MSNP8 CVR0]    ",
                            "login_ok alice@example.com 'Alice'",
                            "joined caller alice@example.com [alice@example.com]",
                            // At the close: tunnels end in the order they were opened.
                            "logout alice@example.com connection_closed",
                            "left alice@example.com closed []",
                        }));
  const std::string proxy = "Via: 1.1 squid; X-Forwarded-For: 192.0.2.10";
  EXPECT_EQ(seen.contexts[0].proxy, proxy);
  EXPECT_EQ(seen.contexts[1].proxy, proxy);
  EXPECT_EQ(seen.contexts[2].gateway_session, "6");
  EXPECT_EQ(seen.contexts[2].proxy.size(), 512u);  // bounded
  EXPECT_EQ(seen.contexts[2].proxy.rfind("Via: 1.1 ppp", 0), 0u);
  EXPECT_EQ(seen.contexts[3].proxy, proxy);
}

TEST(MsnpGateway, ForwardedHeaderAloneIsReported) {
  // RFC 7239's Forwarded, without Via/X-Forwarded-For.
  std::string open = request("198.51.100.80", "Action=open&Server=NS&IP=198.51.100.20",
                             line("VER 1 MSNP8 CVR0") + line("USR 2 TWN I alice@example.com"));
  open.insert(open.find("Content-Type:"), "Forwarded: for=192.0.2.10;proto=http\r\n");
  const Seen seen = run_all_ways({c2s(open)});
  ASSERT_EQ(seen.lines, (Lines{"login_attempt alice@example.com TWN [MSNP8 CVR0]    "}));
  EXPECT_EQ(seen.contexts[0].proxy, "Forwarded: for=192.0.2.10;proto=http");
}

// Steps with gaps: `gap` bytes reported missing before `bytes`.
struct Piece {
  flow::Direction direction;
  std::string bytes;
  uint64_t gap = 0;
};

Seen run_pieces(const std::vector<Piece>& pieces, Chunking chunking, uint32_t seed) {
  CollectingSink sink;
  flow::StreamInfo info = stream_info();
  info.key.destination.port = 80;
  MsnpConnection connection(info, sink, nullptr);
  std::mt19937 rng(seed);
  for (size_t i = 0; i < pieces.size(); ++i) {
    const Timestamp time{1'104'577'200'000'000'000 + static_cast<int64_t>(i) * 1'000'000};
    if (pieces[i].gap > 0) connection.on_gap(pieces[i].direction, pieces[i].gap, time);
    const std::string& bytes = pieces[i].bytes;
    for (size_t pos = 0; pos < bytes.size();) {
      size_t n = bytes.size() - pos;
      if (chunking == Chunking::kByteByByte) n = 1;
      if (chunking == Chunking::kRandom) n = std::min<size_t>(n, 1 + rng() % 40);
      std::vector<uint8_t> chunk(bytes.begin() + static_cast<std::ptrdiff_t>(pos),
                                 bytes.begin() + static_cast<std::ptrdiff_t>(pos + n));
      connection.on_data(pieces[i].direction, ByteView(chunk.data(), chunk.size()), time);
      pos += n;
    }
  }
  connection.on_close(flow::CloseReason::kFin, Timestamp{2'000'000'000'000'000'000});
  return {sink.lines, sink.contexts};
}

Lines pieces_all_ways(const std::vector<Piece>& pieces) {
  const Seen first = run_pieces(pieces, Chunking::kWhole, 1);
  EXPECT_EQ(run_pieces(pieces, Chunking::kByteByByte, 1).lines, first.lines);
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    EXPECT_EQ(run_pieces(pieces, Chunking::kRandom, seed).lines, first.lines) << seed;
  }
  return first.lines;
}

TEST(MsnpGateway, GapOutsideABodyResynchronisesAtTheNextRequest) {
  // Request 3 of §12's tunnel loses 5 bytes inside its head: the rest of it
  // is skipped up to the next "POST " (the poll), which is parsed again; the
  // server's answer to the lost request still finds its tunnel by SessionID.
  const std::vector<Step> steps = ns_tunnel();
  std::vector<Piece> pieces;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (i != 4) {
      pieces.push_back({steps[i].direction, steps[i].bytes});
      continue;
    }
    pieces.push_back({steps[i].direction, steps[i].bytes.substr(0, 10)});
    pieces.push_back({steps[i].direction, steps[i].bytes.substr(15), 5});
  }
  const size_t skipped = steps[4].bytes.size() - 15;
  EXPECT_EQ(pieces_all_ways(pieces), (Lines{
                                         "login_attempt alice@example.com TWN [MSNP8 CVR0]    ",
                                         "anomaly msnp_stream_gap 5",
                                         "login_ok alice@example.com 'Alice'",
                                         "anomaly msnp_resync " + std::to_string(skipped),
                                         "presence bob@example.net NLN 'Bob'",
                                         "logout alice@example.com client_out",
                                     }));
}

TEST(MsnpGateway, GapAcrossABodyEndTellsTheTunnelAndResynchronises) {
  // A response body cut by a gap that runs past its end: the tunnel's
  // decoder hears of the loss (its own resync), HTTP resumes at "HTTP/1.".
  const std::vector<Step> steps = ns_tunnel();
  std::vector<Piece> pieces;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (i != 7) {
      pieces.push_back({steps[i].direction, steps[i].bytes});
      continue;
    }
    // The ILN response: head and 4 body bytes, then a gap of the rest and 3
    // bytes of something that followed, then junk up to the next response.
    const std::string& r = steps[i].bytes;
    const size_t body = r.find("\r\n\r\n") + 4;
    pieces.push_back({steps[i].direction, r.substr(0, body + 4)});
    pieces.push_back({steps[i].direction, "junk\r\n", r.size() - body - 4 + 3});
  }
  EXPECT_EQ(pieces_all_ways(pieces), (Lines{
                                         "login_attempt alice@example.com TWN [MSNP8 CVR0]    ",
                                         "login_ok alice@example.com 'Alice'",
                                         // The gateway's, then the tunnel decoder's:
                                         // 41 - 4 body bytes + 3.
                                         "anomaly msnp_stream_gap 40", "anomaly msnp_stream_gap 40",
                                         "logout alice@example.com client_out",
                                         "anomaly msnp_resync 6",  // "junk\r\n"
                                     }));
}

TEST(MsnpGateway, BadRequestHeadResynchronisesAtTheNextPost) {
  // A GET on the same connection (a proxy's own request): named, then the
  // next POST is parsed again.
  std::vector<Step> steps = ns_tunnel();
  steps.insert(steps.begin() + 2, c2s("GET http://example.org/ HTTP/1.1\r\nHost: x\r\n\r\n"));
  const Seen seen = run_all_ways(steps);
  EXPECT_EQ(seen.lines, (Lines{
                            "anomaly msnp_bad_line 45",
                            "anomaly msnp_resync 0",
                            "login_attempt alice@example.com TWN [MSNP8 CVR0]    ",
                            "login_ok alice@example.com 'Alice'",
                            "presence bob@example.net NLN 'Bob'",
                            "logout alice@example.com client_out",
                        }));
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
  // Not a response line: named, and the direction looks for the next one.
  const std::vector<Step> garbage = {c2s(request("h", "Action=open&Server=NS&IP=x", "")),
                                     s2c("HTTZ/1.1 200 OK\r\n\r\nxx")};
  EXPECT_EQ(run_all_ways(garbage).lines, (Lines{"anomaly msnp_bad_line 19"}));
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
