// IRI and CC payloads of the PS-PDU: EmailIRI / IPIRI (§5, §6) and
// EmailCC / IPCC, plus the ETSI IPAddress they share.
#include <array>
#include <string>

#include "handover/pspdu_fields.h"

namespace rcds::handover::detail {

namespace {

// Object identifiers relative to 0.4.0.2.2 (§3 table).
constexpr std::array<uint32_t, 4> kEmailIriOid = {5, 2, 15, 1};
constexpr std::array<uint32_t, 4> kEmailCcOid = {5, 2, 15, 2};
constexpr std::array<uint32_t, 4> kIpIriOid = {5, 3, 10, 1};
constexpr std::array<uint32_t, 4> kIpCcOid = {5, 3, 10, 2};

// iRIContents / cCContents alternatives.
constexpr uint32_t kEmailAlternative = 1;
constexpr uint32_t kIpAlternative = 2;

template <typename Unsigned>
void write_count(ber::Writer& writer, uint32_t number, const std::optional<Unsigned>& value) {
  if (value) writer.unsigned_integer(context(number), *value);
}

void write_text(ber::Writer& writer, uint32_t number, const std::optional<std::string>& value) {
  if (value) writer.octets(context(number), *value);
}

void encode_email_iri(ber::Writer& writer, const EmailIri& iri) {
  const size_t mark = writer.begin(context_constructed(kEmailAlternative));
  writer.relative_oid(context(0), kEmailIriOid);
  write_enum(writer, 1, iri.event_type);
  if (iri.client_address) write_ip_address(writer, 2, *iri.client_address);
  if (iri.server_address) write_ip_address(writer, 3, *iri.server_address);
  write_count(writer, 4, iri.client_port);
  write_count(writer, 5, iri.server_port);
  write_count(writer, 6, iri.server_octets_sent);
  write_count(writer, 7, iri.client_octets_sent);
  if (iri.protocol_id) write_enum(writer, 8, *iri.protocol_id);
  write_text(writer, 9, iri.sender);
  if (!iri.recipients.empty()) {
    // E-mail-Address-List ::= SEQUENCE OF UTF8String: the elements keep
    // their universal tag (IMPLICIT tagging only replaces tagged types).
    const size_t list = writer.begin(context_constructed(10));
    for (const std::string& recipient : iri.recipients) writer.octets(ber::kUtf8String, recipient);
    writer.end(list);
  }
  if (iri.status) write_enum(writer, 11, *iri.status);
  write_count(writer, 12, iri.total_recipient_count);
  write_text(writer, 13, iri.message_id);
  write_text(writer, 14, iri.national_parameter);
  writer.end(mark);
}

void encode_ip_iri(ber::Writer& writer, const IpIri& iri) {
  const size_t mark = writer.begin(context_constructed(kIpAlternative));
  writer.relative_oid(context(0), kIpIriOid);
  const size_t contents = writer.begin(context_constructed(1));
  write_enum(writer, 0, iri.access_event_type);
  write_text(writer, 1, iri.target_username);
  if (iri.ip_version) write_enum(writer, 3, *iri.ip_version);
  if (iri.target_ip_address) write_ip_address(writer, 4, *iri.target_ip_address);
  write_text(writer, 10, iri.start_time);
  write_text(writer, 11, iri.end_time);
  if (iri.end_reason) write_enum(writer, 12, *iri.end_reason);
  write_count(writer, 13, iri.octets_received);
  write_count(writer, 14, iri.octets_transmitted);
  writer.end(contents);
  writer.end(mark);
}

void encode_unknown(ber::Writer& writer, const UnknownElement& unknown) {
  writer.identifier(unknown.tag);
  writer.length(unknown.contents.size());
  writer.raw(unknown.contents);
}

bool check_oid(const ber::Element& element, const std::array<uint32_t, 4>& expected,
               std::string& error) {
  std::array<uint32_t, 8> arcs{};
  size_t count = 0;
  if (!ber::read_relative_oid(element, arcs, count, error)) return false;
  // The last arc says IRI (1) or CC (2); the version before it may differ.
  if (count != 4 || arcs[0] != expected[0] || arcs[1] != expected[1] || arcs[3] != expected[3]) {
    error = "offset " + std::to_string(element.offset) + ": unexpected object identifier";
    return false;
  }
  return true;
}

bool read_recipients(const ber::Reader& parent, const ber::Element& element,
                     std::vector<std::string>& recipients, std::string& error) {
  ber::Reader list(ByteView{});
  if (!parent.enter(element, list, error)) return false;
  ber::Element address;
  while (!list.at_end()) {
    if (!list.next(address, error)) return false;
    if (!read_string(address, recipients.emplace_back(), error)) return false;
  }
  return true;
}

bool decode_email_iri(const ber::Reader& parent, const ber::Element& element, EmailIri& iri,
                      std::string& error) {
  bool have_event = false;
  const bool ok = for_each_field(
      parent, element, error, [&](const ber::Reader& fields, const ber::Element& field) {
        switch (field.tag.number) {
          case 0:
            return check_oid(field, kEmailIriOid, error);
          case 1:
            have_event = true;
            return read_enum(field, iri.event_type, error);
          case 2:
            return read_ip_address(fields, field, iri.client_address.emplace(), error);
          case 3:
            return read_ip_address(fields, field, iri.server_address.emplace(), error);
          case 4:
            return read_count(field, iri.client_port, error);
          case 5:
            return read_count(field, iri.server_port, error);
          case 6:
            return read_count(field, iri.server_octets_sent, error);
          case 7:
            return read_count(field, iri.client_octets_sent, error);
          case 8:
            return read_enum(field, iri.protocol_id, error);
          case 9:
            return read_string(field, iri.sender, error);
          case 10:
            return read_recipients(fields, field, iri.recipients, error);
          case 11:
            return read_enum(field, iri.status, error);
          case 12:
            return read_count(field, iri.total_recipient_count, error);
          case 13:
            return read_string(field, iri.message_id, error);
          case 14:
            return read_string(field, iri.national_parameter, error);
          default:
            return true;
        }
      });
  if (ok && !have_event) return missing(element, "eventType [1]", error);
  return ok;
}

bool decode_ip_iri_contents(const ber::Reader& parent, const ber::Element& element, IpIri& iri,
                            std::string& error) {
  bool have_event = false;
  const bool ok = for_each_field(
      parent, element, error, [&](const ber::Reader& fields, const ber::Element& field) {
        switch (field.tag.number) {
          case 0:
            have_event = true;
            return read_enum(field, iri.access_event_type, error);
          case 1:
            return read_string(field, iri.target_username, error);
          case 3:
            return read_enum(field, iri.ip_version, error);
          case 4:
            return read_ip_address(fields, field, iri.target_ip_address.emplace(), error);
          case 10:
            return read_string(field, iri.start_time, error);
          case 11:
            return read_string(field, iri.end_time, error);
          case 12:
            return read_enum(field, iri.end_reason, error);
          case 13:
            return read_count(field, iri.octets_received, error);
          case 14:
            return read_count(field, iri.octets_transmitted, error);
          default:
            return true;
        }
      });
  if (ok && !have_event) return missing(element, "accessEventType [0]", error);
  return ok;
}

bool decode_ip_iri(const ber::Reader& parent, const ber::Element& element, IpIri& iri,
                   std::string& error) {
  bool have_contents = false;
  const bool ok = for_each_field(parent, element, error,
                                 [&](const ber::Reader& fields, const ber::Element& field) {
                                   switch (field.tag.number) {
                                     case 0:
                                       return check_oid(field, kIpIriOid, error);
                                     case 1:
                                       have_contents = true;
                                       return decode_ip_iri_contents(fields, field, iri, error);
                                     default:
                                       return true;
                                   }
                                 });
  if (ok && !have_contents) return missing(element, "iPIRIContents [1]", error);
  return ok;
}

bool decode_email_cc(const ber::Reader& parent, const ber::Element& element, EmailCc& cc,
                     std::string& error) {
  bool have_content = false;
  const bool ok =
      for_each_field(parent, element, error, [&](const ber::Reader&, const ber::Element& field) {
        switch (field.tag.number) {
          case 0:
            return check_oid(field, kEmailCcOid, error);
          case 1:
            return read_enum(field, cc.format, error);
          case 2:
            have_content = true;
            return read_string(field, cc.content, error);
          default:
            return true;
        }
      });
  if (ok && !have_content) return missing(element, "email-Content [2]", error);
  return ok;
}

bool decode_ip_cc(const ber::Reader& parent, const ber::Element& element, IpCc& cc,
                  std::string& error) {
  bool have_packet = false;
  const bool ok = for_each_field(parent, element, error,
                                 [&](const ber::Reader& fields, const ber::Element& field) {
                                   switch (field.tag.number) {
                                     case 0:
                                       return check_oid(field, kIpCcOid, error);
                                     case 1: {  // iPCCContents CHOICE: iPPackets [0]
                                       ber::Reader inside(ByteView{});
                                       ber::Element packet;
                                       if (!choice_of(fields, field, inside, packet, error))
                                         return false;
                                       if (packet.tag != context(0))
                                         return true;  // an alternative we do not know
                                       have_packet = true;
                                       return read_string(packet, cc.packet, error);
                                     }
                                     default:
                                       return true;
                                   }
                                 });
  if (ok && !have_packet) return missing(element, "iPPackets [1][0]", error);
  return ok;
}

// The contents CHOICE [2] of an IRI or CC payload: the e-mail or the IP
// alternative, anything else kept verbatim.
template <class Email, class Ip, class Contents, class DecodeEmail, class DecodeIp>
bool decode_contents(const ber::Reader& fields, const ber::Element& field, Contents& contents,
                     DecodeEmail decode_email, DecodeIp decode_ip, std::string& error) {
  ber::Reader inside(ByteView{});
  ber::Element chosen;
  if (!choice_of(fields, field, inside, chosen, error)) return false;
  if (chosen.tag == context_constructed(kEmailAlternative)) {
    return decode_email(inside, chosen, contents.template emplace<Email>(), error);
  }
  if (chosen.tag == context_constructed(kIpAlternative)) {
    return decode_ip(inside, chosen, contents.template emplace<Ip>(), error);
  }
  contents = unknown_of(chosen);
  return true;
}

}  // namespace

void write_ip_address(ber::Writer& writer, uint32_t number, const EtsiIpAddress& address) {
  const size_t mark = writer.begin(context_constructed(number));
  const bool v6 = address.address.version == 6;
  writer.integer(context(1), v6 ? 1 : 0);  // iP-type IPV4(0) / IPV6(1)
  const size_t value = writer.begin(context_constructed(2));
  const auto* bytes = reinterpret_cast<const char*>(address.address.bytes.data());
  writer.octets(context(1), v6 ? std::string_view(bytes, 16) : std::string_view(bytes + 12, 4));
  writer.end(value);
  if (address.assignment) write_enum(writer, 3, *address.assignment);
  writer.end(mark);
}

bool read_ip_address(const ber::Reader& parent, const ber::Element& element, EtsiIpAddress& address,
                     std::string& error) {
  bool have_value = false;
  const bool ok = for_each_field(
      parent, element, error, [&](const ber::Reader& fields, const ber::Element& field) {
        switch (field.tag.number) {
          case 2: {  // iP-value CHOICE: binary [1] or text [2]
            ber::Reader inside(ByteView{});
            ber::Element value;
            if (!choice_of(fields, field, inside, value, error)) return false;
            std::string_view text;
            if (!ber::read_octets(value, text, error)) return false;
            const auto* raw = reinterpret_cast<const uint8_t*>(text.data());
            if (value.tag == context(1) && text.size() == 4) {
              address.address = IpAddress::v4(raw);
            } else if (value.tag == context(1) && text.size() == 16) {
              address.address = IpAddress::v6(raw);
            } else if (value.tag == context(2) &&
                       IpAddress::parse(std::string(text), address.address)) {
            } else {
              error = "offset " + std::to_string(value.offset) + ": malformed iP-value";
              return false;
            }
            have_value = true;
            return true;
          }
          case 3:
            return read_enum(field, address.assignment, error);
          default:
            return true;  // iP-type follows from the value
        }
      });
  if (ok && !have_value) return missing(element, "iP-value [2]", error);
  return ok;
}

void encode_iri_payload(ber::Writer& writer, const IriPayload& iri) {
  const size_t mark = writer.begin(ber::kSequence);
  write_enum(writer, 0, iri.type);
  const size_t contents = writer.begin(context_constructed(2));
  if (const auto* email = std::get_if<EmailIri>(&iri.contents)) {
    encode_email_iri(writer, *email);
  } else if (const auto* ip = std::get_if<IpIri>(&iri.contents)) {
    encode_ip_iri(writer, *ip);
  } else {
    encode_unknown(writer, std::get<UnknownElement>(iri.contents));
  }
  writer.end(contents);
  if (iri.session_direction) write_enum(writer, 5, *iri.session_direction);
  if (iri.payload_direction) write_enum(writer, 6, *iri.payload_direction);
  writer.end(mark);
}

void encode_cc_payload(ber::Writer& writer, const CcPayload& cc) {
  const size_t mark = writer.begin(ber::kSequence);
  write_enum(writer, 0, cc.direction);
  const size_t contents = writer.begin(context_constructed(2));
  if (const auto* email = std::get_if<EmailCc>(&cc.contents)) {
    const size_t inner = writer.begin(context_constructed(kEmailAlternative));
    writer.relative_oid(context(0), kEmailCcOid);
    write_enum(writer, 1, email->format);
    writer.octets(context(2), email->content);
    writer.end(inner);
  } else if (const auto* ip = std::get_if<IpCc>(&cc.contents)) {
    const size_t inner = writer.begin(context_constructed(kIpAlternative));
    writer.relative_oid(context(0), kIpCcOid);
    const size_t packets = writer.begin(context_constructed(1));
    writer.octets(context(0), ip->packet);
    writer.end(packets);
    writer.end(inner);
  } else {
    encode_unknown(writer, std::get<UnknownElement>(cc.contents));
  }
  writer.end(contents);
  writer.end(mark);
}

bool decode_iri_payload(const ber::Reader& parent, const ber::Element& element, IriPayload& iri,
                        std::string& error) {
  bool have_type = false;
  bool have_contents = false;
  const bool ok = for_each_field(
      parent, element, error, [&](const ber::Reader& fields, const ber::Element& field) {
        switch (field.tag.number) {
          case 0:
            have_type = true;
            return read_enum(field, iri.type, error);
          case 2:
            have_contents = true;
            return decode_contents<EmailIri, IpIri>(fields, field, iri.contents, decode_email_iri,
                                                    decode_ip_iri, error);
          case 5:
            return read_enum(field, iri.session_direction, error);
          case 6:
            return read_enum(field, iri.payload_direction, error);
          default:
            return true;
        }
      });
  if (ok && !have_type) return missing(element, "iRIType [0]", error);
  if (ok && !have_contents) return missing(element, "iRIContents [2]", error);
  return ok;
}

bool decode_cc_payload(const ber::Reader& parent, const ber::Element& element, CcPayload& cc,
                       std::string& error) {
  bool have_direction = false;
  bool have_contents = false;
  const bool ok = for_each_field(
      parent, element, error, [&](const ber::Reader& fields, const ber::Element& field) {
        switch (field.tag.number) {
          case 0:
            have_direction = true;
            return read_enum(field, cc.direction, error);
          case 2:
            have_contents = true;
            return decode_contents<EmailCc, IpCc>(fields, field, cc.contents, decode_email_cc,
                                                  decode_ip_cc, error);
          default:
            return true;
        }
      });
  if (ok && !have_direction) return missing(element, "payloadDirection [0]", error);
  if (ok && !have_contents) return missing(element, "cCContents [2]", error);
  return ok;
}

}  // namespace rcds::handover::detail
