// Record -> PS-PDU mapping (ETSI_HANDOVER.md §5-§9) and the ETSI PduCodec.
#include "handover/etsi_codec.h"

#include <algorithm>
#include <charconv>

namespace rcds::handover {

namespace {

using intercept::ContentKind;
using intercept::Party;
using intercept::PayloadDirection;
using intercept::Record;
using intercept::RecordKind;

std::string_view detail_of(const Record& record, std::string_view key) {
  for (const auto& [name, value] : record.details) {
    if (name == key) return value;
  }
  return {};
}

bool parse_u64(std::string_view text, uint64_t& value) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc{} && end == text.data() + text.size();
}

// "msn:bob@hotmail.com" -> "bob@hotmail.com": EmailIRI carries addresses.
std::string_view account_of(std::string_view identity) {
  if (identity.starts_with("msn:")) identity.remove_prefix(4);
  return identity;
}

// Assigns without reallocating when the string already has the capacity.
void set_text(std::optional<std::string>& field, std::string_view value) {
  if (!field) field.emplace();
  field->assign(value);
}

void set_address(std::optional<EtsiIpAddress>& field, const IpAddress& address) {
  if (address.version == 0) {
    field.reset();
    return;
  }
  // notKnown(3): the sensor sees the address, not how it was assigned.
  field = EtsiIpAddress{address, IpAssignment::kNotKnown};
}

template <typename T>
void set_port(std::optional<T>& field, uint16_t port) {
  if (port != 0) {
    field = port;
  } else {
    field.reset();
  }
}

// Events whose account is the one logging in/out: EmailIRI e-mail-Sender is
// the target account (§7) although the record names it as a participant.
bool is_session_event(std::string_view event) {
  return event == "login_attempt" || event == "login_result" || event == "logout" ||
         event == "redirect" || event == "login_profile";
}

// Bytes nationalParameter escapes: its separators, '%' itself and controls.
constexpr bool needs_escape(unsigned char byte) {
  return byte == '%' || byte == ';' || byte == '=' || byte < 0x20 || byte == 0x7F;
}

struct EscapeTable {
  bool escape[256] = {};
  constexpr EscapeTable() {
    for (int i = 0; i < 256; ++i) escape[i] = needs_escape(static_cast<unsigned char>(i));
  }
};
constexpr EscapeTable kEscape;

// Safe runs are appended in bulk: this is the hot spot of a small IRI.
void append_escaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  size_t run = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (!kEscape.escape[byte]) continue;
    out.append(text.data() + run, i - run);
    const char escaped[3] = {'%', kHex[byte >> 4], kHex[byte & 0x0F]};
    out.append(escaped, 3);
    run = i + 1;
  }
  out.append(text.data() + run, text.size() - run);
}

// Does `address` lie in the warrant target "ip:ADDR" / "ip:ADDR/BITS"?
bool target_covers(std::string_view target, const IpAddress& address) {
  if (!target.starts_with("ip:") || address.version == 0) return false;
  target.remove_prefix(3);
  const size_t slash = target.find('/');
  IpAddress network;
  if (!IpAddress::parse(std::string(target.substr(0, slash)), network)) return false;
  if (network.version != address.version) return false;
  const size_t width = network.version == 4 ? 32 : 128;
  uint64_t bits = width;
  if (slash != std::string_view::npos &&
      (!parse_u64(target.substr(slash + 1), bits) || bits > width)) {
    return false;
  }
  const size_t first = network.version == 4 ? 12 : 0;  // IPv4 lives in the last 4 bytes
  for (size_t bit = 0; bit < bits; ++bit) {
    const size_t i = first + bit / 8;
    const auto mask = static_cast<uint8_t>(0x80 >> (bit % 8));
    if ((network.bytes[i] & mask) != (address.bytes[i] & mask)) return false;
  }
  return true;
}

}  // namespace

IriType iri_type_of(RecordKind kind) {
  switch (kind) {
    case RecordKind::kIriBegin:
      return IriType::kBegin;
    case RecordKind::kIriContinue:
      return IriType::kContinue;
    case RecordKind::kIriEnd:
      return IriType::kEnd;
    default:
      return IriType::kReport;
  }
}

Direction direction_of(PayloadDirection direction) {
  switch (direction) {
    case PayloadDirection::kFromTarget:
      return Direction::kFromTarget;
    case PayloadDirection::kToTarget:
      return Direction::kToTarget;
    default:
      return Direction::kIndeterminate;
  }
}

RecordMapper::RecordMapper()
    : email_iri_(IriSequence{IriPayload{IriType::kReport, EmailIri{}, {}, {}}}),
      ip_iri_(IriSequence{IriPayload{IriType::kReport, IpIri{}, {}, {}}}),
      email_cc_(CcSequence{CcPayload{Direction::kFromTarget, EmailCc{}}}),
      ip_cc_(CcSequence{CcPayload{Direction::kFromTarget, IpCc{}}}) {}

EmailEvent RecordMapper::email_event_of(const Record& record) {
  const std::string_view event = record.event;
  if (event == "login_result") {
    return detail_of(record, "success") == "true" ? EmailEvent::kLogon : EmailEvent::kLogonFailure;
  }
  if (event == "login_attempt" || event == "redirect") return EmailEvent::kLogonAttempt;
  if (event == "logout") return EmailEvent::kLogoff;
  // message and everything without an ETSI counterpart: who sent it.
  return record.direction == PayloadDirection::kFromTarget ? EmailEvent::kSend
                                                           : EmailEvent::kReceive;
}

void RecordMapper::national_parameter(const Record& record, std::string& out) {
  out.clear();
  out.append("event=");
  append_escaped(out, record.event);
  // Room is kept for the truncation marker; a pair that does not fit is
  // taken back whole.
  constexpr std::string_view kTruncated = ";truncated=true";
  for (const auto& [key, value] : record.details) {
    const size_t before = out.size();
    out.push_back(';');
    append_escaped(out, key);
    out.push_back('=');
    append_escaped(out, value);
    if (out.size() > kMaxNationalParameter - kTruncated.size()) {
      out.resize(before);
      out.append(kTruncated);
      return;
    }
  }
}

void RecordMapper::map_email_iri(const Record& record, IriPayload& iri) {
  auto& email = std::get<EmailIri>(iri.contents);
  email.event_type = email_event_of(record);
  set_address(email.client_address, record.client.address);
  set_address(email.server_address, record.server.address);
  set_port(email.client_port, record.client.port);
  set_port(email.server_port, record.server.port);
  email.protocol_id = EmailProtocol::kUndefined;  // MSNP is none of smtp/pop3/imap4/webmail

  const Party* sender = nullptr;
  size_t recipients = 0;
  for (const Party& party : record.parties) {
    if (party.role == Party::Role::kOriginator && sender == nullptr) sender = &party;
    if (party.role == Party::Role::kRecipient) {
      // resize + assign keeps each slot's capacity from record to record.
      if (email.recipients.size() <= recipients) email.recipients.emplace_back();
      email.recipients[recipients++].assign(account_of(party.identity));
    }
  }
  email.recipients.resize(recipients);
  if (sender == nullptr && is_session_event(record.event)) {
    for (const Party& party : record.parties) {
      if (party.role == Party::Role::kParticipant) {
        sender = &party;
        break;
      }
    }
  }
  if (sender != nullptr) {
    set_text(email.sender, account_of(sender->identity));
  } else {
    email.sender.reset();
  }

  email.status.reset();
  if (record.event == "login_result") {
    email.status =
        email.event_type == EmailEvent::kLogon ? EmailStatus::kSucceeded : EmailStatus::kFailed;
  }
  if (!email.national_parameter) email.national_parameter.emplace();
  national_parameter(record, *email.national_parameter);
  iri.payload_direction.reset();
  if (record.direction != PayloadDirection::kUnknown) {
    iri.payload_direction = direction_of(record.direction);
  }
}

void RecordMapper::map_ip_iri(const Record& record, IriPayload& iri) {
  auto& ip = std::get<IpIri>(iri.contents);
  ip = IpIri{};  // rare (one pair per IP communication): clarity over reuse
  if (record.event == "ip_begin") {
    ip.access_event_type = AccessEventType::kSessionStart;
  } else if (record.event == "ip_end") {
    ip.access_event_type = AccessEventType::kSessionEnd;
  } else {
    ip.access_event_type = AccessEventType::kUnknown;
  }
  // The target's end of the communication: the warrant's address or prefix
  // decides; without one, the direction of the first packet (from-target:
  // the client sent it).
  const IpAddress* target = nullptr;
  if (target_covers(record.target, record.client.address)) {
    target = &record.client.address;
  } else if (target_covers(record.target, record.server.address)) {
    target = &record.server.address;
  } else if (record.direction == PayloadDirection::kToTarget) {
    target = &record.server.address;
  } else if (record.client.address.version != 0) {
    target = &record.client.address;
  }
  if (target != nullptr && target->version != 0) {
    ip.ip_version = target->version == 6 ? IpVersion::kIpv6 : IpVersion::kIpv4;
    ip.target_ip_address = EtsiIpAddress{*target, IpAssignment::kNotKnown};
  }
  if (ip.access_event_type == AccessEventType::kSessionEnd) {
    uint64_t first = 0;
    if (parse_u64(detail_of(record, "first"), first)) {
      ip.start_time = generalized_time_of(Timestamp{static_cast<int64_t>(first) * 1000});
    }
    ip.end_time = generalized_time_of(record.time);
    const std::string_view reason = detail_of(record, "reason");
    ip.end_reason = reason == "fin"       ? EndReason::kRegularLogOff
                    : reason == "reset"   ? EndReason::kConnectionLoss
                    : reason == "timeout" ? EndReason::kConnectionTimeout
                                          : EndReason::kUndefined;
  } else {
    ip.start_time = generalized_time_of(record.time);
  }
  // Octets per direction from the target's view, when the engine splits
  // them (a total over both directions fits neither field).
  uint64_t octets = 0;
  if (parse_u64(detail_of(record, "bytes_to_target"), octets)) ip.octets_received = octets;
  if (parse_u64(detail_of(record, "bytes_from_target"), octets)) ip.octets_transmitted = octets;
  iri.payload_direction.reset();
  if (record.direction != PayloadDirection::kUnknown) {
    iri.payload_direction = direction_of(record.direction);
  }
}

const Payload& RecordMapper::map(const Record& record) {
  if (intercept::is_iri(record.kind)) {
    Payload& payload = record.protocol == "ip" ? ip_iri_ : email_iri_;
    IriPayload& iri = std::get<IriSequence>(payload)[0];
    iri.type = iri_type_of(record.kind);
    if (&payload == &ip_iri_) {
      map_ip_iri(record, iri);
    } else {
      map_email_iri(record, iri);
    }
    return payload;
  }
  if (record.content_kind == ContentKind::kIpPacket) {
    CcPayload& cc = std::get<CcSequence>(ip_cc_)[0];
    cc.direction = direction_of(record.direction);
    std::get<IpCc>(cc.contents).packet.assign(record.content);
    return ip_cc_;
  }
  CcPayload& cc = std::get<CcSequence>(email_cc_)[0];
  cc.direction = direction_of(record.direction);
  auto& email = std::get<EmailCc>(cc.contents);
  email.format = EmailFormat::kApplication;  // the application's content, not packets
  email.content.assign(record.content);
  return email_cc_;
}

// ---- EtsiCodec --------------------------------------------------------------

EtsiCodec::EtsiCodec(const Destination& destination)
    : destination_(destination),
      keepalive_payload_(TriPayload{TriKind::kKeepAlive, false, {}}),
      notice_payload_(Hi1Notification{}) {
  keepalive_template_ = HeaderTemplate(header_constants(kKeepaliveLiid));
}

PsHeader EtsiCodec::header_constants(std::string_view liid) const {
  PsHeader header;
  header.liid.assign(liid);
  if (!destination_.authorisation_country.empty()) {
    header.authorisation_country_code = destination_.authorisation_country;
  }
  header.operator_id = destination_.operator_id;
  if (!destination_.network_element_id.empty()) {
    header.network_element_id = destination_.network_element_id;
  }
  if (!destination_.delivery_country.empty()) {
    header.delivery_country_code = destination_.delivery_country;
  }
  // Microsecond timestamps with the qualifier, OpenLI's default (§4).
  header.timestamp_qualifier = TimestampQualifier::kTimeOfInterception;
  return header;
}

const HeaderTemplate& EtsiCodec::header_for(std::string_view liid) {
  if (last_template_ != nullptr && liid == last_liid_) return *last_template_;
  auto it = templates_.find(liid);
  if (it == templates_.end()) {
    if (templates_.size() >= kMaxTemplates) templates_.clear();
    it = templates_.emplace(std::string(liid), HeaderTemplate(header_constants(liid))).first;
  }
  last_liid_.assign(liid);
  last_template_ = &it->second;  // element addresses survive rehashing
  return *last_template_;
}

HandoverInterface EtsiCodec::encode(const Record& record, std::string& out) {
  const Payload& payload = mapper_.map(record);
  PduVariables variables;
  variables.cin = record.cin;
  variables.sequence_number = record.sequence;
  variables.microsecond_timestamp = micro_timestamp_of(record.time);
  header_for(record.liid).encode(variables, payload, out);
  return intercept::is_iri(record.kind) ? HandoverInterface::kHi2 : HandoverInterface::kHi3;
}

bool EtsiCodec::encode_notice(const intercept::WarrantNotice& notice, std::string& out) {
  auto& hi1 = std::get<Hi1Notification>(notice_payload_);
  switch (notice.kind) {
    case intercept::WarrantNotice::Kind::kActivated:
      hi1.kind = Hi1Kind::kActivated;
      break;
    case intercept::WarrantNotice::Kind::kModified:
      hi1.kind = Hi1Kind::kModified;
      break;
    case intercept::WarrantNotice::Kind::kDeactivated:
      hi1.kind = Hi1Kind::kDeactivated;
      break;
  }
  hi1.liid = notice.liid;
  // HI1 operator-Identifier is 1..5 characters, unlike the PSHeader's (§8).
  hi1.operator_id = std::string_view(destination_.operator_id).substr(0, 5);
  if (hi1.operator_id.empty()) hi1.operator_id = "-";
  hi1.utc_time = utc_time_of(notice.time);
  PduVariables variables;
  variables.cin = 0;
  variables.sequence_number = notice_sequence_++;
  variables.microsecond_timestamp = micro_timestamp_of(notice.time);
  header_for(notice.liid).encode(variables, notice_payload_, out);
  return true;
}

void EtsiCodec::encode_keepalive(uint64_t sequence, Timestamp now, std::string& out) {
  PduVariables variables;
  variables.cin = 0;
  variables.sequence_number = sequence;
  variables.microsecond_timestamp = micro_timestamp_of(now);
  keepalive_template_.encode(variables, keepalive_payload_, out);
}

ber::FrameStatus EtsiCodec::frame(ByteView buffered, size_t& length, std::string& error) const {
  return ber::frame_pdu(buffered, length, error);
}

bool EtsiCodec::keepalive_response(ByteView pdu, uint64_t& sequence) const {
  PsPdu decoded;
  std::string error;
  if (!decode(pdu, decoded, error)) return false;
  const auto* tri = std::get_if<TriPayload>(&decoded.payload);
  if (tri == nullptr || tri->kind != TriKind::kKeepAliveResponse) return false;
  sequence = decoded.header.sequence_number;
  return true;
}

}  // namespace rcds::handover
