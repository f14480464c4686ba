// Protocol detection: content probes on any port, port fallback, probes that
// need more bytes (replayed to the handler intact), and unclaimed flows.
#include <gtest/gtest.h>

#include "support/recording.h"

namespace rcds::testing {
namespace {

flow::ProbeResult hello_probe(ByteView bytes, flow::Direction) {
  const std::string_view want = "HELLO";
  const std::string_view got = as_chars(bytes);
  if (got.size() < want.size()) {
    return want.substr(0, got.size()) == got ? flow::ProbeResult::kNeedMore
                                             : flow::ProbeResult::kNoMatch;
  }
  return got.substr(0, want.size()) == want ? flow::ProbeResult::kMatch
                                            : flow::ProbeResult::kNoMatch;
}

TEST(Detect, ProbeClaimsFlowOnAnyPort) {
  Harness h;
  h.registry().add({"hello", Transport::kTcp, {9999}, hello_probe});
  Connection c;
  c.server.port = 31337;
  h.feed(c.c2s(0, "HELLO there"));
  h.finish();
  ASSERT_EQ(h.factory().streams.size(), 1u);
  EXPECT_EQ(h.stream(0).protocol, "hello");
}

TEST(Detect, ProbeNeedingMoreBytesReplaysEverythingInOrder) {
  Harness h;
  h.registry().add({"hello", Transport::kTcp, {}, hello_probe});
  Connection c;
  h.feed(c.c2s(0, "H"));
  h.feed(c.c2s(1, "EL"));
  h.feed(c.s2c(0, "server talks meanwhile"));
  h.feed(c.c2s(3, "LO world"));
  h.feed(c.c2s(11, "!"));
  h.finish();
  ASSERT_EQ(h.factory().streams.size(), 1u);
  EXPECT_EQ(h.stream(0).protocol, "hello");
  EXPECT_EQ(h.stream(0).text[0], "HELLO world!");
  EXPECT_EQ(h.stream(0).text[1], "server talks meanwhile");
}

TEST(Detect, PortFallbackWhenNoProbeMatches) {
  Harness h;
  h.registry().add({"hello", Transport::kTcp, {}, hello_probe});
  h.registry().add({"web", Transport::kTcp, {80}, nullptr});
  Connection c;
  h.feed(c.c2s(0, "GET / HTTP/1.0\r\n"));
  h.finish();
  EXPECT_EQ(h.stream(0).protocol, "web");
}

TEST(Detect, PortOfAProtocolWhoseProbeSaysNoIsNotEnough) {
  Harness h;
  h.registry().add({"hello", Transport::kTcp, {80}, hello_probe});
  Connection c;
  h.feed(c.c2s(0, "not the protocol"));
  h.finish();
  EXPECT_EQ(h.stream(0).protocol, "");
}

TEST(Detect, ProbeBufferFullDecidesAndKeepsEveryByte) {
  nis::SensorOptions options;
  options.flow.probe_bytes = 8;
  Harness h(options);
  // A probe that never makes up its mind.
  h.registry().add({"undecided", Transport::kTcp, {80}, [](ByteView, flow::Direction) {
                      return flow::ProbeResult::kNeedMore;
                    }});
  Connection c;
  h.feed(c.c2s(0, "12345"));
  h.feed(c.c2s(5, "67890abc"));
  h.feed(c.c2s(13, "def"));
  h.finish();
  EXPECT_EQ(h.stream(0).text[0], "1234567890abcdef");
  EXPECT_EQ(h.stream(0).protocol, "undecided");  // port fallback on the final attempt
  EXPECT_EQ(h.counters().get(Anomaly::probe_buffer_full), 1u);
}

class RefusingFactory final : public flow::StreamHandlerFactory {
 public:
  flow::StreamHandler* open(const flow::StreamInfo&) override {
    ++opened;
    return nullptr;
  }
  void release(flow::StreamHandler*) override {}
  int opened = 0;
};

TEST(Detect, UnclaimedFlowsAreNotBuffered) {
  flow::ProtocolRegistry registry;
  RefusingFactory factory;
  nis::Sensor sensor({}, registry, factory);
  Connection c;
  auto feed = [&](const testkit::Bytes& frame) {
    capture::RawPacket raw;
    raw.link_type = capture::kLinkEthernet;
    raw.captured_length = raw.wire_length = static_cast<uint32_t>(frame.size());
    raw.data = frame.data();
    sensor.process(raw);
  };
  feed(c.c2s(0, "abc"));
  for (uint32_t off = 100; off < 100000; off += 1000) feed(c.c2s(off, std::string(1000, 'x')));
  EXPECT_EQ(factory.opened, 1);
  EXPECT_EQ(sensor.tracker().budget().peak() < 200000, true);
  sensor.finish();
}

}  // namespace
}  // namespace rcds::testing
