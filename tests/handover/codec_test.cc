// Record -> PDU codecs (handover/etsi_codec.h, x2x3_codec.h): realistic
// records of every kind through the ETSI codec, decoded back field by field,
// checked by openssl asn1parse and against the plain (non-template) encoder;
// X2/X3 PDUs written to a pcap and read back by tshark's 5gli dissector.
// Expected values come from the inputs (and, for XIDs, from Python's uuid
// module), never from our own output.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "handover/etsi_codec.h"
#include "handover/x2x3_codec.h"
#include "tools/testkit/frames.h"

namespace rcds::handover {
namespace {

using intercept::ContentKind;
using intercept::Party;
using intercept::PayloadDirection;
using intercept::Record;
using intercept::RecordKind;
using intercept::WarrantNotice;

constexpr int64_t kTime = 1104577323'250'000'000;  // 2005-01-01 11:02:03.250 UTC

IpAddress ip(const std::string& text) {
  IpAddress address;
  EXPECT_TRUE(IpAddress::parse(text, address)) << text;
  return address;
}

Destination destination() {
  Destination d;
  d.name = "lea";
  d.operator_id = "OPERATOR1";
  d.network_element_id = "dec-01";
  d.authorisation_country = "NL";
  d.delivery_country = "NL";
  return d;
}

Record msn(RecordKind kind, uint64_t sequence, std::string event) {
  Record r;
  r.liid = "LIID-MSN-0001";
  r.cin = 1001;
  r.sequence = sequence;
  r.kind = kind;
  r.time = Timestamp{kTime + static_cast<int64_t>(sequence) * 1000};
  r.sensor_id = "dec-01";
  r.target = "msn:alice@example.com";
  r.protocol = "msnp";
  r.event = std::move(event);
  r.connection = "notification";
  r.client = {ip("203.0.113.7"), 40002};
  r.server = {ip("198.51.100.20"), 1863};
  return r;
}

Record login(bool success) {
  Record r = msn(success ? RecordKind::kIriBegin : RecordKind::kIriReport, 0, "login_result");
  r.parties = {{Party::Role::kParticipant, "msn:alice@example.com"}};
  r.details = {{"flow", "3"},
               {"wire_direction", "s2c"},
               {"success", success ? "true" : "false"},
               {"account", "alice@example.com"}};
  if (!success) r.details.emplace_back("error_code", "911");
  return r;
}

Record message(bool with_content) {
  Record r = msn(with_content ? RecordKind::kCc : RecordKind::kIriContinue, 1, "message");
  r.cin = 1002;
  r.connection = "switchboard";
  r.direction = PayloadDirection::kFromTarget;
  r.parties = {{Party::Role::kOriginator, "msn:alice@example.com"},
               {Party::Role::kRecipient, "msn:bob@example.com"},
               {Party::Role::kRecipient, "msn:carol@example.com"}};
  r.details = {{"flow", "4"}, {"content_type", "text/plain; charset=UTF-8"}, {"x=y", "a%b"}};
  if (with_content) {
    r.content_kind = ContentKind::kMessage;
    r.content = "Hello Bob \xc3\xa9";
  }
  return r;
}

Record ip_record(RecordKind kind, std::string event, bool v6 = false) {
  Record r;
  r.liid = "LIID-IP-0002";
  r.cin = 7;
  r.kind = kind;
  r.time = Timestamp{kTime};
  r.target = v6 ? "ip:2001:db8::/32" : "ip:10.1.2.3";
  r.protocol = "ip";
  r.event = std::move(event);
  r.connection = "tcp";
  r.client = {ip(v6 ? "2001:db8::7" : "10.1.2.3"), 5555};
  r.server = {ip(v6 ? "2001:db8:ff::80" : "192.0.2.80"), 80};
  r.direction = PayloadDirection::kFromTarget;
  return r;
}

// A real IP packet (IPv4 or IPv6 + TCP) from `from` to `to`: a testkit
// Ethernet frame without its 14-byte link header.
std::string ip_packet(const testkit::Host& from, const testkit::Host& to, std::string_view data) {
  const testkit::Bytes frame = testkit::tcp_frame(
      from, to, {1000, 2000, testkit::kAck | testkit::kPsh}, testkit::bytes_of(data));
  return {reinterpret_cast<const char*>(frame.data()) + 14, frame.size() - 14};
}

Record packet_record(bool v6, bool to_target) {
  Record r = ip_record(RecordKind::kCc, "ip_packet", v6);
  r.sequence = to_target ? 1 : 0;
  r.content_kind = ContentKind::kIpPacket;
  testkit::Host client{v6 ? "2001:db8::7" : "10.1.2.3", 5555};
  testkit::Host server{v6 ? "2001:db8:ff::80" : "192.0.2.80", 80};
  if (to_target) std::swap(client, server);
  r.direction = to_target ? PayloadDirection::kToTarget : PayloadDirection::kFromTarget;
  r.content = ip_packet(client, server, "GET / HTTP/1.0\r\n\r\n");
  return r;
}

struct Case {
  std::string name;
  Record record;
};

std::vector<Case> cases() {
  std::vector<Case> all;
  all.push_back({"login", login(true)});
  all.push_back({"login_failed", login(false)});
  Record attempt = msn(RecordKind::kIriReport, 0, "login_attempt");
  attempt.cin = 1003;
  attempt.parties = {{Party::Role::kParticipant, "msn:alice@example.com"}};
  all.push_back({"login_attempt", attempt});
  all.push_back({"message_iri", message(false)});
  all.push_back({"message_cc", message(true)});
  Record received = message(false);
  received.direction = PayloadDirection::kToTarget;
  all.push_back({"message_received", received});
  Record file = msn(RecordKind::kCc, 2, "file_data");
  file.connection = "msnftp";
  file.direction = PayloadDirection::kToTarget;
  file.content_kind = ContentKind::kFile;
  file.content = std::string("PK\x03\x04\0\0\x01\x02\xff", 9);
  all.push_back({"file_cc", file});
  Record logout = msn(RecordKind::kIriEnd, 5, "logout");
  logout.parties = {{Party::Role::kParticipant, "msn:alice@example.com"}};
  logout.details = {{"reason", "client_out"}};
  all.push_back({"logout", logout});
  Record begin = ip_record(RecordKind::kIriBegin, "ip_begin");
  begin.details = {{"protocol", "6"}};
  all.push_back({"ip_begin", begin});
  all.push_back({"ip_packet_v4", packet_record(false, false)});
  all.push_back({"ip_packet_v6", packet_record(true, true)});
  Record end = ip_record(RecordKind::kIriEnd, "ip_end");
  end.sequence = 1;
  end.direction = PayloadDirection::kUnknown;  // as the engine emits it
  end.time = Timestamp{kTime + 60 * kNanosPerSecond};
  end.details = {{"reason", "fin"},           {"packets", "12"},
                 {"bytes", "3000"},           {"first", std::to_string(kTime / 1000)},
                 {"bytes_to_target", "1000"}, {"bytes_from_target", "2000"}};
  all.push_back({"ip_end", end});
  return all;
}

void expect_header(const PsHeader& h, const Record& r) {
  EXPECT_EQ(h.domain_version, 17u);
  EXPECT_EQ(h.liid, r.liid);
  EXPECT_EQ(h.authorisation_country_code, "NL");
  EXPECT_EQ(h.operator_id, "OPERATOR1");
  EXPECT_EQ(h.network_element_id, "dec-01");
  EXPECT_EQ(h.cin, r.cin);
  EXPECT_EQ(h.delivery_country_code, "NL");
  EXPECT_EQ(h.sequence_number, r.sequence);
  ASSERT_TRUE(h.microsecond_timestamp);
  EXPECT_EQ(h.microsecond_timestamp->seconds, r.time.ns / kNanosPerSecond);
  EXPECT_EQ(h.microsecond_timestamp->microseconds, r.time.ns % kNanosPerSecond / 1000);
  EXPECT_EQ(h.timestamp_qualifier, TimestampQualifier::kTimeOfInterception);
}

WarrantNotice notice(WarrantNotice::Kind kind, std::string liid) {
  WarrantNotice n;
  n.kind = kind;
  n.liid = std::move(liid);
  n.time = Timestamp{kTime};
  n.detail = "targets";
  return n;
}

EtsiIpAddress etsi(const std::string& text) { return {ip(text), IpAssignment::kNotKnown}; }

TEST(EtsiCodec, EveryRecordDecodesBackToItsFields) {
  EtsiCodec codec(destination());
  std::string out, error;
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const Record& r = c.record;
    const HandoverInterface to = codec.encode(r, out);
    EXPECT_EQ(to, r.kind == RecordKind::kCc ? HandoverInterface::kHi3 : HandoverInterface::kHi2);
    PsPdu pdu;
    ASSERT_TRUE(decode(as_bytes(out), pdu, error)) << error;
    expect_header(pdu.header, r);
    // The template output equals the plain encoder's for the same PDU.
    std::string plain;
    encode(pdu, plain);
    EXPECT_EQ(plain, out);

    if (r.kind == RecordKind::kCc) {
      const auto& cc = std::get<CcSequence>(pdu.payload).at(0);
      EXPECT_EQ(cc.direction, r.direction == PayloadDirection::kFromTarget ? Direction::kFromTarget
                                                                           : Direction::kToTarget);
      if (r.content_kind == ContentKind::kIpPacket) {
        EXPECT_EQ(std::get<IpCc>(cc.contents).packet, r.content);
      } else {
        const auto& email = std::get<EmailCc>(cc.contents);
        EXPECT_EQ(email.format, EmailFormat::kApplication);
        EXPECT_EQ(email.content, r.content);
      }
      continue;
    }
    const auto& iri = std::get<IriSequence>(pdu.payload).at(0);
    const IriType types[] = {IriType::kBegin, IriType::kContinue, IriType::kEnd, IriType::kReport};
    EXPECT_EQ(iri.type, types[static_cast<int>(r.kind)]);
    if (r.protocol == "ip") {
      const auto& ipiri = std::get<IpIri>(iri.contents);
      EXPECT_EQ(ipiri.ip_version, IpVersion::kIpv4);
      EXPECT_EQ(ipiri.target_ip_address, etsi("10.1.2.3"));
      if (r.event == "ip_begin") {
        EXPECT_EQ(ipiri.access_event_type, AccessEventType::kSessionStart);
        EXPECT_EQ(ipiri.start_time, "20050101110203.250Z");
        EXPECT_EQ(iri.payload_direction, Direction::kFromTarget);
      } else {
        EXPECT_EQ(ipiri.access_event_type, AccessEventType::kSessionEnd);
        EXPECT_EQ(ipiri.start_time, "20050101110203.250Z");
        EXPECT_EQ(ipiri.end_time, "20050101110303.250Z");
        EXPECT_EQ(ipiri.end_reason, EndReason::kRegularLogOff);
        EXPECT_EQ(ipiri.octets_received, 1000u);
        EXPECT_EQ(ipiri.octets_transmitted, 2000u);
        EXPECT_FALSE(iri.payload_direction);
      }
      continue;
    }
    const auto& email = std::get<EmailIri>(iri.contents);
    EXPECT_EQ(email.client_address, etsi("203.0.113.7"));
    EXPECT_EQ(email.server_address, etsi("198.51.100.20"));
    EXPECT_EQ(email.client_port, 40002u);
    EXPECT_EQ(email.server_port, 1863u);
    EXPECT_EQ(email.protocol_id, EmailProtocol::kUndefined);
    EXPECT_EQ(email.sender, "alice@example.com");
    if (c.name == "login") {
      EXPECT_EQ(email.event_type, EmailEvent::kLogon);
      EXPECT_EQ(email.status, EmailStatus::kSucceeded);
      EXPECT_EQ(email.national_parameter,
                "event=login_result;flow=3;wire_direction=s2c;success=true;"
                "account=alice@example.com");
    } else if (c.name == "login_failed") {
      EXPECT_EQ(email.event_type, EmailEvent::kLogonFailure);
      EXPECT_EQ(email.status, EmailStatus::kFailed);
      EXPECT_NE(email.national_parameter->find(";error_code=911"), std::string::npos);
    } else if (c.name == "login_attempt") {
      EXPECT_EQ(email.event_type, EmailEvent::kLogonAttempt);
      EXPECT_FALSE(email.status);
    } else if (c.name == "logout") {
      EXPECT_EQ(email.event_type, EmailEvent::kLogoff);
      EXPECT_EQ(email.national_parameter, "event=logout;reason=client_out");
    } else {
      EXPECT_EQ(email.event_type,
                c.name == "message_iri" ? EmailEvent::kSend : EmailEvent::kReceive);
      EXPECT_EQ(email.recipients,
                (std::vector<std::string>{"bob@example.com", "carol@example.com"}));
      EXPECT_EQ(iri.payload_direction,
                c.name == "message_iri" ? Direction::kFromTarget : Direction::kToTarget);
      // ';' '=' '%' inside keys and values are escaped (our convention).
      EXPECT_EQ(email.national_parameter,
                "event=message;flow=4;content_type=text/plain%3B charset%3DUTF-8;x%3Dy=a%25b");
    }
  }
}

TEST(EtsiCodec, NationalParameterIsBounded) {
  Record r = message(false);
  for (int i = 0; i < 1000; ++i) r.details.emplace_back("contact" + std::to_string(i), "x@y.z");
  std::string text;
  RecordMapper::national_parameter(r, text);
  EXPECT_LE(text.size(), kMaxNationalParameter);
  EXPECT_TRUE(text.ends_with(";truncated=true")) << text.substr(text.size() - 40);
}

TEST(EtsiCodec, NoticesAndKeepalives) {
  EtsiCodec codec(destination());
  std::string out, error;
  const WarrantNotice::Kind kinds[] = {WarrantNotice::Kind::kActivated,
                                       WarrantNotice::Kind::kModified,
                                       WarrantNotice::Kind::kDeactivated};
  const Hi1Kind expected[] = {Hi1Kind::kActivated, Hi1Kind::kModified, Hi1Kind::kDeactivated};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(codec.encode_notice(notice(kinds[i], "LIID-MSN-0001"), out));
    PsPdu pdu;
    ASSERT_TRUE(decode(as_bytes(out), pdu, error)) << error;
    EXPECT_EQ(pdu.header.liid, "LIID-MSN-0001");
    EXPECT_EQ(pdu.header.cin, 0);
    EXPECT_EQ(pdu.header.sequence_number, static_cast<uint64_t>(i));  // own counter
    const auto& hi1 = std::get<Hi1Notification>(pdu.payload);
    EXPECT_EQ(hi1.kind, expected[i]);
    EXPECT_EQ(hi1.liid, "LIID-MSN-0001");
    EXPECT_EQ(hi1.operator_id, "OPERA");  // HI1 operator-Identifier: <= 5 characters
    EXPECT_EQ(hi1.utc_time, "050101110203Z");
    EXPECT_EQ(hi1.domain_version, 6u);
  }
  codec.encode_keepalive(7, Timestamp{kTime}, out);
  PsPdu pdu;
  ASSERT_TRUE(decode(as_bytes(out), pdu, error)) << error;
  EXPECT_EQ(pdu.header.liid, "RCDS");
  EXPECT_EQ(pdu.header.cin, 0);
  EXPECT_EQ(pdu.header.sequence_number, 7u);
  EXPECT_EQ(std::get<TriPayload>(pdu.payload).kind, TriKind::kKeepAlive);
  uint64_t sequence = 0;
  EXPECT_FALSE(codec.keepalive_response(as_bytes(out), sequence));  // a keep-alive, not a response
  std::get<TriPayload>(pdu.payload).kind = TriKind::kKeepAliveResponse;
  encode(pdu, out);
  ASSERT_TRUE(codec.keepalive_response(as_bytes(out), sequence));
  EXPECT_EQ(sequence, 7u);
  size_t length = 0;
  EXPECT_EQ(codec.frame(as_bytes(out + "\x30"), length, error), ber::FrameStatus::kComplete);
  EXPECT_EQ(length, out.size());
}

// Runs `command`, returning its exit status and output (stderr included).
int run(const std::string& command, std::string& output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, got);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool missing(const std::string& tool) {
  return tool.empty() || tool.find("NOTFOUND") != std::string::npos;
}

// openssl asn1parse must parse `der` and show `liid` as a primitive [1] at
// depth 2 (PSHeader lawfulInterceptionIdentifier; also the HI1 LIID deeper).
void expect_asn1parse(const std::string& name, const std::string& der, const std::string& liid) {
  const std::string path = ::testing::TempDir() + "/rcds_codec_" + name + ".ber";
  std::ofstream(path, std::ios::binary) << der;
  std::string output;
  const int status = run(std::string(RCDS_OPENSSL) + " asn1parse -inform DER -in " + path, output);
  std::remove(path.c_str());
  EXPECT_EQ(status, 0) << name << "\n" << output;
  EXPECT_EQ(output.find("rror"), std::string::npos) << name << "\n" << output;
  const std::string needle = "d=2  hl=2 l=" + std::string(liid.size() < 10 ? "   " : "  ") +
                             std::to_string(liid.size()) + " prim: cont [ 1 ]";
  const size_t line = output.find(needle);
  ASSERT_NE(line, std::string::npos) << name << "\n" << output;
  const size_t start = output.rfind('\n', line) + 1;
  const size_t offset = std::stoul(output.substr(start, line - start));
  EXPECT_EQ(der.substr(offset + 2, liid.size()), liid) << name;
}

TEST(EtsiCodec, OpensslParsesEveryPduWeEmit) {
  if (missing(RCDS_OPENSSL)) GTEST_SKIP() << "openssl not installed";
  EtsiCodec codec(destination());
  std::string out;
  for (const Case& c : cases()) {
    codec.encode(c.record, out);
    expect_asn1parse(c.name, out, c.record.liid);
  }
  codec.encode_notice(notice(WarrantNotice::Kind::kActivated, "LIID-MSN-0001"), out);
  expect_asn1parse("hi1", out, "LIID-MSN-0001");
  codec.encode_keepalive(3, Timestamp{kTime}, out);
  expect_asn1parse("keepalive", out, "RCDS");
}

TEST(X2X3Codec, XidIsUuidV5OfTheLiid) {
  // RFC 4122 NAMESPACE_URL and Python's uuid.uuid5 results.
  const Uuid url = {0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
                    0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};
  EXPECT_EQ(uuid_text(uuid_v5(url, "urn:rcds:x2x3:liid")), "71e5b866-9435-5f36-962c-add7e71dcd71");
  EXPECT_EQ(uuid_text(xid_of_liid("LIID-MSN-0001")), "ae2bc4cd-55d2-5b93-9903-833fa2891be4");
  EXPECT_EQ(uuid_text(xid_of_liid("LIID-IP-0002")), "97d3a8ed-4889-597d-a943-cb571fc18c70");
}

TEST(X2X3Codec, MakeCodecFollowsTheDestination) {
  Destination d = destination();
  EXPECT_NE(dynamic_cast<EtsiCodec*>(make_codec(d).get()), nullptr);
  d.encoding = Encoding::kX2X3;
  EXPECT_NE(dynamic_cast<X2X3Codec*>(make_codec(d).get()), nullptr);
}

TEST(X2X3Codec, FramingKeepalivesAndNotices) {
  X2X3Codec codec(destination());
  std::string out, error;
  EXPECT_FALSE(codec.encode_notice(notice(WarrantNotice::Kind::kActivated, "L"), out));
  EXPECT_TRUE(out.empty());
  codec.encode_keepalive(42, Timestamp{kTime}, out);
  // §13's keep-alive example, byte for byte.
  std::string expected(48, '\0');
  expected[1] = 5, expected[3] = 3, expected[7] = 48;
  expected[41] = 8, expected[43] = 4, expected[47] = 42;
  EXPECT_EQ(out, expected);
  uint64_t sequence = 0;
  EXPECT_FALSE(codec.keepalive_response(as_bytes(out), sequence));
  out[3] = 4;
  ASSERT_TRUE(codec.keepalive_response(as_bytes(out), sequence));
  EXPECT_EQ(sequence, 42u);
  size_t length = 0;
  EXPECT_EQ(codec.frame(as_bytes(out.substr(0, 20)), length, error), ber::FrameStatus::kNeedMore);
  EXPECT_EQ(codec.frame(as_bytes(out + "xx"), length, error), ber::FrameStatus::kComplete);
  EXPECT_EQ(length, 48u);
  out[0] = 1;
  EXPECT_EQ(codec.frame(as_bytes(out), length, error), ber::FrameStatus::kError);
  out[0] = 0;
  out[8] = 0x7f;  // a 2 GB payload
  EXPECT_EQ(codec.frame(as_bytes(out), length, error), ber::FrameStatus::kError);
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t at; (at = text.find(separator, start)) != std::string::npos; start = at + 1) {
    parts.push_back(text.substr(start, at - start));
  }
  parts.push_back(text.substr(start));
  return parts;
}

TEST(X2X3Codec, TsharkDecodesOurPdus) {
  if (missing(RCDS_TSHARK)) GTEST_SKIP() << "tshark not installed";
  X2X3Codec codec(destination());
  const std::vector<Record> records = {message(false), message(true), packet_record(false, false),
                                       packet_record(true, true),
                                       ip_record(RecordKind::kIriBegin, "ip_begin")};
  const std::string path = ::testing::TempDir() + "/rcds_x2x3.pcap";
  constexpr uint16_t kPort = 41221;  // any port: tshark is told it carries 5gli
  {
    testkit::PcapWriter pcap(path);
    ASSERT_TRUE(pcap.ok());
    uint32_t seq = 1;
    std::string out;
    for (size_t i = 0; i <= records.size(); ++i) {
      if (i < records.size()) {
        codec.encode(records[i], out);
      } else {
        codec.encode_keepalive(9, Timestamp{kTime}, out);
      }
      // Each PDU in a segment of its own on one synthetic connection.
      pcap.write(static_cast<int64_t>(i) * 1000,
                 testkit::tcp_frame({"192.168.100.1", 40000}, {"192.168.100.2", kPort},
                                    {seq, 1, testkit::kAck | testkit::kPsh},
                                    testkit::Bytes(out.begin(), out.end())));
      seq += static_cast<uint32_t>(out.size());
    }
    ASSERT_TRUE(pcap.close());
  }
  std::string output;
  const int status =
      run(std::string(RCDS_TSHARK) + " -r " + path + " -d tcp.port==" + std::to_string(kPort) +
              ",5gli -T fields -E separator='|' -e li5g.type -e li5g.pf -e li5g.pd"
              " -e li5g.xid -e li5g.cid -e li5g.sq -e li5g.srcip -e li5g.dstip"
              " -e li5g.srcipv6 -e li5g.srcport -e li5g.dstport -e li5g.mti"
              " -e ip.src -e ipv6.src -e tcp.dstport",
          output);
  std::remove(path.c_str());
  ASSERT_EQ(status, 0) << output;
  std::vector<std::string> lines;
  for (const std::string& line : split(output, '\n')) {
    if (line.find('|') != std::string::npos) lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), records.size() + 1) << output;
  const std::string msn_xid = "ae2bc4cd-55d2-5b93-9903-833fa2891be4";
  const std::string ip_xid = "97d3a8ed-4889-597d-a943-cb571fc18c70";
  // type | format | direction | XID | correlation | seq | src v4 | dst v4 | src v6 | sport |
  // dport | target | ip.src (outer, inner) | ipv6.src | tcp.dstport (outer, inner)
  const std::vector<std::vector<std::string>> expected = {
      {"1", "1", "3", msn_xid, "00000000000003ea", "1", "203.0.113.7", "198.51.100.20", "", "40002",
       "1863", "6d736e3a616c696365406578616d706c652e636f6d", "192.168.100.1", "",
       std::to_string(kPort)},
      {"2", "16", "3", msn_xid, "00000000000003ea", "1", "203.0.113.7", "198.51.100.20", "",
       "40002", "1863", "6d736e3a616c696365406578616d706c652e636f6d", "192.168.100.1", "",
       std::to_string(kPort)},
      // The inner packet: IPv4 from the target 10.1.2.3 to port 80.
      {"2", "5", "3", ip_xid, "0000000000000007", "0", "10.1.2.3", "192.0.2.80", "", "5555", "80",
       "69703a31302e312e322e33", "192.168.100.1,10.1.2.3", "", std::to_string(kPort) + ",80"},
      // IPv6 to the target: source is the server, as in the packet.
      {"2", "6", "2", ip_xid, "0000000000000007", "1", "", "", "2001:db8:ff::80", "80", "5555",
       "69703a323030313a6462383a3a2f3332", "192.168.100.1", "2001:db8:ff::80",
       std::to_string(kPort) + ",5555"},
      {"1", "1", "3", ip_xid, "0000000000000007", "0", "10.1.2.3", "192.0.2.80", "", "5555", "80",
       "69703a31302e312e322e33", "192.168.100.1", "", std::to_string(kPort)},
      {"3", "0", "0", "00000000-0000-0000-0000-000000000000", "0000000000000000", "9", "", "", "",
       "", "", "", "192.168.100.1", "", std::to_string(kPort)},
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    std::vector<std::string> fields = split(lines[i], '|');
    // tshark 4.0's 5gli shows each attribute twice (summary line and
    // subtree): keep the first of the li5g attribute fields.
    for (size_t f = 5; f < fields.size() && f <= 11; ++f) fields[f] = split(fields[f], ',')[0];
    EXPECT_EQ(fields, expected[i]) << "PDU " << i << ": " << lines[i];
  }
}

TEST(X2X3Codec, X2PayloadIsAnIriPayloadOpensslParses) {
  if (missing(RCDS_OPENSSL)) GTEST_SKIP() << "openssl not installed";
  X2X3Codec codec(destination());
  std::string out;
  codec.encode(message(false), out);
  const uint32_t header = load_be32(reinterpret_cast<const uint8_t*>(out.data()) + 4);
  const std::string payload = out.substr(header);
  const std::string path = ::testing::TempDir() + "/rcds_x2_payload.ber";
  std::ofstream(path, std::ios::binary) << payload;
  std::string output;
  const int status = run(std::string(RCDS_OPENSSL) + " asn1parse -inform DER -in " + path, output);
  std::remove(path.c_str());
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output.find("rror"), std::string::npos) << output;
  EXPECT_NE(output.find("UTF8STRING        :bob@example.com"), std::string::npos) << output;
}

}  // namespace
}  // namespace rcds::handover
