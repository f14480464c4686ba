#include "capture/link_type.h"

#include <pcap/pcap.h>

#include "capture/source.h"

namespace rcds::capture {

uint32_t linktype_from_dlt(int dlt) {
  switch (dlt) {
    case DLT_NULL:
      return kLinkNull;
    case DLT_EN10MB:
      return kLinkEthernet;
    case DLT_RAW:
      return kLinkRaw;
    case DLT_LOOP:
      return kLinkLoop;
    default:
      // DLT_LINUX_SLL (113), DLT_LINUX_SLL2 (276), DLT_IPV4 (228), DLT_IPV6
      // (229) and everything else from 104 up share their LINKTYPE number.
      return static_cast<uint32_t>(dlt);
  }
}

int dlt_from_linktype(uint32_t link_type) {
  switch (link_type) {
    case kLinkNull:
      return DLT_NULL;
    case kLinkEthernet:
      return DLT_EN10MB;
    case kLinkRaw:
      return DLT_RAW;
    case kLinkLoop:
      return DLT_LOOP;
    default:
      return static_cast<int>(link_type);
  }
}

}  // namespace rcds::capture
