// The interception engine driven directly: hand-built MSNP events and IP
// packets into a recording RecordSink. Checks record kinds, CIN and sequence
// rules, validity windows at their exact edges, revocation and activation
// between events, roster-based interception, minimisation (no state for
// non-targets), wants_content and IP targets.
#include "intercept/engine.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "intercept/warrant_store.h"

namespace rcds::intercept {
namespace {

namespace msnp = proto::msnp;

class Sink final : public RecordSink {
 public:
  void on_record(const Record& record) override { records.push_back(record); }
  void on_notice(const WarrantNotice& notice) override { notices.push_back(notice); }
  std::vector<Record> of(std::string_view liid) const {
    std::vector<Record> out;
    for (const Record& r : records) {
      if (r.liid == liid) out.push_back(r);
    }
    return out;
  }
  std::vector<Record> records;
  std::vector<WarrantNotice> notices;
};

constexpr int64_t kT0 = 1'700'000'000;  // seconds
Timestamp at(int64_t seconds, int64_t extra_ns = 0) {
  return Timestamp{(kT0 + seconds) * kNanosPerSecond + extra_ns};
}

Warrant make_warrant(std::string liid, std::vector<std::string> targets,
                     CollectScope scope = CollectScope::kIriAndCc, Timestamp from = at(-100000),
                     Timestamp until = at(100000)) {
  Warrant w;
  w.liid = std::move(liid);
  w.valid_from = from;
  w.valid_until = until;
  w.scope = scope;
  for (const std::string& text : targets) {
    TargetId id;
    std::string error;
    EXPECT_TRUE(TargetId::parse(text, id, error)) << text << ": " << error;
    w.targets.push_back(id);
  }
  return w;
}

IpAddress ip(const std::string& text) {
  IpAddress a;
  EXPECT_TRUE(IpAddress::parse(text, a)) << text;
  return a;
}

// Events on MSN connections. `owner` must outlive the call (literals).
msnp::MsnpEvent event(Timestamp time, uint64_t flow, std::string_view owner, msnp::EventBody body,
                      msnp::ConnectionType type = msnp::ConnectionType::kSwitchboard) {
  msnp::MsnpEvent e;
  e.context.time = time;
  e.context.flow_id = flow;
  e.context.owner = owner;
  e.context.connection = type;
  e.context.client = {ip("192.0.2.10"), static_cast<uint16_t>(40000 + flow)};
  e.context.server = {ip("198.51.100.1"), 1863};
  e.body = std::move(body);
  return e;
}

msnp::ParticipantJoined joined(
    std::string account, std::vector<std::string> roster,
    msnp::ParticipantJoined::How how = msnp::ParticipantJoined::How::kJoined) {
  msnp::ParticipantJoined j;
  j.how = how;
  j.account = std::move(account);
  j.roster = std::move(roster);
  return j;
}

msnp::ParticipantLeft left(std::string account, std::vector<std::string> roster) {
  msnp::ParticipantLeft l;
  l.account = std::move(account);
  l.reason = "bye";
  l.roster = std::move(roster);
  return l;
}

// `text` must outlive the call (literals).
msnp::InstantMessage message(std::string sender, std::vector<std::string> recipients,
                             std::string_view text) {
  msnp::InstantMessage m;
  m.sender = std::move(sender);
  m.recipients = std::move(recipients);
  m.text = text;
  m.size = text.size();
  return m;
}

msnp::Presence presence(std::string account, std::string status) {
  msnp::Presence p;
  p.account = std::move(account);
  p.status = std::move(status);
  return p;
}

msnp::Logout logout(std::string account) {
  msnp::Logout l;
  l.account = std::move(account);
  l.reason = msnp::Logout::Reason::kClientOut;
  return l;
}

std::vector<std::string> kinds(const std::vector<Record>& records) {
  std::vector<std::string> out;
  for (const Record& r : records) out.push_back(std::string(name_of(r.kind)) + " " + r.event);
  return out;
}

std::string originator(const Record& r) {
  for (const Party& p : r.parties) {
    if (p.role == Party::Role::kOriginator) return p.identity;
  }
  return "";
}
std::vector<std::string> recipients(const Record& r) {
  std::vector<std::string> out;
  for (const Party& p : r.parties) {
    if (p.role == Party::Role::kRecipient) out.push_back(p.identity);
  }
  return out;
}

// The numbering rules every record stream must follow, whatever the test:
// CINs per LIID are 1, 2, 3, ... in order of first appearance; per CIN the
// IRI and the CC sequences are each 0, 1, 2, ... without gaps; the first
// IRI that is not a REPORT is a BEGIN, nothing follows an END, and every
// record is an event's own time within its warrant's window.
void expect_numbering(const std::vector<Record>& records) {
  std::map<std::string, uint32_t> last_cin;
  std::map<std::pair<std::string, uint32_t>, uint64_t> iri, cc;
  std::set<std::pair<std::string, uint32_t>> begun, ended;
  for (const Record& r : records) {
    const auto key = std::make_pair(r.liid, r.cin);
    if (!iri.contains(key) && !cc.contains(key)) {
      EXPECT_EQ(r.cin, last_cin[r.liid] + 1) << r.liid << " CINs must count from 1 without gaps";
      last_cin[r.liid] = r.cin;
    }
    EXPECT_FALSE(ended.contains(key)) << r.liid << " CIN " << r.cin << ": record after IRI-END";
    if (r.kind == RecordKind::kCc) {
      EXPECT_EQ(r.sequence, cc[key]++) << r.liid << " CIN " << r.cin << " CC";
      continue;
    }
    EXPECT_EQ(r.sequence, iri[key]++) << r.liid << " CIN " << r.cin << " IRI " << r.event;
    if (r.kind == RecordKind::kIriReport) continue;
    if (!begun.contains(key)) {
      EXPECT_EQ(r.kind, RecordKind::kIriBegin) << r.liid << " CIN " << r.cin << " " << r.event;
      begun.insert(key);
    } else {
      EXPECT_NE(r.kind, RecordKind::kIriBegin) << r.liid << " CIN " << r.cin;
    }
    if (r.kind == RecordKind::kIriEnd) ended.insert(key);
  }
}

struct Fixture {
  explicit Fixture(WarrantSet warrants, EngineOptions options = {})
      : store(std::move(warrants)), engine(store, sink, options) {}
  void feed(const msnp::MsnpEvent& e) { engine.on_event(e); }
  WarrantStore store;
  Sink sink;
  InterceptEngine engine;
};

// --- MSN: kinds, CINs, sequences --------------------------------------------

TEST(InterceptEngine, OwnerConnectionsGiveReportBeginContinueEndAndCc) {
  Fixture f({make_warrant("LI-1", {"msn:alice@example.com"})});
  using msnp::ConnectionType;
  // NS: login attempt (REPORT), login ok (BEGIN), presence (CONTINUE), logout (END).
  msnp::LoginAttempt attempt;
  attempt.account = "alice@example.com";
  attempt.auth_scheme = "TWN";
  f.feed(event(at(1), 1, "", attempt, ConnectionType::kNotification));
  msnp::LoginResult ok;
  ok.success = true;
  ok.account = "alice@example.com";
  f.feed(event(at(2), 1, "alice@example.com", ok, ConnectionType::kNotification));
  f.feed(event(at(3), 1, "alice@example.com", presence("alice@example.com", "NLN"),
               ConnectionType::kNotification));
  // SB as caller: joined (BEGIN), bob joins, two messages, alice leaves (END).
  f.feed(event(
      at(4), 2, "alice@example.com",
      joined("alice@example.com", {"alice@example.com"}, msnp::ParticipantJoined::How::kCaller)));
  f.feed(event(at(5), 2, "alice@example.com",
               joined("bob@example.com", {"alice@example.com", "bob@example.com"})));
  f.feed(event(at(6), 2, "alice@example.com",
               message("alice@example.com", {"bob@example.com"}, "hi bob")));
  f.feed(event(at(7), 2, "alice@example.com",
               message("bob@example.com", {"alice@example.com"}, "hi alice")));
  f.feed(event(at(8), 2, "alice@example.com", left("alice@example.com", {"bob@example.com"})));
  f.feed(event(at(9), 1, "alice@example.com", logout("alice@example.com"),
               ConnectionType::kNotification));

  const std::vector<Record>& r = f.sink.records;
  EXPECT_EQ(kinds(r),
            (std::vector<std::string>{
                "iri-report login_attempt", "iri-begin login_result", "iri-continue presence",
                "iri-begin joined", "iri-continue joined", "iri-continue message", "cc message",
                "iri-continue message", "cc message", "iri-end left", "iri-end logout"}));
  expect_numbering(r);
  ASSERT_EQ(r.size(), 11u);
  for (int i : {0, 1, 2, 10}) EXPECT_EQ(r[i].cin, 1u) << i;
  for (int i : {3, 4, 5, 6, 7, 8, 9}) EXPECT_EQ(r[i].cin, 2u) << i;
  EXPECT_EQ(r[0].sequence, 0u);  // the REPORT takes IRI sequence 0
  EXPECT_EQ(r[1].sequence, 1u);
  EXPECT_EQ(r[10].sequence, 3u);
  for (const Record& x : r) {
    EXPECT_EQ(x.liid, "LI-1");
    EXPECT_EQ(x.target, "msn:alice@example.com");
    EXPECT_EQ(x.protocol, "msnp");
  }
  // Messages: IRI and CC share time and parties; the CC carries the text.
  EXPECT_EQ(r[6].content, "hi bob");
  EXPECT_EQ(r[6].content_kind, ContentKind::kMessage);
  EXPECT_EQ(r[6].sequence, 0u);
  EXPECT_EQ(r[6].time, at(6));
  EXPECT_EQ(originator(r[6]), "msn:alice@example.com");
  EXPECT_EQ(recipients(r[6]), (std::vector<std::string>{"msn:bob@example.com"}));
  EXPECT_EQ(r[6].direction, PayloadDirection::kFromTarget);
  EXPECT_EQ(r[5].direction, PayloadDirection::kFromTarget);
  EXPECT_TRUE(r[5].content.empty());
  EXPECT_EQ(r[8].content, "hi alice");
  EXPECT_EQ(r[8].sequence, 1u);
  EXPECT_EQ(originator(r[8]), "msn:bob@example.com");
  EXPECT_EQ(r[8].direction, PayloadDirection::kToTarget);
  EXPECT_EQ(f.engine.stats().records_iri, 9u);
  EXPECT_EQ(f.engine.stats().records_cc, 2u);

  // Events after the owner left / logged out belong to no communication.
  f.feed(event(at(10), 2, "alice@example.com",
               message("bob@example.com", {"alice@example.com"}, "late")));
  f.feed(event(at(10), 1, "alice@example.com", presence("bob@example.com", "FLN"),
               ConnectionType::kNotification));
  EXPECT_EQ(f.sink.records.size(), 11u);
  // Closing the flows adds nothing (already ended) and forgets them.
  f.engine.on_flow_closed(1, {}, "fin", at(11));
  f.engine.on_flow_closed(2, {}, "fin", at(11));
  EXPECT_EQ(f.sink.records.size(), 11u);
  EXPECT_EQ(f.engine.tracked_connections(), 0u);
}

TEST(InterceptEngine, FailedLoginsRedirectsAndAnomaliesAreReports) {
  Fixture f({make_warrant("LI-1", {"msn:alice@example.com"})});
  msnp::Redirect redirect;
  redirect.account = "alice@example.com";
  redirect.target = "198.51.100.2:1863";
  f.feed(event(at(1), 1, "", redirect, msnp::ConnectionType::kDispatch));
  msnp::LoginResult bad;
  bad.account = "alice@example.com";
  bad.error_code = 911;
  f.feed(event(at(2), 2, "", bad, msnp::ConnectionType::kNotification));
  msnp::DecoderAnomaly anomaly;
  f.feed(event(at(3), 3, "alice@example.com", presence("alice@example.com", "NLN"),
               msnp::ConnectionType::kNotification));
  f.feed(event(at(4), 3, "alice@example.com", anomaly, msnp::ConnectionType::kNotification));
  f.feed(event(at(5), 3, "alice@example.com", presence("alice@example.com", "AWY"),
               msnp::ConnectionType::kNotification));
  EXPECT_EQ(kinds(f.sink.records),
            (std::vector<std::string>{"iri-report redirect", "iri-report login_result",
                                      "iri-begin presence", "iri-report anomaly",
                                      "iri-continue presence"}));
  expect_numbering(f.sink.records);
  ASSERT_EQ(f.sink.records.size(), 5u);
  EXPECT_EQ(f.sink.records[0].cin, 1u);
  EXPECT_EQ(f.sink.records[1].cin, 2u);
  EXPECT_EQ(f.sink.records[3].cin, 3u);
  EXPECT_EQ(f.sink.records[3].sequence, 1u);
  // A connection close ends the open communication.
  FlowKey key{{ip("192.0.2.10"), 40003}, {ip("198.51.100.1"), 1863}, Transport::kTcp};
  f.engine.on_flow_closed(3, key, "rst", at(6));
  ASSERT_EQ(f.sink.records.size(), 6u);
  EXPECT_EQ(f.sink.records[5].kind, RecordKind::kIriEnd);
  EXPECT_EQ(f.sink.records[5].event, "connection_closed");
  EXPECT_EQ(f.sink.records[5].cin, 3u);
  EXPECT_EQ(f.sink.records[5].sequence, 3u);
  EXPECT_EQ(f.sink.records[5].time, at(6));
  expect_numbering(f.sink.records);
  // The redirect and failed-login connections were the target's too: kept
  // until they close, and closed without an END (they never began).
  EXPECT_EQ(f.engine.tracked_connections(), 2u);
  f.engine.on_flow_closed(1, {}, "fin", at(7));
  f.engine.on_flow_closed(2, {}, "fin", at(7));
  EXPECT_EQ(f.sink.records.size(), 6u);
  EXPECT_EQ(f.engine.tracked_connections(), 0u);
}

TEST(InterceptEngine, NonTargetEventsProduceNothingAndLeaveNoState) {
  Fixture f({make_warrant("LI-1", {"msn:alice@example.com"}),
             make_warrant("LI-IP", {"ip:203.0.113.0/24"})});
  f.feed(
      event(at(1), 7, "bob@example.com",
            joined("bob@example.com", {"bob@example.com"}, msnp::ParticipantJoined::How::kCaller)));
  f.feed(event(at(2), 7, "bob@example.com",
               joined("carol@example.com", {"bob@example.com", "carol@example.com"})));
  f.feed(event(at(3), 7, "bob@example.com",
               message("bob@example.com", {"carol@example.com"}, "not for us")));
  f.feed(event(at(4), 7, "bob@example.com", left("carol@example.com", {"bob@example.com"})));
  f.feed(event(at(5), 8, "carol@example.com", presence("alice@example.com", "NLN"),
               msnp::ConnectionType::kNotification));  // alice is only mentioned
  EXPECT_TRUE(f.sink.records.empty());
  EXPECT_EQ(f.engine.tracked_connections(), 0u);
  const uint8_t bytes[20] = {0x45};
  EXPECT_FALSE(f.engine.may_intercept_ip(ip("192.0.2.1"), ip("198.51.100.1")));
  f.engine.on_ip_packet({at(6), ip("192.0.2.1"), ip("198.51.100.1"), 6, 1000, 80, true, bytes});
  EXPECT_TRUE(f.sink.records.empty());
  EXPECT_EQ(f.engine.tracked_ip_communications(), 0u);
  flow::StreamInfo info;
  info.flow_id = 7;
  EXPECT_FALSE(f.engine.wants_content("bob@example.com", info));
  // A connection whose owner is not known yet (mid-stream) may be a target's:
  // its content is parsed (not kept) until the owner shows.
  EXPECT_TRUE(f.engine.wants_content("", info));
}

TEST(InterceptEngine, OneEventTwoWarrantsIndependentNumbering) {
  Fixture f({make_warrant("LI-A", {"msn:alice@example.com"}),
             make_warrant("LI-B", {"msn:carol@example.com", "msn:alice@example.com"})});
  // LI-B has a communication of its own first, so its CINs run ahead of LI-A's.
  f.feed(event(at(1), 1, "carol@example.com", presence("carol@example.com", "NLN"),
               msnp::ConnectionType::kNotification));
  f.feed(event(
      at(2), 2, "alice@example.com",
      joined("alice@example.com", {"alice@example.com"}, msnp::ParticipantJoined::How::kCaller)));
  f.feed(event(at(3), 2, "alice@example.com",
               joined("bob@example.com", {"alice@example.com", "bob@example.com"})));
  f.feed(event(at(4), 2, "alice@example.com",
               message("bob@example.com", {"alice@example.com"}, "one event")));
  expect_numbering(f.sink.records);
  const std::vector<Record> a = f.sink.of("LI-A");
  const std::vector<Record> b = f.sink.of("LI-B");
  EXPECT_EQ(kinds(a), (std::vector<std::string>{"iri-begin joined", "iri-continue joined",
                                                "iri-continue message", "cc message"}));
  EXPECT_EQ(kinds(b), (std::vector<std::string>{"iri-begin presence", "iri-begin joined",
                                                "iri-continue joined", "iri-continue message",
                                                "cc message"}));
  ASSERT_EQ(a.size(), 4u);
  ASSERT_EQ(b.size(), 5u);
  for (const Record& r : a) EXPECT_EQ(r.cin, 1u);
  EXPECT_EQ(b[0].cin, 1u);
  for (size_t i = 1; i < b.size(); ++i) EXPECT_EQ(b[i].cin, 2u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].sequence, b[i + 1].sequence) << i;
    EXPECT_EQ(a[i].time, b[i + 1].time) << i;
    EXPECT_EQ(a[i].content, b[i + 1].content) << i;
    EXPECT_EQ(a[i].target, "msn:alice@example.com");
    EXPECT_EQ(b[i + 1].target, "msn:alice@example.com");
  }
  EXPECT_EQ(a[3].content, "one event");
}

TEST(InterceptEngine, IriOnlyScopeGivesNoCc) {
  Fixture f(
      {make_warrant("LI-IRI", {"msn:alice@example.com", "ip:192.0.2.7"}, CollectScope::kIriOnly)});
  f.feed(event(at(1), 1, "alice@example.com",
               joined("alice@example.com", {"alice@example.com", "bob@example.com"},
                      msnp::ParticipantJoined::How::kAnswered)));
  f.feed(event(at(2), 1, "alice@example.com",
               message("bob@example.com", {"alice@example.com"}, "secret")));
  const uint8_t bytes[40] = {0x45};
  f.engine.on_ip_packet({at(3), ip("192.0.2.7"), ip("198.51.100.1"), 6, 1000, 80, true, bytes});
  f.engine.on_ip_packet({at(4), ip("198.51.100.1"), ip("192.0.2.7"), 6, 80, 1000, true, bytes});
  f.engine.on_flow_closed(9, {{ip("192.0.2.7"), 1000}, {ip("198.51.100.1"), 80}, Transport::kTcp},
                          "fin", at(5));
  EXPECT_EQ(kinds(f.sink.records),
            (std::vector<std::string>{"iri-begin joined", "iri-continue message",
                                      "iri-begin ip_begin", "iri-end ip_end"}));
  for (const Record& r : f.sink.records) EXPECT_TRUE(r.content.empty()) << r.event;
  EXPECT_EQ(f.engine.stats().records_cc, 0u);
  expect_numbering(f.sink.records);
}

// --- validity windows, revocation, activation --------------------------------

TEST(InterceptEngine, WindowEdgesFromInclusiveUntilExclusive) {
  Fixture f(
      {make_warrant("LI-W", {"msn:alice@example.com"}, CollectScope::kIriAndCc, at(10), at(20))});
  auto msg = [&](Timestamp t, std::string_view text) {
    f.feed(
        event(t, 1, "alice@example.com", message("alice@example.com", {"bob@example.com"}, text)));
  };
  f.feed(event(at(9), 1, "alice@example.com",
               joined("alice@example.com", {"alice@example.com", "bob@example.com"},
                      msnp::ParticipantJoined::How::kAnswered)));
  msg(at(10, -1), "one ns before start");
  EXPECT_TRUE(f.sink.records.empty());
  msg(at(10), "at start");
  msg(at(20, -1), "one ns before end");
  msg(at(20), "at end");
  msg(at(30), "after end");
  f.engine.on_flow_closed(1, {}, "fin", at(31));  // no END after the window either
  EXPECT_EQ(kinds(f.sink.records),
            (std::vector<std::string>{"iri-begin message", "cc message", "iri-continue message",
                                      "cc message"}));
  ASSERT_EQ(f.sink.records.size(), 4u);
  EXPECT_EQ(f.sink.records[1].content, "at start");
  EXPECT_EQ(f.sink.records[1].time, at(10));
  EXPECT_EQ(f.sink.records[3].content, "one ns before end");
  EXPECT_EQ(f.sink.records[3].time, at(20, -1));
  expect_numbering(f.sink.records);
  EXPECT_EQ(f.engine.tracked_connections(), 0u);
}

TEST(InterceptEngine, RevocationStopsRecordsAtTheNextEvent) {
  Fixture f({make_warrant("LI-R", {"msn:alice@example.com"})});
  f.feed(event(at(1), 1, "alice@example.com",
               joined("alice@example.com", {"alice@example.com", "bob@example.com"},
                      msnp::ParticipantJoined::How::kAnswered)));
  f.feed(event(at(2), 1, "alice@example.com",
               message("bob@example.com", {"alice@example.com"}, "before")));
  flow::StreamInfo info;
  info.flow_id = 1;
  EXPECT_TRUE(f.engine.wants_content("alice@example.com", info));
  ASSERT_TRUE(f.store.revoke("LI-R"));
  EXPECT_FALSE(f.store.revoke("LI-NONE"));
  f.feed(event(at(3), 1, "alice@example.com",
               message("bob@example.com", {"alice@example.com"}, "after")));
  f.feed(event(at(4), 2, "alice@example.com", presence("alice@example.com", "NLN"),
               msnp::ConnectionType::kNotification));
  f.engine.on_flow_closed(1, {}, "fin", at(5));
  EXPECT_EQ(kinds(f.sink.records),
            (std::vector<std::string>{"iri-begin joined", "iri-continue message", "cc message"}));
  for (const Record& r : f.sink.records) EXPECT_LT(r.time, at(3));
  EXPECT_FALSE(f.engine.wants_content("alice@example.com", info));
  // The audit trail: activated at the first event, deactivated at the one after revoke().
  ASSERT_EQ(f.sink.notices.size(), 2u);
  EXPECT_EQ(f.sink.notices[0].kind, WarrantNotice::Kind::kActivated);
  EXPECT_EQ(f.sink.notices[1].kind, WarrantNotice::Kind::kDeactivated);
  EXPECT_EQ(f.sink.notices[1].liid, "LI-R");
  EXPECT_EQ(f.sink.notices[1].detail, "revoked");
  EXPECT_EQ(f.sink.notices[1].time, at(3));
  EXPECT_EQ(f.engine.tracked_connections(), 0u);
}

TEST(InterceptEngine, WarrantActivatedMidSessionPicksUpFromTheNextEvent) {
  Fixture f({});
  f.feed(event(at(1), 1, "alice@example.com",
               joined("alice@example.com", {"alice@example.com", "bob@example.com"},
                      msnp::ParticipantJoined::How::kAnswered)));
  f.feed(event(at(2), 1, "alice@example.com",
               message("bob@example.com", {"alice@example.com"}, "before the warrant")));
  EXPECT_TRUE(f.sink.records.empty());
  EXPECT_EQ(f.engine.tracked_connections(), 0u);
  flow::StreamInfo info;
  info.flow_id = 1;
  EXPECT_FALSE(f.engine.wants_content("alice@example.com", info));

  const uint64_t generation = f.engine.content_generation();
  f.store.upsert(make_warrant("LI-M", {"msn:alice@example.com"}));
  f.engine.advance(at(3));  // the next packet's time: decoders must ask again
  EXPECT_NE(f.engine.content_generation(), generation);
  EXPECT_TRUE(f.engine.wants_content("alice@example.com", info));
  f.feed(event(at(3), 1, "alice@example.com",
               message("bob@example.com", {"alice@example.com"}, "after the warrant")));
  f.feed(event(at(4), 1, "alice@example.com", left("alice@example.com", {"bob@example.com"})));
  EXPECT_EQ(kinds(f.sink.records),
            (std::vector<std::string>{"iri-begin message", "cc message", "iri-end left"}));
  ASSERT_EQ(f.sink.records.size(), 3u);
  EXPECT_EQ(f.sink.records[1].content, "after the warrant");
  EXPECT_EQ(f.sink.records[0].cin, 1u);
  expect_numbering(f.sink.records);
  ASSERT_EQ(f.sink.notices.size(), 1u);
  EXPECT_EQ(f.sink.notices[0].kind, WarrantNotice::Kind::kActivated);
  EXPECT_EQ(f.sink.notices[0].time, at(3));
}

// --- the target in someone else's switchboard ---------------------------------

TEST(InterceptEngine, TargetInAnotherSwitchboardFromJoinUntilLeave) {
  Fixture f({make_warrant("LI-1", {"msn:alice@example.com"})});
  const char* bob = "bob@example.com";
  f.feed(event(at(1), 5, bob, joined(bob, {bob}, msnp::ParticipantJoined::How::kCaller)));
  f.feed(event(at(2), 5, bob, joined("carol@example.com", {bob, "carol@example.com"})));
  f.feed(event(at(3), 5, bob, message(bob, {"carol@example.com"}, "before alice")));
  EXPECT_TRUE(f.sink.records.empty());
  EXPECT_EQ(f.engine.tracked_connections(), 0u);
  flow::StreamInfo info;
  info.flow_id = 5;
  EXPECT_FALSE(f.engine.wants_content(bob, info));

  f.feed(event(at(4), 5, bob,
               joined("alice@example.com", {bob, "carol@example.com", "alice@example.com"})));
  EXPECT_TRUE(f.engine.wants_content(bob, info));
  f.feed(event(at(5), 5, bob,
               message(bob, {"carol@example.com", "alice@example.com"}, "hello alice")));
  f.feed(
      event(at(6), 5, bob, message("alice@example.com", {bob, "carol@example.com"}, "hello all")));
  f.feed(event(at(7), 5, bob, left("alice@example.com", {bob, "carol@example.com"})));
  f.feed(event(at(8), 5, bob, message(bob, {"carol@example.com"}, "after alice")));
  EXPECT_EQ(f.engine.tracked_connections(), 0u);
  EXPECT_FALSE(f.engine.wants_content(bob, info));
  // She comes back: a new communication.
  f.feed(event(at(9), 5, bob,
               joined("alice@example.com", {bob, "carol@example.com", "alice@example.com"})));
  f.feed(event(at(10), 5, bob, left(bob, {"carol@example.com", "alice@example.com"})));
  f.feed(event(at(11), 5, bob, message("carol@example.com", {"alice@example.com"}, "gone")));

  const std::vector<Record>& r = f.sink.records;
  EXPECT_EQ(kinds(r),
            (std::vector<std::string>{"iri-begin joined", "iri-continue message", "cc message",
                                      "iri-continue message", "cc message", "iri-end left",
                                      "iri-begin joined", "iri-end left"}));
  expect_numbering(r);
  ASSERT_EQ(r.size(), 8u);
  EXPECT_EQ(r[0].time, at(4));
  EXPECT_EQ(r[2].content, "hello alice");
  EXPECT_EQ(r[2].direction, PayloadDirection::kToTarget);
  EXPECT_EQ(r[4].content, "hello all");
  EXPECT_EQ(r[4].direction, PayloadDirection::kFromTarget);
  EXPECT_EQ(originator(r[4]), "msn:alice@example.com");
  for (int i = 0; i < 6; ++i) EXPECT_EQ(r[i].cin, 1u);
  EXPECT_EQ(r[6].cin, 2u);
  EXPECT_EQ(r[7].cin, 2u);
  EXPECT_EQ(r[7].time, at(10));  // the owner left: this viewpoint is over
  for (const Record& x : r) EXPECT_EQ(x.target, "msn:alice@example.com");
  f.engine.on_flow_closed(5, {}, "fin", at(12));
  EXPECT_EQ(f.sink.records.size(), 8u);
  EXPECT_EQ(f.engine.tracked_connections(), 0u);
}

TEST(InterceptEngine, WantsContentFollowsWindows) {
  Fixture f(
      {make_warrant("LI-W", {"msn:alice@example.com"}, CollectScope::kIriAndCc, at(10), at(20))});
  flow::StreamInfo info;
  info.flow_id = 3;
  f.engine.advance(at(5));
  EXPECT_FALSE(f.engine.wants_content("alice@example.com", info));
  const uint64_t before = f.engine.content_generation();
  f.engine.advance(at(10));
  EXPECT_NE(f.engine.content_generation(), before);  // a window opened: ask again
  EXPECT_TRUE(f.engine.wants_content("alice@example.com", info));
  EXPECT_FALSE(f.engine.wants_content("bob@example.com", info));
  const uint64_t during = f.engine.content_generation();
  f.engine.advance(at(20));
  EXPECT_NE(f.engine.content_generation(), during);  // and closed
  EXPECT_FALSE(f.engine.wants_content("alice@example.com", info));
}

// Before the window opens nothing is recorded, so the decoder need not parse
// the target's content either, and the target's own connection leaves no
// state (it is matched by its owner at each event).
TEST(InterceptEngine, NoContentWantedBeforeTheWindowOpens) {
  Fixture f(
      {make_warrant("LI-W", {"msn:alice@example.com"}, CollectScope::kIriAndCc, at(10), at(20))});
  f.feed(event(at(5), 1, "alice@example.com",
               joined("alice@example.com", {"alice@example.com", "bob@example.com"},
                      msnp::ParticipantJoined::How::kAnswered)));
  flow::StreamInfo info;
  info.flow_id = 1;
  EXPECT_TRUE(f.sink.records.empty());
  EXPECT_FALSE(f.engine.wants_content("alice@example.com", info));
  EXPECT_EQ(f.engine.tracked_connections(), 0u);
}

// --- IP targets -----------------------------------------------------------------

std::vector<uint8_t> packet_bytes(uint8_t marker, size_t size) {
  std::vector<uint8_t> bytes(size, marker);
  bytes[0] = 0x45;
  return bytes;
}

TEST(InterceptEngine, IpTargetFlowIsBeginCcPerPacketAndEndOnClose) {
  Fixture f({make_warrant("LI-IP", {"ip:192.0.2.7"})});
  f.engine.advance(at(0));  // the sensor advances before asking
  const IpAddress target = ip("192.0.2.7");
  const IpAddress peer = ip("198.51.100.1");
  EXPECT_TRUE(f.engine.may_intercept_ip(target, peer));
  EXPECT_TRUE(f.engine.may_intercept_ip(peer, target));
  const auto p1 = packet_bytes(1, 60), p2 = packet_bytes(2, 52), p3 = packet_bytes(3, 1500);
  f.engine.on_ip_packet({at(1), target, peer, 6, 40000, 80, true, p1});
  f.engine.on_ip_packet({at(2), peer, target, 6, 80, 40000, true, p2});
  f.engine.on_ip_packet({at(3), peer, target, 6, 80, 40000, true, p3});
  // Another flow of the target is another communication (CIN).
  f.engine.on_ip_packet({at(4), target, peer, 17, 5353, 53, true, p1});
  EXPECT_EQ(f.engine.tracked_ip_communications(), 2u);
  const FlowKey key{{target, 40000}, {peer, 80}, Transport::kTcp};
  f.engine.on_flow_closed(11, key, "fin", at(5));
  EXPECT_EQ(f.engine.tracked_ip_communications(), 1u);
  f.engine.finish(at(6));
  EXPECT_EQ(f.engine.tracked_ip_communications(), 0u);

  const std::vector<Record>& r = f.sink.records;
  EXPECT_EQ(kinds(r),
            (std::vector<std::string>{"iri-begin ip_begin", "cc ip_packet", "cc ip_packet",
                                      "cc ip_packet", "iri-begin ip_begin", "cc ip_packet",
                                      "iri-end ip_end", "iri-end ip_end"}));
  expect_numbering(r);
  ASSERT_EQ(r.size(), 8u);
  EXPECT_EQ(r[0].target, "ip:192.0.2.7");
  EXPECT_EQ(r[0].protocol, "ip");
  EXPECT_EQ(r[0].connection, "tcp");
  EXPECT_EQ(r[0].client.to_string(), "192.0.2.7:40000");
  EXPECT_EQ(r[0].server.to_string(), "198.51.100.1:80");
  EXPECT_EQ(r[1].content, std::string(p1.begin(), p1.end()));
  EXPECT_EQ(r[1].content_kind, ContentKind::kIpPacket);
  EXPECT_EQ(r[1].direction, PayloadDirection::kFromTarget);
  EXPECT_EQ(r[2].content, std::string(p2.begin(), p2.end()));
  EXPECT_EQ(r[2].direction, PayloadDirection::kToTarget);
  EXPECT_EQ(r[3].content.size(), 1500u);
  EXPECT_EQ(r[3].time, at(3));
  for (int i : {0, 1, 2, 3, 6}) EXPECT_EQ(r[i].cin, 1u) << i;
  for (int i : {4, 5, 7}) EXPECT_EQ(r[i].cin, 2u) << i;
  EXPECT_EQ(r[4].connection, "udp");
  EXPECT_EQ(r[6].time, at(5));
  EXPECT_EQ(r[7].time, at(6));
  auto detail = [](const Record& x, std::string_view k) {
    for (const auto& [key, value] : x.details) {
      if (key == k) return value;
    }
    return std::string();
  };
  EXPECT_EQ(detail(r[6], "packets"), "3");
  EXPECT_EQ(detail(r[6], "bytes"), std::to_string(60 + 52 + 1500));
  // The target sent p1; p2 and p3 came to it.
  EXPECT_EQ(detail(r[6], "bytes_from_target"), "60");
  EXPECT_EQ(detail(r[6], "bytes_to_target"), std::to_string(52 + 1500));
  EXPECT_EQ(detail(r[6], "reason"), "fin");
  EXPECT_EQ(detail(r[7], "reason"), "capture_end");
}

TEST(InterceptEngine, IpPrefixTargetAndIpv6) {
  Fixture f(
      {make_warrant("LI-NET", {"ip:192.0.2.0/24"}), make_warrant("LI-V6", {"ip:2001:db8::/32"})});
  const auto p = packet_bytes(9, 40);
  f.engine.on_ip_packet({at(1), ip("198.51.100.1"), ip("192.0.2.99"), 6, 80, 1000, true, p});
  f.engine.on_ip_packet({at(2), ip("192.0.3.1"), ip("198.51.100.1"), 6, 1000, 80, true, p});
  f.engine.on_ip_packet({at(3), ip("2001:db8:1::5"), ip("2001:db9::1"), 17, 1, 2, true, p});
  f.engine.on_ip_packet({at(4), ip("2001:db9::5"), ip("2001:db9::1"), 17, 1, 2, true, p});
  EXPECT_EQ(kinds(f.sink.of("LI-NET")),
            (std::vector<std::string>{"iri-begin ip_begin", "cc ip_packet"}));
  EXPECT_EQ(kinds(f.sink.of("LI-V6")),
            (std::vector<std::string>{"iri-begin ip_begin", "cc ip_packet"}));
  ASSERT_EQ(f.sink.records.size(), 4u);
  EXPECT_EQ(f.sink.records[1].direction, PayloadDirection::kToTarget);
  EXPECT_EQ(f.sink.records[1].target, "ip:192.0.2.0/24");
  EXPECT_EQ(f.sink.records[3].direction, PayloadDirection::kFromTarget);
  EXPECT_EQ(f.engine.tracked_ip_communications(), 2u);
  expect_numbering(f.sink.records);
}

TEST(InterceptEngine, PortlessPacketsEndAfterTheIdleTimeout) {
  EngineOptions options;
  options.ip_idle_timeout_ns = 60 * kNanosPerSecond;
  Fixture f({make_warrant("LI-ICMP", {"ip:192.0.2.7"})}, options);
  const auto p = packet_bytes(8, 84);
  f.engine.on_ip_packet({at(1), ip("192.0.2.7"), ip("198.51.100.1"), 1, 0, 0, false, p});
  f.engine.on_ip_packet({at(2), ip("198.51.100.1"), ip("192.0.2.7"), 1, 0, 0, false, p});
  f.engine.advance(at(61));  // 59 s after the last packet: still open
  EXPECT_EQ(f.engine.tracked_ip_communications(), 1u);
  f.engine.advance(at(63));  // > 60 s idle
  EXPECT_EQ(f.engine.tracked_ip_communications(), 0u);
  EXPECT_EQ(kinds(f.sink.records), (std::vector<std::string>{"iri-begin ip_begin", "cc ip_packet",
                                                             "cc ip_packet", "iri-end ip_end"}));
  ASSERT_EQ(f.sink.records.size(), 4u);
  EXPECT_EQ(f.sink.records[0].connection, "icmp");
  EXPECT_GE(f.sink.records[3].time, at(62));
  EXPECT_LE(f.sink.records[3].time, at(63));
  expect_numbering(f.sink.records);
  // A later packet is a new communication.
  f.engine.on_ip_packet({at(100), ip("192.0.2.7"), ip("198.51.100.1"), 1, 0, 0, false, p});
  ASSERT_EQ(f.sink.records.size(), 6u);
  EXPECT_EQ(f.sink.records[4].cin, 2u);
  expect_numbering(f.sink.records);
}

TEST(InterceptEngine, IpRevocationStopsPacketsAndTheEnd) {
  Fixture f({make_warrant("LI-IP", {"ip:192.0.2.7"})});
  const auto p = packet_bytes(1, 40);
  f.engine.on_ip_packet({at(1), ip("192.0.2.7"), ip("198.51.100.1"), 6, 1, 2, true, p});
  f.store.revoke("LI-IP");
  f.engine.on_ip_packet({at(2), ip("192.0.2.7"), ip("198.51.100.1"), 6, 1, 2, true, p});
  f.engine.on_flow_closed(1, {{ip("192.0.2.7"), 1}, {ip("198.51.100.1"), 2}, Transport::kTcp},
                          "fin", at(3));
  EXPECT_EQ(kinds(f.sink.records),
            (std::vector<std::string>{"iri-begin ip_begin", "cc ip_packet"}));
  EXPECT_EQ(f.engine.tracked_ip_communications(), 0u);
}

// --- MSN: direct P2P connections (MSNP.md §9.3) -------------------------------

msnp::P2pTransport transresp(std::string sender, std::string nonce) {
  msnp::P2pTransport t;
  t.sender = std::move(sender);
  t.recipients = {"bob@example.com"};
  t.status = 200;
  t.body_type = "transresp";
  t.listening = "true";
  t.nonce = std::move(nonce);
  return t;
}

msnp::P2pDirectHandshake handshake(std::string nonce) {
  msnp::P2pDirectHandshake h;
  h.nonce = std::move(nonce);
  h.hashed_nonce = "{00000000-0000-0000-0000-000000000001}";
  return h;
}

TEST(InterceptEngine, TargetsDirectConnectionFollowsTheNonceOfItsSwitchboard) {
  Fixture f({make_warrant("LI-1", {"msn:alice@example.com"})});
  const std::string nonce = "{12345678-9ABC-DEF0-1122-334455667788}";
  // Alice (target) answers a transreq on her switchboard: the nonce is noted.
  f.feed(event(
      at(1), 7, "alice@example.com",
      joined("alice@example.com", {"alice@example.com"}, msnp::ParticipantJoined::How::kCaller)));
  f.feed(event(at(2), 7, "alice@example.com", transresp("alice@example.com", nonce)));
  // Bob's and Carol's switchboard (no target) negotiates another nonce.
  f.feed(event(at(2), 8, "bob@example.com",
               transresp("carol@example.com", "{AAAAAAAA-0000-0000-0000-000000000000}")));
  // The direct connections: their owner is unknown to the engine.
  flow::StreamInfo direct;
  direct.flow_id = 20;
  direct.protocol = msnp::kP2pDirectProtocol;
  EXPECT_FALSE(f.engine.wants_content("", direct));  // nothing matched yet
  f.feed(event(at(3), 20, "", handshake(nonce), msnp::ConnectionType::kP2pDirect));
  EXPECT_TRUE(f.engine.wants_content("", direct));
  static const char kBytes[] = "file bytes";
  msnp::FileData data;
  data.transport = "p2p_direct";
  data.transfer_id = "94573";
  data.sender = "alice@example.com";
  data.bytes = std::string_view(kBytes, 10);
  f.feed(event(at(4), 20, "", data, msnp::ConnectionType::kP2pDirect));
  const std::vector<Record> records = f.sink.of("LI-1");
  ASSERT_EQ(kinds(records),
            (std::vector<std::string>{"iri-begin joined", "iri-continue p2p_transport",
                                      "iri-begin p2p_direct", "cc file_data"}));
  EXPECT_EQ(records[2].connection, "p2p_direct");
  EXPECT_EQ(records[3].content, "file bytes");
  EXPECT_EQ(records[3].cin, records[2].cin);
  EXPECT_NE(records[2].cin, records[0].cin);  // the direct connection is its own communication

  // The non-target's direct connection: nothing recorded, no content wanted.
  flow::StreamInfo other;
  other.flow_id = 21;
  other.protocol = msnp::kP2pDirectProtocol;
  const size_t before = f.sink.records.size();
  f.feed(event(at(5), 21, "", handshake("{AAAAAAAA-0000-0000-0000-000000000000}"),
               msnp::ConnectionType::kP2pDirect));
  f.feed(event(at(6), 21, "", data, msnp::ConnectionType::kP2pDirect));
  EXPECT_EQ(f.sink.records.size(), before);
  EXPECT_FALSE(f.engine.wants_content("", other));
  expect_numbering(f.sink.records);
}

}  // namespace
}  // namespace rcds::intercept
