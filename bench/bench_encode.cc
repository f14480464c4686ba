// bench_encode: records encoded per second by the handover codecs (issue 5:
// >= 1M PDUs/s/core for small IRI). Encodes N small IRI records (an MSN
// message IRI-CONTINUE with two parties, as the engine emits it) and N IP CC
// records (a 60-byte IPv4 TCP packet) with the ETSI PS-PDU codec and the
// X2/X3 codec, one thread, the records prepared beforehand (only encoding is
// timed; CIN and sequence number change per record as in real traffic).
//
// Output, one line per case, key=value for bench/run:
//   case=etsi_iri pdus=... seconds=... pdus_per_s=... mb_per_s=... bytes_per_pdu=...
// pdus_per_s is per core: CPU time of this thread (CLOCK_THREAD_CPUTIME_ID),
// so other load on a shared machine does not count against it.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "handover/etsi_codec.h"
#include "handover/x2x3_codec.h"

namespace {

using namespace rcds;
using intercept::Party;
using intercept::Record;

double thread_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

IpAddress v4(const char* text) {
  IpAddress address;
  IpAddress::parse(text, address);
  return address;
}

Record message_iri() {
  Record r;
  r.liid = "LIID-MSN-0001";
  r.kind = intercept::RecordKind::kIriContinue;
  r.time = Timestamp{1104577323'250'000'000};
  r.target = "msn:alice@example.com";
  r.protocol = "msnp";
  r.event = "message";
  r.connection = "switchboard";
  r.client = {v4("203.0.113.7"), 40002};
  r.server = {v4("198.51.100.20"), 1863};
  r.direction = intercept::PayloadDirection::kFromTarget;
  r.parties = {{Party::Role::kOriginator, "msn:alice@example.com"},
               {Party::Role::kRecipient, "msn:bob@example.com"}};
  r.details = {{"flow", "4"},
               {"wire_direction", "c2s"},
               {"owner", "alice@example.com"},
               {"content_type", "text/plain; charset=UTF-8"}};
  return r;
}

Record ip_cc() {
  Record r;
  r.liid = "LIID-IP-0002";
  r.kind = intercept::RecordKind::kCc;
  r.time = Timestamp{1104577323'250'000'000};
  r.target = "ip:10.1.2.3";
  r.protocol = "ip";
  r.event = "ip_packet";
  r.connection = "tcp";
  r.client = {v4("10.1.2.3"), 5555};
  r.server = {v4("192.0.2.80"), 80};
  r.direction = intercept::PayloadDirection::kFromTarget;
  r.content_kind = intercept::ContentKind::kIpPacket;
  // IPv4 + TCP header and 20 bytes of data: a small packet, the costly case.
  std::string packet(60, '\0');
  packet[0] = 0x45;
  packet[3] = 60;
  packet[9] = 6;
  const uint8_t addresses[] = {10, 1, 2, 3, 192, 0, 2, 80};
  std::memcpy(packet.data() + 12, addresses, sizeof addresses);
  r.content = packet;
  return r;
}

void run(const char* name, handover::PduCodec& codec, std::vector<Record>& records, size_t n) {
  std::string out;
  out.reserve(4096);
  uint64_t bytes = 0;
  // Warm-up: fills the caches and the reused buffers.
  for (size_t i = 0; i < records.size(); ++i) codec.encode(records[i], out);
  const double start = thread_seconds();
  for (size_t i = 0; i < n; ++i) {
    Record& record = records[i % records.size()];
    record.sequence = i;
    codec.encode(record, out);
    bytes += out.size();
  }
  const double seconds = thread_seconds() - start;
  std::printf("case=%s pdus=%zu seconds=%.3f pdus_per_s=%.0f mb_per_s=%.1f bytes_per_pdu=%.1f\n",
              name, n, seconds, static_cast<double>(n) / seconds,
              static_cast<double>(bytes) / seconds / 1e6,
              static_cast<double>(bytes) / static_cast<double>(n));
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 2'000'000;
  if (argc == 3 && std::strcmp(argv[1], "--records") == 0) n = std::strtoull(argv[2], nullptr, 10);
  if ((argc != 1 && argc != 3) || n == 0) {
    std::fprintf(stderr, "usage: bench_encode [--records N]\n");
    return 2;
  }
  // A few CINs, so the per-LIID caches and varying CIN widths are exercised.
  std::vector<Record> iris, ccs;
  for (uint32_t cin = 1; cin <= 16; ++cin) {
    iris.push_back(message_iri());
    iris.back().cin = cin * 997;
    ccs.push_back(ip_cc());
    ccs.back().cin = cin * 997;
  }
  handover::Destination destination;
  destination.operator_id = "OPERATOR1";
  destination.network_element_id = "dec-01";
  destination.authorisation_country = "NL";
  destination.delivery_country = "NL";
  handover::EtsiCodec etsi(destination);
  handover::X2X3Codec x2x3(destination);
  run("etsi_iri", etsi, iris, n);
  run("etsi_ipcc", etsi, ccs, n);
  run("x2x3_iri", x2x3, iris, n);
  run("x2x3_ipcc", x2x3, ccs, n);
  return 0;
}
