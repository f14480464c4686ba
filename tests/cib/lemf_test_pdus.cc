#include "lemf_test_pdus.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "handover/ber.h"

namespace rcds::cib::lemf::testing {

namespace ho = rcds::handover;

ho::PsHeader header(const std::string& liid, int64_t cin, uint64_t sequence, uint32_t micros) {
  ho::PsHeader h;
  h.liid = liid;
  h.authorisation_country_code = "NL";
  h.operator_id = "OPERATOR1";
  h.network_element_id = "dec-01";
  h.cin = cin;
  h.delivery_country_code = "NL";
  h.sequence_number = sequence;
  h.microsecond_timestamp = ho::MicroTimestamp{kBaseSeconds, micros};
  h.timestamp_qualifier = ho::TimestampQualifier::kTimeOfInterception;
  return h;
}

ho::PsPdu iri_pdu(const std::string& liid, int64_t cin, uint64_t sequence) {
  ho::EmailIri email;
  email.event_type = ho::EmailEvent::kLogon;
  email.sender = "alice@example.com";
  ho::IriPayload iri;
  iri.type = ho::IriType::kBegin;
  iri.contents = email;
  return {header(liid, cin, sequence), ho::IriSequence{iri}};
}

ho::PsPdu cc_pdu(const std::string& liid, int64_t cin, uint64_t sequence,
                 const std::string& ip_packet, int64_t seconds) {
  ho::CcPayload cc;
  cc.direction = ho::Direction::kFromTarget;
  cc.contents = ho::IpCc{ip_packet};
  ho::PsPdu pdu{header(liid, cin, sequence), ho::CcSequence{cc}};
  pdu.header.microsecond_timestamp->seconds = seconds;
  return pdu;
}

ho::PsPdu keepalive(uint64_t sequence) {
  return {header("rcds-0.1", 0, sequence), ho::TriPayload{ho::TriKind::kKeepAlive, false, {}}};
}

ho::PsPdu hi1(const std::string& liid, ho::Hi1Kind kind, uint64_t sequence) {
  ho::Hi1Notification n;
  n.kind = kind;
  n.liid = liid;
  n.operator_id = "OPER";
  n.utc_time = "050101110203Z";
  n.target_information = "alice@example.com";
  return {header(liid, 0, sequence), n};
}

ho::PsPdu cin_reset(const std::string& liid, int64_t cin, uint64_t sequence) {
  return {header(liid, cin, sequence), ho::TriPayload{ho::TriKind::kCinReset, false, {}}};
}

std::string encode(const ho::PsPdu& pdu) {
  std::string out;
  ho::encode(pdu, out);
  return out;
}

std::string ipv4_udp(const std::string& source, const std::string& destination,
                     const std::string& payload) {
  std::string p(28, '\0');
  const size_t total = p.size() + payload.size();
  p[0] = 0x45;
  p[2] = static_cast<char>(total >> 8);
  p[3] = static_cast<char>(total & 0xff);
  p[8] = 64;
  p[9] = 17;
  inet_pton(AF_INET, source.c_str(), p.data() + 12);
  inet_pton(AF_INET, destination.c_str(), p.data() + 16);
  uint32_t sum = 0;
  for (size_t i = 0; i < 20; i += 2) {
    sum += (static_cast<uint8_t>(p[i]) << 8) | static_cast<uint8_t>(p[i + 1]);
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  const uint16_t checksum = static_cast<uint16_t>(~sum);
  p[10] = static_cast<char>(checksum >> 8);
  p[11] = static_cast<char>(checksum & 0xff);
  const size_t udp_length = 8 + payload.size();
  p[20] = static_cast<char>(0x9c);  // source port 40002
  p[21] = 0x42;
  p[22] = 0x07;  // destination port 1863
  p[23] = 0x47;
  p[24] = static_cast<char>(udp_length >> 8);
  p[25] = static_cast<char>(udp_length & 0xff);
  return p + payload;
}

namespace {
// Element offsets are absolute, so each level is walked on its own copy.
void indefinite_level(std::string_view ber, std::string& out) {
  const std::string copy(ber);
  ho::ber::Reader reader(as_bytes(copy));
  ho::ber::Element element;
  std::string error;
  while (!reader.at_end()) {
    ASSERT_TRUE(reader.next(element, error)) << error;
    if (!element.tag.constructed) {
      out.append(copy, element.offset, element.header_size);
      out.append(as_chars(element.contents));
      continue;
    }
    ho::ber::Writer writer(out);
    writer.identifier(element.tag);
    out.push_back(static_cast<char>(0x80));
    indefinite_level(as_chars(element.contents), out);
    out.append(2, '\0');
  }
}
}  // namespace

std::string to_indefinite(const std::string& ber) {
  std::string out;
  indefinite_level(ber, out);
  return out;
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "rcds-lemf-XXXXXX").string();
  path_ = mkdtemp(pattern.data());
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace rcds::cib::lemf::testing
