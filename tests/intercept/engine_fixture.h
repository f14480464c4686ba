// Shared by the interception engine tests (engine_test.cc: MSN targets;
// engine_ip_test.cc: IP targets): a recording RecordSink, hand-built MSNP
// events, record accessors and the numbering check every test applies.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "intercept/engine.h"
#include "intercept/warrant_store.h"
#include "proto/msnp/event_text.h"

namespace rcds::intercept::engine_testing {

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
inline Timestamp at(int64_t seconds, int64_t extra_ns = 0) {
  return Timestamp{(kT0 + seconds) * kNanosPerSecond + extra_ns};
}

inline Warrant make_warrant(std::string liid, std::vector<std::string> targets,
                            CollectScope scope = CollectScope::kIriAndCc,
                            Timestamp from = at(-100000), Timestamp until = at(100000)) {
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

inline IpAddress ip(const std::string& text) {
  IpAddress a;
  EXPECT_TRUE(IpAddress::parse(text, a)) << text;
  return a;
}

// Events on MSN connections. `owner` must outlive the call (literals).
inline msnp::MsnpEvent event(Timestamp time, uint64_t flow, std::string_view owner,
                             msnp::EventBody body,
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

inline msnp::ParticipantJoined joined(
    std::string account, std::vector<std::string> roster,
    msnp::ParticipantJoined::How how = msnp::ParticipantJoined::How::kJoined) {
  msnp::ParticipantJoined j;
  j.how = how;
  j.account = msnp::testing::keep(account);
  j.roster = msnp::testing::keep_list(roster);
  return j;
}

inline msnp::ParticipantLeft left(std::string account, std::vector<std::string> roster) {
  msnp::ParticipantLeft l;
  l.account = msnp::testing::keep(account);
  l.reason = "bye";
  l.roster = msnp::testing::keep_list(roster);
  return l;
}

// `text` must outlive the call (literals).
inline msnp::InstantMessage message(std::string sender, std::vector<std::string> recipients,
                                    std::string_view text) {
  msnp::InstantMessage m;
  m.sender = msnp::testing::keep(sender);
  m.recipients = msnp::testing::keep_list(recipients);
  m.text = text;
  m.size = text.size();
  return m;
}

inline msnp::Presence presence(std::string account, std::string status) {
  msnp::Presence p;
  p.account = std::move(account);
  p.status = std::move(status);
  return p;
}

inline msnp::Logout logout(std::string account) {
  msnp::Logout l;
  l.account = msnp::testing::keep(account);
  l.reason = msnp::Logout::Reason::kClientOut;
  return l;
}

inline std::vector<std::string> kinds(const std::vector<Record>& records) {
  std::vector<std::string> out;
  for (const Record& r : records) out.push_back(std::string(name_of(r.kind)) + " " + r.event);
  return out;
}

inline std::string originator(const Record& r) {
  for (const Party& p : r.parties) {
    if (p.role == Party::Role::kOriginator) return p.identity;
  }
  return "";
}
inline std::vector<std::string> recipients(const Record& r) {
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
inline void expect_numbering(const std::vector<Record>& records) {
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

}  // namespace rcds::intercept::engine_testing
