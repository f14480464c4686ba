// Records and notices as ETSI TS 102 232 PS-PDUs (ETSI_HANDOVER.md §3-§9),
// and the record -> IRI/CC payload mapping that X2/X3 reuses for its X2
// payload (format 1 carries the same IRIPayload).
//
// Mapping (design decision §7, documented in the report and below):
//   kind iri-begin/continue/end/report -> iRIType Begin(1)/Continue(3)/End(2)/Report(4)
//   protocol "ip"   IRI -> IPIRI  (ip_begin sessionStart 4, ip_end sessionEnd 5)
//   other protocols IRI -> EmailIRI (msnp events as logon/logoff/send/receive...)
//   CC message/file      -> EmailCC application(2); CC ip-packet -> IPCC
//   notices              -> HI1 liActivated/liModified/liDeactivated, CIN 0
//
// The constant PSHeader fields of each LIID are pre-encoded once
// (HeaderTemplate, cached per LIID); per record only CIN, sequence number,
// timestamp and payload are written. The payload models are kept and refilled
// in place, so after warm-up a record costs no heap allocation.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "handover/pdu_codec.h"
#include "handover/pspdu.h"

namespace rcds::handover {

// nationalParameter is bounded so one event with huge details (a long
// contact list) cannot blow up an IRI; whole key=value pairs that do not fit
// are dropped and ";truncated=true" says so.
inline constexpr size_t kMaxNationalParameter = 4096;

// Heterogeneous lookup by string_view: a cache hit allocates nothing.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

// Fills reusable ETSI payload models from records. One per codec (not
// thread-safe; a codec serves one destination's sender).
class RecordMapper {
 public:
  RecordMapper();
  // The Payload (IRI sequence of one, or CC sequence of one) of `record`;
  // valid until the next call.
  const Payload& map(const intercept::Record& record);

  // EmailIRI eventType of an MSNP event (§7); events without an ETSI
  // counterpart get send/receive from the direction (receive when unknown),
  // the real name being in nationalParameter "event=...".
  static EmailEvent email_event_of(const intercept::Record& record);
  // "event=<name>;key=value;..." with '%', ';', '=' and control characters
  // percent-escaped, at most kMaxNationalParameter bytes.
  static void national_parameter(const intercept::Record& record, std::string& out);

 private:
  void map_email_iri(const intercept::Record& record, IriPayload& iri);
  void map_ip_iri(const intercept::Record& record, IriPayload& iri);

  Payload email_iri_;
  Payload ip_iri_;
  Payload email_cc_;
  Payload ip_cc_;
};

IriType iri_type_of(intercept::RecordKind kind);
// payloadDirection; unknown maps to indeterminate(2).
Direction direction_of(intercept::PayloadDirection direction);

class EtsiCodec final : public PduCodec {
 public:
  explicit EtsiCodec(const Destination& destination);

  HandoverInterface encode(const intercept::Record& record, std::string& out) override;
  bool encode_notice(const intercept::WarrantNotice& notice, std::string& out) override;
  void encode_keepalive(uint64_t sequence, Timestamp now, std::string& out) override;
  ber::FrameStatus frame(ByteView buffered, size_t& length, std::string& error) const override;
  bool keepalive_response(ByteView pdu, uint64_t& sequence) const override;

  // The constant PSHeader fields this codec uses for `liid` (tests compare
  // the template output with the plain encoder through it).
  PsHeader header_constants(std::string_view liid) const;

  // LIID of keep-alives (§9: the sender's software name, not a warrant).
  static constexpr std::string_view kKeepaliveLiid = "RCDS";
  // Templates kept at once; beyond it the cache starts over (warrants are
  // few, a rebuild costs one header encoding per LIID).
  static constexpr size_t kMaxTemplates = 1024;

 private:
  const HeaderTemplate& header_for(std::string_view liid);

  Destination destination_;
  RecordMapper mapper_;
  std::unordered_map<std::string, HeaderTemplate, StringHash, std::equal_to<>> templates_;
  std::string last_liid_;  // one-entry cache in front of the map
  const HeaderTemplate* last_template_ = nullptr;
  HeaderTemplate keepalive_template_;
  uint64_t notice_sequence_ = 0;  // HI1 notifications: own counter (CIN 0)
  Payload keepalive_payload_;
  Payload notice_payload_;
};

}  // namespace rcds::handover
