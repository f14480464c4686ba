// Link, IP and transport parsing: fields, every link type, extension
// headers, and malformed input at every truncation point.
#include "net/decoder.h"

#include <gtest/gtest.h>

#include "capture/source.h"
#include "tools/testkit/frames.h"

namespace rcds::net {
namespace {

using testkit::Bytes;

class DecoderTest : public ::testing::Test {
 protected:
  DecodeResult decode(uint32_t link, const Bytes& frame) {
    return decoder_.decode(link, {frame.data(), frame.size()}, Timestamp{42}, packet_);
  }
  Counters counters_;
  DecoderOptions options_;
  PacketDecoder decoder_{options_, counters_};
  Packet packet_;
};

TEST_F(DecoderTest, EthernetIpv4Tcp) {
  const Bytes frame =
      testkit::tcp_frame({"192.0.2.1", 1234}, {"198.51.100.7", 1863},
                         {0x01020304, 0x0A0B0C0D, 0x18, 512}, testkit::bytes_of("VER 1"));
  ASSERT_EQ(decode(capture::kLinkEthernet, frame), DecodeResult::kOk);
  EXPECT_EQ(packet_.ip_version, 4);
  EXPECT_EQ(packet_.source.to_string(), "192.0.2.1");
  EXPECT_EQ(packet_.destination.to_string(), "198.51.100.7");
  EXPECT_EQ(packet_.source_port, 1234);
  EXPECT_EQ(packet_.destination_port, 1863);
  EXPECT_EQ(packet_.tcp.seq, 0x01020304u);
  EXPECT_EQ(packet_.tcp.ack, 0x0A0B0C0Du);
  EXPECT_EQ(packet_.tcp.flags, 0x18);
  EXPECT_EQ(packet_.tcp.window, 512);
  EXPECT_EQ(as_chars(packet_.payload), "VER 1");
  EXPECT_EQ(packet_.timestamp.ns, 42);
  EXPECT_TRUE(packet_.is_tcp());
}

TEST_F(DecoderTest, VlanAndQinQTags) {
  Bytes frame =
      testkit::tcp_frame({"10.0.0.1", 1}, {"10.0.0.2", 2}, {}, testkit::bytes_of("x"), 100);
  ASSERT_EQ(decode(capture::kLinkEthernet, frame), DecodeResult::kOk);
  EXPECT_EQ(packet_.vlan_id, 100);
  // Put an 802.1ad outer tag in front of the 802.1Q one.
  const Bytes outer = {0x88, 0xA8, 0x00, 0x07};
  frame.insert(frame.begin() + 12, outer.begin(), outer.end());
  ASSERT_EQ(decode(capture::kLinkEthernet, frame), DecodeResult::kOk);
  EXPECT_EQ(packet_.vlan_id, 100);
  EXPECT_EQ(as_chars(packet_.payload), "x");
  // Five stacked tags are refused.
  for (int i = 0; i < 3; ++i) frame.insert(frame.begin() + 12, outer.begin(), outer.end());
  EXPECT_EQ(decode(capture::kLinkEthernet, frame), DecodeResult::kMalformed);
  EXPECT_EQ(counters_.get(Anomaly::vlan_too_deep), 1u);
}

TEST_F(DecoderTest, Ipv6WithExtensionHeaderChain) {
  Bytes frame =
      testkit::tcp_frame({"2001:db8::1", 5000}, {"2001:db8::2", 80}, {}, testkit::bytes_of("hi"));
  // Insert hop-by-hop (8 bytes) and destination options (16 bytes) headers.
  const size_t ip = 14;
  Bytes hop = {60, 0, 1, 4, 0, 0, 0, 0};                          // next: destination options
  Bytes dst = {6, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};  // next: TCP
  frame[ip + 6] = 0;  // base header's next header: hop-by-hop
  frame.insert(frame.begin() + ip + 40, dst.begin(), dst.end());
  frame.insert(frame.begin() + ip + 40, hop.begin(), hop.end());
  const uint16_t payload_length = static_cast<uint16_t>(frame.size() - ip - 40);
  frame[ip + 4] = static_cast<uint8_t>(payload_length >> 8);
  frame[ip + 5] = static_cast<uint8_t>(payload_length);
  ASSERT_EQ(decode(capture::kLinkEthernet, frame), DecodeResult::kOk);
  EXPECT_EQ(packet_.ip_version, 6);
  EXPECT_EQ(packet_.protocol, kIpProtoTcp);
  EXPECT_EQ(packet_.destination_port, 80);
  EXPECT_EQ(as_chars(packet_.payload), "hi");
}

TEST_F(DecoderTest, Ipv6FragmentHeaderMarksFragment) {
  const Bytes frame = testkit::udp_frame({"2001:db8::1", 5000}, {"2001:db8::2", 53}, Bytes(100, 7));
  const auto fragments = testkit::ipv6_fragments(frame, 48, 0xABCD);
  ASSERT_EQ(fragments.size(), 3u);
  ASSERT_EQ(decode(capture::kLinkEthernet, fragments[1]), DecodeResult::kOk);
  EXPECT_TRUE(packet_.is_fragment);
  EXPECT_EQ(packet_.fragment.id, 0xABCDu);
  EXPECT_EQ(packet_.fragment.offset, 48);
  EXPECT_TRUE(packet_.fragment.more);
  EXPECT_EQ(packet_.protocol, kIpProtoUdp);
}

TEST_F(DecoderTest, EveryLinkType) {
  const Bytes eth =
      testkit::tcp_frame({"10.1.1.1", 7}, {"10.1.1.2", 8}, {}, testkit::bytes_of("p"));
  const Bytes ip(eth.begin() + 14, eth.end());
  auto with = [&ip](Bytes head) {
    head.insert(head.end(), ip.begin(), ip.end());
    return head;
  };
  EXPECT_EQ(decode(capture::kLinkRaw, ip), DecodeResult::kOk);
  EXPECT_EQ(decode(capture::kLinkIpv4, ip), DecodeResult::kOk);
  EXPECT_EQ(decode(capture::kLinkNull, with({2, 0, 0, 0})),
            DecodeResult::kOk);  // little-endian host
  EXPECT_EQ(decode(capture::kLinkNull, with({0, 0, 0, 2})), DecodeResult::kOk);  // big-endian host
  EXPECT_EQ(decode(capture::kLinkLoop, with({0, 0, 0, 2})), DecodeResult::kOk);
  Bytes sll(16, 0);
  sll[14] = 0x08;
  EXPECT_EQ(decode(capture::kLinkLinuxSll, with(sll)), DecodeResult::kOk);
  Bytes sll2(20, 0);
  sll2[0] = 0x08;
  const Bytes sll2_frame = with(sll2);
  EXPECT_EQ(decode(capture::kLinkLinuxSll2, sll2_frame), DecodeResult::kOk);
  EXPECT_EQ(as_chars(packet_.payload), "p");
  EXPECT_EQ(decode(147, ip), DecodeResult::kMalformed);
  EXPECT_EQ(counters_.get(Anomaly::capture_unknown_linktype), 1u);
  Bytes arp = eth;
  arp[12] = 0x08;
  arp[13] = 0x06;
  EXPECT_EQ(decode(capture::kLinkEthernet, arp), DecodeResult::kNotIp);
}

TEST_F(DecoderTest, EveryTruncationIsMalformedNeverACrash) {
  const Bytes v4 =
      testkit::tcp_frame({"10.0.0.1", 1}, {"10.0.0.2", 2}, {}, testkit::bytes_of("data"));
  const Bytes v6 =
      testkit::udp_frame({"2001:db8::1", 1}, {"2001:db8::2", 2}, testkit::bytes_of("data"));
  for (const Bytes* frame : {&v4, &v6}) {
    for (size_t n = 0; n < frame->size(); ++n) {
      const Bytes cut(frame->begin(), frame->begin() + static_cast<std::ptrdiff_t>(n));
      EXPECT_EQ(decode(capture::kLinkEthernet, cut), DecodeResult::kMalformed) << n;
    }
  }
  EXPECT_GT(counters_.get(Anomaly::link_truncated), 0u);
  EXPECT_GT(counters_.get(Anomaly::ipv4_truncated), 0u);
  EXPECT_GT(counters_.get(Anomaly::ipv4_bad_total_length), 0u);
  EXPECT_GT(counters_.get(Anomaly::ipv6_truncated), 0u);
  EXPECT_GT(counters_.get(Anomaly::ipv6_bad_payload_length), 0u);
}

TEST_F(DecoderTest, BadHeaderLengthsAreNamedAnomalies) {
  Bytes frame = testkit::tcp_frame({"10.0.0.1", 1}, {"10.0.0.2", 2}, {}, testkit::bytes_of("data"));
  Bytes bad_ihl = frame;
  bad_ihl[14] = 0x44;  // IHL 4
  EXPECT_EQ(decode(capture::kLinkEthernet, bad_ihl), DecodeResult::kMalformed);
  EXPECT_EQ(counters_.get(Anomaly::ipv4_bad_header_length), 1u);
  Bytes bad_offset = frame;
  bad_offset[14 + 20 + 12] = 0x40;  // TCP data offset 4
  EXPECT_EQ(decode(capture::kLinkEthernet, bad_offset), DecodeResult::kMalformed);
  EXPECT_EQ(counters_.get(Anomaly::tcp_bad_header_length), 1u);
  Bytes huge_offset = frame;
  huge_offset[14 + 20 + 12] = 0xF0;  // 60 bytes: beyond the segment
  EXPECT_EQ(decode(capture::kLinkEthernet, huge_offset), DecodeResult::kMalformed);
  EXPECT_EQ(counters_.get(Anomaly::tcp_bad_header_length), 2u);
}

TEST_F(DecoderTest, EthernetPaddingIsTrimmedByIpLength) {
  Bytes frame = testkit::tcp_frame({"10.0.0.1", 1}, {"10.0.0.2", 2}, {}, {});
  frame.resize(frame.size() + 6, 0);  // minimum-frame padding
  ASSERT_EQ(decode(capture::kLinkEthernet, frame), DecodeResult::kOk);
  EXPECT_TRUE(packet_.payload.empty());
}

TEST(DecoderChecksums, VerificationCountsAndDropsOnlyWhenAskedFor) {
  Bytes frame = testkit::tcp_frame({"10.0.0.1", 1}, {"10.0.0.2", 2}, {}, testkit::bytes_of("data"));
  Counters counters;
  Packet packet;
  PacketDecoder verifying({true}, counters);
  ASSERT_EQ(verifying.decode(capture::kLinkEthernet, {frame.data(), frame.size()}, {}, packet),
            DecodeResult::kOk);
  frame.back() ^= 0xFF;  // payload changed, checksum not
  EXPECT_EQ(verifying.decode(capture::kLinkEthernet, {frame.data(), frame.size()}, {}, packet),
            DecodeResult::kMalformed);
  EXPECT_EQ(counters.get(Anomaly::tcp_bad_checksum), 1u);
  PacketDecoder trusting({false}, counters);
  EXPECT_EQ(trusting.decode(capture::kLinkEthernet, {frame.data(), frame.size()}, {}, packet),
            DecodeResult::kOk);
  frame[14 + 10] ^= 0xFF;  // IPv4 header checksum
  EXPECT_EQ(verifying.decode(capture::kLinkEthernet, {frame.data(), frame.size()}, {}, packet),
            DecodeResult::kMalformed);
  EXPECT_EQ(counters.get(Anomaly::ipv4_bad_checksum), 1u);
}

}  // namespace
}  // namespace rcds::net
