// The interception engine with IP-address and prefix targets: every packet
// as CC between IRI-BEGIN and IRI-END per flow, idle timeouts for portless
// packets, revocation.
#include "engine_fixture.h"

namespace rcds::intercept {
namespace {

using namespace engine_testing;

// --- IP targets -----------------------------------------------------------------

std::vector<uint8_t> packet_bytes(uint8_t marker, size_t size) {
  std::vector<uint8_t> bytes(size, marker);
  bytes[0] = 0x45;
  return bytes;
}

TEST(InterceptEngine, IpTargetFlowIsBeginCcPerPacketAndEndOnClose) {
  Fixture f({make_warrant("LI-IP", {"ip:192.0.2.7"})});
  f.engine.advance(at(0));  // the sensor advances before asking
  const IpAddress target = ip("192.0.2.7");
  const IpAddress peer = ip("198.51.100.1");
  EXPECT_TRUE(f.engine.may_intercept_ip(target, peer));
  EXPECT_TRUE(f.engine.may_intercept_ip(peer, target));
  const auto p1 = packet_bytes(1, 60), p2 = packet_bytes(2, 52), p3 = packet_bytes(3, 1500);
  f.engine.on_ip_packet({at(1), target, peer, 6, 40000, 80, true, p1});
  f.engine.on_ip_packet({at(2), peer, target, 6, 80, 40000, true, p2});
  f.engine.on_ip_packet({at(3), peer, target, 6, 80, 40000, true, p3});
  // Another flow of the target is another communication (CIN).
  f.engine.on_ip_packet({at(4), target, peer, 17, 5353, 53, true, p1});
  EXPECT_EQ(f.engine.tracked_ip_communications(), 2u);
  const FlowKey key{{target, 40000}, {peer, 80}, Transport::kTcp};
  f.engine.on_flow_closed(11, key, "fin", at(5));
  EXPECT_EQ(f.engine.tracked_ip_communications(), 1u);
  f.engine.finish(at(6));
  EXPECT_EQ(f.engine.tracked_ip_communications(), 0u);

  const std::vector<Record>& r = f.sink.records;
  EXPECT_EQ(kinds(r),
            (std::vector<std::string>{"iri-begin ip_begin", "cc ip_packet", "cc ip_packet",
                                      "cc ip_packet", "iri-begin ip_begin", "cc ip_packet",
                                      "iri-end ip_end", "iri-end ip_end"}));
  expect_numbering(r);
  ASSERT_EQ(r.size(), 8u);
  EXPECT_EQ(r[0].target, "ip:192.0.2.7");
  EXPECT_EQ(r[0].protocol, "ip");
  EXPECT_EQ(r[0].connection, "tcp");
  EXPECT_EQ(r[0].client.to_string(), "192.0.2.7:40000");
  EXPECT_EQ(r[0].server.to_string(), "198.51.100.1:80");
  EXPECT_EQ(r[1].content, std::string(p1.begin(), p1.end()));
  EXPECT_EQ(r[1].content_kind, ContentKind::kIpPacket);
  EXPECT_EQ(r[1].direction, PayloadDirection::kFromTarget);
  EXPECT_EQ(r[2].content, std::string(p2.begin(), p2.end()));
  EXPECT_EQ(r[2].direction, PayloadDirection::kToTarget);
  EXPECT_EQ(r[3].content.size(), 1500u);
  EXPECT_EQ(r[3].time, at(3));
  for (int i : {0, 1, 2, 3, 6}) EXPECT_EQ(r[i].cin, 1u) << i;
  for (int i : {4, 5, 7}) EXPECT_EQ(r[i].cin, 2u) << i;
  EXPECT_EQ(r[4].connection, "udp");
  EXPECT_EQ(r[6].time, at(5));
  EXPECT_EQ(r[7].time, at(6));
  auto detail = [](const Record& x, std::string_view k) {
    for (const auto& [key, value] : x.details) {
      if (key == k) return value;
    }
    return std::string();
  };
  EXPECT_EQ(detail(r[6], "packets"), "3");
  EXPECT_EQ(detail(r[6], "bytes"), std::to_string(60 + 52 + 1500));
  // The target sent p1; p2 and p3 came to it.
  EXPECT_EQ(detail(r[6], "bytes_from_target"), "60");
  EXPECT_EQ(detail(r[6], "bytes_to_target"), std::to_string(52 + 1500));
  EXPECT_EQ(detail(r[6], "reason"), "fin");
  EXPECT_EQ(detail(r[7], "reason"), "capture_end");
}

TEST(InterceptEngine, IpPrefixTargetAndIpv6) {
  Fixture f(
      {make_warrant("LI-NET", {"ip:192.0.2.0/24"}), make_warrant("LI-V6", {"ip:2001:db8::/32"})});
  const auto p = packet_bytes(9, 40);
  f.engine.on_ip_packet({at(1), ip("198.51.100.1"), ip("192.0.2.99"), 6, 80, 1000, true, p});
  f.engine.on_ip_packet({at(2), ip("192.0.3.1"), ip("198.51.100.1"), 6, 1000, 80, true, p});
  f.engine.on_ip_packet({at(3), ip("2001:db8:1::5"), ip("2001:db9::1"), 17, 1, 2, true, p});
  f.engine.on_ip_packet({at(4), ip("2001:db9::5"), ip("2001:db9::1"), 17, 1, 2, true, p});
  EXPECT_EQ(kinds(f.sink.of("LI-NET")),
            (std::vector<std::string>{"iri-begin ip_begin", "cc ip_packet"}));
  EXPECT_EQ(kinds(f.sink.of("LI-V6")),
            (std::vector<std::string>{"iri-begin ip_begin", "cc ip_packet"}));
  ASSERT_EQ(f.sink.records.size(), 4u);
  EXPECT_EQ(f.sink.records[1].direction, PayloadDirection::kToTarget);
  EXPECT_EQ(f.sink.records[1].target, "ip:192.0.2.0/24");
  EXPECT_EQ(f.sink.records[3].direction, PayloadDirection::kFromTarget);
  EXPECT_EQ(f.engine.tracked_ip_communications(), 2u);
  expect_numbering(f.sink.records);
}

TEST(InterceptEngine, PortlessPacketsEndAfterTheIdleTimeout) {
  EngineOptions options;
  options.ip_idle_timeout_ns = 60 * kNanosPerSecond;
  Fixture f({make_warrant("LI-ICMP", {"ip:192.0.2.7"})}, options);
  const auto p = packet_bytes(8, 84);
  f.engine.on_ip_packet({at(1), ip("192.0.2.7"), ip("198.51.100.1"), 1, 0, 0, false, p});
  f.engine.on_ip_packet({at(2), ip("198.51.100.1"), ip("192.0.2.7"), 1, 0, 0, false, p});
  f.engine.advance(at(61));  // 59 s after the last packet: still open
  EXPECT_EQ(f.engine.tracked_ip_communications(), 1u);
  f.engine.advance(at(63));  // > 60 s idle
  EXPECT_EQ(f.engine.tracked_ip_communications(), 0u);
  EXPECT_EQ(kinds(f.sink.records), (std::vector<std::string>{"iri-begin ip_begin", "cc ip_packet",
                                                             "cc ip_packet", "iri-end ip_end"}));
  ASSERT_EQ(f.sink.records.size(), 4u);
  EXPECT_EQ(f.sink.records[0].connection, "icmp");
  EXPECT_GE(f.sink.records[3].time, at(62));
  EXPECT_LE(f.sink.records[3].time, at(63));
  expect_numbering(f.sink.records);
  // A later packet is a new communication.
  f.engine.on_ip_packet({at(100), ip("192.0.2.7"), ip("198.51.100.1"), 1, 0, 0, false, p});
  ASSERT_EQ(f.sink.records.size(), 6u);
  EXPECT_EQ(f.sink.records[4].cin, 2u);
  expect_numbering(f.sink.records);
}

TEST(InterceptEngine, IpRevocationStopsPacketsAndTheEnd) {
  Fixture f({make_warrant("LI-IP", {"ip:192.0.2.7"})});
  const auto p = packet_bytes(1, 40);
  f.engine.on_ip_packet({at(1), ip("192.0.2.7"), ip("198.51.100.1"), 6, 1, 2, true, p});
  f.store.revoke("LI-IP");
  f.engine.on_ip_packet({at(2), ip("192.0.2.7"), ip("198.51.100.1"), 6, 1, 2, true, p});
  f.engine.on_flow_closed(1, {{ip("192.0.2.7"), 1}, {ip("198.51.100.1"), 2}, Transport::kTcp},
                          "fin", at(3));
  EXPECT_EQ(kinds(f.sink.records),
            (std::vector<std::string>{"iri-begin ip_begin", "cc ip_packet"}));
  EXPECT_EQ(f.engine.tracked_ip_communications(), 0u);
}

}  // namespace
}  // namespace rcds::intercept
