// PS-PDU outer structure, PSHeader, TRI and HI1 payloads, the per-warrant
// header template and the time formats. IRI/CC payloads: pspdu_payloads.cc.
#include "handover/pspdu.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>

#include "handover/pspdu_fields.h"

namespace rcds::handover {

namespace {

using namespace detail;  // NOLINT(google-build-using-namespace): the codec's own helpers

// 0.4.0.2.2 lawfulInterceptDomainId, then li-ps(5) genHeader(1) / hi1(0)
// notificationOperations(1), then the version.
constexpr std::array<uint32_t, 7> kPsDomainPrefix = {0, 4, 0, 2, 2, 5, 1};
constexpr std::array<uint32_t, 7> kHi1DomainPrefix = {0, 4, 0, 2, 2, 0, 1};

// Payload CHOICE alternatives.
constexpr uint32_t kIriSequence = 0;
constexpr uint32_t kCcSequence = 1;
constexpr uint32_t kTriPayload = 2;
constexpr uint32_t kHi1Operation = 3;

void write_domain(ber::Writer& writer, uint32_t number, const std::array<uint32_t, 7>& prefix,
                  uint32_t version) {
  std::array<uint32_t, 8> arcs{};
  for (size_t i = 0; i < prefix.size(); ++i) arcs[i] = prefix[i];
  arcs[7] = version;
  writer.object_identifier(context(number), arcs);
}

bool read_domain(const ber::Element& element, const std::array<uint32_t, 7>& prefix,
                 uint32_t& version, std::string& error) {
  std::array<uint32_t, 16> arcs{};
  size_t count = 0;
  if (!ber::read_object_identifier(element, arcs, count, error)) return false;
  // Any version is accepted: it only names the ASN.1 revision (§3).
  if (count != prefix.size() + 1 || !std::equal(prefix.begin(), prefix.end(), arcs.begin())) {
    error = "offset " + std::to_string(element.offset) + ": domain identifier is not " +
            (prefix[5] == 5 ? "0.4.0.2.2.5.1.<version>" : "0.4.0.2.2.0.1.<version>");
    return false;
  }
  version = arcs[prefix.size()];
  return true;
}

void write_text(ber::Writer& writer, uint32_t number, const std::optional<std::string>& value) {
  if (value) writer.octets(context(number), *value);
}

void write_micro_timestamp(ber::Writer& writer, const MicroTimestamp& time) {
  const size_t mark = writer.begin(context_constructed(7));
  writer.integer(context(0), time.seconds);
  writer.unsigned_integer(context(1), time.microseconds);
  writer.end(mark);
}

void write_network_identifier(ber::Writer& writer, const PsHeader& header) {
  const size_t mark = writer.begin(context_constructed(0));
  writer.octets(context(0), header.operator_id);
  write_text(writer, 1, header.network_element_id);
  writer.end(mark);
}

void encode_header(ber::Writer& writer, const PsHeader& header) {
  const size_t mark = writer.begin(context_constructed(1));
  write_domain(writer, 0, kPsDomainPrefix, header.domain_version);
  writer.octets(context(1), header.liid);
  write_text(writer, 2, header.authorisation_country_code);
  const size_t identifier = writer.begin(context_constructed(3));
  write_network_identifier(writer, header);
  if (header.cin) writer.integer(context(1), *header.cin);
  write_text(writer, 2, header.delivery_country_code);
  writer.end(identifier);
  writer.unsigned_integer(context(4), header.sequence_number);
  write_text(writer, 5, header.generalized_time);
  write_text(writer, 6, header.interception_point_id);
  if (header.microsecond_timestamp) write_micro_timestamp(writer, *header.microsecond_timestamp);
  if (header.timestamp_qualifier) write_enum(writer, 8, *header.timestamp_qualifier);
  writer.end(mark);
}

void encode_hi1(ber::Writer& writer, const Hi1Notification& notification) {
  const size_t operation = writer.begin(context_constructed(kHi1Operation));
  const size_t mark = writer.begin(context_constructed(static_cast<uint32_t>(notification.kind)));
  if (notification.domain_version) {
    write_domain(writer, 0, kHi1DomainPrefix, *notification.domain_version);
  }
  writer.octets(context(1), notification.liid);
  const size_t identifier = writer.begin(context_constructed(2));
  write_text(writer, 0, notification.communication_identity_number);
  const size_t network = writer.begin(context_constructed(1));
  writer.octets(context(0), notification.operator_id);
  writer.end(network);
  writer.end(identifier);
  const size_t time = writer.begin(context_constructed(3));  // TimeStamp CHOICE: utcTime [1]
  writer.octets(context(1), notification.utc_time);
  writer.end(time);
  write_text(writer, 6, notification.target_information);
  writer.end(mark);
  writer.end(operation);
}

void encode_payload(ber::Writer& writer, const Payload& payload) {
  const size_t mark = writer.begin(context_constructed(2));
  if (const auto* iris = std::get_if<IriSequence>(&payload)) {
    const size_t sequence = writer.begin(context_constructed(kIriSequence));
    for (const IriPayload& iri : *iris) encode_iri_payload(writer, iri);
    writer.end(sequence);
  } else if (const auto* ccs = std::get_if<CcSequence>(&payload)) {
    const size_t sequence = writer.begin(context_constructed(kCcSequence));
    for (const CcPayload& cc : *ccs) encode_cc_payload(writer, cc);
    writer.end(sequence);
  } else if (const auto* tri = std::get_if<TriPayload>(&payload)) {
    const size_t choice = writer.begin(context_constructed(kTriPayload));
    writer.identifier(
        ber::Tag{ber::TagClass::kContext, tri->constructed, static_cast<uint32_t>(tri->kind)});
    writer.length(tri->contents.size());
    writer.raw(tri->contents);
    writer.end(choice);
  } else if (const auto* hi1 = std::get_if<Hi1Notification>(&payload)) {
    encode_hi1(writer, *hi1);
  } else {
    const auto& unknown = std::get<UnknownElement>(payload);
    writer.identifier(unknown.tag);
    writer.length(unknown.contents.size());
    writer.raw(unknown.contents);
  }
  writer.end(mark);
}

bool decode_micro_timestamp(const ber::Reader& parent, const ber::Element& element,
                            MicroTimestamp& time, std::string& error) {
  bool have_seconds = false;
  const bool ok =
      for_each_field(parent, element, error, [&](const ber::Reader&, const ber::Element& field) {
        if (field.tag.number == 0) {
          have_seconds = true;
          return ber::read_integer(field, time.seconds, error);
        }
        if (field.tag.number == 1) {
          std::optional<uint32_t> micros;
          if (!read_count(field, micros, error)) return false;
          time.microseconds = *micros;
        }
        return true;
      });
  if (ok && !have_seconds) return missing(element, "seconds [0]", error);
  return ok;
}

bool decode_communication_identifier(const ber::Reader& parent, const ber::Element& element,
                                     PsHeader& header, std::string& error) {
  bool have_network = false;
  const bool ok = for_each_field(
      parent, element, error, [&](const ber::Reader& fields, const ber::Element& field) {
        switch (field.tag.number) {
          case 0: {
            bool have_operator = false;
            have_network = true;
            const bool network_ok = for_each_field(
                fields, field, error, [&](const ber::Reader&, const ber::Element& id) {
                  if (id.tag.number == 0) {
                    have_operator = true;
                    return read_string(id, header.operator_id, error);
                  }
                  if (id.tag.number == 1) return read_string(id, header.network_element_id, error);
                  return true;
                });
            if (network_ok && !have_operator) return missing(field, "operatorIdentifier", error);
            return network_ok;
          }
          case 1: {
            int64_t cin = 0;
            if (!ber::read_integer(field, cin, error)) return false;
            header.cin = cin;
            return true;
          }
          case 2:
            return read_string(field, header.delivery_country_code, error);
          default:
            return true;
        }
      });
  if (ok && !have_network) return missing(element, "networkIdentifier [0]", error);
  return ok;
}

bool decode_header(const ber::Reader& parent, const ber::Element& element, PsHeader& header,
                   std::string& error) {
  bool have_domain = false, have_liid = false, have_identifier = false, have_sequence = false;
  const bool ok = for_each_field(
      parent, element, error, [&](const ber::Reader& fields, const ber::Element& field) {
        switch (field.tag.number) {
          case 0:
            have_domain = true;
            return read_domain(field, kPsDomainPrefix, header.domain_version, error);
          case 1:
            have_liid = true;
            return read_string(field, header.liid, error);
          case 2:
            return read_string(field, header.authorisation_country_code, error);
          case 3:
            have_identifier = true;
            return decode_communication_identifier(fields, field, header, error);
          case 4:
            have_sequence = true;
            return ber::read_unsigned(field, header.sequence_number, error);
          case 5:
            return read_string(field, header.generalized_time, error);
          case 6:
            return read_string(field, header.interception_point_id, error);
          case 7:
            return decode_micro_timestamp(fields, field, header.microsecond_timestamp.emplace(),
                                          error);
          case 8:
            return read_enum(field, header.timestamp_qualifier, error);
          default:
            return true;
        }
      });
  if (!ok) return false;
  if (!have_domain) return missing(element, "li-psDomainId [0]", error);
  if (!have_liid) return missing(element, "lawfulInterceptionIdentifier [1]", error);
  if (!have_identifier) return missing(element, "communicationIdentifier [3]", error);
  if (!have_sequence) return missing(element, "sequenceNumber [4]", error);
  return true;
}

bool decode_notification(const ber::Reader& parent, const ber::Element& element,
                         Hi1Notification& notification, std::string& error) {
  notification.domain_version.reset();
  bool have_liid = false;
  const bool ok = for_each_field(
      parent, element, error, [&](const ber::Reader& fields, const ber::Element& field) {
        switch (field.tag.number) {
          case 0:
            return read_domain(field, kHi1DomainPrefix, notification.domain_version.emplace(),
                               error);
          case 1:
            have_liid = true;
            return read_string(field, notification.liid, error);
          case 2:
            return for_each_field(
                fields, field, error, [&](const ber::Reader& ids, const ber::Element& id) {
                  if (id.tag.number == 0) {
                    return read_string(id, notification.communication_identity_number, error);
                  }
                  if (id.tag.number != 1) return true;
                  return for_each_field(ids, id, error,
                                        [&](const ber::Reader&, const ber::Element& part) {
                                          if (part.tag.number != 0) return true;
                                          return read_string(part, notification.operator_id, error);
                                        });
                });
          case 3: {  // TimeStamp CHOICE: only utcTime [1] is modelled
            ber::Reader inside(ByteView{});
            ber::Element chosen;
            if (!choice_of(fields, field, inside, chosen, error)) return false;
            if (chosen.tag != context(1)) return true;
            return read_string(chosen, notification.utc_time, error);
          }
          case 6:
            return read_string(field, notification.target_information, error);
          default:
            return true;
        }
      });
  if (ok && !have_liid) return missing(element, "lawfulInterceptionIdentifier [1]", error);
  return ok;
}

bool decode_payload(const ber::Reader& parent, const ber::Element& element, Payload& payload,
                    std::string& error) {
  ber::Reader inside(ByteView{});
  ber::Element chosen;
  if (!choice_of(parent, element, inside, chosen, error)) return false;
  if (chosen.tag == context_constructed(kIriSequence)) {
    auto& iris = payload.emplace<IriSequence>();
    ber::Reader items(ByteView{});
    if (!inside.enter(chosen, items, error)) return false;
    ber::Element item;
    while (!items.at_end()) {  // IRIPayloads are universal SEQUENCEs
      if (!items.next(item, error)) return false;
      if (!decode_iri_payload(items, item, iris.emplace_back(), error)) return false;
    }
    return true;
  }
  if (chosen.tag == context_constructed(kCcSequence)) {
    auto& ccs = payload.emplace<CcSequence>();
    ber::Reader items(ByteView{});
    if (!inside.enter(chosen, items, error)) return false;
    ber::Element item;
    while (!items.at_end()) {
      if (!items.next(item, error)) return false;
      if (!decode_cc_payload(items, item, ccs.emplace_back(), error)) return false;
    }
    return true;
  }
  if (chosen.tag == context_constructed(kTriPayload)) {
    ber::Reader tri_inside(ByteView{});
    ber::Element alternative;
    if (!choice_of(inside, chosen, tri_inside, alternative, error)) return false;
    if (alternative.tag.tag_class != ber::TagClass::kContext) {
      payload = unknown_of(chosen);
      return true;
    }
    auto& tri = payload.emplace<TriPayload>();
    tri.kind = static_cast<TriKind>(alternative.tag.number);
    tri.constructed = alternative.tag.constructed;
    tri.contents.assign(as_chars(alternative.contents));
    const uint32_t number = alternative.tag.number;
    if (number >= static_cast<uint32_t>(TriKind::kKeepAlive) &&
        number <= static_cast<uint32_t>(TriKind::kCinReset)) {
      return ber::read_null(alternative, error);
    }
    return true;
  }
  if (chosen.tag == context_constructed(kHi1Operation)) {
    ber::Reader hi1_inside(ByteView{});
    ber::Element alternative;
    if (!choice_of(inside, chosen, hi1_inside, alternative, error)) return false;
    const uint32_t number = alternative.tag.number;
    if (alternative.tag.tag_class == ber::TagClass::kContext && alternative.tag.constructed &&
        number >= static_cast<uint32_t>(Hi1Kind::kActivated) &&
        number <= static_cast<uint32_t>(Hi1Kind::kModified)) {
      auto& notification = payload.emplace<Hi1Notification>();
      notification.kind = static_cast<Hi1Kind>(number);
      return decode_notification(hi1_inside, alternative, notification, error);
    }
  }
  payload = unknown_of(chosen);  // alarms, encryptionContainer, 3GPP alternatives...
  return true;
}

}  // namespace

void encode(const PsPdu& pdu, std::string& out) {
  out.clear();
  ber::Writer writer(out);
  const size_t mark = writer.begin(ber::kSequence);
  encode_header(writer, pdu.header);
  encode_payload(writer, pdu.payload);
  writer.end(mark);
}

bool decode(ByteView bytes, PsPdu& pdu, std::string& error) {
  pdu = PsPdu{};
  ber::Reader top(bytes);
  ber::Element outer;
  if (!top.next(outer, error)) return false;
  if (outer.tag != ber::kSequence) {
    error = "offset 0: a PS-PDU is a SEQUENCE (0x30), found " + ber::describe(outer.tag);
    return false;
  }
  if (!top.at_end()) {
    error = "offset " + std::to_string(top.offset()) + ": " +
            std::to_string(bytes.size() - top.offset()) + " bytes after the PS-PDU";
    return false;
  }
  bool have_header = false, have_payload = false;
  const bool ok =
      for_each_field(top, outer, error, [&](const ber::Reader& fields, const ber::Element& field) {
        if (field.tag.number == 1) {
          have_header = true;
          return decode_header(fields, field, pdu.header, error);
        }
        if (field.tag.number == 2) {
          have_payload = true;
          return decode_payload(fields, field, pdu.payload, error);
        }
        return true;
      });
  if (!ok) return false;
  if (!have_header) return missing(outer, "pSHeader [1]", error);
  if (!have_payload) return missing(outer, "payload [2]", error);
  return true;
}

HeaderTemplate::HeaderTemplate(const PsHeader& constants) {
  ber::Writer identification(identification_);
  write_domain(identification, 0, kPsDomainPrefix, constants.domain_version);
  identification.octets(context(1), constants.liid);
  write_text(identification, 2, constants.authorisation_country_code);
  ber::Writer network(network_identifier_);
  write_network_identifier(network, constants);
  ber::Writer delivery(delivery_country_code_);
  write_text(delivery, 2, constants.delivery_country_code);
  ber::Writer point(interception_point_id_);
  write_text(point, 6, constants.interception_point_id);
  ber::Writer qualifier(timestamp_qualifier_);
  if (constants.timestamp_qualifier) write_enum(qualifier, 8, *constants.timestamp_qualifier);
}

void HeaderTemplate::encode(const PduVariables& variables, const Payload& payload,
                            std::string& out) const {
  out.clear();
  ber::Writer writer(out);
  const size_t pdu = writer.begin(ber::kSequence);
  const size_t header = writer.begin(context_constructed(1));
  writer.raw(identification_);
  const size_t identifier = writer.begin(context_constructed(3));
  writer.raw(network_identifier_);
  if (variables.cin) writer.integer(context(1), *variables.cin);
  writer.raw(delivery_country_code_);
  writer.end(identifier);
  writer.unsigned_integer(context(4), variables.sequence_number);
  if (!variables.generalized_time.empty()) writer.octets(context(5), variables.generalized_time);
  writer.raw(interception_point_id_);
  if (variables.microsecond_timestamp) {
    write_micro_timestamp(writer, *variables.microsecond_timestamp);
  }
  writer.raw(timestamp_qualifier_);
  writer.end(header);
  encode_payload(writer, payload);
  writer.end(pdu);
}

MicroTimestamp micro_timestamp_of(Timestamp time) {
  int64_t seconds = time.ns / kNanosPerSecond;
  int64_t fraction = time.ns % kNanosPerSecond;
  if (fraction < 0) {
    fraction += kNanosPerSecond;
    --seconds;
  }
  return {seconds, static_cast<uint32_t>(fraction / 1000)};
}

namespace {
std::tm utc_fields(int64_t seconds) {
  const auto tt = static_cast<time_t>(seconds);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return tm;
}
}  // namespace

std::string generalized_time_of(Timestamp time) {
  const MicroTimestamp micro = micro_timestamp_of(time);
  const std::tm tm = utc_fields(micro.seconds);
  char text[40];
  std::snprintf(text, sizeof text, "%04d%02d%02d%02d%02d%02d.%03uZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                micro.microseconds / 1000);
  return text;
}

std::string utc_time_of(Timestamp time) {
  const std::tm tm = utc_fields(micro_timestamp_of(time).seconds);
  char text[40];
  std::snprintf(text, sizeof text, "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return text;
}

}  // namespace rcds::handover
