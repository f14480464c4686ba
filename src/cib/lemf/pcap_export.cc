#include "cib/lemf/pcap_export.h"

#include <pcap/pcap.h>

#include <limits>
#include <variant>

#include "handover/pspdu.h"

namespace rcds::cib::lemf {

namespace ho = rcds::handover;

bool export_pcap(LemfStore& store, const std::string& liid, const std::string& path,
                 PcapExportResult& result, std::string& error) {
  // DLT_RAW is written to the file as LINKTYPE_RAW (101) whatever its local
  // value, so the file reads the same everywhere.
  constexpr int kSnaplen = 262144;
  pcap_t* dead = pcap_open_dead(DLT_RAW, kSnaplen);
  if (dead == nullptr) {
    error = "pcap_open_dead failed";
    return false;
  }
  pcap_dumper_t* dumper = pcap_dump_open(dead, path.c_str());
  if (dumper == nullptr) {
    error = path + ": " + pcap_geterr(dead);
    pcap_close(dead);
    return false;
  }
  std::string raw;
  for (const IndexedPdu& indexed : store.pdus(liid, Stream::kCc)) {
    ++result.pdus;
    ho::PsPdu pdu;
    std::string problem;
    if (indexed.payload_kind != "ipCC" || !store.read_raw(indexed, raw, problem) ||
        !ho::decode(as_bytes(raw), pdu, problem)) {
      ++result.skipped_pdus;
      continue;
    }
    const int64_t micros = indexed.time_us.value_or(indexed.received_us);
    pcap_pkthdr header{};
    header.ts.tv_sec = static_cast<time_t>(micros / 1'000'000);
    header.ts.tv_usec = static_cast<suseconds_t>(micros % 1'000'000);
    if (header.ts.tv_usec < 0) {
      header.ts.tv_usec += 1'000'000;
      --header.ts.tv_sec;
    }
    for (const ho::CcPayload& cc : std::get<ho::CcSequence>(pdu.payload)) {
      const auto* ip = std::get_if<ho::IpCc>(&cc.contents);
      if (ip == nullptr || ip->packet.size() > std::numeric_limits<uint32_t>::max()) continue;
      header.len = static_cast<bpf_u_int32>(ip->packet.size());
      header.caplen = std::min<bpf_u_int32>(header.len, kSnaplen);
      pcap_dump(reinterpret_cast<u_char*>(dumper), &header,
                reinterpret_cast<const u_char*>(ip->packet.data()));
      ++result.packets;
    }
  }
  const bool flushed = pcap_dump_flush(dumper) == 0;
  pcap_dump_close(dumper);
  pcap_close(dead);
  if (!flushed) {
    error = path + ": write failed";
    return false;
  }
  return true;
}

}  // namespace rcds::cib::lemf
