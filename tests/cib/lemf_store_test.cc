// LemfStore (cib/lemf/store.h): stored / duplicate, gaps per (LIID, CIN,
// stream), dedup state surviving a reopen, raw files byte-exact, unsafe LIIDs
// kept inside the data directory, uncommitted tails cut on reopen.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cib/lemf/store.h"
#include "lemf_test_pdus.h"

namespace rcds::cib::lemf {
namespace {

namespace ho = rcds::handover;
using namespace testing;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

StoreResult put(LemfStore& store, const ho::PsPdu& pdu) {
  const std::string raw = encode(pdu);
  std::string error;
  const StoreResult r =
      store.store(as_bytes(raw), pdu, Timestamp::from_seconds(kBaseSeconds + 1), 0, error);
  EXPECT_NE(r, StoreResult::kError) << error;
  return r;
}

std::unique_ptr<LemfStore> open_store(const std::string& dir) {
  std::string error;
  auto store = LemfStore::open(dir, {}, error);
  EXPECT_NE(store, nullptr) << error;
  return store;
}

TEST(LemfStore, StoresAndDropsDuplicates) {
  TempDir dir;
  auto store = open_store(dir.path());
  EXPECT_EQ(put(*store, iri_pdu("LIID-1", 1001, 0)), StoreResult::kStored);
  EXPECT_EQ(put(*store, iri_pdu("LIID-1", 1001, 1)), StoreResult::kStored);
  EXPECT_EQ(put(*store, iri_pdu("LIID-1", 1001, 1)), StoreResult::kDuplicate);
  // Same sequence number on the other stream, CIN or warrant is not a duplicate.
  EXPECT_EQ(put(*store, cc_pdu("LIID-1", 1001, 1, ipv4_udp("10.0.0.1", "10.0.0.2", "x"))),
            StoreResult::kStored);
  EXPECT_EQ(put(*store, iri_pdu("LIID-1", 1002, 1)), StoreResult::kStored);
  EXPECT_EQ(put(*store, iri_pdu("LIID-2", 1001, 1)), StoreResult::kStored);
  EXPECT_EQ(put(*store, keepalive(3)), StoreResult::kIgnored);
  EXPECT_EQ(put(*store, hi1("LIID-1", ho::Hi1Kind::kActivated, 0)), StoreResult::kStored);
  EXPECT_EQ(put(*store, hi1("LIID-1", ho::Hi1Kind::kActivated, 0)), StoreResult::kDuplicate);
  std::string error;
  ASSERT_TRUE(store->commit(error)) << error;

  const auto summary = store->summary();
  ASSERT_EQ(summary.size(), 2u);
  EXPECT_EQ(summary[0].liid, "LIID-1");
  EXPECT_EQ(summary[0].iri_pdus, 3u);
  EXPECT_EQ(summary[0].cc_pdus, 1u);
  EXPECT_EQ(summary[0].notices, 1u);
  EXPECT_EQ(summary[0].iri_duplicates, 1u);
  EXPECT_EQ(summary[0].cc_duplicates, 0u);
  EXPECT_EQ(summary[0].cins, 2u);
  EXPECT_EQ(summary[1].liid, "LIID-2");
  EXPECT_EQ(summary[1].iri_pdus, 1u);
}

TEST(LemfStore, ReportsGapsPerCinAndStream) {
  TempDir dir;
  auto store = open_store(dir.path());
  for (uint64_t seq : {0, 1, 4, 5, 9}) put(*store, iri_pdu("LIID-1", 7, seq));
  for (uint64_t seq : {0, 1, 2}) put(*store, cc_pdu("LIID-1", 7, seq, "p"));
  put(*store, cc_pdu("LIID-1", 8, 2, "p"));
  const auto gaps = store->gaps();
  ASSERT_EQ(gaps.size(), 3u);
  // Sorted by LIID, CIN, stream name ("cc" < "iri").
  EXPECT_EQ(gaps[0].cin, 7);
  EXPECT_EQ(gaps[0].stream, Stream::kCc);
  EXPECT_EQ(gaps[0].missing, 0u);
  EXPECT_EQ(gaps[1].stream, Stream::kIri);
  EXPECT_EQ(gaps[1].received, 5u);
  EXPECT_EQ(gaps[1].highest, 9u);
  EXPECT_EQ(gaps[1].missing, 5u);
  ASSERT_EQ(gaps[1].ranges.size(), 2u);
  EXPECT_EQ(gaps[1].ranges[0].first, 2u);
  EXPECT_EQ(gaps[1].ranges[0].last, 3u);
  EXPECT_EQ(gaps[1].ranges[1].first, 6u);
  EXPECT_EQ(gaps[1].ranges[1].last, 8u);
  EXPECT_EQ(gaps[2].cin, 8);
  EXPECT_EQ(gaps[2].missing, 2u);
}

TEST(LemfStore, HugeSequenceNumberIsOneRange) {
  TempDir dir;
  auto store = open_store(dir.path());
  put(*store, iri_pdu("LIID-1", 1, 0));
  put(*store, iri_pdu("LIID-1", 1, uint64_t{1} << 63));
  const auto gaps = store->gaps();
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].highest, uint64_t{1} << 63);
  ASSERT_EQ(gaps[0].ranges.size(), 1u);
  EXPECT_EQ(gaps[0].missing, (uint64_t{1} << 63) - 1);
}

TEST(LemfStore, ReopenKeepsDedupStateAndRawFilesAreByteExact) {
  TempDir dir;
  std::string expected_iri, expected_cc;
  {
    auto store = open_store(dir.path());
    for (uint64_t seq = 0; seq < 3; ++seq) {
      const auto pdu = iri_pdu("LIID-1", 5, seq);
      put(*store, pdu);
      expected_iri += encode(pdu);
    }
    const auto cc = cc_pdu("LIID-1", 5, 0, ipv4_udp("192.0.2.1", "198.51.100.2", "hello"));
    put(*store, cc);
    expected_cc += encode(cc);
    std::string error;
    ASSERT_TRUE(store->commit(error)) << error;
  }
  auto store = open_store(dir.path());
  EXPECT_EQ(put(*store, iri_pdu("LIID-1", 5, 1)), StoreResult::kDuplicate);
  const auto hi1_pdu = hi1("LIID-1", ho::Hi1Kind::kDeactivated, 9);
  EXPECT_EQ(put(*store, hi1_pdu), StoreResult::kStored);
  expected_iri += encode(hi1_pdu);
  std::string error;
  ASSERT_TRUE(store->commit(error)) << error;
  EXPECT_EQ(slurp(dir.path() + "/LIID-1/iri.ber"), expected_iri);
  EXPECT_EQ(slurp(dir.path() + "/LIID-1/cc.ber"), expected_cc);

  // Index rows point at the exact bytes.
  const auto pdus = store->pdus("LIID-1", Stream::kIri);
  ASSERT_EQ(pdus.size(), 3u);
  std::string raw;
  ASSERT_TRUE(store->read_raw(pdus[1], raw, error)) << error;
  EXPECT_EQ(raw, encode(iri_pdu("LIID-1", 5, 1)));
  EXPECT_EQ(pdus[1].time_us, kBaseSeconds * 1'000'000 + 250000);
}

TEST(LemfStore, UncommittedTailIsCutOnReopen) {
  TempDir dir;
  const std::string committed = encode(iri_pdu("LIID-1", 1, 0));
  {
    auto store = open_store(dir.path());
    put(*store, iri_pdu("LIID-1", 1, 0));
    std::string error;
    ASSERT_TRUE(store->commit(error)) << error;
  }
  // A crash after an append but before the commit leaves bytes no row points at.
  {
    std::ofstream out(dir.path() + "/LIID-1/iri.ber", std::ios::binary | std::ios::app);
    out << "half a PDU";
  }
  auto store = open_store(dir.path());
  EXPECT_EQ(put(*store, iri_pdu("LIID-1", 1, 1)), StoreResult::kStored);
  std::string error;
  ASSERT_TRUE(store->commit(error)) << error;
  EXPECT_EQ(slurp(dir.path() + "/LIID-1/iri.ber"), committed + encode(iri_pdu("LIID-1", 1, 1)));
}

TEST(LemfStore, UnsafeLiidStaysInsideTheDataDirectory) {
  EXPECT_EQ(LemfStore::directory_name("LIID-MSN-0001"), "LIID-MSN-0001");
  EXPECT_EQ(LemfStore::directory_name(".."), "x-2e2e");
  EXPECT_EQ(LemfStore::directory_name("a/b"), "x-612f62");
  EXPECT_EQ(LemfStore::directory_name("x-41"), "x-782d3431");  // no collision with hex names
  EXPECT_EQ(LemfStore::directory_name(std::string(300, 'L')),
            LemfStore::directory_name(std::string(300, 'L')));
  EXPECT_NE(LemfStore::directory_name(std::string(300, 'L')),
            LemfStore::directory_name(std::string(301, 'L')));
  EXPECT_LT(LemfStore::directory_name(std::string(1000, '/')).size(), 255u);
  EXPECT_LT(LemfStore::directory_name(std::string(300, 'L')).size(), 255u);
  TempDir dir;
  auto store = open_store(dir.path());
  EXPECT_EQ(put(*store, iri_pdu("../../etc", 1, 0)), StoreResult::kStored);
  EXPECT_EQ(put(*store, iri_pdu(std::string(500, '/'), 1, 0)), StoreResult::kStored);
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/x-2e2e2f2e2e2f657463/iri.ber"));
}

TEST(LemfStore, NoticesKeepHi1AndCinReset) {
  TempDir dir;
  auto store = open_store(dir.path());
  EXPECT_EQ(put(*store, hi1("LIID-1", ho::Hi1Kind::kActivated, 0)), StoreResult::kStored);
  EXPECT_EQ(put(*store, cin_reset("LIID-1", 4, 0)), StoreResult::kStored);
  EXPECT_EQ(put(*store, hi1("LIID-1", ho::Hi1Kind::kDeactivated, 1)), StoreResult::kStored);
  const auto summary = store->summary();
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0].notices, 3u);
  EXPECT_EQ(summary[0].iri_pdus, 0u);
}

TEST(LemfStore, HeaderTimeFromGeneralizedTime) {
  ho::PsHeader h;
  h.generalized_time = "20050101110203.250Z";
  EXPECT_EQ(header_time_us(h), kBaseSeconds * 1'000'000 + 250000);
  h.generalized_time = "garbage";
  EXPECT_EQ(header_time_us(h), std::nullopt);
}

}  // namespace
}  // namespace rcds::cib::lemf
