// Classic pcap files, read through libpcap.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "capture/source.h"
#include "capture_files.h"

namespace rcds::capture::testing {
namespace {

using ::testing::HasSubstr;

constexpr uint64_t kFileHeader = 24;
constexpr uint64_t kRecordHeader = 16;

class PcapPrecisionTest : public ::testing::TestWithParam<std::tuple<bool, bool>> {};

TEST_P(PcapPrecisionTest, TimestampsAreNanoseconds) {
  const auto [big_endian, nanos] = GetParam();
  const Bytes a = ethernet_ipv4(17, {'a'});
  const Bytes b = ethernet_ipv4(6);
  // Fractions written in the file's own unit; expectations computed by hand.
  const uint32_t frac1 = nanos ? 511683123 : 511683;
  const uint32_t frac2 = nanos ? 999999999 : 999999;
  TempDir dir;
  const std::string path =
      dir.write("t.pcap", pcap_file(big_endian, nanos, kLinkEthernet, 65535,
                                    {{1262711585, frac1, a, 1500}, {1262711586, frac2, b}}));
  const ReadResult r = read_all(path);
  ASSERT_TRUE(r.opened) << r.error;
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.packets.size(), 2u);
  EXPECT_EQ(r.packets[0].ns, nanos ? 1262711585'511683123 : 1262711585'511683000);
  EXPECT_EQ(r.packets[1].ns, nanos ? 1262711586'999999999 : 1262711586'999999000);
  EXPECT_EQ(r.packets[0].data, a);
  EXPECT_EQ(r.packets[0].wire_length, 1500u);
  EXPECT_EQ(r.packets[1].data, b);
  EXPECT_EQ(r.packets[1].wire_length, b.size());
  EXPECT_EQ(r.packets[0].link_type, kLinkEthernet);
  EXPECT_EQ(r.packets[0].file_offset, kFileHeader);
  EXPECT_EQ(r.packets[1].file_offset, kFileHeader + kRecordHeader + a.size());
  EXPECT_EQ(r.stats.packets_read, 2u);
  EXPECT_EQ(r.stats.packets_filtered, 0u);
}

INSTANTIATE_TEST_SUITE_P(ByteOrderAndUnit, PcapPrecisionTest,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()));

TEST(PcapFile, LinkTypesComeBackAsFileValues) {
  TempDir dir;
  for (uint32_t link : {kLinkNull, kLinkEthernet, kLinkRaw, kLinkLoop, kLinkLinuxSll, kLinkIpv4,
                        kLinkIpv6, kLinkLinuxSll2}) {
    const std::string path =
        dir.write("l.pcap", pcap_file(false, false, link, 65535, {{1, 0, {0x45, 0, 0, 0}}}));
    const ReadResult r = read_all(path);
    ASSERT_EQ(r.packets.size(), 1u) << link << ": " << r.error;
    EXPECT_EQ(r.packets[0].link_type, link);
  }
}

TEST(PcapFile, TruncatedFileHeader) {
  TempDir dir;
  Bytes bytes = pcap_file(false, false, kLinkEthernet, 65535, {});
  bytes.resize(10);
  const std::string path = dir.write("short.pcap", bytes);
  const ReadResult r = read_all(path);
  EXPECT_FALSE(r.opened);
  EXPECT_THAT(r.error, HasSubstr(path));
  EXPECT_THAT(r.error, HasSubstr("truncated pcap file header at offset 0"));
}

TEST(PcapFile, TruncatedRecordHeader) {
  TempDir dir;
  const Bytes a = ethernet_ipv4(17);
  Bytes bytes = pcap_file(true, false, kLinkEthernet, 65535, {{1, 2, a}, {3, 4, a}});
  const uint64_t second = kFileHeader + kRecordHeader + a.size();
  bytes.resize(second + 5);
  const std::string path = dir.write("cut.pcap", bytes);
  const ReadResult r = read_all(path);
  ASSERT_TRUE(r.opened);
  EXPECT_EQ(r.packets.size(), 1u);
  EXPECT_THAT(r.error, HasSubstr(path + ": truncated packet record at offset " +
                                 std::to_string(second) + ": "));
}

TEST(PcapFile, TruncatedRecordData) {
  TempDir dir;
  const Bytes a = ethernet_ipv4(17);
  Bytes bytes = pcap_file(false, true, kLinkEthernet, 65535, {{1, 2, a}, {3, 4, a}});
  const uint64_t second = kFileHeader + kRecordHeader + a.size();
  bytes.resize(bytes.size() - 3);
  const std::string path = dir.write("cut.pcap", bytes);
  const ReadResult r = read_all(path);
  EXPECT_EQ(r.packets.size(), 1u);
  EXPECT_THAT(r.error, HasSubstr(path + ": truncated packet record at offset " +
                                 std::to_string(second) + ": "));
}

TEST(PcapFile, ImpossibleCapturedLength) {
  TempDir dir;
  const Bytes a = ethernet_ipv4(17);
  PcapRecord bad{3, 4, a};
  bad.captured_length = 0xFFFFFFF0;
  const std::string path =
      dir.write("huge.pcap", pcap_file(false, false, kLinkEthernet, 65535, {{1, 2, a}, bad}));
  const ReadResult r = read_all(path);
  EXPECT_EQ(r.packets.size(), 1u);
  EXPECT_THAT(r.error, HasSubstr(path + ": bad packet record at offset " +
                                 std::to_string(kFileHeader + kRecordHeader + a.size())));
}

TEST(PcapFile, RecordLongerThanSnaplenKeepsOffsetsRight) {
  // libpcap cuts such a record to the snaplen and skips the rest of it; the
  // offset of the following record must still be its true offset.
  TempDir dir;
  const Bytes big(100, 0xab);
  const Bytes small = ethernet_ipv4(17);
  Bytes bytes =
      pcap_file(false, false, kLinkEthernet, 64, {{1, 0, big}, {2, 0, small}, {3, 0, small}});
  const uint64_t second = kFileHeader + kRecordHeader + big.size();
  const uint64_t third = second + kRecordHeader + small.size();
  bytes.resize(third + 3);
  const std::string path = dir.write("snap.pcap", bytes);
  const ReadResult r = read_all(path);
  ASSERT_EQ(r.packets.size(), 2u) << r.error;
  EXPECT_EQ(r.packets[0].data.size(), 64u);
  EXPECT_EQ(r.packets[0].wire_length, 100u);
  EXPECT_EQ(r.packets[1].file_offset, second);
  EXPECT_THAT(r.error, HasSubstr("truncated packet record at offset " + std::to_string(third)));
}

TEST(PcapFile, GarbageEmptyAndMissingFiles) {
  TempDir dir;
  const std::string garbage = dir.write("garbage.pcap", {'n', 'o', 't', ' ', 'a', ' ', 'p'});
  ReadResult r = read_all(garbage);
  EXPECT_FALSE(r.opened);
  EXPECT_THAT(r.error, HasSubstr(garbage + ": not a pcap or pcapng file"));
  EXPECT_THAT(r.error, HasSubstr("at offset 0"));

  const std::string empty = dir.write("empty.pcap", {});
  r = read_all(empty);
  EXPECT_FALSE(r.opened);
  EXPECT_THAT(r.error, HasSubstr(empty + ": empty file"));
  EXPECT_THAT(r.error, HasSubstr("offset 0"));

  const std::string tiny = dir.write("tiny.pcap", {0xd4, 0xc3});
  r = read_all(tiny);
  EXPECT_FALSE(r.opened);
  EXPECT_THAT(r.error, HasSubstr(tiny + ": truncated capture file header at offset 0"));

  r = read_all(dir.path() + "/missing.pcap");
  EXPECT_FALSE(r.opened);
  EXPECT_THAT(r.error, HasSubstr(dir.path() + "/missing.pcap: "));

  r = read_all(dir.path());
  EXPECT_FALSE(r.opened);
  EXPECT_EQ(r.error, dir.path() + ": not a regular file");
}

TEST(PcapFile, BpfFilterCountsRejectedPackets) {
  TempDir dir;
  const Bytes udp = ethernet_ipv4(17, {'x'});
  const Bytes tcp = ethernet_ipv4(6);
  const std::string path = dir.write(
      "mix.pcap",
      pcap_file(false, false, kLinkEthernet, 65535, {{1, 0, udp}, {2, 0, tcp}, {3, 0, udp}}));
  ReadResult r = read_all(path, "udp");
  ASSERT_TRUE(r.opened) << r.error;
  ASSERT_EQ(r.packets.size(), 2u);
  EXPECT_EQ(r.packets[1].ns, 3 * kNanosPerSecond);
  EXPECT_EQ(r.stats.packets_read, 2u);
  EXPECT_EQ(r.stats.packets_filtered, 1u);

  r = read_all(path, "tcp port 80");
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.packets[0].file_offset, kFileHeader + kRecordHeader + udp.size());
  EXPECT_EQ(r.stats.packets_filtered, 2u);
}

TEST(PcapFile, FilterThatDoesNotCompileIsAnOpenError) {
  TempDir dir;
  const std::string path =
      dir.write("f.pcap", pcap_file(false, false, kLinkEthernet, 65535, {{1, 0, {1, 2}}}));
  ReadResult r = read_all(path, "tcp port banana");
  EXPECT_FALSE(r.opened);
  EXPECT_THAT(r.error, HasSubstr(path));
  EXPECT_THAT(r.error, HasSubstr("\"tcp port banana\""));
}

TEST(PcapFile, RequestStopEndsTheFile) {
  TempDir dir;
  const Bytes a = ethernet_ipv4(17);
  const std::string path =
      dir.write("s.pcap", pcap_file(false, false, kLinkEthernet, 65535, {{1, 0, a}, {2, 0, a}}));
  std::string error;
  auto source = open_file(path, {}, error);
  ASSERT_TRUE(source) << error;
  RawPacket p;
  ASSERT_EQ(source->next(p), ReadStatus::kPacket);
  source->request_stop();
  EXPECT_EQ(source->next(p), ReadStatus::kEnd);
  EXPECT_EQ(source->next(p), ReadStatus::kEnd);
}

}  // namespace
}  // namespace rcds::capture::testing
