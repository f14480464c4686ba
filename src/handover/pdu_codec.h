// What delivery needs from an encoding: records and notices into PDUs for
// the HI2/HI3 (X2/X3) connections, keep-alives, and the framing and
// keep-alive responses of the byte stream coming back. Implemented by the
// ETSI PS-PDU encoder and by the X2/X3 encoder; one instance per destination
// (it keeps per-LIID pre-encoded headers and the per-connection keep-alive
// sequence numbers).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "handover/ber.h"
#include "handover/destination.h"
#include "intercept/record.h"
#include "util/bytes.h"
#include "util/timestamp.h"

namespace rcds::handover {

class PduCodec {
 public:
  virtual ~PduCodec() = default;
  // Appends the PDU(s) of `record` to `out` (cleared first) and says which
  // connection they go to: IRI -> HI2, CC -> HI3.
  virtual HandoverInterface encode(const intercept::Record& record, std::string& out) = 0;
  // An HI1 notification (ETSI) for the HI2 connection; X2/X3 has none:
  // returns false and leaves `out` empty.
  virtual bool encode_notice(const intercept::WarrantNotice& notice, std::string& out) = 0;
  // A keep-alive carrying `sequence` (its response echoes it).
  virtual void encode_keepalive(uint64_t sequence, Timestamp now, std::string& out) = 0;
  // Receiver side of the same encoding (the LEMF, and the sender reading
  // responses): where the next PDU in `buffered` ends.
  virtual ber::FrameStatus frame(ByteView buffered, size_t& length, std::string& error) const = 0;
  // If `pdu` is a keep-alive response, its sequence number.
  virtual bool keepalive_response(ByteView pdu, uint64_t& sequence) const = 0;
};

std::unique_ptr<PduCodec> make_codec(const Destination& destination);

}  // namespace rcds::handover
