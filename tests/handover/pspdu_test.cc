// PS-PDU codec (handover/pspdu.h): the ETSI_HANDOVER.md §11 examples byte for
// byte in both directions, a round trip of every PDU kind we emit (plain and
// through the per-warrant header template, and re-framed with indefinite
// lengths), tolerance of unknown fields, hostile input, and openssl asn1parse
// as an independent check of structure and lengths.
#include "handover/pspdu.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace rcds::handover {
namespace {

std::string unhex(std::string_view text) {
  std::string bytes;
  int high = -1;
  for (const char c : text) {
    int value = -1;
    if (c >= '0' && c <= '9') value = c - '0';
    if (c >= 'a' && c <= 'f') value = c - 'a' + 10;
    if (value < 0) continue;
    if (high < 0) {
      high = value;
    } else {
      bytes.push_back(static_cast<char>(high * 16 + value));
      high = -1;
    }
  }
  return bytes;
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  for (size_t i = 0; i < bytes.size(); ++i) {
    text += i % 16 == 0 ? (i == 0 ? "" : "\n") : " ";
    text += kDigits[static_cast<uint8_t>(bytes[i]) >> 4];
    text += kDigits[static_cast<uint8_t>(bytes[i]) & 15];
  }
  return text;
}

// ETSI_HANDOVER.md §11, copied without the offset column.
const char* const kKeepAliveHex =
    "30 55 a1 4d 80 07 04 00 02 02 05 01 11 81 0d 4c 49 49 44 2d 4d 53 4e 2d 30 30 30 31 82 02 4e "
    "4c"
    " a3 1c a0 13 80 09 4f 50 45 52 41 54 4f 52 31 81 06 64 65 63 2d 30 31 81 01 00 82 02 4e 4c 84 "
    "01"
    " 07 a7 0b 80 04 41 d6 83 2b 81 03 03 d0 90 88 01 01 a2 04 a2 02 83 00";
const char* const kKeepAliveResponseHex =
    "30 55 a1 4d 80 07 04 00 02 02 05 01 11 81 0d 4c 49 49 44 2d 4d 53 4e 2d 30 30 30 31 82 02 4e "
    "4c"
    " a3 1c a0 13 80 09 4f 50 45 52 41 54 4f 52 31 81 06 64 65 63 2d 30 31 81 01 00 82 02 4e 4c 84 "
    "01"
    " 07 a7 0b 80 04 41 d6 83 2b 81 03 03 f7 a0 88 01 01 a2 04 a2 02 84 00";
const char* const kEmailIriLogonHex =
    "30 81 a9 a1 4e 80 07 04 00 02 02 05 01 11 81 0d 4c 49 49 44 2d 4d 53 4e 2d 30 30 30 31 82 02 "
    "4e"
    " 4c a3 1d a0 13 80 09 4f 50 45 52 41 54 4f 52 31 81 06 64 65 63 2d 30 31 81 02 03 e9 82 02 4e "
    "4c"
    " 84 01 00 a7 0b 80 04 41 d6 83 2b 81 03 03 d0 90 88 01 01 a2 57 a0 55 30 53 80 01 01 a2 4e a1 "
    "4c"
    " 80 04 05 02 0f 01 81 01 05 a2 0e 81 01 00 a2 06 81 04 cb 00 71 07 83 01 03 a3 0e 81 01 00 a2 "
    "06"
    " 81 04 c6 33 64 14 83 01 03 84 03 00 9c 42 85 02 07 47 88 02 00 ff 89 11 61 6c 69 63 65 40 65 "
    "78"
    " 61 6d 70 6c 65 2e 63 6f 6d 8b 01 03";
const char* const kIpCcHex =
    "30 78 a1 4e 80 07 04 00 02 02 05 01 11 81 0d 4c 49 49 44 2d 4d 53 4e 2d 30 30 30 31 82 02 4e "
    "4c"
    " a3 1d a0 13 80 09 4f 50 45 52 41 54 4f 52 31 81 06 64 65 63 2d 30 31 81 02 03 e9 82 02 4e 4c "
    "84"
    " 01 00 a7 0b 80 04 41 d6 83 2b 81 03 04 93 e0 88 01 01 a2 26 a1 24 30 22 80 01 00 a2 1d a2 1b "
    "80"
    " 04 05 03 0a 02 a1 13 80 11 3c 49 50 20 70 61 63 6b 65 74 20 62 79 74 65 73 3e";

PsHeader example_header(int64_t cin, uint64_t sequence, uint32_t microseconds) {
  PsHeader header;
  header.liid = "LIID-MSN-0001";
  header.authorisation_country_code = "NL";
  header.operator_id = "OPERATOR1";
  header.network_element_id = "dec-01";
  header.cin = cin;
  header.delivery_country_code = "NL";
  header.sequence_number = sequence;
  header.microsecond_timestamp = MicroTimestamp{1104577323, microseconds};
  header.timestamp_qualifier = TimestampQualifier::kTimeOfInterception;
  return header;
}

EtsiIpAddress ipv4(const char* text) {
  EtsiIpAddress address;
  EXPECT_TRUE(IpAddress::parse(text, address.address));
  address.assignment = IpAssignment::kNotKnown;
  return address;
}

TriPayload tri(TriKind kind) { return TriPayload{kind, false, {}}; }

PsPdu keep_alive() { return {example_header(0, 7, 250000), tri(TriKind::kKeepAlive)}; }
PsPdu keep_alive_response() {
  return {example_header(0, 7, 260000), tri(TriKind::kKeepAliveResponse)};
}
PsPdu email_iri_logon() {
  EmailIri logon;
  logon.event_type = EmailEvent::kLogon;
  logon.client_address = ipv4("203.0.113.7");
  logon.server_address = ipv4("198.51.100.20");
  logon.client_port = 40002;
  logon.server_port = 1863;
  logon.protocol_id = EmailProtocol::kUndefined;
  logon.sender = "alice@example.com";
  logon.status = EmailStatus::kSucceeded;
  return {example_header(1001, 0, 250000), IriSequence{{IriType::kBegin, logon, {}, {}}}};
}
PsPdu ip_cc() {
  return {example_header(1001, 0, 300000),
          CcSequence{{Direction::kFromTarget, IpCc{"<IP packet bytes>"}}}};
}

// One PDU of every kind we emit, with every modelled field set somewhere.
std::vector<std::pair<std::string, PsPdu>> every_kind() {
  std::vector<std::pair<std::string, PsPdu>> pdus = {{"keep_alive", keep_alive()},
                                                     {"keep_alive_response", keep_alive_response()},
                                                     {"email_iri_logon", email_iri_logon()},
                                                     {"ip_cc", ip_cc()}};
  EmailIri message;
  message.event_type = EmailEvent::kSend;
  message.client_address = ipv4("203.0.113.7");
  EtsiIpAddress server;
  EXPECT_TRUE(IpAddress::parse("2001:db8::1863", server.address));
  server.assignment = IpAssignment::kStatic;
  message.server_address = server;
  message.client_port = 40002;
  message.server_port = 1863;
  message.server_octets_sent = 123456789012ull;
  message.client_octets_sent = 4096;
  message.protocol_id = EmailProtocol::kUndefined;
  message.sender = "alice@example.com";
  message.recipients = {"bob@example.com", "carol@example.com"};
  message.status = EmailStatus::kSucceeded;
  message.total_recipient_count = 2;
  message.message_id = "sb-42/7";
  message.national_parameter = "connection=switchboard\nclient_ip=10.0.0.5";
  EmailIri logoff;
  logoff.event_type = EmailEvent::kLogoff;
  logoff.status = EmailStatus::kSucceeded;
  PsHeader header = example_header(1002, 3, 999999);
  header.generalized_time = "20050101110203.250Z";
  header.interception_point_id = "tap-0";
  pdus.emplace_back("email_iri_send_and_end",
                    PsPdu{header, IriSequence{{IriType::kContinue, message, Direction::kFromTarget,
                                               Direction::kToTarget},
                                              {IriType::kEnd, logoff, {}, {}}}});
  IpIri access;
  access.access_event_type = AccessEventType::kSessionStart;
  access.target_username = "alice";
  access.ip_version = IpVersion::kIpv4;
  access.target_ip_address = ipv4("203.0.113.7");
  access.start_time = "20050101110203.250Z";
  access.end_time = "20050101120000.000Z";
  access.end_reason = EndReason::kRegularLogOff;
  access.octets_received = 1u << 20;
  access.octets_transmitted = 300;
  pdus.emplace_back(
      "ip_iri", PsPdu{example_header(7, 0, 1), IriSequence{{IriType::kReport, access, {}, {}}}});
  std::string file(3000, '\0');
  for (size_t i = 0; i < file.size(); ++i) file[i] = static_cast<char>(i * 7);
  pdus.emplace_back(
      "email_cc",
      PsPdu{
          example_header(1002, 4, 5),
          CcSequence{{Direction::kToTarget, EmailCc{EmailFormat::kApplication,
                                                    "MSG alice@example.com Alice 5\r\n\r\nhello"}},
                     {Direction::kFromTarget, EmailCc{EmailFormat::kApplication, file}}}});
  pdus.emplace_back("cin_reset", PsPdu{example_header(1001, 0, 0), tri(TriKind::kCinReset)});
  for (const Hi1Kind kind : {Hi1Kind::kActivated, Hi1Kind::kModified, Hi1Kind::kDeactivated}) {
    Hi1Notification notification;
    notification.kind = kind;
    notification.liid = "LIID-MSN-0001";
    notification.operator_id = "OPER1";
    notification.utc_time = utc_time_of(Timestamp::from_seconds(1104577323));
    if (kind != Hi1Kind::kDeactivated) notification.target_information = "msn:alice@example.com";
    if (kind == Hi1Kind::kModified) notification.communication_identity_number = "1001";
    pdus.emplace_back("hi1_" + std::to_string(static_cast<int>(kind)),
                      PsPdu{example_header(0, static_cast<uint64_t>(kind), 0), notification});
  }
  return pdus;
}

// Re-encodes every constructed element with an indefinite length (what
// libwandder's other encoder emits, §2), leaving primitives as they are.
std::string to_indefinite(ByteView bytes, size_t depth = 0) {
  std::string out;
  ber::Reader reader(bytes, 0, depth);
  ber::Element element;
  std::string error;
  while (!reader.at_end()) {
    EXPECT_TRUE(reader.next(element, error)) << error;
    if (!error.empty()) return out;
    ber::Writer writer(out);
    writer.identifier(element.tag);
    if (element.tag.constructed) {
      out += '\x80';
      out += to_indefinite(element.contents, depth + 1);
      out += std::string(2, '\0');
    } else {
      writer.length(element.contents.size());
      out += as_chars(element.contents);
    }
  }
  return out;
}

void expect_encodes_to(const PsPdu& pdu, const char* expected_hex) {
  const std::string expected = unhex(expected_hex);
  std::string out = "stale bytes from an earlier PDU";
  encode(pdu, out);
  EXPECT_EQ(hex(out), hex(expected));
  PsPdu decoded;
  std::string error;
  ASSERT_TRUE(decode(as_bytes(expected), decoded, error)) << error;
  EXPECT_EQ(decoded, pdu);
}

TEST(PsPduExamples, KeepAlive) { expect_encodes_to(keep_alive(), kKeepAliveHex); }
TEST(PsPduExamples, KeepAliveResponse) {
  expect_encodes_to(keep_alive_response(), kKeepAliveResponseHex);
}
TEST(PsPduExamples, EmailIriLogon) { expect_encodes_to(email_iri_logon(), kEmailIriLogonHex); }
TEST(PsPduExamples, IpCc) { expect_encodes_to(ip_cc(), kIpCcHex); }

TEST(PsPduExamples, DecodedFieldsAreTheListedOnes) {
  PsPdu pdu;
  std::string error;
  const std::string bytes = unhex(kEmailIriLogonHex);
  ASSERT_TRUE(decode(as_bytes(bytes), pdu, error)) << error;
  EXPECT_EQ(pdu.header.domain_version, 17u);
  EXPECT_EQ(pdu.header.liid, "LIID-MSN-0001");
  EXPECT_EQ(pdu.header.cin, 1001);
  EXPECT_EQ(pdu.header.sequence_number, 0u);
  EXPECT_EQ(pdu.header.microsecond_timestamp, (MicroTimestamp{1104577323, 250000}));
  const auto& iri = std::get<IriSequence>(pdu.payload).at(0);
  EXPECT_EQ(iri.type, IriType::kBegin);
  const auto& email = std::get<EmailIri>(iri.contents);
  EXPECT_EQ(email.event_type, EmailEvent::kLogon);
  EXPECT_EQ(email.client_address->address.to_string(), "203.0.113.7");
  EXPECT_EQ(email.server_address->address.to_string(), "198.51.100.20");
  EXPECT_EQ(email.client_port, 40002u);
  EXPECT_EQ(email.server_port, 1863u);
  EXPECT_EQ(email.protocol_id, EmailProtocol::kUndefined);
  EXPECT_EQ(email.sender, "alice@example.com");
  EXPECT_EQ(email.status, EmailStatus::kSucceeded);
}

TEST(PsPdu, RoundTripEveryKind) {
  std::string out;
  for (const auto& [name, pdu] : every_kind()) {
    encode(pdu, out);
    PsPdu decoded;
    std::string error;
    ASSERT_TRUE(decode(as_bytes(out), decoded, error)) << name << ": " << error;
    EXPECT_EQ(decoded, pdu) << name;
    // The same PDU with indefinite lengths everywhere decodes to the same.
    const std::string indefinite = to_indefinite(as_bytes(out));
    ASSERT_GT(indefinite.size(), out.size());
    ASSERT_TRUE(decode(as_bytes(indefinite), decoded, error)) << name << ": " << error;
    EXPECT_EQ(decoded, pdu) << name;
    size_t length = 0;
    EXPECT_EQ(ber::frame_pdu(as_bytes(indefinite), length, error), ber::FrameStatus::kComplete);
    EXPECT_EQ(length, indefinite.size());
  }
}

TEST(PsPdu, HeaderTemplateMatchesPlainEncoder) {
  std::string plain, templated;
  for (const auto& [name, pdu] : every_kind()) {
    const HeaderTemplate header_template(pdu.header);
    PduVariables variables;
    variables.cin = pdu.header.cin;
    variables.sequence_number = pdu.header.sequence_number;
    if (pdu.header.generalized_time) variables.generalized_time = *pdu.header.generalized_time;
    variables.microsecond_timestamp = pdu.header.microsecond_timestamp;
    encode(pdu, plain);
    header_template.encode(variables, pdu.payload, templated);
    EXPECT_EQ(hex(templated), hex(plain)) << name;
  }
  // The template is reused: only the variables change.
  const HeaderTemplate warrant(keep_alive().header);
  warrant.encode({0, 7, {}, MicroTimestamp{1104577323, 260000}}, tri(TriKind::kKeepAliveResponse),
                 templated);
  EXPECT_EQ(hex(templated), hex(unhex(kKeepAliveResponseHex)));
  warrant.encode({1001, 0, {}, MicroTimestamp{1104577323, 300000}}, ip_cc().payload, templated);
  EXPECT_EQ(hex(templated), hex(unhex(kIpCcHex)));
}

TEST(PsPdu, SkipsUnknownFieldsAndKeepsUnknownAlternatives) {
  // §11.1 with an unknown high-tag field in the header, an unknown field in
  // the PS-PDU, and the payload replaced by encryptionContainer [4].
  const std::string keep = unhex(kKeepAliveHex);
  const std::string header_fields = keep.substr(4, 0x4d);
  std::string bytes;
  ber::Writer writer(bytes);
  const size_t pdu = writer.begin(ber::kSequence);
  const size_t header = writer.begin(ber::context_constructed(1));
  writer.raw(header_fields);
  writer.octets(ber::context(100), "future");
  writer.end(header);
  const size_t payload = writer.begin(ber::context_constructed(2));
  const size_t container = writer.begin(ber::context_constructed(4));
  writer.integer(ber::context(0), 1);
  writer.end(container);
  writer.end(payload);
  writer.null(ber::context(9));
  writer.end(pdu);
  PsPdu decoded;
  std::string error;
  ASSERT_TRUE(decode(as_bytes(bytes), decoded, error)) << error;
  EXPECT_EQ(decoded.header, keep_alive().header);
  const auto& unknown = std::get<UnknownElement>(decoded.payload);
  EXPECT_EQ(unknown.tag, ber::context_constructed(4));
  EXPECT_EQ(hex(unknown.contents), "80 01 01");
  // Re-encoding keeps the unknown alternative verbatim (the unknown fields go).
  std::string again;
  encode(decoded, again);
  PsPdu twice;
  ASSERT_TRUE(decode(as_bytes(again), twice, error)) << error;
  EXPECT_EQ(twice, decoded);

  // An unknown IRI contents alternative (iPMMIRI [11]) inside a known payload.
  PsPdu iri = email_iri_logon();
  std::get<IriSequence>(iri.payload)[0].contents =
      UnknownElement{ber::context_constructed(11), unhex("80 01 05")};
  encode(iri, again);
  ASSERT_TRUE(decode(as_bytes(again), twice, error)) << error;
  EXPECT_EQ(twice, iri);
}

TEST(PsPdu, RejectsMalformedInput) {
  PsPdu pdu;
  std::string error;
  // Every truncation of every kind fails cleanly, naming an offset.
  std::string out;
  for (const auto& [name, kind] : every_kind()) {
    encode(kind, out);
    for (size_t cut = 0; cut < out.size(); ++cut) {
      error.clear();
      EXPECT_FALSE(decode(as_bytes(out).first(cut), pdu, error)) << name << " cut " << cut;
      EXPECT_NE(error.find("offset "), std::string::npos) << name << " cut " << cut;
      size_t length = 0;
      EXPECT_EQ(ber::frame_pdu(as_bytes(out).first(cut), length, error),
                ber::FrameStatus::kNeedMore);
    }
  }
  const std::string keep = unhex(kKeepAliveHex);
  EXPECT_FALSE(decode(as_bytes(keep + std::string(1, '\0')), pdu, error));
  EXPECT_EQ(error, "offset 87: 1 bytes after the PS-PDU");
  std::string wrong_oid = keep;
  wrong_oid[10] = 0x02;  // 0.4.0.2.2.5.2.17
  EXPECT_FALSE(decode(as_bytes(wrong_oid), pdu, error));
  EXPECT_EQ(error, "offset 4: domain identifier is not 0.4.0.2.2.5.1.<version>");
  std::string no_liid = keep;
  no_liid[13] = static_cast<char>(0x8f);  // LIID [1] becomes [15]
  EXPECT_FALSE(decode(as_bytes(no_liid), pdu, error));
  EXPECT_EQ(error, "offset 2: [1] constructed lacks lawfulInterceptionIdentifier [1]");
  std::string bad_keep_alive = keep;
  bad_keep_alive[0x54] = 0x03;  // the payload's inner length
  EXPECT_FALSE(decode(as_bytes(bad_keep_alive), pdu, error));
}

TEST(PsPdu, TimeFormats) {
  const Timestamp time{1104577323'250'000'000};
  EXPECT_EQ(micro_timestamp_of(time), (MicroTimestamp{1104577323, 250000}));
  EXPECT_EQ(generalized_time_of(time), "20050101110203.250Z");
  EXPECT_EQ(utc_time_of(time), "050101110203Z");
}

// Runs `command`, returning its exit status and output.
int run(const std::string& command, std::string& output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, got);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(PsPdu, OpensslParsesEveryKind) {
  const std::string openssl = RCDS_OPENSSL;
  if (openssl.empty() || openssl.find("NOTFOUND") != std::string::npos) {
    GTEST_SKIP() << "openssl not installed";
  }
  const std::string directory = ::testing::TempDir();
  std::string out;
  for (const auto& [name, pdu] : every_kind()) {
    encode(pdu, out);
    const std::string path = directory + "/rcds_pspdu_" + name + ".ber";
    std::ofstream(path, std::ios::binary) << out;
    std::string output;
    const int status = run(openssl + " asn1parse -inform DER -dump -in " + path, output);
    std::remove(path.c_str());
    EXPECT_EQ(status, 0) << name << "\n" << output;
    EXPECT_EQ(output.find("rror"), std::string::npos) << name << "\n" << output;
    // The outer SEQUENCE at depth 0, the header [1] and payload [2] under it.
    EXPECT_NE(output.find("    0:d=0  hl="), std::string::npos) << name << "\n" << output;
    EXPECT_NE(output.find("cons: SEQUENCE"), std::string::npos) << name << "\n" << output;
    EXPECT_NE(output.find("d=1  hl=2 l="), std::string::npos) << name << "\n" << output;
    EXPECT_NE(output.find("cons: cont [ 1 ]"), std::string::npos) << name << "\n" << output;
    EXPECT_NE(output.find("cons: cont [ 2 ]"), std::string::npos) << name << "\n" << output;
    // openssl finds the LIID [1] where we put it: at depth 2, 13 bytes.
    const size_t line = output.find("d=2  hl=2 l=  13 prim: cont [ 1 ]");
    ASSERT_NE(line, std::string::npos) << name << "\n" << output;
    const size_t line_start = output.rfind('\n', line) + 1;
    const size_t offset = std::stoul(output.substr(line_start, line - line_start));
    EXPECT_EQ(out.substr(offset + 2, 13), "LIID-MSN-0001") << name;
    if (name == "email_iri_send_and_end") {  // universal strings are printed
      EXPECT_NE(output.find("UTF8STRING        :bob@example.com"), std::string::npos) << output;
    }
  }
}

// Regenerates the ber_fuzz seed corpus when RCDS_BER_SEED_DIR names a
// folder (fuzz/ber_fuzz.cc); otherwise does nothing.
TEST(PsPdu, WritesFuzzSeedsWhenAsked) {
  const char* directory = std::getenv("RCDS_BER_SEED_DIR");
  if (directory == nullptr) return;
  const auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(std::string(directory) + "/" + name, std::ios::binary) << bytes;
  };
  write("etsi_11_1_keep_alive", unhex(kKeepAliveHex));
  write("etsi_11_2_keep_alive_response", unhex(kKeepAliveResponseHex));
  write("etsi_11_3_email_iri_logon", unhex(kEmailIriLogonHex));
  write("etsi_11_4_ip_cc", unhex(kIpCcHex));
  std::string out;
  for (const auto& [name, pdu] : every_kind()) {
    // The §11 files above, and email_cc whose 3000-byte file is replaced
    // by a short message below (seeds stay small).
    if (name == "keep_alive" || name == "keep_alive_response" || name == "email_iri_logon" ||
        name == "ip_cc" || name == "email_cc") {
      continue;
    }
    encode(pdu, out);
    write(name, out);
  }
  // Indefinite lengths throughout, and a two-PDU stream for the framer.
  const std::string logon = unhex(kEmailIriLogonHex);
  write("indefinite_email_iri_logon", to_indefinite(as_bytes(logon)));
  write("stream_keep_alive_then_ip_cc", unhex(kKeepAliveHex) + unhex(kIpCcHex));
  PsPdu small_cc{example_header(1002, 4, 5),
                 CcSequence{{Direction::kToTarget,
                             EmailCc{EmailFormat::kApplication, "MSG a 5\r\n\r\nhello"}}}};
  encode(small_cc, out);
  write("email_cc", out);
}

}  // namespace
}  // namespace rcds::handover
