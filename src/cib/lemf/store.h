// The LEMF evidence store (issue 5, ETSI_HANDOVER.md §10 items 5-7): every
// PS-PDU received is kept byte-exact in a per-warrant raw file and indexed in
// SQLite, so the records can be examined, exported and proven complete.
//
// Layout under the data directory:
//   lemf.sqlite            index (WAL): pdus, notices, duplicates, connections
//   <LIID>/iri.ber         IRI PDUs (and HI1/TRI notices) as received, appended
//   <LIID>/cc.ber          CC PDUs as received, appended
// A LIID is untrusted bytes, so it names a directory only when it is plain
// ([A-Za-z0-9._-], not "." or ".."); any other is hex-encoded as "x-<hex>".
//
// Deduplication is by (LIID, CIN, stream, sequence number): a sender that
// resends a window after a reconnect (OpenLI's resendwindow, §2) must not
// leave two copies. The unique index lives in SQLite, so it survives a restart.
//
// Durability is explicit: commit() makes everything stored so far durable
// (raw files fdatasync'ed first, then the SQLite transaction committed), and
// the receiver calls it before it answers a keep-alive, because the answer is
// what lets the sender drop those records from its spool. A crash between
// commits loses only unacknowledged PDUs (the sender still has them); on open,
// raw-file bytes no index row points to (appended, never committed) are cut.
//
// Not thread-safe: one receiver thread owns a store.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "handover/pspdu.h"
#include "util/bytes.h"
#include "util/timestamp.h"

struct sqlite3;
struct sqlite3_stmt;

namespace rcds::cib::lemf {

enum class Stream : uint8_t { kIri, kCc };
std::string_view name_of(Stream stream);  // "iri", "cc"

enum class StoreResult : uint8_t {
  kStored,     // indexed and appended to the raw file
  kDuplicate,  // same (LIID, CIN, stream, sequence) already stored: dropped, counted
  kIgnored,    // keep-alive / keep-alive response: nothing to keep
  kError       // I/O or database failure: the caller must not acknowledge it
};

struct StoreOptions {
  // false: no fdatasync and SQLite synchronous=OFF (fuzzing, benchmarks).
  bool durable = true;
  // Index in an in-memory SQLite database, gone on close (fuzzing: the raw
  // files still go to the directory).
  bool memory_index = false;
};

// Sequence numbers missing between 0 and the highest seen, as ranges (a
// hostile sequence number near 2^63 must not make a list of 2^63 entries).
struct SequenceRange {
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive
};
struct StreamGaps {
  std::string liid;
  int64_t cin = -1;  // -1: the PDUs carried no CIN
  Stream stream = Stream::kIri;
  uint64_t received = 0;  // distinct sequence numbers stored
  uint64_t highest = 0;
  uint64_t missing = 0;  // sum over `ranges`
  std::vector<SequenceRange> ranges;
};

struct LiidSummary {
  std::string liid;
  uint64_t iri_pdus = 0;
  uint64_t cc_pdus = 0;
  uint64_t notices = 0;
  uint64_t iri_duplicates = 0;
  uint64_t cc_duplicates = 0;
  uint64_t cins = 0;
};

// One indexed PDU, as the export and the report read it back.
struct IndexedPdu {
  std::string liid;
  int64_t cin = -1;
  Stream stream = Stream::kIri;
  uint64_t sequence = 0;
  std::optional<int64_t> time_us;  // from the PSHeader; absent when it had none
  int64_t received_us = 0;
  std::string file;  // relative to the data directory
  uint64_t offset = 0;
  uint64_t length = 0;
  std::string payload_kind;  // "emailIRI", "ipIRI", "emailCC", "ipCC", "unknown"
};

// Microseconds since the epoch of a PSHeader's time (µs form preferred, else
// GeneralizedTime "YYYYMMDDhhmmss[.f...]Z"); nullopt when neither parses.
std::optional<int64_t> header_time_us(const handover::PsHeader& header);

class LemfStore {
 public:
  // Creates the directory and the schema when missing. nullptr on failure.
  static std::unique_ptr<LemfStore> open(const std::string& directory, const StoreOptions& options,
                                         std::string& error);
  ~LemfStore();
  LemfStore(const LemfStore&) = delete;
  LemfStore& operator=(const LemfStore&) = delete;

  // Stores one received PDU: `raw` its exact bytes, `decoded` their decoding.
  // `connection` is a connections row id (0: none).
  StoreResult store(ByteView raw, const handover::PsPdu& decoded, Timestamp received,
                    int64_t connection, std::string& error);
  // Makes everything stored so far durable (see above).
  bool commit(std::string& error);
  // PDUs stored since the last commit.
  uint64_t pending() const { return pending_; }

  // Connection log: one row per accepted connection.
  int64_t connection_opened(std::string_view interface, std::string_view peer, bool tls,
                            Timestamp now);
  void connection_closed(int64_t id, Timestamp now, uint64_t pdus, uint64_t bytes,
                         std::string_view reason);

  std::vector<StreamGaps> gaps();
  std::vector<LiidSummary> summary();
  // A warrant's PDUs of one stream in (time, CIN, sequence) order; PDUs
  // without a time sort by their receipt time.
  std::vector<IndexedPdu> pdus(std::string_view liid, Stream stream);
  // Reads an indexed PDU's raw bytes back from its file.
  bool read_raw(const IndexedPdu& pdu, std::string& bytes, std::string& error) const;

  const std::string& directory() const { return directory_; }
  // The directory name used for `liid` (see above).
  static std::string directory_name(std::string_view liid);

 private:
  struct RawFile {
    int fd = -1;
    uint64_t size = 0;
    bool dirty = false;
  };
  LemfStore(std::string directory, const StoreOptions& options);
  bool init(std::string& error);
  bool begin(std::string& error);
  bool exec(const char* sql, std::string& error);
  sqlite3_stmt* prepare(const char* sql, std::string& error);
  RawFile* raw_file(const std::string& relative, std::string& error);
  bool append(const std::string& relative, ByteView raw, uint64_t& offset, std::string& error);
  bool truncate_unindexed(std::string& error);
  StoreResult store_notice(ByteView raw, const handover::PsPdu& decoded, Timestamp received,
                           int64_t connection, std::string& error);

  std::string directory_;
  StoreOptions options_;
  sqlite3* db_ = nullptr;
  bool in_transaction_ = false;
  uint64_t pending_ = 0;
  std::map<std::string, RawFile> files_;  // relative path -> open append fd
  sqlite3_stmt* find_pdu_ = nullptr;
  sqlite3_stmt* insert_pdu_ = nullptr;
  sqlite3_stmt* count_duplicate_ = nullptr;
  sqlite3_stmt* find_notice_ = nullptr;
  sqlite3_stmt* insert_notice_ = nullptr;
};

}  // namespace rcds::cib::lemf
