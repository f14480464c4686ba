// Conversion between the LINKTYPE_* numbers stored in capture files and the
// DLT_* numbers libpcap uses in its API.
//
// They differ only for a few historical values (DLT_RAW is 12 on Linux but 14
// on BSD/OS, DLT_LOOP is 12 on OpenBSD), and libpcap exports no public
// converter, so the values RCDS decodes are mapped here explicitly. Every
// other value is passed through unchanged, which is what libpcap itself does
// for LINKTYPE values from 104 upwards.
#pragma once

#include <cstdint>

namespace rcds::capture {

uint32_t linktype_from_dlt(int dlt);
int dlt_from_linktype(uint32_t link_type);

}  // namespace rcds::capture
