// A warrant's IP content (IPCC, TS 102 232-3) as a pcap file Wireshark opens:
// one raw-IP record (LINKTYPE_RAW) per intercepted packet, in time order
// across CINs (sequence number within a CIN), stamped with the PDU's time.
#pragma once

#include <cstdint>
#include <string>

#include "cib/lemf/store.h"

namespace rcds::cib::lemf {

struct PcapExportResult {
  uint64_t packets = 0;       // written
  uint64_t pdus = 0;          // CC PDUs of the warrant read
  uint64_t skipped_pdus = 0;  // not IPCC (EmailCC, unknown) or unreadable
};

bool export_pcap(LemfStore& store, const std::string& liid, const std::string& path,
                 PcapExportResult& result, std::string& error);

}  // namespace rcds::cib::lemf
