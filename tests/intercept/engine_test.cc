// The interception engine driven directly: hand-built MSNP events and IP
// packets into a recording RecordSink. Checks record kinds, CIN and sequence
// rules, validity windows at their exact edges, revocation and activation
// between events, roster-based interception, minimisation (no state for
// non-targets), wants_content, P2P direct connections (IP targets:
// engine_ip_test.cc).
#include "engine_fixture.h"

namespace rcds::intercept {
namespace {

using namespace engine_testing;

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

// --- MSN: direct P2P connections (MSNP.md §9.3) -------------------------------

msnp::P2pTransport transresp(std::string sender, std::string nonce) {
  msnp::P2pTransport t;
  t.sender = msnp::testing::keep(sender);
  const std::vector<std::string> bob = {"bob@example.com"};
  t.recipients = msnp::testing::keep_list(bob);
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
