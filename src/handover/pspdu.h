// The ETSI TS 102 232-1 PS-PDU: model, BER encoder and decoder
// (ETSI_HANDOVER.md §3-§9; byte layouts checked against the §11 examples).
//
// Only what RCDS sends or a LEMF must understand is modelled: PSHeader, IRI
// (EmailIRI, IPIRI), CC (EmailCC, IPCC), the NULL-valued TRI payloads
// (keep-alive, keep-alive-response, segment flags, cINReset) and the HI1
// notifications. Unknown optional fields are skipped; an unknown CHOICE
// alternative is kept verbatim as an UnknownElement, so a LEMF can still
// store the PDU and re-encoding gives the same contents.
//
// Enumerations carry the ETSI numbers; a decoded value outside the named ones
// is kept as is (enum class over int32_t), never rejected.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "handover/ber.h"
#include "util/address.h"
#include "util/bytes.h"
#include "util/timestamp.h"

namespace rcds::handover {

// li-psDomainId is 0.4.0.2.2.5.1.<version>; OpenLI and libwandder send 17.
inline constexpr uint32_t kDefaultDomainVersion = 17;
// HI1 notification domainID 0.4.0.2.2.0.1.<version>.
inline constexpr uint32_t kDefaultHi1Version = 6;

enum class TimestampQualifier : int32_t {
  kUnknown = 0,
  kTimeOfInterception = 1,
  kTimeOfMediation = 2,
  kTimeOfAggregation = 3
};

struct MicroTimestamp {
  int64_t seconds = 0;  // Unix epoch
  uint32_t microseconds = 0;
  friend bool operator==(const MicroTimestamp&, const MicroTimestamp&) = default;
};

struct PsHeader {
  uint32_t domain_version = kDefaultDomainVersion;
  std::string liid;                                       // 1..25 octets
  std::optional<std::string> authorisation_country_code;  // ISO 3166, 2 letters
  std::string operator_id;                                // networkIdentifier
  std::optional<std::string> network_element_id;
  std::optional<int64_t> cin;
  std::optional<std::string> delivery_country_code;
  uint64_t sequence_number = 0;
  std::optional<std::string> generalized_time;  // "YYYYMMDDhhmmss.mmmZ"
  std::optional<std::string> interception_point_id;
  std::optional<MicroTimestamp> microsecond_timestamp;
  std::optional<TimestampQualifier> timestamp_qualifier;
  friend bool operator==(const PsHeader&, const PsHeader&) = default;
};

// A CHOICE alternative we do not model: its tag and contents, verbatim.
struct UnknownElement {
  ber::Tag tag;
  std::string contents;
  friend bool operator==(const UnknownElement&, const UnknownElement&) = default;
};

// payloadDirection / sessionDirection.
enum class Direction : int32_t {
  kFromTarget = 0,
  kToTarget = 1,
  kIndeterminate = 2,
  kCombined = 3,
  kNotApplicable = 4
};

// ETSI IPAddress. Encoded in binary form; the text form is accepted on decode.
enum class IpAssignment : int32_t { kStatic = 1, kDynamic = 2, kNotKnown = 3 };
struct EtsiIpAddress {
  IpAddress address;
  std::optional<IpAssignment> assignment;
  friend bool operator==(const EtsiIpAddress&, const EtsiIpAddress&) = default;
};

// ---- IRI --------------------------------------------------------------------

enum class IriType : int32_t { kBegin = 1, kEnd = 2, kContinue = 3, kReport = 4 };

enum class EmailEvent : int32_t {
  kSend = 1,
  kReceive = 2,
  kDownload = 3,
  kLogonAttempt = 4,
  kLogon = 5,
  kLogonFailure = 6,
  kLogoff = 7,
  kPartialDownload = 8,
  kUpload = 9
};
enum class EmailProtocol : int32_t {
  kSmtp = 1,
  kPop3 = 2,
  kImap4 = 3,
  kWebmail = 4,
  kUndefined = 255
};
enum class EmailStatus : int32_t { kUnknown = 1, kFailed = 2, kSucceeded = 3 };

// TS 102 232-2 EmailIRI (§6), fields in tag order.
struct EmailIri {
  EmailEvent event_type = EmailEvent::kLogon;     // [1]
  std::optional<EtsiIpAddress> client_address;    // [2]
  std::optional<EtsiIpAddress> server_address;    // [3]
  std::optional<uint32_t> client_port;            // [4]
  std::optional<uint32_t> server_port;            // [5]
  std::optional<uint64_t> server_octets_sent;     // [6]
  std::optional<uint64_t> client_octets_sent;     // [7]
  std::optional<EmailProtocol> protocol_id;       // [8]
  std::optional<std::string> sender;              // [9]
  std::vector<std::string> recipients;            // [10], absent when empty
  std::optional<EmailStatus> status;              // [11]
  std::optional<uint64_t> total_recipient_count;  // [12]
  std::optional<std::string> message_id;          // [13]
  std::optional<std::string> national_parameter;  // [14], our key=value text (§7)
  friend bool operator==(const EmailIri&, const EmailIri&) = default;
};

enum class AccessEventType : int32_t {
  kAccessAttempt = 0,
  kAccessAccept = 1,
  kAccessReject = 2,
  kAccessFailed = 3,
  kSessionStart = 4,
  kSessionEnd = 5,
  kInterimUpdate = 6,
  kStartOfInterceptionWithSessionActive = 7,
  kAccessEnd = 8,
  kEndOfInterceptionWithSessionActive = 9,
  kUnknown = 10
};
enum class IpVersion : int32_t { kIpv4 = 1, kIpv6 = 2, kIpv4Ipv6 = 3 };
enum class EndReason : int32_t {
  kUndefined = 0,
  kRegularLogOff = 1,
  kConnectionLoss = 2,
  kConnectionTimeout = 3,
  kLeaseExpired = 4
};

// TS 102 232-3 IPIRIContents (§5), the fields we can fill.
struct IpIri {
  AccessEventType access_event_type = AccessEventType::kSessionStart;  // [0]
  std::optional<std::string> target_username;                          // [1]
  std::optional<IpVersion> ip_version;                                 // [3]
  std::optional<EtsiIpAddress> target_ip_address;                      // [4]
  std::optional<std::string> start_time;                               // [10] GeneralizedTime text
  std::optional<std::string> end_time;                                 // [11]
  std::optional<EndReason> end_reason;                                 // [12]
  std::optional<uint64_t> octets_received;                             // [13]
  std::optional<uint64_t> octets_transmitted;                          // [14]
  friend bool operator==(const IpIri&, const IpIri&) = default;
};

struct IriPayload {
  IriType type = IriType::kReport;
  std::variant<EmailIri, IpIri, UnknownElement> contents;
  std::optional<Direction> session_direction;
  std::optional<Direction> payload_direction;
  friend bool operator==(const IriPayload&, const IriPayload&) = default;
};

// ---- CC ---------------------------------------------------------------------

enum class EmailFormat : int32_t { kIpPacket = 1, kApplication = 2 };
struct EmailCc {
  EmailFormat format = EmailFormat::kApplication;
  std::string content;  // the MSNP payload or file bytes (§7)
  friend bool operator==(const EmailCc&, const EmailCc&) = default;
};
struct IpCc {
  std::string packet;  // one whole IP packet
  friend bool operator==(const IpCc&, const IpCc&) = default;
};

struct CcPayload {
  Direction direction = Direction::kFromTarget;
  std::variant<EmailCc, IpCc, UnknownElement> contents;
  friend bool operator==(const CcPayload&, const CcPayload&) = default;
};

// ---- TRI and HI1 --------------------------------------------------------------

enum class TriKind : uint32_t {
  kIntegrityCheck = 0,
  kTestPdu = 1,
  kPaddingPdu = 2,
  kKeepAlive = 3,
  kKeepAliveResponse = 4,
  kFirstSegmentFlag = 5,
  kLastSegmentFlag = 6,
  kCinReset = 7
};
// The alternatives we send are NULL; any other keeps its contents verbatim.
struct TriPayload {
  TriKind kind = TriKind::kKeepAlive;
  bool constructed = false;
  std::string contents;
  friend bool operator==(const TriPayload&, const TriPayload&) = default;
};

enum class Hi1Kind : uint32_t { kActivated = 1, kDeactivated = 2, kModified = 3 };
// TS 101 671 HI1 Notification as OpenLI sends it (§8).
struct Hi1Notification {
  Hi1Kind kind = Hi1Kind::kActivated;
  std::optional<uint32_t> domain_version = kDefaultHi1Version;
  std::string liid;
  std::optional<std::string> communication_identity_number;  // OCTET STRING 1..8
  std::string operator_id;                                   // <= 5 characters
  std::string utc_time;                                      // "YYMMDDhhmmssZ"
  std::optional<std::string> target_information;
  friend bool operator==(const Hi1Notification&, const Hi1Notification&) = default;
};

using IriSequence = std::vector<IriPayload>;
using CcSequence = std::vector<CcPayload>;
using Payload = std::variant<IriSequence, CcSequence, TriPayload, Hi1Notification, UnknownElement>;

struct PsPdu {
  PsHeader header;
  Payload payload;
  friend bool operator==(const PsPdu&, const PsPdu&) = default;
};

// Replaces `out` with the BER encoding of `pdu` (its capacity is reused).
// The caller keeps within the ETSI sizes (LIID 1..25, country codes 2, ...).
void encode(const PsPdu& pdu, std::string& out);

// Decodes exactly one PS-PDU (trailing bytes are an error). On failure
// returns false, `error` says what and at which byte offset, and `pdu` holds
// whatever was decoded before the failure.
bool decode(ByteView bytes, PsPdu& pdu, std::string& error);

// The fields that change from PDU to PDU of one warrant.
struct PduVariables {
  std::optional<int64_t> cin;
  uint64_t sequence_number = 0;
  std::string_view generalized_time;  // empty: absent
  std::optional<MicroTimestamp> microsecond_timestamp;
};

// The PSHeader of one warrant (and one delivery choice: time format,
// qualifier) with its constant fields pre-encoded once, so a PDU costs only
// its CIN, sequence number, timestamp and payload (OpenLI's templating.c
// idea, STYLE.md).
class HeaderTemplate {
 public:
  HeaderTemplate() = default;
  // Takes every field of `constants` except cin, sequence_number,
  // generalized_time and microsecond_timestamp.
  explicit HeaderTemplate(const PsHeader& constants);

  // Replaces `out` with the PS-PDU of this header, `variables` and `payload`;
  // byte-for-byte what encode() gives for the same PsPdu.
  void encode(const PduVariables& variables, const Payload& payload, std::string& out) const;

 private:
  std::string identification_;         // [0] domain OID, [1] LIID, [2] country code
  std::string network_identifier_;     // [0] inside communicationIdentifier
  std::string delivery_country_code_;  // [2] inside communicationIdentifier
  std::string interception_point_id_;  // [6]
  std::string timestamp_qualifier_;    // [8]
};

// Time fields in the forms OpenLI sends (§4).
MicroTimestamp micro_timestamp_of(Timestamp time);
std::string generalized_time_of(Timestamp time);  // "20050101110203.250Z"
std::string utc_time_of(Timestamp time);          // "050101110203Z"

}  // namespace rcds::handover
