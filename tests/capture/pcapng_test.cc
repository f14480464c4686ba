// pcapng files, read by our own reader.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "capture/pcapng_reader.h"
#include "capture/source.h"
#include "capture_files.h"

namespace rcds::capture::testing {
namespace {

using ::testing::HasSubstr;

constexpr uint8_t kNanosecondResolution = 9;      // if_tsresol 10^-9
constexpr uint8_t kPow2Resolution20 = 0x80 | 20;  // if_tsresol 2^-20
constexpr uint32_t kNameResolutionBlock = 4;
constexpr uint32_t kInterfaceStatisticsBlock = 5;
constexpr uint32_t kCustomBlock = 0x00000BAD;

std::string at(uint64_t offset) { return " at offset " + std::to_string(offset); }

class PcapngByteOrderTest : public ::testing::TestWithParam<bool> {};

TEST_P(PcapngByteOrderTest, TwoInterfacesWithDifferentLinkTypesAndResolutions) {
  const Bytes eth = ethernet_ipv4(17, {'h', 'i'});
  const Bytes ip6 = raw_ipv6_udp({'y', 'o', '!'});
  PcapngBuilder b(GetParam());
  b.section()
      .interface(kLinkEthernet, 0, kNanosecondResolution)
      .interface(kLinkIpv6, 0, kPow2Resolution20, 1'000'000'000)
      .block(kNameResolutionBlock, {0, 0, 0, 0});
  const uint64_t first = b.size();
  b.epb(0, 1262711585'511683123, eth, 1514).block(kCustomBlock, {1, 2, 3, 4, 5});
  const uint64_t second = b.size();
  // 3.5 s in 2^-20 units, plus the interface's 10^9 s offset.
  b.epb(1, (uint64_t{3} << 20) + (uint64_t{1} << 19), ip6);
  const uint64_t third = b.size();
  // One 2^-20 unit is 953.67 ns: the fraction is truncated to 953.
  b.epb(1, (uint64_t{5} << 20) + 1, ip6).block(kInterfaceStatisticsBlock, Bytes(20, 0));

  TempDir dir;
  const std::string path = dir.write("two.pcapng", b.bytes());
  const ReadResult r = read_all(path);
  ASSERT_TRUE(r.opened) << r.error;
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.packets.size(), 3u);

  EXPECT_EQ(r.packets[0].link_type, kLinkEthernet);
  EXPECT_EQ(r.packets[0].interface_id, 0u);
  EXPECT_EQ(r.packets[0].ns, 1262711585'511683123);
  EXPECT_EQ(r.packets[0].wire_length, 1514u);
  EXPECT_EQ(r.packets[0].file_offset, first);
  EXPECT_EQ(r.packets[0].data, eth);

  EXPECT_EQ(r.packets[1].link_type, kLinkIpv6);
  EXPECT_EQ(r.packets[1].interface_id, 1u);
  EXPECT_EQ(r.packets[1].ns, 1'000'000'003'500'000'000);
  EXPECT_EQ(r.packets[1].file_offset, second);
  EXPECT_EQ(r.packets[1].data, ip6);  // 55 bytes: the block padding is not data

  EXPECT_EQ(r.packets[2].ns, 1'000'000'005'000'000'953);
  EXPECT_EQ(r.packets[2].file_offset, third);
  EXPECT_EQ(r.stats.packets_read, 3u);
}

TEST_P(PcapngByteOrderTest, DefaultResolutionIsMicroseconds) {
  PcapngBuilder b(GetParam());
  b.section().interface(kLinkRaw, 0).epb(0, 1700146003'547733, raw_ipv6_udp());
  TempDir dir;
  const ReadResult r = read_all(dir.write("us.pcapng", b.bytes()));
  ASSERT_EQ(r.packets.size(), 1u) << r.error;
  EXPECT_EQ(r.packets[0].ns, 1700146003'547733000);
  EXPECT_EQ(r.packets[0].link_type, kLinkRaw);
}

TEST_P(PcapngByteOrderTest, SimpleAndObsoletePacketBlocks) {
  const Bytes frame = ethernet_ipv4(17, Bytes(16, 'z'));  // 58 bytes
  PcapngBuilder b(GetParam());
  b.section().interface(kLinkEthernet, 40).interface(kLinkIpv6, 0, kNanosecondResolution);
  b.epb(0, 7'000001, frame);
  const uint64_t spb = b.size();
  b.spb(frame, 1000);                    // cut at the snaplen (40); wire length from the block
  b.spb({1, 2, 3, 4, 5, 6, 7}, 7);       // padded to 8 in the block: 7 bytes of data
  b.spb({1, 2, 3, 4, 5, 6, 7, 8}, 300);  // only 8 captured, 300 on the wire
  const uint64_t pb = b.size();
  b.packet_block(1, 42, raw_ipv6_udp());

  TempDir dir;
  const ReadResult r = read_all(dir.write("spb.pcapng", b.bytes()));
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.packets.size(), 5u);
  EXPECT_EQ(r.packets[1].file_offset, spb);
  EXPECT_EQ(r.packets[1].data, Bytes(frame.begin(), frame.begin() + 40));
  EXPECT_EQ(r.packets[1].wire_length, 1000u);
  EXPECT_EQ(r.packets[1].interface_id, 0u);
  EXPECT_EQ(r.packets[1].link_type, kLinkEthernet);
  // No timestamp in an SPB: the previous packet's.
  EXPECT_EQ(r.packets[1].ns, 7'000001'000);
  EXPECT_EQ(r.packets[2].data, (Bytes{1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(r.packets[3].data.size(), 8u);
  EXPECT_EQ(r.packets[3].wire_length, 300u);
  EXPECT_EQ(r.packets[4].file_offset, pb);
  EXPECT_EQ(r.packets[4].interface_id, 1u);
  EXPECT_EQ(r.packets[4].link_type, kLinkIpv6);
  EXPECT_EQ(r.packets[4].ns, 42);
  EXPECT_EQ(r.packets[4].data, raw_ipv6_udp());
}

INSTANTIATE_TEST_SUITE_P(ByteOrders, PcapngByteOrderTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Big" : "Little"; });

TEST(Pcapng, SectionsResetInterfacesAndMaySwitchByteOrder) {
  PcapngBuilder b(false);
  b.section().interface(kLinkEthernet, 0).interface(kLinkRaw, 0);
  b.epb(1, 1, raw_ipv6_udp());
  b.section(true).interface(kLinkIpv6, 0, kNanosecondResolution);
  b.epb(0, 2, raw_ipv6_udp());
  const uint64_t bad = b.size();
  b.epb(1, 3, raw_ipv6_udp());  // interface 1 belonged to the first section

  TempDir dir;
  const std::string path = dir.write("sections.pcapng", b.bytes());
  const ReadResult r = read_all(path);
  ASSERT_EQ(r.packets.size(), 2u);
  EXPECT_EQ(r.packets[0].link_type, kLinkRaw);
  EXPECT_EQ(r.packets[0].ns, 1000);
  EXPECT_EQ(r.packets[1].link_type, kLinkIpv6);
  EXPECT_EQ(r.packets[1].interface_id, 0u);
  EXPECT_EQ(r.packets[1].ns, 2);
  EXPECT_EQ(r.error, path + ": unknown interface id 1" + at(bad));
}

TEST(Pcapng, BpfFilterPerLinkType) {
  PcapngBuilder b(false);
  b.section().interface(kLinkEthernet, 0).interface(kLinkIpv6, 0);
  b.epb(0, 1, ethernet_ipv4(17));
  const uint64_t first_ipv6 = b.size();
  b.epb(1, 2, raw_ipv6_udp()).epb(0, 3, ethernet_ipv4(6));
  const uint64_t last = b.size();
  b.epb(1, 4, raw_ipv6_udp());
  TempDir dir;
  const std::string path = dir.write("mixed.pcapng", b.bytes());

  ReadResult r = read_all(path, "udp");
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.packets.size(), 3u);
  EXPECT_EQ(r.packets[1].link_type, kLinkIpv6);
  EXPECT_EQ(r.stats.packets_filtered, 1u);

  r = read_all(path, "ip6");
  ASSERT_EQ(r.packets.size(), 2u);
  EXPECT_EQ(r.packets[1].file_offset, last);
  EXPECT_EQ(r.stats.packets_filtered, 2u);

  // Compiles for Ethernet (the first packet), not for raw IPv6: the error
  // comes when the first IPv6 packet does, naming filter, link type, offset.
  r = read_all(path, "ether src 02:00:00:00:00:02");
  ASSERT_TRUE(r.opened) << r.error;
  EXPECT_EQ(r.packets.size(), 1u);
  EXPECT_THAT(r.error, HasSubstr(path + ": BPF filter \"ether src 02:00:00:00:00:02\""));
  EXPECT_THAT(r.error, HasSubstr("link type 229"));
  EXPECT_THAT(r.error, HasSubstr(at(first_ipv6)));

  r = read_all(path, "udp and");
  EXPECT_FALSE(r.opened);
  EXPECT_THAT(r.error, HasSubstr(path + ": BPF filter \"udp and\" does not compile"));
}

// --- errors -------------------------------------------------------------

Bytes valid_file(bool big_endian, uint64_t* last_block = nullptr) {
  PcapngBuilder b(big_endian);
  b.section().interface(kLinkEthernet, 0).epb(0, 1, ethernet_ipv4(17));
  if (last_block) *last_block = b.size();
  b.epb(0, 2, ethernet_ipv4(6));
  return b.bytes();
}

struct ErrorCase {
  const char* name;
  Bytes bytes;
  std::string expected;  // text after "<path>: "
};

TEST(PcapngErrors, EveryFaultNamesPathAndOffset) {
  std::vector<ErrorCase> cases;
  uint64_t last = 0;
  {
    Bytes f = valid_file(false);
    f.resize(20);  // inside the Section Header Block
    cases.push_back({"cut_shb", f, "truncated block (total length 28, 20 bytes left)" + at(0)});
    f.resize(8);
    cases.push_back({"tiny", f, "truncated block header (8 bytes left)" + at(0)});
  }
  {
    Bytes f = valid_file(true, &last);
    f.resize(f.size() - 4);
    cases.push_back({"cut_epb", f, "truncated block (total length 88, 84 bytes left)" + at(last)});
  }
  {
    Bytes f = valid_file(false, &last);
    f.back() = 0x44;  // trailing length of the last block
    cases.push_back(
        {"mismatch", f, "block length mismatch (leading 88, trailing 1140850776)" + at(last)});
  }
  {
    Bytes f = valid_file(false, &last);
    f[last + 4] = 13;
    cases.push_back({"odd_length", f, "bad block total length 13" + at(last)});
    f[last + 4] = 8;
    cases.push_back({"short_length", f, "bad block total length 8" + at(last)});
  }
  {
    PcapngBuilder b(false);
    b.section().interface(kLinkEthernet, 0);
    last = b.size();
    b.epb(3, 1, {1, 2, 3});
    cases.push_back({"unknown_interface", b.bytes(), "unknown interface id 3" + at(last)});
  }
  {
    PcapngBuilder b(true);
    b.section().interface(kLinkEthernet, 0);
    last = b.size();
    // interface 0, timestamp 0, caplen 9, origlen 9, but only 4 bytes of data
    b.block(6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 9, 1, 2, 3, 4});
    cases.push_back({"caplen", b.bytes(), "captured length 9 exceeds its block" + at(last)});
  }
  {
    PcapngBuilder b(false);
    b.section().interface(kLinkEthernet, 0);
    last = b.size();
    b.block(6, Bytes(16, 0));
    cases.push_back({"short_epb", b.bytes(), "Enhanced Packet Block too short" + at(last)});
  }
  {
    PcapngBuilder b(false);
    b.section();
    last = b.size();
    b.spb({1, 2, 3, 4}, 4);
    cases.push_back({"spb_without_interface", b.bytes(), "unknown interface id 0" + at(last)});
  }
  {
    Bytes f = valid_file(false);
    f[8] = 0x11;  // byte-order magic
    cases.push_back({"byte_order", f, "bad byte-order magic in Section Header Block" + at(0)});
  }
  {
    Bytes f = valid_file(false);
    f[12] = 2;  // major version
    cases.push_back({"version", f, "unsupported pcapng version 2.0" + at(0)});
  }
  {
    PcapngBuilder b(false);
    b.section();
    last = b.size();
    // link type, reserved, snaplen, then an option claiming 100 bytes
    b.block(1, {1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 100, 0, 'x', 'y', 'z', 'w'});
    cases.push_back({"option", b.bytes(), "interface option runs past its block" + at(last + 16)});
  }
  {
    PcapngBuilder b(false);
    b.section();
    last = b.size();
    b.interface(kLinkEthernet, 0, 0x80 | 64);
    cases.push_back({"tsresol", b.bytes(), "unsupported if_tsresol 192" + at(last + 28)});
  }
  {
    Bytes f = valid_file(false, &last);
    f.resize(last);
    const Bytes junk = {'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1'};
    f.insert(f.end(), junk.begin(), junk.end());
    cases.push_back({"garbage_after", f, "bad block total length 1414012975" + at(last)});
  }

  TempDir dir;
  for (const ErrorCase& c : cases) {
    const std::string path = dir.write(std::string(c.name) + ".pcapng", c.bytes);
    const ReadResult r = read_all(path);
    EXPECT_EQ(r.error, path + ": " + c.expected) << c.name;
  }
}

TEST(PcapngErrors, FirstBlockMustBeASectionHeader) {
  PcapngBuilder b(false);
  b.interface(kLinkEthernet, 0);
  const Bytes bytes = b.bytes();
  PcapngReader reader(bytes, "mem");
  RawPacket p;
  EXPECT_EQ(reader.next(p), ReadStatus::kError);
  EXPECT_EQ(reader.error(), "mem: first block is not a pcapng Section Header Block at offset 0");
  EXPECT_EQ(reader.next(p), ReadStatus::kError);  // sticky

  PcapngReader empty(ByteView{}, "empty");
  EXPECT_EQ(empty.next(p), ReadStatus::kError);
  EXPECT_EQ(empty.error(), "empty: no pcapng Section Header Block at offset 0");
}

// Every prefix of a valid file either ends on a block boundary (clean end)
// or fails with an offset; every single-byte corruption is survived.
TEST(PcapngErrors, PrefixesAndCorruptionsNeverCrash) {
  PcapngBuilder b(false);
  b.section()
      .interface(kLinkEthernet, 64, kPow2Resolution20, -5)
      .epb(0, 99, ethernet_ipv4(17, {'a'}))
      .spb(ethernet_ipv4(6), 70)
      .section(true)
      .interface(kLinkRaw, 0, 3)
      .packet_block(0, 7, raw_ipv6_udp())
      .block(kCustomBlock, {9, 9, 9});
  const Bytes& full = b.bytes();
  RawPacket p;
  for (size_t n = 0; n <= full.size(); ++n) {
    PcapngReader reader(ByteView(full.data(), n), "prefix");
    ReadStatus status;
    int packets = 0;
    while ((status = reader.next(p)) == ReadStatus::kPacket) {
      ASSERT_GE(p.data, full.data());
      ASSERT_LE(p.data + p.captured_length, full.data() + n);
      ++packets;
    }
    if (status == ReadStatus::kError) {
      EXPECT_THAT(reader.error(), HasSubstr("prefix: ")) << n;
      EXPECT_THAT(reader.error(), HasSubstr(" at offset ")) << n;
    }
    if (n == full.size()) {
      EXPECT_EQ(status, ReadStatus::kEnd);
      EXPECT_EQ(packets, 3);
    }
  }
  for (size_t i = 0; i < full.size(); ++i) {
    for (uint8_t value : {uint8_t{0x00}, uint8_t{0xff}, uint8_t{0x80}, uint8_t{0x0c}}) {
      Bytes mutated = full;
      mutated[i] = value;
      PcapngReader reader(mutated, "mutated");
      while (reader.next(p) == ReadStatus::kPacket) {
        ASSERT_LE(p.data + p.captured_length, mutated.data() + mutated.size());
      }
    }
  }
}

TEST(Pcapng, RequestStopEndsTheFile) {
  PcapngBuilder b(false);
  b.section().interface(kLinkEthernet, 0).epb(0, 1, {1}).epb(0, 2, {2});
  TempDir dir;
  std::string error;
  auto source = open_file(dir.write("stop.pcapng", b.bytes()), {}, error);
  ASSERT_TRUE(source) << error;
  RawPacket p;
  ASSERT_EQ(source->next(p), ReadStatus::kPacket);
  source->request_stop();
  EXPECT_EQ(source->next(p), ReadStatus::kEnd);
}

}  // namespace
}  // namespace rcds::capture::testing
