// The sensor on real captures (testdata/pcaps, see PROVENANCE.md there).
// Expected values come from tshark or from reading the bytes by hand; the
// command or reasoning is given beside each one.
#include <gtest/gtest.h>

#include "capture/source.h"
#include "support/recording.h"

namespace rcds::testing {
namespace {

struct Run {
  RecordingFactory factory;
  flow::ProtocolRegistry registry;
  std::unique_ptr<nis::Sensor> sensor;
};

std::unique_ptr<Run> analyze(const std::string& name) {
  auto run = std::make_unique<Run>();
  run->sensor = std::make_unique<nis::Sensor>(nis::SensorOptions{}, run->registry, run->factory);
  std::string error;
  auto source = capture::open_file(std::string(RCDS_TESTDATA_DIR) + "/pcaps/" + name, {}, error);
  EXPECT_TRUE(source) << error;
  if (!source) return run;
  EXPECT_TRUE(nis::run_source(*source, *run->sensor, error)) << error;
  run->sensor->finish();
  return run;
}

const RecordedStream* find_stream(const Run& run, uint16_t server_port) {
  for (const auto& s : run.factory.streams) {
    if (s->info.key.destination.port == server_port) return s.get();
  }
  return nullptr;
}

TEST(RealCaptures, ExactOverlapKeepsFirstBytesAndFlagsConflict) {
  // tshark -T fields -e tcp.seq_raw -e tcp.payload: frame 5 seq 2 "GOOD", frame 6 seq 2 "EVIL".
  auto run = analyze("suri_tcp-exact-overlap.pcap");
  ASSERT_EQ(run->factory.streams.size(), 1u);
  EXPECT_EQ(run->factory.streams[0]->text[0], "GOOD");
  EXPECT_EQ(run->sensor->counters().get(Anomaly::tcp_overlap_conflict), 1u);
}

TEST(RealCaptures, PartialOverlapKeepsFirstBytesAndFlagsConflict) {
  // Frame 5 seq 2 "GOOD", frame 6 seq 3 "XXX" rewrites "OOD".
  auto run = analyze("suri_tcp-partial-overlap.pcap");
  ASSERT_EQ(run->factory.streams.size(), 1u);
  EXPECT_EQ(run->factory.streams[0]->text[0], "GOOD");
  EXPECT_EQ(run->sensor->counters().get(Anomaly::tcp_overlap_conflict), 1u);
}

TEST(RealCaptures, SpoofedResetBeforeSynAckDoesNotHideTheHttpExchange) {
  // tshark -T fields -e frame.number -e tcp.len: frame 7 (client) 338 bytes
  // starting "GET / HTTP/1", frame 9 (server) 79 bytes starting "HTTP/1.1 200".
  auto run = analyze("suri_bug3286_rst_synack_evasion_linux.pcap");
  ASSERT_EQ(run->factory.streams.size(), 1u);
  const RecordedStream& s = *run->factory.streams[0];
  EXPECT_EQ(s.text[0].size(), 338u);
  EXPECT_EQ(s.text[0].rfind("GET / HTTP/1", 0), 0u);
  EXPECT_EQ(s.text[1].size(), 79u);
  EXPECT_EQ(s.text[1].rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_NE(s.reason, flow::CloseReason::kReset);
  // Frames 2 (RST+ACK) and 4 (client RST) precede the SYN-ACK; frame 3 is a FIN.
  EXPECT_EQ(run->sensor->counters().get(Anomaly::tcp_rst_in_handshake), 2u);
  EXPECT_EQ(run->sensor->counters().get(Anomaly::tcp_fin_in_handshake), 1u);
}

TEST(RealCaptures, SpoofedResetAgainstWindowsTarget) {
  // Frame 6 (client) 343 bytes, frame 8 (server) 79 bytes.
  auto run = analyze("suri_bug3286_rst_synack_evasion_windows.pcap");
  ASSERT_EQ(run->factory.streams.size(), 1u);
  EXPECT_EQ(run->factory.streams[0]->text[0].size(), 343u);
  EXPECT_EQ(run->factory.streams[0]->text[1].size(), 79u);
}

TEST(RealCaptures, SnapLengthCutPacketsAreCounted) {
  // tshark -Y "frame.cap_len < frame.len" | wc -l  -> 21
  auto run = analyze("zeek_tcp_retransmit-fast009.pcap");
  EXPECT_EQ(run->sensor->counters().get(Anomaly::capture_truncated_packet), 21u);
  EXPECT_EQ(run->sensor->counters().get(Counter::packets), 39u);
}

TEST(RealCaptures, OverlappingIpv4FragmentsFirstBytesWin) {
  // By hand from `tshark -x`: fragment offsets 0 (TCP header + "GET "),
  // 48 (".%2f../winnt/system32/cm"), 72 ("d.exe?/c+dir+c:\\\n"), then 24..72
  // ("/msadc/..%2f../..%2f../.RKNWUrdooM+WskO2IiALQTI\0") overlapping 48..72.
  // First bytes win, so 24..48 comes from the last fragment and 48..72 from
  // the second: the Windows view of the exploit URL.
  auto run = analyze("zeek_ipv4_fragmented-4_tcp_overlap.pcap");
  const RecordedStream* s = find_stream(*run, 80);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->text[0], "GET /msadc/..%2f../..%2f../..%2f../winnt/system32/cmd.exe?/c+dir+c:\\\n");
  EXPECT_EQ(run->sensor->counters().get(Anomaly::frag_overlap_conflict), 1u);
  EXPECT_EQ(run->sensor->counters().get(Counter::datagrams_reassembled), 1u);
}

TEST(RealCaptures, OverlappingUdpFragments) {
  // Three fragments, the third (offset 0, 304 bytes) overlapping both others
  // with other bytes; the first fragment's UDP header gives length 18.
  auto run = analyze("zeek_ipv4_fragmented-1_udp_overlap.pcap");
  EXPECT_EQ(run->sensor->counters().get(Counter::datagrams_reassembled), 1u);
  EXPECT_EQ(run->sensor->counters().get(Anomaly::frag_overlap_conflict), 1u);
  ASSERT_EQ(run->factory.streams.size(), 1u);
  EXPECT_EQ(run->factory.streams[0]->text[0].size(), 10u);
}

TEST(RealCaptures, Ipv6FragmentsRebuildOneTcpSegment) {
  // tshark: frame 3 "[3 IPv6 Fragments]" TCP Len=1000, 12345 -> 8080.
  auto run = analyze("suri_ipv6_frag_tcp.pcap");
  ASSERT_EQ(run->factory.streams.size(), 1u);
  EXPECT_EQ(run->factory.streams[0]->text[0].size(), 1000u);
  EXPECT_EQ(run->factory.streams[0]->info.key.destination.port, 8080);
}

TEST(RealCaptures, Ipv6FragmentedDnsAnswer) {
  // tshark: frames 6,7,8 reassemble to UDP length 3238 (3230 payload bytes);
  // frame 4 is a lone last fragment whose datagram never completes.
  auto run = analyze("zeek_ipv6-fragmented-dns.pcap");
  EXPECT_EQ(run->sensor->counters().get(Counter::datagrams_reassembled), 1u);
  bool found = false;
  for (const auto& s : run->factory.streams) found = found || s->text[1].size() == 3230u;
  EXPECT_TRUE(found);
}

TEST(RealCaptures, FragmentedIcmpInPcapng) {
  // tshark -e ip.reassembled.length: frames 3 and 6, 3508 bytes each.
  auto run = analyze("ppa3_ipv4_frag_icmp.pcapng");
  EXPECT_EQ(run->sensor->counters().get(Counter::fragments), 6u);
  EXPECT_EQ(run->sensor->counters().get(Counter::datagrams_reassembled), 2u);
  EXPECT_EQ(run->sensor->counters().get(Counter::other_l4_packets), 2u);
}

TEST(RealCaptures, MsnCaptureWithoutHandshakesIsPickedUpMidStream) {
  // PROVENANCE: 6 TCP connections to 207.46.x.x:1863, no SYNs.
  // tshark -T fields -e tcp.stream | sort -u | wc -l  -> 6
  auto run = analyze("ndpi_msnms_wireshark2005.pcap");
  ASSERT_EQ(run->factory.streams.size(), 6u);
  for (const auto& s : run->factory.streams) EXPECT_FALSE(s->info.saw_handshake);
}

}  // namespace
}  // namespace rcds::testing
