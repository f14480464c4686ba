// Target identifiers, RFC 3339 timestamps and warrant files (JSON and YAML).
#include "intercept/warrant_file.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "intercept/warrant.h"

namespace rcds::intercept {
namespace {

TargetId parse_target(const std::string& text) {
  TargetId id;
  std::string error;
  EXPECT_TRUE(TargetId::parse(text, id, error)) << text << ": " << error;
  return id;
}

std::string target_error(const std::string& text) {
  TargetId id;
  std::string error;
  EXPECT_FALSE(TargetId::parse(text, id, error)) << text << " parsed as " << id.to_string();
  return error;
}

// ---------------------------------------------------------------------------
// Target identifiers.

TEST(WarrantTargetTest, KindNames) {
  EXPECT_EQ(name_of(TargetKind::kMsnAccount), "msn");
  EXPECT_EQ(name_of(TargetKind::kIpAddress), "ip");
  EXPECT_EQ(name_of(TargetKind::kIpPrefix), "ip-prefix");
  EXPECT_EQ(name_of(TargetKind::kEmail), "email");
  EXPECT_EQ(name_of(TargetKind::kSipUri), "sip");
  EXPECT_EQ(name_of(TargetKind::kXmppJid), "xmpp");
  EXPECT_EQ(name_of(CollectScope::kIriOnly), "iri");
  EXPECT_EQ(name_of(CollectScope::kIriAndCc), "iri+cc");
}

TEST(WarrantTargetTest, EachKindParsesAndPrintsBack) {
  struct Case {
    const char* text;
    TargetKind kind;
    const char* value;
    unsigned prefix_bits;
  };
  const Case cases[] = {
      {"msn:alice@hotmail.com", TargetKind::kMsnAccount, "alice@hotmail.com", 0},
      {"ip:192.0.2.7", TargetKind::kIpAddress, "192.0.2.7", 32},
      {"ip:2001:db8::7", TargetKind::kIpAddress, "2001:db8::7", 128},
      {"ip:192.0.2.0/24", TargetKind::kIpPrefix, "192.0.2.0/24", 24},
      {"ip:10.0.0.0/8", TargetKind::kIpPrefix, "10.0.0.0/8", 8},
      {"ip:2001:db8::/32", TargetKind::kIpPrefix, "2001:db8::/32", 32},
      {"email:alice@example.com", TargetKind::kEmail, "alice@example.com", 0},
      {"sip:alice@example.com", TargetKind::kSipUri, "alice@example.com", 0},
      {"xmpp:alice@example.com", TargetKind::kXmppJid, "alice@example.com", 0},
  };
  for (const Case& c : cases) {
    const TargetId id = parse_target(c.text);
    EXPECT_EQ(id.kind, c.kind) << c.text;
    EXPECT_EQ(id.value, c.value) << c.text;
    EXPECT_EQ(id.prefix_bits, c.prefix_bits) << c.text;
    EXPECT_EQ(id.to_string(), c.text);
    EXPECT_EQ(parse_target(id.to_string()), id) << "round trip of " << c.text;
  }
}

TEST(WarrantTargetTest, IpAddressesAreMasked) {
  const TargetId v4 = parse_target("ip:192.0.2.0/24");
  IpAddress expected;
  ASSERT_TRUE(IpAddress::parse("192.0.2.0", expected));
  EXPECT_EQ(v4.address, expected);
  const TargetId v6 = parse_target("ip:2001:db8::/32");
  ASSERT_TRUE(IpAddress::parse("2001:db8::", expected));
  EXPECT_EQ(v6.address, expected);
  EXPECT_EQ(v6.address.version, 6);
}

TEST(WarrantTargetTest, Normalisation) {
  EXPECT_EQ(parse_target("  MSN:Alice@Hotmail.COM \t").to_string(), "msn:alice@hotmail.com");
  EXPECT_EQ(parse_target("Email:Bob@Example.com").to_string(), "email:bob@example.com");
  EXPECT_EQ(parse_target("SIP:Carol@Example.com").to_string(), "sip:carol@example.com");
  EXPECT_EQ(parse_target("xmpp:Dave@Example.com").to_string(), "xmpp:dave@example.com");
  // IPv6 in canonical (RFC 5952) form.
  EXPECT_EQ(parse_target("IP:2001:DB8:0:0:0:0:0:7").to_string(), "ip:2001:db8::7");
  EXPECT_EQ(parse_target("ip:2001:0DB8::/32").to_string(), "ip:2001:db8::/32");
  // A full-length prefix is an address.
  const TargetId host4 = parse_target("ip:192.0.2.7/32");
  EXPECT_EQ(host4.kind, TargetKind::kIpAddress);
  EXPECT_EQ(host4.to_string(), "ip:192.0.2.7");
  EXPECT_EQ(host4, parse_target("ip:192.0.2.7"));
  const TargetId host6 = parse_target("ip:2001:db8::7/128");
  EXPECT_EQ(host6.kind, TargetKind::kIpAddress);
  EXPECT_EQ(host6.prefix_bits, 128);
  EXPECT_EQ(host6.to_string(), "ip:2001:db8::7");
}

TEST(WarrantTargetTest, Errors) {
  struct Case {
    const char* text;
    const char* mention;
  };
  const Case cases[] = {
      {"", "empty"},
      {"   ", "empty"},
      {"alice@hotmail.com", "kind:value"},
      {"msn:", "empty value"},
      {"icq:12345@x", "unknown kind"},
      {"ip-prefix:10.0.0.0/8", "unknown kind"},
      {"msn:alice", "no '@'"},
      {"msn:@hotmail.com", "empty user"},
      {"msn:alice@", "empty domain"},
      {"msn:a@b@c", "more than one '@'"},
      {"msn:alice smith@hotmail.com", "space or control"},
      {"msn:alice\x01@hotmail.com", "space or control"},
      {"msn:alice\x7f@hotmail.com", "space or control"},
      {"email:example.com", "no '@'"},
      {"sip:example.com", "no '@'"},
      {"xmpp:example.com", "no '@'"},
      {"ip:192.0.2", "not an IPv4 or IPv6 address"},
      {"ip:192.0.2.256", "not an IPv4 or IPv6 address"},
      {"ip:host.example", "not an IPv4 or IPv6 address"},
      {"ip:192.0.2.0/", "not a number"},
      {"ip:192.0.2.0/x", "not a number"},
      {"ip:192.0.2.0/+8", "not a number"},
      {"ip:192.0.2.0/24/8", "not a number"},
      {"ip:192.0.2.0/33", "out of range"},
      {"ip:2001:db8::/129", "out of range"},
      {"ip:0.0.0.0/0", "/0"},
      {"ip:::/0", "/0"},
      {"ip:192.0.2.1/24", "host bits set"},
      {"ip:2001:db8::1/32", "host bits set"},
  };
  for (const Case& c : cases) {
    const std::string error = target_error(c.text);
    EXPECT_NE(error.find(c.mention), std::string::npos) << c.text << ": " << error;
  }
  // The host-bits error names the text and the network that was meant.
  EXPECT_EQ(target_error("ip:192.0.2.1/24"),
            "\"ip:192.0.2.1/24\" has host bits set beyond /24 (the network is ip:192.0.2.0/24)");
  // Control characters are escaped in the message.
  EXPECT_NE(target_error("msn:a\nb@c").find("\"msn:a\\x0ab@c\""), std::string::npos);
}

// ---------------------------------------------------------------------------
// Timestamps.

Timestamp ts(const std::string& text) {
  Timestamp t;
  std::string error;
  EXPECT_TRUE(parse_timestamp(text, t, error)) << text << ": " << error;
  return t;
}

std::string ts_error(const std::string& text) {
  Timestamp t;
  std::string error;
  EXPECT_FALSE(parse_timestamp(text, t, error)) << text << " parsed as " << t.ns;
  return error;
}

TEST(WarrantTimestampTest, UtcOffsetsAndFractions) {
  // date -u -d 2005-01-01T00:00:00Z +%s   -> 1104537600
  EXPECT_EQ(ts("2005-01-01T00:00:00Z").ns, 1104537600LL * kNanosPerSecond);
  EXPECT_EQ(ts("2005-01-01t00:00:00z").ns, 1104537600LL * kNanosPerSecond);
  // date -u -d 2005-05-06T09:17:57Z +%s   -> 1115371077
  const int64_t t0 = 1115371077LL * kNanosPerSecond;
  EXPECT_EQ(ts("2005-05-06T09:17:57Z").ns, t0);
  // date -u -d 2005-05-06T11:17:57+02:00 +%s -> 1115371077
  EXPECT_EQ(ts("2005-05-06T11:17:57+02:00").ns, t0);
  // date -u -d 2005-05-06T04:47:57-04:30 +%s -> 1115371077
  EXPECT_EQ(ts("2005-05-06T04:47:57-04:30").ns, t0);
  EXPECT_EQ(ts("2005-05-06T09:17:57+00:00").ns, t0);
  EXPECT_EQ(ts("2005-05-06T09:17:57-00:00").ns, t0);
  // Offset across a day boundary: 2005-05-07T01:17:57+16:00 is 09:17:57Z the day before.
  EXPECT_EQ(ts("2005-05-07T01:17:57+16:00").ns, t0);
  // Fractions: 1 to 9 digits.
  EXPECT_EQ(ts("2005-05-06T09:17:57.5Z").ns, t0 + 500'000'000);
  EXPECT_EQ(ts("2005-05-06T09:17:57.123456Z").ns, t0 + 123'456'000);
  EXPECT_EQ(ts("2005-05-06T09:17:57.000000001Z").ns, t0 + 1);
  EXPECT_EQ(ts("2005-05-06T11:17:57.987654321+02:00").ns, t0 + 987'654'321);
  // date -u -d 2000-02-29T23:59:59Z +%s -> 951868799 (leap day)
  EXPECT_EQ(ts("2000-02-29T23:59:59Z").ns, 951868799LL * kNanosPerSecond);
  // date -u -d 1969-12-31T23:59:59Z +%s -> -1; plus half a second is -0.5 s.
  EXPECT_EQ(ts("1969-12-31T23:59:59.5Z").ns, -500'000'000);
  // date -u -d 2262-04-11T23:47:16Z +%s -> 9223372036: INT64_MAX ns is .854775807 later.
  EXPECT_EQ(ts("2262-04-11T23:47:16.854775807Z").ns, INT64_MAX);
  // Round trip through the project's formatter.
  EXPECT_EQ(format_iso8601(ts("2005-05-06T11:17:57.123456+02:00")), "2005-05-06T09:17:57.123456Z");
}

TEST(WarrantTimestampTest, Errors) {
  struct Case {
    const char* text;
    const char* mention;
  };
  const Case cases[] = {
      {"", "YYYY-MM-DD"},
      {"2005-1-01T00:00:00Z", "YYYY-MM-DD"},
      {"2005-01-01", "'T'"},
      {"2005-01-01 00:00:00Z", "'T'"},
      {"2005-01-01T00:00Z", "hh:mm:ss"},
      {"2005-01-01T00:00:00", "missing the UTC offset"},
      {"2005-01-01T00:00:00+0100", "+hh:mm"},
      {"2005-01-01T00:00:00+24:00", "offset out of range"},
      {"2005-01-01T00:00:00.Z", "no digits"},
      {"2005-01-01T00:00:00.1234567890Z", "more than 9"},
      {"2005-01-01T00:00:00Zjunk", "after the offset"},
      {"2005-13-01T00:00:00Z", "month"},
      {"2005-00-01T00:00:00Z", "month"},
      {"2005-02-29T00:00:00Z", "day"},
      {"1900-02-29T00:00:00Z", "day"},
      {"2005-04-31T00:00:00Z", "day"},
      {"2005-01-01T24:00:00Z", "hour"},
      {"2005-01-01T00:60:00Z", "minute"},
      {"2005-12-31T23:59:60Z", "leap seconds"},
      {"2262-04-11T23:47:16.854775808Z", "representable range"},
      {"9999-12-31T23:59:59Z", "representable range"},
      {"1000-01-01T00:00:00Z", "representable range"},
  };
  for (const Case& c : cases) {
    const std::string error = ts_error(c.text);
    EXPECT_NE(error.find(c.mention), std::string::npos) << c.text << ": " << error;
    EXPECT_NE(error.find("RFC 3339"), std::string::npos) << error;
  }
}

// ---------------------------------------------------------------------------
// Warrant files.

std::vector<Warrant> parse_ok(const std::string& text) {
  std::vector<Warrant> out;
  std::string error;
  EXPECT_TRUE(parse_warrants(text, out, error)) << error << "\n" << text;
  return out;
}

std::string parse_error(const std::string& text) {
  std::vector<Warrant> out;
  std::string error;
  EXPECT_FALSE(parse_warrants(text, out, error)) << text;
  EXPECT_FALSE(error.empty());
  return error;
}

bool same(const Warrant& a, const Warrant& b) {
  return a.liid == b.liid && a.case_reference == b.case_reference && a.authority == b.authority &&
         a.valid_from == b.valid_from && a.valid_until == b.valid_until && a.targets == b.targets &&
         a.scope == b.scope && a.destination == b.destination && a.revoked == b.revoked &&
         a.revoked_at == b.revoked_at;
}

const char* const kJson = R"({"warrants": [
  {"liid": "LIID-0001", "case_reference": "CASE-17/2026", "authority": "District Court, Judge Roe",
   "valid_from": "2005-01-01T00:00:00Z", "valid_until": "2030-01-01T00:00:00Z",
   "scope": "iri+cc", "destination": "lemf-1",
   "targets": ["msn:Alice@Example.com", "ip:10.0.0.0/8"],
   "revoked_at": "2026-05-01T12:00:00Z"},
  {"liid": "LIID-0002", "valid_from": "2005-05-06T11:17:57.5+02:00",
   "valid_until": "2005-05-07T00:00:00Z", "scope": "iri",
   "targets": ["ip:2001:db8::/32", "ip:192.0.2.7", "email:bob@example.com",
               "sip:carol@example.com", "xmpp:dave@example.com"]}
]})";

const char* const kYaml = R"(# The same two warrants as kJson.
warrants:
  - liid: LIID-0001
    case_reference: CASE-17/2026
    authority: "District Court, Judge Roe"
    valid_from: 2005-01-01T00:00:00Z
    valid_until: 2030-01-01T00:00:00Z
    scope: iri+cc
    destination: lemf-1
    targets:
      - msn:Alice@Example.com
      - ip:10.0.0.0/8
    revoked_at: 2026-05-01T12:00:00Z
  - liid: LIID-0002
    valid_from: "2005-05-06T11:17:57.5+02:00"
    valid_until: '2005-05-07T00:00:00Z'
    scope: iri
    targets: [ip:2001:db8::/32, ip:192.0.2.7, email:bob@example.com,
              sip:carol@example.com, xmpp:dave@example.com]
)";

TEST(WarrantFileTest, JsonFields) {
  const std::vector<Warrant> w = parse_ok(kJson);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].liid, "LIID-0001");
  EXPECT_EQ(w[0].case_reference, "CASE-17/2026");
  EXPECT_EQ(w[0].authority, "District Court, Judge Roe");
  // date -u -d 2005-01-01T00:00:00Z +%s -> 1104537600
  EXPECT_EQ(w[0].valid_from, Timestamp::from_seconds(1104537600));
  // date -u -d 2030-01-01T00:00:00Z +%s -> 1893456000
  EXPECT_EQ(w[0].valid_until, Timestamp::from_seconds(1893456000));
  EXPECT_EQ(w[0].scope, CollectScope::kIriAndCc);
  EXPECT_EQ(w[0].destination, "lemf-1");
  ASSERT_EQ(w[0].targets.size(), 2u);
  EXPECT_EQ(w[0].targets[0].to_string(), "msn:alice@example.com");
  EXPECT_EQ(w[0].targets[1].kind, TargetKind::kIpPrefix);
  EXPECT_EQ(w[0].targets[1].value, "10.0.0.0/8");
  EXPECT_TRUE(w[0].revoked);
  // date -u -d 2026-05-01T12:00:00Z +%s -> 1777636800
  EXPECT_EQ(w[0].revoked_at, Timestamp::from_seconds(1777636800));

  EXPECT_EQ(w[1].liid, "LIID-0002");
  EXPECT_EQ(w[1].case_reference, "");
  EXPECT_EQ(w[1].authority, "");
  EXPECT_EQ(w[1].destination, "");
  EXPECT_EQ(w[1].scope, CollectScope::kIriOnly);
  // date -u -d 2005-05-06T09:17:57Z +%s -> 1115371077
  EXPECT_EQ(w[1].valid_from.ns, 1115371077LL * kNanosPerSecond + 500'000'000);
  EXPECT_FALSE(w[1].revoked);
  ASSERT_EQ(w[1].targets.size(), 5u);
  EXPECT_EQ(w[1].targets[0].kind, TargetKind::kIpPrefix);
  EXPECT_EQ(w[1].targets[1].kind, TargetKind::kIpAddress);
  EXPECT_EQ(w[1].targets[2].kind, TargetKind::kEmail);
  EXPECT_EQ(w[1].targets[3].kind, TargetKind::kSipUri);
  EXPECT_EQ(w[1].targets[4].kind, TargetKind::kXmppJid);
}

TEST(WarrantFileTest, JsonAndYamlAgree) {
  const std::vector<Warrant> j = parse_ok(kJson);
  const std::vector<Warrant> y = parse_ok(kYaml);
  ASSERT_EQ(j.size(), 2u);
  ASSERT_EQ(y.size(), j.size());
  for (size_t i = 0; i < j.size(); ++i) EXPECT_TRUE(same(j[i], y[i])) << "warrant " << i;
  // YAML flow style that looks like JSON, and a top-level list in both formats.
  const std::vector<Warrant> flow = parse_ok(std::string("# comment first\n") + kJson);
  ASSERT_EQ(flow.size(), 2u);
  EXPECT_TRUE(same(flow[1], j[1]));
  const std::string json_list = R"([{"liid": "A", "valid_from": "2005-01-01T00:00:00Z",
      "valid_until": "2006-01-01T00:00:00Z", "targets": ["msn:a@b"]}])";
  const std::string yaml_list =
      "- liid: A\n  valid_from: 2005-01-01T00:00:00Z\n  valid_until: 2006-01-01T00:00:00Z\n"
      "  targets: [msn:a@b]\n";
  const std::vector<Warrant> a = parse_ok(json_list);
  const std::vector<Warrant> b = parse_ok(yaml_list);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_TRUE(same(a[0], b[0]));
  EXPECT_EQ(a[0].scope, CollectScope::kIriAndCc);  // the default
}

TEST(WarrantFileTest, EmptyListIsValidEmptyFileIsNot) {
  EXPECT_TRUE(parse_ok(R"({"warrants": []})").empty());
  EXPECT_TRUE(parse_ok("warrants: []\n").empty());
  EXPECT_TRUE(parse_ok("[]").empty());
  EXPECT_NE(parse_error("").find("empty"), std::string::npos);
  EXPECT_NE(parse_error("  \n\t\n").find("empty"), std::string::npos);
  EXPECT_NE(parse_error("# only a comment\n").find("empty"), std::string::npos);
}

TEST(WarrantFileTest, OutputUntouchedOnError) {
  std::vector<Warrant> out = parse_ok(kJson);
  std::string error;
  EXPECT_FALSE(parse_warrants("warrants: [{liid: X}]", out, error));
  EXPECT_EQ(out.size(), 2u);
  EXPECT_TRUE(parse_warrants("warrants: []", out, error)) << error;
  EXPECT_TRUE(out.empty());
}

// One warrant in JSON with `fields` spliced in after the liid.
std::string one(const std::string& fields) {
  return R"({"warrants": [{"liid": "LIID-9", )" + fields + "}]}";
}
const char* const kValid =
    R"("valid_from": "2005-01-01T00:00:00Z", "valid_until": "2006-01-01T00:00:00Z")";

TEST(WarrantFileTest, ValidationErrorsNameWarrantAndField) {
  struct Case {
    std::string text;
    std::vector<std::string> mentions;
  };
  const std::string targets = R"("targets": ["msn:a@b"])";
  const std::string base = std::string(kValid) + ", " + targets;
  const std::vector<Case> cases = {
      // Required fields.
      {R"({"warrants": [{"valid_from": "2005-01-01T00:00:00Z"}]})",
       {"warrant 1", "\"liid\"", "missing"}},
      {one(R"("valid_until": "2006-01-01T00:00:00Z", )" + targets),
       {"warrant 1 (\"LIID-9\")", "\"valid_from\"", "missing"}},
      {one(R"("valid_from": "2006-01-01T00:00:00Z", )" + targets), {"\"valid_until\"", "missing"}},
      {one(kValid), {"\"targets\"", "missing"}},
      {one(std::string(kValid) + R"(, "targets": [])"), {"\"targets\"", "empty"}},
      // LIID.
      {R"({"warrants": [{"liid": "", )" + base + "}]}", {"\"liid\"", "1 to 25"}},
      {R"({"warrants": [{"liid": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", )" + base + "}]}",
       {"warrant 1:", "\"liid\"", "1 to 25"}},
      {R"({"warrants": [{"liid": "LI ID", )" + base + "}]}", {"\"liid\"", "A-Z a-z 0-9"}},
      {R"({"warrants": [{"liid": "LIID/1", )" + base + "}]}", {"\"liid\"", "A-Z a-z 0-9"}},
      {R"({"warrants": [{"liid": "A", )" + base + R"(}, {"liid": "A", )" + base + "}]}",
       {"warrant 2 (\"A\")", "\"liid\"", "already used by warrant 1"}},
      // Validity window.
      {one(R"("valid_from": "2006-01-01T00:00:00Z", "valid_until": "2006-01-01T00:00:00Z", )" +
           targets),
       {"\"valid_until\"", "not after valid_from"}},
      {one(R"("valid_from": "2006-01-01T00:00:00Z", "valid_until": "2005-01-01T00:00:00Z", )" +
           targets),
       {"\"valid_until\"", "not after valid_from"}},
      {one(R"("valid_from": "2006-01-01", "valid_until": "2007-01-01T00:00:00Z", )" + targets),
       {"\"valid_from\"", "RFC 3339", "2006-01-01"}},
      {one(R"("valid_from": "2006-01-01T00:00:00Z", "valid_until": "2007-01-01T00:00:00", )" +
           targets),
       {"\"valid_until\"", "UTC offset"}},
      {one(base + R"(, "revoked_at": "yesterday")"), {"\"revoked_at\"", "RFC 3339"}},
      // Scope.
      {one(base + R"(, "scope": "IRI")"), {"\"scope\"", "\"iri\" or \"iri+cc\"", "\"IRI\""}},
      {one(base + R"(, "scope": "cc")"), {"\"scope\"", "\"cc\""}},
      // Targets.
      {one(std::string(kValid) + R"(, "targets": ["msn:a@b", "MSN:A@B"])"),
       {"\"targets[1]\"", "duplicates targets[0]", "msn:a@b"}},
      {one(std::string(kValid) + R"(, "targets": ["ip:192.0.2.7", "ip:192.0.2.7/32"])"),
       {"\"targets[1]\"", "duplicates targets[0]"}},
      {one(std::string(kValid) + R"(, "targets": ["ip:192.0.2.1/24"])"),
       {"\"targets[0]\"", "host bits set"}},
      {one(std::string(kValid) + R"(, "targets": ["msn:a@b", "bogus"])"),
       {"\"targets[1]\"", "\"bogus\""}},
      // Unknown keys.
      {one(base + R"(, "scopes": "iri")"), {"warrant 1 (\"LIID-9\")", "unknown field \"scopes\""}},
      {one(base + R"(, "revoked": true)"), {"unknown field \"revoked\""}},
      {R"({"warrant": []})", {"top level", "unknown field \"warrant\""}},
      {R"({"warrants": [], "version": 1})", {"top level", "unknown field \"version\""}},
      {R"({})", {"top level", "missing field \"warrants\""}},
      // Wrong types.
      {R"("warrants")", {"top level", "got string"}},
      {R"({"warrants": {}})", {"\"warrants\"", "expected a list"}},
      {R"({"warrants": ["LIID-1"]})", {"warrant 1", "expected an object"}},
      {R"({"warrants": [{"liid": 7, )" + base + "}]}", {"\"liid\"", "a string", "number 7"}},
      {one(base + R"(, "case_reference": 17)"), {"\"case_reference\"", "a string"}},
      {one(base + R"(, "authority": ["x"])"), {"\"authority\"", "a string", "got list"}},
      {one(base + R"(, "destination": null)"), {"\"destination\"", "got null"}},
      {one(base + R"(, "scope": true)"), {"\"scope\"", "got boolean"}},
      {one(base + R"(, "revoked_at": 1777636800)"), {"\"revoked_at\"", "a string"}},
      {one(R"("valid_from": 1104537600, "valid_until": "2006-01-01T00:00:00Z", )" + targets),
       {"\"valid_from\"", "a string"}},
      {one(std::string(kValid) + R"(, "targets": "msn:a@b")"), {"\"targets\"", "a list"}},
      {one(std::string(kValid) + R"(, "targets": ["msn:a@b", 5])"), {"\"targets[1]\"", "a string"}},
      // Syntax.
      {R"({"warrants": [)", {"JSON"}},
      {R"({"warrants": [], "warrants": []})", {"JSON", "duplicate key \"warrants\""}},
      {one(base + R"(, "targets": ["msn:c@d"])"), {"JSON", "duplicate key \"targets\""}},
      {"warrants: [\n  {liid: A\n", {"YAML"}},
      {"warrants: []\nwarrants: []\n", {"YAML line 2", "duplicate key \"warrants\""}},
      {"warrants: []\n---\nwarrants: []\n", {"YAML", "more than one document"}},
      // yaml-cpp 0.7 reports empty documents forever after a stray comma
      // (fuzz/crashes/warrant_fuzz/yaml-loadall-comma-runaway): refused, not hung.
      {",", {"YAML", "more than one document"}},
  };
  for (const Case& c : cases) {
    const std::string error = parse_error(c.text);
    for (const std::string& m : c.mentions) {
      EXPECT_NE(error.find(m), std::string::npos)
          << "error for\n  " << c.text << "\nis\n  " << error << "\nwithout " << m;
    }
  }
}

TEST(WarrantFileTest, YamlTypesFollowTheCoreSchema) {
  const std::string rest =
      "    valid_from: 2005-01-01T00:00:00Z\n    valid_until: 2006-01-01T00:00:00Z\n"
      "    targets: [msn:a@b]\n";
  // A plain 0001 is the number 1 in YAML; quoted it is the LIID "0001".
  std::string error = parse_error("warrants:\n  - liid: 0001\n" + rest);
  EXPECT_NE(error.find("\"liid\""), std::string::npos) << error;
  EXPECT_NE(error.find("got number 1"), std::string::npos) << error;
  EXPECT_NE(error.find("quote"), std::string::npos) << error;
  const std::vector<Warrant> w = parse_ok("warrants:\n  - liid: '0001'\n" + rest);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].liid, "0001");
  EXPECT_EQ(parse_ok("warrants:\n  - liid: !!str 0001\n" + rest).at(0).liid, "0001");

  error = parse_error("warrants:\n  - liid: A\n    destination:\n" + rest);
  EXPECT_NE(error.find("\"destination\""), std::string::npos) << error;
  EXPECT_NE(error.find("got null"), std::string::npos) << error;
  error = parse_error("warrants:\n  - liid: A\n    scope: true\n" + rest);
  EXPECT_NE(error.find("\"scope\""), std::string::npos) << error;
  EXPECT_NE(error.find("got boolean"), std::string::npos) << error;
  error = parse_error("warrants:\n  - liid: A\n    case_reference: 1.5e3\n" + rest);
  EXPECT_NE(error.find("\"case_reference\""), std::string::npos) << error;
  EXPECT_NE(error.find("got number"), std::string::npos) << error;
  // YAML 1.1 words like "yes" are plain strings in the core schema.
  error = parse_error("warrants:\n  - liid: A\n    scope: yes\n" + rest);
  EXPECT_NE(error.find("got \"yes\""), std::string::npos) << error;
  // Typos in keys are caught in YAML as in JSON.
  error = parse_error("warrants:\n  - liid: A\n    valid_untill: 2007-01-01T00:00:00Z\n" + rest);
  EXPECT_NE(error.find("unknown field \"valid_untill\""), std::string::npos) << error;
  // Non-scalar keys and foreign tags.
  error = parse_error("warrants:\n  - liid: A\n    ? [a, b]\n    : c\n" + rest);
  EXPECT_NE(error.find("keys"), std::string::npos) << error;
  error = parse_error("warrants:\n  - liid: !custom A\n" + rest);
  EXPECT_NE(error.find("tag"), std::string::npos) << error;
}

TEST(WarrantFileTest, AliasBombIsRefused) {
  std::string yaml = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; ++c) {
    yaml += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) yaml += std::string(i ? ", *" : "*") + prev;
    yaml += "]\n";
    prev = c;
  }
  const std::string error = parse_error(yaml);
  EXPECT_NE(error.find("too large"), std::string::npos) << error;
}

TEST(WarrantFileTest, NeverThrows) {
  const std::string inputs[] = {
      "{",
      "[",
      "\"",
      "{\"warrants\": [\"\xff\"]}",
      "warrants: [\xff]",
      ": :",
      "- - - -",
      "{{}}",
      "!!binary AAAA",
      "*unknown",
      std::string(200, '['),
      std::string("\0\0", 2),
  };
  for (const std::string& in : inputs) {
    std::vector<Warrant> out;
    std::string error;
    EXPECT_NO_THROW(EXPECT_FALSE(parse_warrants(in, out, error)) << in) << in;
    EXPECT_FALSE(error.empty()) << in;
  }
}

// ---------------------------------------------------------------------------
// Warrant::covers at the edges.

TEST(WarrantCoversTest, FromInclusiveUntilExclusiveRevokedAt) {
  Warrant w;
  w.valid_from = Timestamp{1000};
  w.valid_until = Timestamp{2000};
  EXPECT_FALSE(w.covers(Timestamp{999}));
  EXPECT_TRUE(w.covers(Timestamp{1000}));
  EXPECT_TRUE(w.covers(Timestamp{1999}));
  EXPECT_FALSE(w.covers(Timestamp{2000}));
  w.revoked = true;
  w.revoked_at = Timestamp{1500};
  EXPECT_TRUE(w.covers(Timestamp{1000}));
  EXPECT_TRUE(w.covers(Timestamp{1499}));
  EXPECT_FALSE(w.covers(Timestamp{1500}));
  EXPECT_FALSE(w.covers(Timestamp{1999}));
  w.revoked_at = Timestamp{500};  // revoked before it began: never covers
  EXPECT_FALSE(w.covers(Timestamp{1000}));
}

TEST(WarrantCoversTest, FromParsedFile) {
  const std::vector<Warrant> w = parse_ok(kYaml);
  ASSERT_EQ(w.size(), 2u);
  // LIID-0001: 2005-01-01T00:00:00Z (1104537600) to 2030 (1893456000), revoked 1777636800.
  const Warrant& a = w[0];
  EXPECT_FALSE(a.covers(Timestamp{1104537600LL * kNanosPerSecond - 1}));
  EXPECT_TRUE(a.covers(Timestamp::from_seconds(1104537600)));
  EXPECT_TRUE(a.covers(Timestamp{1777636800LL * kNanosPerSecond - 1}));
  EXPECT_FALSE(a.covers(Timestamp::from_seconds(1777636800)));
  EXPECT_FALSE(a.covers(Timestamp::from_seconds(1893456000)));
  // LIID-0002: from 2005-05-06T09:17:57.5Z (1115371077.5) until 2005-05-07T00:00:00Z.
  // date -u -d 2005-05-07T00:00:00Z +%s -> 1115424000
  const Warrant& b = w[1];
  const int64_t from = 1115371077LL * kNanosPerSecond + 500'000'000;
  EXPECT_FALSE(b.covers(Timestamp{from - 1}));
  EXPECT_TRUE(b.covers(Timestamp{from}));
  EXPECT_TRUE(b.covers(Timestamp{1115424000LL * kNanosPerSecond - 1}));
  EXPECT_FALSE(b.covers(Timestamp::from_seconds(1115424000)));
}

}  // namespace
}  // namespace rcds::intercept
