// pcap export (cib/lemf/pcap_export.h): a warrant's IPCC packets read back
// with libpcap (order, bytes, timestamps, link type) and with tshark (the
// addresses Wireshark sees are the ones we put in).
#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <array>
#include <cstdio>
#include <memory>

#include "cib/lemf/pcap_export.h"
#include "lemf_test_pdus.h"

namespace rcds::cib::lemf {
namespace {

namespace ho = rcds::handover;
using namespace testing;

struct Packet {
  std::string bytes;
  int64_t seconds;
  int64_t micros;
};

TEST(LemfPcapExport, WritesIpccInTimeOrderAcrossCins) {
  TempDir dir;
  std::string error;
  auto store = LemfStore::open(dir.path(), {}, error);
  ASSERT_NE(store, nullptr) << error;
  const std::string a = ipv4_udp("192.0.2.1", "198.51.100.7", "first");
  const std::string b = ipv4_udp("198.51.100.7", "192.0.2.1", "second");
  const std::string c = ipv4_udp("203.0.113.5", "192.0.2.1", "third");
  // Stored out of time order, over two CINs, plus PDUs the export must skip.
  const std::vector<ho::PsPdu> pdus = {
      cc_pdu("LIID-1", 2, 0, c, kBaseSeconds + 20),
      cc_pdu("LIID-1", 1, 0, a, kBaseSeconds),
      cc_pdu("LIID-1", 1, 1, b, kBaseSeconds + 10),
      cc_pdu("LIID-2", 1, 0, a, kBaseSeconds + 5),  // other warrant
      iri_pdu("LIID-1", 1, 0),
  };
  ho::PsPdu email{header("LIID-1", 1, 2),
                  ho::CcSequence{ho::CcPayload{ho::Direction::kToTarget,
                                               ho::EmailCc{ho::EmailFormat::kApplication, "x"}}}};
  for (const auto& pdu : pdus) {
    const std::string raw = encode(pdu);
    ASSERT_EQ(store->store(as_bytes(raw), pdu, Timestamp{}, 0, error), StoreResult::kStored);
  }
  const std::string raw = encode(email);
  ASSERT_EQ(store->store(as_bytes(raw), email, Timestamp{}, 0, error), StoreResult::kStored);
  ASSERT_TRUE(store->commit(error)) << error;

  const std::string out = dir.path() + "/out.pcap";
  PcapExportResult result;
  ASSERT_TRUE(export_pcap(*store, "LIID-1", out, result, error)) << error;
  EXPECT_EQ(result.packets, 3u);
  EXPECT_EQ(result.pdus, 4u);
  EXPECT_EQ(result.skipped_pdus, 1u);

  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t* pcap = pcap_open_offline(out.c_str(), errbuf);
  ASSERT_NE(pcap, nullptr) << errbuf;
  EXPECT_EQ(pcap_datalink(pcap), DLT_RAW);
  std::vector<Packet> read;
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(pcap, &h, &data) == 1) {
    read.push_back(
        {std::string(reinterpret_cast<const char*>(data), h->caplen), h->ts.tv_sec, h->ts.tv_usec});
  }
  pcap_close(pcap);
  ASSERT_EQ(read.size(), 3u);
  EXPECT_EQ(read[0].bytes, a);
  EXPECT_EQ(read[1].bytes, b);
  EXPECT_EQ(read[2].bytes, c);
  EXPECT_EQ(read[0].seconds, kBaseSeconds);
  EXPECT_EQ(read[0].micros, 250000);
  EXPECT_EQ(read[2].seconds, kBaseSeconds + 20);

  // The file header says LINKTYPE_RAW (101), whatever DLT_RAW is locally.
  FILE* file = std::fopen(out.c_str(), "rb");
  ASSERT_NE(file, nullptr);
  std::array<unsigned char, 24> global{};
  ASSERT_EQ(std::fread(global.data(), 1, global.size(), file), global.size());
  std::fclose(file);
  EXPECT_EQ(global[20] | (global[21] << 8), 101);

  if (std::string(RCDS_TSHARK).empty()) GTEST_SKIP() << "tshark not found";
  const std::string command =
      std::string(RCDS_TSHARK) + " -r " + out + " -T fields -e ip.src -e ip.dst 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  ASSERT_NE(pipe, nullptr);
  std::string text;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe.get()) != nullptr) text += buffer;
  EXPECT_EQ(text, "192.0.2.1\t198.51.100.7\n198.51.100.7\t192.0.2.1\n203.0.113.5\t192.0.2.1\n");
}

TEST(LemfPcapExport, UnknownWarrantGivesEmptyCapture) {
  TempDir dir;
  std::string error;
  auto store = LemfStore::open(dir.path(), {}, error);
  ASSERT_NE(store, nullptr) << error;
  PcapExportResult result;
  ASSERT_TRUE(export_pcap(*store, "NOPE", dir.path() + "/empty.pcap", result, error)) << error;
  EXPECT_EQ(result.packets, 0u);
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t* pcap = pcap_open_offline((dir.path() + "/empty.pcap").c_str(), errbuf);
  ASSERT_NE(pcap, nullptr) << errbuf;
  pcap_close(pcap);
}

}  // namespace
}  // namespace rcds::cib::lemf
