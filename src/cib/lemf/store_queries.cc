// LemfStore's read side: gap report, per-warrant summary, PDU listing and
// raw-byte read-back (store.h). Kept apart from the write path in store.cc.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "cib/lemf/sqlite_util.h"
#include "cib/lemf/store.h"

namespace rcds::cib::lemf {

using namespace sqlite_util;

std::vector<StreamGaps> LemfStore::gaps() {
  std::vector<StreamGaps> result;
  std::string error;
  sqlite3_stmt* s =
      prepare("SELECT liid, cin, stream, sequence FROM pdus ORDER BY liid, cin, stream", error);
  if (s == nullptr) return result;
  std::vector<uint64_t> sequences;
  auto finish = [&] {
    if (result.empty()) return;
    StreamGaps& g = result.back();
    // Sorted as unsigned: SQLite would order numbers >= 2^63 first.
    std::sort(sequences.begin(), sequences.end());
    uint64_t expected = 0;
    for (const uint64_t sequence : sequences) {
      if (sequence > expected) {
        g.ranges.push_back({expected, sequence - 1});
        g.missing += sequence - expected;
      }
      expected = sequence + 1;
    }
    g.received = sequences.size();
    g.highest = sequences.empty() ? 0 : sequences.back();
    sequences.clear();
  };
  while (sqlite3_step(s) == SQLITE_ROW) {
    const std::string liid = column_text(s, 0);
    const int64_t cin = sqlite3_column_int64(s, 1);
    const Stream stream = column_text(s, 2) == "iri" ? Stream::kIri : Stream::kCc;
    if (result.empty() || result.back().liid != liid || result.back().cin != cin ||
        result.back().stream != stream) {
      finish();
      result.push_back({liid, cin, stream, 0, 0, 0, {}});
    }
    sequences.push_back(static_cast<uint64_t>(sqlite3_column_int64(s, 3)));
  }
  finish();
  sqlite3_finalize(s);
  return result;
}

std::vector<LiidSummary> LemfStore::summary() {
  std::map<std::string, LiidSummary> by_liid;
  std::string error;
  auto each = [&](const char* sql, auto&& apply) {
    sqlite3_stmt* s = prepare(sql, error);
    if (s == nullptr) return;
    while (sqlite3_step(s) == SQLITE_ROW) {
      LiidSummary& entry = by_liid[column_text(s, 0)];
      apply(entry, s);
    }
    sqlite3_finalize(s);
  };
  each("SELECT liid, stream, count(*), count(DISTINCT cin) FROM pdus GROUP BY liid, stream",
       [](LiidSummary& e, sqlite3_stmt* s) {
         const auto n = static_cast<uint64_t>(sqlite3_column_int64(s, 2));
         (column_text(s, 1) == "iri" ? e.iri_pdus : e.cc_pdus) = n;
         e.cins = std::max(e.cins, static_cast<uint64_t>(sqlite3_column_int64(s, 3)));
       });
  each("SELECT liid, count(*) FROM notices GROUP BY liid", [](LiidSummary& e, sqlite3_stmt* s) {
    e.notices = static_cast<uint64_t>(sqlite3_column_int64(s, 1));
  });
  each("SELECT liid, stream, count FROM duplicates", [](LiidSummary& e, sqlite3_stmt* s) {
    const auto n = static_cast<uint64_t>(sqlite3_column_int64(s, 2));
    (column_text(s, 1) == "iri" ? e.iri_duplicates : e.cc_duplicates) = n;
  });
  std::vector<LiidSummary> result;
  for (auto& [liid, entry] : by_liid) {
    entry.liid = liid;
    result.push_back(std::move(entry));
  }
  return result;
}

std::vector<IndexedPdu> LemfStore::pdus(std::string_view liid, Stream stream) {
  std::vector<IndexedPdu> result;
  std::string error;
  sqlite3_stmt* s = prepare(
      "SELECT cin, sequence, time_us, received_us, file, offset, length, payload_kind FROM pdus"
      " WHERE liid=?1 AND stream=?2 ORDER BY coalesce(time_us, received_us), cin, sequence",
      error);
  if (s == nullptr) return result;
  bind_text(s, 1, liid);
  bind_text(s, 2, name_of(stream));
  while (sqlite3_step(s) == SQLITE_ROW) {
    IndexedPdu pdu;
    pdu.liid = std::string(liid);
    pdu.stream = stream;
    pdu.cin = sqlite3_column_int64(s, 0);
    pdu.sequence = static_cast<uint64_t>(sqlite3_column_int64(s, 1));
    if (sqlite3_column_type(s, 2) != SQLITE_NULL) pdu.time_us = sqlite3_column_int64(s, 2);
    pdu.received_us = sqlite3_column_int64(s, 3);
    pdu.file = column_text(s, 4);
    pdu.offset = static_cast<uint64_t>(sqlite3_column_int64(s, 5));
    pdu.length = static_cast<uint64_t>(sqlite3_column_int64(s, 6));
    pdu.payload_kind = column_text(s, 7);
    result.push_back(std::move(pdu));
  }
  sqlite3_finalize(s);
  return result;
}

bool LemfStore::read_raw(const IndexedPdu& pdu, std::string& bytes, std::string& error) const {
  const std::string path = directory_ + "/" + pdu.file;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = errno_text("cannot open", path);
    return false;
  }
  bytes.resize(pdu.length);
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pread(fd, bytes.data() + done, bytes.size() - done,
                              static_cast<off_t>(pdu.offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (done != bytes.size()) {
    error = path + ": indexed PDU beyond the end of the file";
    return false;
  }
  return true;
}

}  // namespace rcds::cib::lemf
