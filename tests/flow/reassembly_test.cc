// TCP reassembly through the real pipeline: segments shuffled, duplicated,
// overlapping, split byte by byte, lost; sequence wrap-around; FIN/RST.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "support/recording.h"

namespace rcds::testing {
namespace {

using testkit::Bytes;

std::string pattern(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>('a' + rng() % 26);
  return s;
}

// Splits `data` into segments at random cut points (sizes 1..max_size).
std::vector<std::pair<uint32_t, std::string>> cut(const std::string& data, size_t max_size,
                                                  std::mt19937& rng) {
  std::vector<std::pair<uint32_t, std::string>> out;
  for (size_t off = 0; off < data.size();) {
    const size_t n = std::min<size_t>(1 + rng() % max_size, data.size() - off);
    out.emplace_back(static_cast<uint32_t>(off), data.substr(off, n));
    off += n;
  }
  return out;
}

TEST(Reassembly, InOrderBothDirectionsWithFinClose) {
  Harness h;
  Connection c;
  h.feed(c.syn());
  h.feed(c.syn_ack());
  h.feed(c.ack());
  h.feed(c.c2s(0, "GET / HTTP/1.0\r\n\r\n"));
  h.feed(c.s2c(0, "HTTP/1.0 200 OK\r\n\r\nhello", testkit::kAck, 18));
  h.feed(c.c2s(18, "", testkit::kFin | testkit::kAck, 24));
  h.feed(c.s2c(24, "", testkit::kFin | testkit::kAck, 19));
  ASSERT_EQ(h.factory().streams.size(), 1u);
  const RecordedStream& s = h.stream(0);
  EXPECT_EQ(s.text[0], "GET / HTTP/1.0\r\n\r\n");
  EXPECT_EQ(s.text[1], "HTTP/1.0 200 OK\r\n\r\nhello");
  EXPECT_EQ(s.closes, 1);
  EXPECT_EQ(s.reason, flow::CloseReason::kFin);
  EXPECT_TRUE(s.info.saw_handshake);
  EXPECT_EQ(s.info.key.source.port, 40000);
  EXPECT_EQ(h.counters().get(Counter::flows_closed), 1u);
  EXPECT_EQ(h.sensor().tracker().active_flows(), 0u);
  EXPECT_EQ(h.counters().total_anomalies(), 0u);
}

TEST(Reassembly, ShuffledDuplicatedAndByteBySegmentsGiveTheSameStream) {
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    const std::string data = pattern(3000, seed);
    auto segments = cut(data, seed % 4 == 0 ? 1 : 300, rng);
    // Duplicate a third of the segments, then shuffle everything.
    const size_t n = segments.size();
    for (size_t i = 0; i < n / 3; ++i) segments.push_back(segments[rng() % n]);
    std::shuffle(segments.begin(), segments.end(), rng);

    Harness h;
    Connection c;
    h.feed(c.syn());
    h.feed(c.syn_ack());
    h.feed(c.ack());
    for (const auto& [offset, bytes] : segments) h.feed(c.c2s(offset, bytes));
    h.finish();
    ASSERT_EQ(h.factory().streams.size(), 1u) << "seed " << seed;
    EXPECT_EQ(h.stream(0).text[0], data) << "seed " << seed;
    EXPECT_EQ(h.counters().get(Anomaly::tcp_overlap_conflict), 0u) << "seed " << seed;
    EXPECT_EQ(h.counters().get(Counter::tcp_gaps), 0u) << "seed " << seed;
  }
}

TEST(Reassembly, OverlappingSegmentsWithEqualBytes) {
  for (uint32_t seed = 1; seed <= 30; ++seed) {
    std::mt19937 rng(seed);
    const std::string data = pattern(2000, seed + 100);
    std::vector<std::pair<uint32_t, std::string>> segments;
    // Random windows that together cover everything, overlapping freely.
    for (uint32_t off = 0; off < data.size(); off += 50) {
      const uint32_t start = off > 30 ? off - static_cast<uint32_t>(rng() % 30) : 0;
      const size_t len = std::min<size_t>(80 + rng() % 120, data.size() - start);
      segments.emplace_back(start, data.substr(start, len));
    }
    std::shuffle(segments.begin(), segments.end(), rng);
    Harness h;
    Connection c;
    h.feed(c.syn());
    h.feed(c.syn_ack());
    for (const auto& [offset, bytes] : segments) h.feed(c.c2s(offset, bytes));
    h.finish();
    EXPECT_EQ(h.stream(0).text[0], data) << "seed " << seed;
    EXPECT_EQ(h.counters().get(Anomaly::tcp_overlap_conflict), 0u);
  }
}

TEST(Reassembly, ConflictingOverlapInBufferKeepsFirstBytes) {
  Harness h;
  Connection c;
  h.feed(c.syn());
  h.feed(c.syn_ack());
  h.feed(c.c2s(10, "AAAAAAAAAA"));           // buffered: hole at 0..10
  h.feed(c.c2s(5, "BBBBBBBBBBBBBBBBBBBB"));  // 5..25 overlaps 10..20 with other bytes
  h.feed(c.c2s(0, "CCCCC"));
  h.finish();
  EXPECT_EQ(h.stream(0).text[0], "CCCCCBBBBBAAAAAAAAAABBBBB");
  EXPECT_EQ(h.counters().get(Anomaly::tcp_overlap_conflict), 1u);
}

TEST(Reassembly, ConflictingRetransmissionOfDeliveredBytesIsCounted) {
  Harness h;
  Connection c;
  h.feed(c.syn());
  h.feed(c.syn_ack());
  h.feed(c.c2s(0, "GOOD"));
  h.feed(c.c2s(0, "EVIL"));   // exact overlap, other bytes
  h.feed(c.c2s(1, "OOD!"));   // partial overlap, same bytes, one new byte
  h.feed(c.c2s(0, "GOOD!"));  // identical retransmission
  h.finish();
  EXPECT_EQ(h.stream(0).text[0], "GOOD!");
  EXPECT_EQ(h.counters().get(Anomaly::tcp_overlap_conflict), 1u);
  EXPECT_EQ(h.counters().get(Counter::tcp_retransmissions), 2u);
}

TEST(Reassembly, SequenceNumbersWrapAround) {
  Harness h;
  Connection c;
  c.client_isn = 0xFFFFFF00u;
  c.server_isn = 0xFFFFFFF0u;
  const std::string up = pattern(1000, 7);
  const std::string down = pattern(700, 8);
  h.feed(c.syn());
  h.feed(c.syn_ack());
  std::mt19937 rng(3);
  auto segments = cut(up, 100, rng);
  std::shuffle(segments.begin(), segments.end(), rng);
  for (const auto& [offset, bytes] : segments) h.feed(c.c2s(offset, bytes));
  for (uint32_t off = 0; off < down.size(); off += 70) h.feed(c.s2c(off, down.substr(off, 70)));
  h.finish();
  EXPECT_EQ(h.stream(0).text[0], up);
  EXPECT_EQ(h.stream(0).text[1], down);
}

TEST(Reassembly, MidStreamPickupStartsAtFirstSegment) {
  Harness h;
  Connection c;
  h.feed(c.c2s(100, "middle of "));
  h.feed(c.s2c(300, "reply"));
  h.feed(c.c2s(110, "a stream"));
  h.finish();
  ASSERT_EQ(h.factory().streams.size(), 1u);
  const RecordedStream& s = h.stream(0);
  EXPECT_FALSE(s.info.saw_handshake);
  EXPECT_EQ(s.info.key.source.port, 40000);  // first sender taken as client
  EXPECT_EQ(s.text[0], "middle of a stream");
  EXPECT_EQ(s.text[1], "reply");
}

TEST(Reassembly, MidStreamServerPortFromRegistryDecidesRoles) {
  Harness h;
  h.registry().add({"web", Transport::kTcp, {80}, nullptr});
  Connection c;
  h.feed(c.s2c(0, "HTTP/1.1 200 OK\r\n"));  // the server speaks first in the capture
  h.finish();
  ASSERT_EQ(h.factory().streams.size(), 1u);
  EXPECT_EQ(h.stream(0).info.key.destination.port, 80);
  EXPECT_EQ(h.stream(0).text[1], "HTTP/1.1 200 OK\r\n");
  EXPECT_EQ(h.stream(0).protocol, "web");
}

TEST(Reassembly, AckBeyondHoleReportsGapAtOnce) {
  Harness h;
  Connection c;
  h.feed(c.syn());
  h.feed(c.syn_ack());
  h.feed(c.c2s(0, "0123456789"));
  h.feed(c.c2s(20, "klmnopqrst"));  // 10..20 lost by the capture
  EXPECT_EQ(h.stream(0).text[0], "0123456789");
  // The server acknowledges everything up to 30: it had the lost bytes.
  h.feed(c.s2c(0, "", testkit::kAck, 30));
  EXPECT_EQ(h.stream(0).text[0], "0123456789[gap 10]klmnopqrst");
  EXPECT_EQ(h.counters().get(Counter::tcp_gaps), 1u);
  EXPECT_EQ(h.counters().get(Counter::tcp_gap_bytes), 10u);
}

TEST(Reassembly, HoleStillOpenAtCloseBecomesGap) {
  Harness h;
  Connection c;
  h.feed(c.syn());
  h.feed(c.syn_ack());
  h.feed(c.c2s(0, "abc"));
  h.feed(c.c2s(8, "xyz"));
  h.finish();
  EXPECT_EQ(h.stream(0).text[0], "abc[gap 5]xyz");
  EXPECT_EQ(h.stream(0).reason, flow::CloseReason::kShutdown);
}

TEST(Reassembly, GapBeforeFinIsReported) {
  Harness h;
  Connection c;
  h.feed(c.syn());
  h.feed(c.syn_ack());
  h.feed(c.c2s(0, "abc"));
  h.feed(c.c2s(10, "", testkit::kFin | testkit::kAck));  // bytes 3..10 never seen
  h.feed(c.s2c(0, "", testkit::kFin | testkit::kAck, 11));
  EXPECT_EQ(h.stream(0).text[0], "abc[gap 7]");
  EXPECT_EQ(h.stream(0).reason, flow::CloseReason::kFin);
}

TEST(Reassembly, InWindowResetClosesOutOfWindowResetIsIgnored) {
  Harness h;
  Connection c;
  h.feed(c.syn());
  h.feed(c.syn_ack());
  h.feed(c.ack());
  h.feed(c.c2s(0, "hello"));
  h.feed(testkit::tcp_frame(c.server, c.client, {12345678, 0, testkit::kRst}, {}));
  EXPECT_EQ(h.counters().get(Anomaly::tcp_rst_out_of_window), 1u);
  EXPECT_EQ(h.stream(0).closes, 0);
  h.feed(c.c2s(5, " world"));
  h.feed(c.s2c(0, "", testkit::kRst));
  EXPECT_EQ(h.stream(0).closes, 1);
  EXPECT_EQ(h.stream(0).reason, flow::CloseReason::kReset);
  EXPECT_EQ(h.stream(0).text[0], "hello world");
  EXPECT_FALSE(h.stream(0).data_after_close);
}

TEST(Reassembly, ResetDuringHandshakeDoesNotEndTheFlow) {
  Harness h;
  Connection c;
  h.feed(c.syn());
  h.feed(testkit::tcp_frame(c.server, c.client,
                            {0, c.client_isn + 1, testkit::kRst | testkit::kAck}, {}));
  h.feed(c.syn_ack());
  h.feed(c.ack());
  h.feed(c.c2s(0, "GET /"));
  h.finish();
  ASSERT_EQ(h.factory().streams.size(), 1u);
  EXPECT_EQ(h.stream(0).text[0], "GET /");
  EXPECT_EQ(h.counters().get(Anomaly::tcp_rst_in_handshake), 1u);
}

TEST(Reassembly, DataBeyondFinIsCutAndCounted) {
  Harness h;
  Connection c;
  h.feed(c.syn());
  h.feed(c.syn_ack());
  h.feed(c.c2s(0, "end", testkit::kFin | testkit::kAck));
  h.feed(c.c2s(3, "MORE"));
  h.finish();
  EXPECT_EQ(h.stream(0).text[0], "end");
  EXPECT_EQ(h.counters().get(Anomaly::tcp_data_after_close), 1u);
}

TEST(Reassembly, IdleFlowsTimeOutByPacketTime) {
  nis::SensorOptions options;
  options.flow.tcp_idle_timeout_ns = 10 * kNanosPerSecond;
  Harness h(options);
  Connection c;
  h.feed(c.c2s(0, "first"), 1'000'000);
  Connection other;
  other.client.port = 40001;
  h.feed(other.c2s(0, "x"), 5'000'000);
  EXPECT_EQ(h.sensor().tracker().active_flows(), 2u);
  h.feed(other.c2s(1, "y"), 12'500'000);  // 11.5 s after the first flow's last packet
  EXPECT_EQ(h.sensor().tracker().active_flows(), 1u);
  EXPECT_EQ(h.stream(0).reason, flow::CloseReason::kTimeout);
  EXPECT_EQ(h.counters().get(Counter::flows_timed_out), 1u);
}

TEST(Reassembly, PerDirectionBudgetTurnsHoleIntoGapAndLosesNoBufferedByte) {
  nis::SensorOptions options;
  options.flow.max_out_of_order_bytes = 4096;
  Harness h(options);
  Connection c;
  h.feed(c.syn());
  h.feed(c.syn_ack());
  const std::string data = pattern(20000, 11);
  h.feed(c.c2s(0, data.substr(0, 100)));
  for (uint32_t off = 200; off < data.size(); off += 1000) {
    h.feed(c.c2s(off, data.substr(off, 1000)));  // 100..200 never arrives
  }
  h.finish();
  EXPECT_EQ(h.stream(0).text[0], data.substr(0, 100) + "[gap 100]" + data.substr(200));
  EXPECT_GE(h.counters().get(Anomaly::tcp_flow_memory_cap), 1u);
  EXPECT_LE(h.sensor().tracker().budget().peak(), options.flow.memory_budget_bytes);
}

TEST(Reassembly, FullFlowTableEvictsOldestHandshakeOnlyFlowsFirst) {
  nis::SensorOptions options;
  options.flow.max_flows = 8;
  Harness h(options);
  Connection established;
  established.client.port = 1;
  h.feed(established.c2s(0, "keep me"));
  for (uint16_t i = 0; i < 50; ++i) {
    Connection c;
    c.client.port = static_cast<uint16_t>(2000 + i);
    h.feed(c.syn());
  }
  EXPECT_LE(h.sensor().tracker().active_flows(), 8u);
  EXPECT_EQ(h.counters().get(Anomaly::flow_table_full), 43u);
  h.feed(established.c2s(7, " please"));
  h.finish();
  EXPECT_EQ(h.stream(0).text[0], "keep me please");  // never evicted
}

TEST(Reassembly, SynFloodStaysInsideTheMemoryBudget) {
  nis::SensorOptions options;
  options.flow.memory_budget_bytes = 2u << 20;
  Harness h(options);
  for (uint32_t i = 0; i < 100000; ++i) {
    testkit::Host client{"10." + std::to_string((i >> 16) & 255) + "." +
                             std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255),
                         static_cast<uint16_t>(1024 + i % 50000)};
    h.feed(testkit::tcp_frame(client, {"10.255.0.1", 80}, {i, 0, testkit::kSyn}, {}));
  }
  const auto& budget = h.sensor().tracker().budget();
  EXPECT_LE(budget.peak(), budget.limit());
  EXPECT_GT(h.counters().get(Anomaly::flow_table_full), 0u);
  EXPECT_EQ(h.counters().get(Counter::flows_created), 100000u);
}

TEST(Reassembly, PortReuseWithNewSynStartsNewFlow) {
  Harness h;
  Connection c;
  h.feed(c.syn());
  h.feed(c.syn_ack());
  h.feed(c.c2s(0, "first"));
  Connection again = c;
  again.client_isn = 900000;
  h.feed(again.syn());
  h.feed(again.syn_ack());
  h.feed(again.c2s(0, "second"));
  h.finish();
  ASSERT_EQ(h.factory().streams.size(), 2u);
  EXPECT_EQ(h.stream(0).text[0], "first");
  EXPECT_EQ(h.stream(0).reason, flow::CloseReason::kReused);
  EXPECT_EQ(h.stream(1).text[0], "second");
}

TEST(Reassembly, UdpDatagramsReachTheHandlerPerFlow) {
  Harness h;
  h.registry().add({"dns", Transport::kUdp, {53}, nullptr});
  h.feed(testkit::udp_frame({"10.0.0.1", 5353}, {"10.0.0.9", 53}, testkit::bytes_of("query")));
  h.feed(testkit::udp_frame({"10.0.0.9", 53}, {"10.0.0.1", 5353}, testkit::bytes_of("answer")));
  h.feed(testkit::udp_frame({"2001:db8::1", 7000}, {"2001:db8::2", 7001}, testkit::bytes_of("v6")));
  h.finish();
  ASSERT_EQ(h.factory().streams.size(), 2u);
  EXPECT_EQ(h.stream(0).protocol, "dns");
  EXPECT_EQ(h.stream(0).text[0], "query");
  EXPECT_EQ(h.stream(0).text[1], "answer");
  EXPECT_EQ(h.stream(1).text[0], "v6");
  EXPECT_EQ(h.stream(1).info.key.transport, Transport::kUdp);
}

TEST(Reassembly, EveryOpenedHandlerIsClosedAndReleased) {
  Harness h;
  for (uint16_t i = 0; i < 20; ++i) {
    Connection c;
    c.client.port = static_cast<uint16_t>(3000 + i);
    h.feed(c.syn());
    h.feed(c.syn_ack());
    h.feed(c.c2s(0, "x"));
  }
  h.finish();
  EXPECT_EQ(h.factory().open_handlers, 0);
  for (const auto& s : h.factory().streams) EXPECT_EQ(s->closes, 1);
  EXPECT_EQ(h.sensor().tracker().active_flows(), 0u);
}

}  // namespace
}  // namespace rcds::testing
