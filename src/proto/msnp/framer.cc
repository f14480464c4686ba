#include "proto/msnp/framer.h"

namespace rcds::proto::msnp {

std::string_view name_of(MsnpAnomaly anomaly) {
  switch (anomaly) {
    case MsnpAnomaly::kLineTooLong:
      return "msnp_line_too_long";
    case MsnpAnomaly::kPayloadTooLarge:
      return "msnp_payload_too_large";
    case MsnpAnomaly::kBadLine:
      return "msnp_bad_line";
    case MsnpAnomaly::kResync:
      return "msnp_resync";
    case MsnpAnomaly::kStreamGap:
      return "msnp_stream_gap";
    case MsnpAnomaly::kPayloadLost:
      return "msnp_payload_lost";
    case MsnpAnomaly::kBadMime:
      return "msnp_bad_mime";
    case MsnpAnomaly::kRosterFull:
      return "msnp_roster_full";
    case MsnpAnomaly::kPendingFull:
      return "msnp_pending_full";
    case MsnpAnomaly::kSessionTableFull:
      return "msnp_session_table_full";
    case MsnpAnomaly::kCount:
      break;
  }
  return "msnp_unknown";
}

std::string_view description_of(MsnpAnomaly anomaly) {
  switch (anomaly) {
    case MsnpAnomaly::kLineTooLong:
      return "command line longer than the line bound; skipped to its end, then resync";
    case MsnpAnomaly::kPayloadTooLarge:
      return "payload length beyond the payload bound; treated as desync, then resync";
    case MsnpAnomaly::kBadLine:
      return "line that is not an MSNP command; resync at the next plausible line";
    case MsnpAnomaly::kResync:
      return "framing recovered at a plausible command line after a loss";
    case MsnpAnomaly::kStreamGap:
      return "bytes missing from the stream (reported by reassembly)";
    case MsnpAnomaly::kPayloadLost:
      return "gap inside a payload of known length: command dropped, framing kept";
    case MsnpAnomaly::kBadMime:
      return "MSG payload without a blank line ending its headers";
    case MsnpAnomaly::kRosterFull:
      return "switchboard roster at its bound; member not recorded";
    case MsnpAnomaly::kPendingFull:
      return "too many outstanding requests on one connection; oldest forgotten";
    case MsnpAnomaly::kSessionTableFull:
      return "shared cookie/login registry full; oldest entry evicted";
    case MsnpAnomaly::kCount:
      break;
  }
  return "";
}

}  // namespace rcds::proto::msnp
