// Records as ETSI TS 103 221-2 X2/X3 PDUs (ETSI_HANDOVER.md §13), the
// second encoding a destination can choose (Encoding::kX2X3): for a
// mediation function (OpenLI ingests X2/X3) rather than a LEMF.
//
//   IRI -> X2 (type 1), payload format 1: the record's IRIPayload, BER, as
//          the ETSI codec maps it (EmailIRI / IPIRI)
//   CC  -> X3 (type 2), ip-packet: format 5 (IPv4) / 6 (IPv6), the packet;
//          message text and file bytes: format 16 (unstructured), messages
//          with a MIME content type attribute (19) "text/plain; charset=UTF-8"
//   keep-alive type 3 with a sequence-number attribute; its response type 4
//   HI1 notices: none (X2/X3 has no such PDU; warrants travel over X1)
//
// Header: version 0.5, XID = the LIID's UUID (below), correlation ID = CIN.
// Conditional attributes, in this order: sequence number (8, u32: the
// record's sequence modulo 2^32), timestamp (9, seconds + nanoseconds),
// source/destination IPv4 (10/11) or IPv6 (12/13) and ports (14/15),
// matched target identifier (17), MIME content type (19, messages only).
// Source/destination: for IP packets the packet's own direction (the record's
// client and server, swapped when the packet comes from the server); for
// everything else the connection's client and server.
//
// XID: X1 would assign a task UUID; without X1, every POI and mediation
// function must derive the same one from the LIID. We use a name-based
// UUIDv5 (RFC 4122 §4.3, SHA-1): namespace = uuid5(NAMESPACE_URL,
// "urn:rcds:x2x3:liid") = 71e5b866-9435-5f36-962c-add7e71dcd71 (checked in
// the test), name = the LIID's bytes. In Python:
//   uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, "urn:rcds:x2x3:liid"), liid)
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "handover/etsi_codec.h"
#include "handover/pdu_codec.h"

namespace rcds::handover {

using Uuid = std::array<uint8_t, 16>;

// RFC 4122 name-based UUID, version 5 (SHA-1 via OpenSSL).
Uuid uuid_v5(const Uuid& name_space, std::string_view name);
// The XID of a LIID (see above).
Uuid xid_of_liid(std::string_view liid);
std::string uuid_text(const Uuid& uuid);  // "50b93d1e-1b53-4d63-aacb-e4d99811bc0b"

namespace x2x3 {
inline constexpr uint16_t kVersion = 0x0005;  // major 0, minor 5 (OpenLI, sipgate)
inline constexpr size_t kFixedHeader = 40;
// A peer announcing a header beyond this is not speaking X2/X3 (real
// headers carry a handful of small attributes).
inline constexpr size_t kMaxHeader = 64 * 1024;

enum PduType : uint16_t { kX2 = 1, kX3 = 2, kKeepalive = 3, kKeepaliveAck = 4 };
enum PayloadFormat : uint16_t {
  kEtsi102232 = 1,
  kIpv4Packet = 5,
  kIpv6Packet = 6,
  kMime = 15,
  kUnstructured = 16
};
enum PayloadDirection : uint16_t {
  kDirectionReserved = 0,
  kDirectionUnknown = 1,
  kToTarget = 2,
  kFromTarget = 3,
};
enum Attribute : uint16_t {
  kSequenceNumber = 8,
  kTimestamp = 9,
  kSourceIpv4 = 10,
  kDestinationIpv4 = 11,
  kSourceIpv6 = 12,
  kDestinationIpv6 = 13,
  kSourcePort = 14,
  kDestinationPort = 15,
  kMatchedTarget = 17,
  kMimeContentType = 19,
};
}  // namespace x2x3

class X2X3Codec final : public PduCodec {
 public:
  explicit X2X3Codec(const Destination& destination);

  HandoverInterface encode(const intercept::Record& record, std::string& out) override;
  bool encode_notice(const intercept::WarrantNotice& notice, std::string& out) override;
  void encode_keepalive(uint64_t sequence, Timestamp now, std::string& out) override;
  ber::FrameStatus frame(ByteView buffered, size_t& length, std::string& error) const override;
  bool keepalive_response(ByteView pdu, uint64_t& sequence) const override;

  static constexpr size_t kMaxXids = 1024;  // cache bound, as EtsiCodec's templates

 private:
  const Uuid& xid_for(std::string_view liid);

  RecordMapper mapper_;
  std::unordered_map<std::string, Uuid, StringHash, std::equal_to<>> xids_;
  std::string last_liid_;
  const Uuid* last_xid_ = nullptr;
};

}  // namespace rcds::handover
