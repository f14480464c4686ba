// Real captures from other projects (testdata/pcaps/PROVENANCE.md). Every
// expected value below was produced by Wireshark's tools (4.0.17) or tcpdump,
// never by RCDS; the command is given next to each value.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "capture/source.h"
#include "capture_files.h"

namespace rcds::capture::testing {
namespace {

const std::string kPcaps = RCDS_TESTDATA_DIR "/pcaps/";

TEST(RealFiles, PcapngFragmentedIcmp) {
  const ReadResult r = read_all(kPcaps + "ppa3_ipv4_frag_icmp.pcapng");
  ASSERT_TRUE(r.opened) << r.error;
  ASSERT_EQ(r.error, "");
  // capinfos -c ppa3_ipv4_frag_icmp.pcapng  ->  Number of packets: 6
  ASSERT_EQ(r.packets.size(), 6u);
  // tshark -r ppa3_ipv4_frag_icmp.pcapng -T fields -e frame.time_epoch -e frame.len
  //   -e frame.cap_len  ->  first 1262711585.511683000 1514 1514,
  //                         last  1262711585.515152000 582 582
  EXPECT_EQ(r.packets.front().ns, 1262711585'511683000);
  EXPECT_EQ(r.packets.front().wire_length, 1514u);
  EXPECT_EQ(r.packets.front().data.size(), 1514u);
  EXPECT_EQ(r.packets.back().ns, 1262711585'515152000);
  EXPECT_EQ(r.packets.back().wire_length, 582u);
  EXPECT_EQ(r.packets.back().data.size(), 582u);
  // capinfos -M: Encapsulation = Ethernet (1 - ether); one interface
  for (const Packet& p : r.packets) {
    EXPECT_EQ(p.link_type, kLinkEthernet);
    EXPECT_EQ(p.interface_id, 0u);
  }
}

TEST(RealFiles, PcapVlanTcpOverlap) {
  const ReadResult r = read_all(kPcaps + "suri_tcp-exact-overlap.pcap");
  ASSERT_TRUE(r.opened) << r.error;
  ASSERT_EQ(r.error, "");
  // capinfos -c suri_tcp-exact-overlap.pcap  ->  Number of packets: 7
  ASSERT_EQ(r.packets.size(), 7u);
  // tshark -r suri_tcp-exact-overlap.pcap -T fields -e frame.time_epoch -e frame.len
  //   ->  first 1700146003.547733000 62, third 1700146003.548334000 58,
  //       last 1700146003.549673000 58
  EXPECT_EQ(r.packets[0].ns, 1700146003'547733000);
  EXPECT_EQ(r.packets[0].data.size(), 62u);
  EXPECT_EQ(r.packets[2].ns, 1700146003'548334000);
  EXPECT_EQ(r.packets[2].data.size(), 58u);
  EXPECT_EQ(r.packets[6].ns, 1700146003'549673000);
  EXPECT_EQ(r.packets[6].data.size(), 58u);
  EXPECT_EQ(r.packets[0].link_type, kLinkEthernet);
  // Record offsets follow from the sizes: 24-byte file header, 16 per record.
  EXPECT_EQ(r.packets[0].file_offset, 24u);
  EXPECT_EQ(r.packets[1].file_offset, 24u + 16 + 62);
}

TEST(RealFiles, BpfFilterCountsMatchTcpdump) {
  struct Case {
    const char* file;
    const char* filter;
    size_t expected;  // tcpdump -r FILE 'FILTER' 2>/dev/null | wc -l
    size_t total;     // capinfos -c FILE
  };
  const Case cases[] = {
      {"ppa3_ipv4_frag_icmp.pcapng", "icmp", 6, 6},
      {"ppa3_ipv4_frag_icmp.pcapng", "tcp", 0, 6},
      // All TCP there is VLAN-tagged: plain "tcp" matches nothing.
      {"suri_tcp-exact-overlap.pcap", "tcp", 0, 7},
      {"suri_tcp-exact-overlap.pcap", "vlan and tcp", 7, 7},
  };
  for (const Case& c : cases) {
    const ReadResult r = read_all(kPcaps + c.file, c.filter);
    ASSERT_TRUE(r.opened) << r.error;
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(r.packets.size(), c.expected) << c.file << " " << c.filter;
    EXPECT_EQ(r.stats.packets_read, c.expected);
    EXPECT_EQ(r.stats.packets_filtered, c.total - c.expected) << c.file << " " << c.filter;
  }
}

}  // namespace
}  // namespace rcds::capture::testing
