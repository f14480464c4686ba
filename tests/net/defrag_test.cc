// IPv4/IPv6 fragment reassembly: any order, overlaps (first bytes win),
// timeouts and the memory cap.
#include "net/defrag.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "capture/source.h"
#include "net/decoder.h"
#include "tools/testkit/frames.h"

namespace rcds::net {
namespace {

using testkit::Bytes;

class DefragTest : public ::testing::Test {
 protected:
  // Feeds frames; returns the transport payload of each completed datagram.
  std::vector<std::string> feed(const std::vector<Bytes>& frames, int64_t time_step_ns = 0) {
    std::vector<std::string> done;
    int64_t t = 0;
    for (const Bytes& f : frames) {
      Packet p;
      EXPECT_EQ(decoder_.decode(capture::kLinkEthernet, {f.data(), f.size()}, Timestamp{t}, p),
                DecodeResult::kOk);
      t += time_step_ns;
      if (!p.is_fragment) continue;
      ByteView datagram;
      if (!defrag_.add(p, datagram)) continue;
      Packet whole;
      EXPECT_EQ(decoder_.decode_ip(datagram, whole), DecodeResult::kOk);
      EXPECT_FALSE(whole.is_fragment);
      done.emplace_back(as_chars(whole.payload));
    }
    return done;
  }
  Counters counters_;
  PacketDecoder decoder_{{true}, counters_};  // rebuilt datagrams must carry valid checksums
  DefragOptions options_;
  Defragmenter defrag_{options_, counters_};
};

std::string payload_of(size_t n) {
  std::string s(n, 0);
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('A' + i % 23);
  return s;
}

TEST_F(DefragTest, Ipv4FragmentsInAnyOrder) {
  const std::string data = payload_of(3000);
  const Bytes frame =
      testkit::udp_frame({"10.0.0.1", 1000}, {"10.0.0.2", 2000}, testkit::bytes_of(data));
  auto fragments = testkit::ipv4_fragments(frame, 512);
  ASSERT_EQ(fragments.size(), 6u);
  std::mt19937 rng(5);
  for (int round = 0; round < 10; ++round) {
    std::shuffle(fragments.begin(), fragments.end(), rng);
    const auto done = feed(fragments);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0], data);
  }
  EXPECT_EQ(counters_.get(Counter::datagrams_reassembled), 10u);
  EXPECT_EQ(defrag_.datagrams_in_progress(), 0u);
  EXPECT_EQ(defrag_.memory_in_use(), 0u);
}

TEST_F(DefragTest, Ipv6FragmentsInAnyOrder) {
  const std::string data = payload_of(2500);
  const Bytes frame =
      testkit::tcp_frame({"2001:db8::1", 1000}, {"2001:db8::2", 80}, {}, testkit::bytes_of(data));
  auto fragments = testkit::ipv6_fragments(frame, 1000, 77);
  std::reverse(fragments.begin(), fragments.end());
  const auto done = feed(fragments);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0], data);
}

TEST_F(DefragTest, OverlapsKeepTheFirstBytesAndCountConflicts) {
  const std::string first = payload_of(64);
  const Bytes a = testkit::udp_frame({"10.0.0.1", 1}, {"10.0.0.2", 2}, testkit::bytes_of(first));
  auto fragments = testkit::ipv4_fragments(a, 24);  // UDP header + 64 bytes = 72: 3 fragments
  ASSERT_EQ(fragments.size(), 3u);
  // A second copy of the middle fragment with other bytes, and one identical.
  Bytes evil = fragments[1];
  for (size_t i = 14 + 20; i < evil.size(); ++i) evil[i] = 'X';
  const auto done = feed({fragments[1], evil, fragments[1], fragments[0], fragments[2]});
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0], first);
  EXPECT_EQ(counters_.get(Anomaly::frag_overlap_conflict), 1u);
  EXPECT_EQ(counters_.get(Anomaly::frag_overlap), 1u);
}

TEST_F(DefragTest, IncompleteDatagramTimesOut) {
  const Bytes frame = testkit::udp_frame({"10.0.0.1", 1}, {"10.0.0.2", 2}, Bytes(200, 1));
  auto fragments = testkit::ipv4_fragments(frame, 64);
  const auto done = feed({fragments[0], fragments[1]}, 0);
  EXPECT_TRUE(done.empty());
  EXPECT_EQ(defrag_.datagrams_in_progress(), 1u);
  defrag_.expire(Timestamp{options_.timeout_ns + 1});
  EXPECT_EQ(defrag_.datagrams_in_progress(), 0u);
  EXPECT_EQ(defrag_.memory_in_use(), 0u);
  EXPECT_EQ(counters_.get(Anomaly::frag_timeout), 1u);
}

TEST(DefragCap, MemoryCapDropsNewFragments) {
  Counters counters;
  PacketDecoder decoder({}, counters);
  DefragOptions options;
  options.memory_cap_bytes = 4096;
  Defragmenter defrag(options, counters);
  for (uint16_t id = 0; id < 100; ++id) {
    Bytes l4(1200, 0);
    const Bytes ip =
        testkit::ipv4_packet("10.0.0.1", "10.0.0.2", 17, l4, id, 0x2000);  // MF, offset 0
    const Bytes frame = testkit::ethernet(ip, 0x0800);
    Packet p;
    ASSERT_EQ(decoder.decode(capture::kLinkEthernet, {frame.data(), frame.size()}, {}, p),
              DecodeResult::kOk);
    ByteView out;
    EXPECT_FALSE(defrag.add(p, out));
    EXPECT_LE(defrag.memory_in_use(), options.memory_cap_bytes);
  }
  EXPECT_GT(counters.get(Anomaly::frag_memory_cap), 90u);
}

TEST(DefragCap, OversizedDatagramIsRefused) {
  Counters counters;
  PacketDecoder decoder({}, counters);
  Defragmenter defrag({}, counters);
  const Bytes ip =
      testkit::ipv4_packet("10.0.0.1", "10.0.0.2", 17, Bytes(100, 0), 9, 8189);  // offset 65512
  const Bytes frame = testkit::ethernet(ip, 0x0800);
  Packet p;
  ASSERT_EQ(decoder.decode(capture::kLinkEthernet, {frame.data(), frame.size()}, {}, p),
            DecodeResult::kOk);
  ByteView out;
  EXPECT_FALSE(defrag.add(p, out));
  EXPECT_EQ(counters.get(Anomaly::frag_too_large), 1u);
}

}  // namespace
}  // namespace rcds::net
