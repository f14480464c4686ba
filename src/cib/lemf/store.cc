#include "cib/lemf/store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <type_traits>

#include "cib/lemf/sqlite_util.h"

namespace rcds::cib::lemf {
namespace {

namespace ho = rcds::handover;
using namespace sqlite_util;

// Enough for a receiver serving many warrants; beyond it the least useful
// (first in map order) descriptor is synced and closed.
constexpr size_t kMaxOpenFiles = 64;

const char* const kSchema = R"sql(
CREATE TABLE IF NOT EXISTS pdus(
  id INTEGER PRIMARY KEY,
  liid TEXT NOT NULL,
  cin INTEGER NOT NULL,                 -- -1: no CIN in the PSHeader
  stream TEXT NOT NULL CHECK (stream IN ('iri', 'cc')),
  sequence INTEGER NOT NULL,            -- uint64 stored as its int64 bit pattern
  time_us INTEGER,                      -- PSHeader time, NULL when absent
  received_us INTEGER NOT NULL,
  file TEXT NOT NULL,                   -- raw file, relative to the data directory
  offset INTEGER NOT NULL,
  length INTEGER NOT NULL,
  payload_kind TEXT NOT NULL,           -- emailIRI ipIRI emailCC ipCC unknown
  elements INTEGER NOT NULL,            -- IRIPayload/CCPayload items in the PDU
  iri_type INTEGER,                     -- of the first IRIPayload
  direction INTEGER,                    -- of the first CCPayload
  connection INTEGER,
  UNIQUE (liid, cin, stream, sequence));
CREATE INDEX IF NOT EXISTS pdus_file ON pdus(file, offset);
CREATE TABLE IF NOT EXISTS notices(
  id INTEGER PRIMARY KEY,
  liid TEXT NOT NULL,                   -- of the PSHeader
  kind TEXT NOT NULL,                   -- hi1-activated ... cin-reset ... unknown-payload
  notice_liid TEXT,                     -- HI1: the Notification's own LIID
  cin INTEGER NOT NULL,
  sequence INTEGER NOT NULL,
  time_us INTEGER,
  utc_time TEXT,
  target_information TEXT,
  received_us INTEGER NOT NULL,
  file TEXT NOT NULL,
  offset INTEGER NOT NULL,
  length INTEGER NOT NULL,
  connection INTEGER,
  UNIQUE (liid, kind, cin, sequence));
CREATE INDEX IF NOT EXISTS notices_file ON notices(file, offset);
CREATE TABLE IF NOT EXISTS duplicates(
  liid TEXT NOT NULL,
  stream TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (liid, stream));
CREATE TABLE IF NOT EXISTS connections(
  id INTEGER PRIMARY KEY,
  interface TEXT NOT NULL,
  peer TEXT NOT NULL,
  tls INTEGER NOT NULL,
  opened_us INTEGER NOT NULL,
  closed_us INTEGER,
  pdus INTEGER,
  bytes INTEGER,
  close_reason TEXT);
)sql";

template <typename T>
std::string_view payload_kind(const T& contents) {
  using Iri = std::decay_t<decltype(std::get<0>(contents))>;
  if (std::holds_alternative<ho::UnknownElement>(contents)) return "unknown";
  if constexpr (std::is_same_v<Iri, ho::EmailIri>) {
    return std::holds_alternative<ho::EmailIri>(contents) ? "emailIRI" : "ipIRI";
  } else {
    return std::holds_alternative<ho::EmailCc>(contents) ? "emailCC" : "ipCC";
  }
}

std::string tri_kind(ho::TriKind kind) {
  switch (kind) {
    case ho::TriKind::kIntegrityCheck:
      return "integrity-check";
    case ho::TriKind::kTestPdu:
      return "test-pdu";
    case ho::TriKind::kPaddingPdu:
      return "padding-pdu";
    case ho::TriKind::kKeepAlive:
      return "keep-alive";
    case ho::TriKind::kKeepAliveResponse:
      return "keep-alive-response";
    case ho::TriKind::kFirstSegmentFlag:
      return "first-segment";
    case ho::TriKind::kLastSegmentFlag:
      return "last-segment";
    case ho::TriKind::kCinReset:
      return "cin-reset";
  }
  return "tri-" + std::to_string(static_cast<uint32_t>(kind));
}

std::string hi1_kind(ho::Hi1Kind kind) {
  switch (kind) {
    case ho::Hi1Kind::kActivated:
      return "hi1-activated";
    case ho::Hi1Kind::kDeactivated:
      return "hi1-deactivated";
    case ho::Hi1Kind::kModified:
      return "hi1-modified";
  }
  return "hi1-" + std::to_string(static_cast<uint32_t>(kind));
}

bool digits(std::string_view text, size_t at, size_t count, int& value) {
  if (at + count > text.size()) return false;
  value = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

std::string_view name_of(Stream stream) { return stream == Stream::kIri ? "iri" : "cc"; }

std::optional<int64_t> header_time_us(const ho::PsHeader& header) {
  if (header.microsecond_timestamp) {
    const auto& t = *header.microsecond_timestamp;
    // Clamp so a hostile seconds value cannot overflow the multiplication.
    if (t.seconds < -(int64_t{1} << 40) || t.seconds > (int64_t{1} << 40)) return std::nullopt;
    return t.seconds * 1'000'000 + t.microseconds % 1'000'000;
  }
  if (!header.generalized_time) return std::nullopt;
  const std::string_view text = *header.generalized_time;
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(text, 0, 4, year) || !digits(text, 4, 2, month) || !digits(text, 6, 2, day) ||
      !digits(text, 8, 2, hour) || !digits(text, 10, 2, minute) || !digits(text, 12, 2, second)) {
    return std::nullopt;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  int64_t micros = 0;
  size_t at = 14;
  if (at < text.size() && (text[at] == '.' || text[at] == ',')) {
    int64_t scale = 100'000;
    for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at) {
      micros += (text[at] - '0') * scale;
      scale /= 10;
    }
  }
  return static_cast<int64_t>(timegm(&tm)) * 1'000'000 + micros;
}

std::string LemfStore::directory_name(std::string_view liid) {
  const bool plain = !liid.empty() && liid != "." && liid != ".." &&
                     std::all_of(liid.begin(), liid.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
                     });
  if (plain && liid.size() <= 128 && liid.substr(0, 2) != "x-") return std::string(liid);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name = "x-";
  // ETSI allows 25 octets; a longer LIID (the decoder does not refuse one)
  // keeps a prefix plus a hash of the whole, within the 255-byte name limit.
  constexpr size_t kMaxHexed = 64;
  for (size_t i = 0; i < liid.size() && i < kMaxHexed; ++i) {
    name += kHex[static_cast<uint8_t>(liid[i]) >> 4];
    name += kHex[static_cast<uint8_t>(liid[i]) & 15];
  }
  if (liid.size() > kMaxHexed) {
    uint64_t hash = 14695981039346656037ull;  // FNV-1a
    for (const char c : liid) hash = (hash ^ static_cast<uint8_t>(c)) * 1099511628211ull;
    name += '-';
    for (int shift = 60; shift >= 0; shift -= 4) name += kHex[(hash >> shift) & 15];
  }
  return name;
}

LemfStore::LemfStore(std::string directory, const StoreOptions& options)
    : directory_(std::move(directory)), options_(options) {}

std::unique_ptr<LemfStore> LemfStore::open(const std::string& directory,
                                           const StoreOptions& options, std::string& error) {
  std::unique_ptr<LemfStore> store(new LemfStore(directory, options));
  if (!store->init(error)) return nullptr;
  return store;
}

bool LemfStore::init(std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(directory_, ec);
  if (ec) {
    error = "cannot create " + directory_ + ": " + ec.message();
    return false;
  }
  const std::string path = options_.memory_index ? ":memory:" : directory_ + "/lemf.sqlite";
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    error = path + ": " + (db_ != nullptr ? sqlite3_errmsg(db_) : "cannot open");
    return false;
  }
  sqlite3_busy_timeout(db_, 5000);
  // synchronous=FULL in WAL mode syncs the WAL at every commit, which is what
  // makes a commit before a keep-alive response durable.
  if (!exec(options_.memory_index ? "PRAGMA journal_mode=MEMORY" : "PRAGMA journal_mode=WAL",
            error) ||
      !exec(options_.durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF", error) ||
      !exec(kSchema, error)) {
    return false;
  }
  find_pdu_ =
      prepare("SELECT 1 FROM pdus WHERE liid=?1 AND cin=?2 AND stream=?3 AND sequence=?4", error);
  insert_pdu_ = prepare(
      "INSERT INTO pdus(liid, cin, stream, sequence, time_us, received_us, file, offset, length,"
      " payload_kind, elements, iri_type, direction, connection)"
      " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
      error);
  count_duplicate_ = prepare(
      "INSERT INTO duplicates(liid, stream, count) VALUES(?1, ?2, 1)"
      " ON CONFLICT(liid, stream) DO UPDATE SET count = count + 1",
      error);
  find_notice_ =
      prepare("SELECT 1 FROM notices WHERE liid=?1 AND kind=?2 AND cin=?3 AND sequence=?4", error);
  insert_notice_ = prepare(
      "INSERT INTO notices(liid, kind, notice_liid, cin, sequence, time_us, utc_time,"
      " target_information, received_us, file, offset, length, connection)"
      " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)",
      error);
  return find_pdu_ != nullptr && insert_pdu_ != nullptr && count_duplicate_ != nullptr &&
         find_notice_ != nullptr && insert_notice_ != nullptr;
}

LemfStore::~LemfStore() {
  std::string error;
  (void)commit(error);
  for (auto& [path, file] : files_) ::close(file.fd);
  for (sqlite3_stmt* s : {find_pdu_, insert_pdu_, count_duplicate_, find_notice_, insert_notice_}) {
    sqlite3_finalize(s);
  }
  sqlite3_close(db_);
}

bool LemfStore::exec(const char* sql, std::string& error) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) == SQLITE_OK) return true;
  error = std::string("sqlite: ") + (message != nullptr ? message : "error");
  sqlite3_free(message);
  return false;
}

sqlite3_stmt* LemfStore::prepare(const char* sql, std::string& error) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &statement, nullptr) != SQLITE_OK) {
    error = std::string("sqlite: ") + sqlite3_errmsg(db_);
    return nullptr;
  }
  return statement;
}

bool LemfStore::begin(std::string& error) {
  if (in_transaction_) return true;
  if (!exec("BEGIN", error)) return false;
  in_transaction_ = true;
  return true;
}

LemfStore::RawFile* LemfStore::raw_file(const std::string& relative, std::string& error) {
  if (auto it = files_.find(relative); it != files_.end()) return &it->second;
  if (files_.size() >= kMaxOpenFiles) {
    auto victim = files_.begin();
    if (victim->second.dirty && options_.durable) ::fdatasync(victim->second.fd);
    ::close(victim->second.fd);
    files_.erase(victim);
  }
  const std::string path = directory_ + "/" + relative;
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    error = errno_text("cannot open", path);
    return nullptr;
  }
  // Bytes beyond the last indexed PDU were appended but never committed (a
  // crash): cut them, so every byte of a raw file is accounted for.
  uint64_t indexed_end = 0;
  for (const char* sql : {"SELECT offset + length FROM pdus WHERE file=?1 ORDER BY offset DESC "
                          "LIMIT 1",
                          "SELECT offset + length FROM notices WHERE file=?1 ORDER BY offset "
                          "DESC LIMIT 1"}) {
    sqlite3_stmt* s = prepare(sql, error);
    if (s == nullptr) {
      ::close(fd);
      return nullptr;
    }
    bind_text(s, 1, relative);
    if (sqlite3_step(s) == SQLITE_ROW) {
      indexed_end = std::max(indexed_end, static_cast<uint64_t>(sqlite3_column_int64(s, 0)));
    }
    sqlite3_finalize(s);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || (static_cast<uint64_t>(st.st_size) > indexed_end &&
                                ::ftruncate(fd, static_cast<off_t>(indexed_end)) != 0)) {
    error = errno_text("cannot prepare", path);
    ::close(fd);
    return nullptr;
  }
  RawFile& file = files_[relative];
  file.fd = fd;
  file.size = std::min<uint64_t>(indexed_end, static_cast<uint64_t>(st.st_size));
  return &file;
}

bool LemfStore::append(const std::string& relative, ByteView raw, uint64_t& offset,
                       std::string& error) {
  RawFile* file = raw_file(relative, error);
  if (file == nullptr) return false;
  offset = file->size;
  size_t done = 0;
  while (done < raw.size()) {
    const ssize_t n =
        ::pwrite(file->fd, raw.data() + done, raw.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = errno_text("cannot write", directory_ + "/" + relative);
      // Leave no partial PDU behind; the index never pointed at it.
      (void)::ftruncate(file->fd, static_cast<off_t>(offset));
      return false;
    }
    done += static_cast<size_t>(n);
  }
  file->size += raw.size();
  file->dirty = true;
  return true;
}

StoreResult LemfStore::store(ByteView raw, const ho::PsPdu& decoded, Timestamp received,
                             int64_t connection, std::string& error) {
  const auto* iri = std::get_if<ho::IriSequence>(&decoded.payload);
  const auto* cc = std::get_if<ho::CcSequence>(&decoded.payload);
  if (iri == nullptr && cc == nullptr)
    return store_notice(raw, decoded, received, connection, error);
  if (!begin(error)) return StoreResult::kError;

  const ho::PsHeader& header = decoded.header;
  const Stream stream = iri != nullptr ? Stream::kIri : Stream::kCc;
  const int64_t cin = header.cin.value_or(-1);
  const auto sequence = static_cast<int64_t>(header.sequence_number);
  {
    Reset reset{find_pdu_};
    bind_text(find_pdu_, 1, header.liid);
    sqlite3_bind_int64(find_pdu_, 2, cin);
    bind_text(find_pdu_, 3, name_of(stream));
    sqlite3_bind_int64(find_pdu_, 4, sequence);
    const int rc = sqlite3_step(find_pdu_);
    if (rc == SQLITE_ROW) {
      Reset reset_count{count_duplicate_};
      bind_text(count_duplicate_, 1, header.liid);
      bind_text(count_duplicate_, 2, name_of(stream));
      if (sqlite3_step(count_duplicate_) != SQLITE_DONE) {
        error = std::string("sqlite: ") + sqlite3_errmsg(db_);
        return StoreResult::kError;
      }
      return StoreResult::kDuplicate;
    }
    if (rc != SQLITE_DONE) {
      error = std::string("sqlite: ") + sqlite3_errmsg(db_);
      return StoreResult::kError;
    }
  }

  const std::string file =
      directory_name(header.liid) + "/" + std::string(name_of(stream)) + ".ber";
  uint64_t offset = 0;
  if (!append(file, raw, offset, error)) return StoreResult::kError;

  Reset reset{insert_pdu_};
  sqlite3_stmt* s = insert_pdu_;
  bind_text(s, 1, header.liid);
  sqlite3_bind_int64(s, 2, cin);
  bind_text(s, 3, name_of(stream));
  sqlite3_bind_int64(s, 4, sequence);
  bind_optional(s, 5, header_time_us(header));
  sqlite3_bind_int64(s, 6, received.micros());
  bind_text(s, 7, file);
  sqlite3_bind_int64(s, 8, static_cast<int64_t>(offset));
  sqlite3_bind_int64(s, 9, static_cast<int64_t>(raw.size()));
  if (iri != nullptr) {
    bind_text(s, 10, iri->empty() ? "unknown" : payload_kind(iri->front().contents));
    sqlite3_bind_int64(s, 11, static_cast<int64_t>(iri->size()));
    if (!iri->empty()) sqlite3_bind_int64(s, 12, static_cast<int64_t>(iri->front().type));
  } else {
    bind_text(s, 10, cc->empty() ? "unknown" : payload_kind(cc->front().contents));
    sqlite3_bind_int64(s, 11, static_cast<int64_t>(cc->size()));
    if (!cc->empty()) sqlite3_bind_int64(s, 13, static_cast<int64_t>(cc->front().direction));
  }
  if (connection != 0) sqlite3_bind_int64(s, 14, connection);
  if (sqlite3_step(s) != SQLITE_DONE) {
    error = std::string("sqlite: ") + sqlite3_errmsg(db_);
    return StoreResult::kError;
  }
  ++pending_;
  return StoreResult::kStored;
}

StoreResult LemfStore::store_notice(ByteView raw, const ho::PsPdu& decoded, Timestamp received,
                                    int64_t connection, std::string& error) {
  const ho::PsHeader& header = decoded.header;
  std::string kind = "unknown-payload";
  const ho::Hi1Notification* hi1 = std::get_if<ho::Hi1Notification>(&decoded.payload);
  if (const auto* tri = std::get_if<ho::TriPayload>(&decoded.payload)) {
    // Keep-alives are link maintenance, not evidence (and carry the sender's
    // software name as their LIID, §9).
    if (tri->kind == ho::TriKind::kKeepAlive || tri->kind == ho::TriKind::kKeepAliveResponse) {
      return StoreResult::kIgnored;
    }
    kind = tri_kind(tri->kind);
  } else if (hi1 != nullptr) {
    kind = hi1_kind(hi1->kind);
  }
  if (!begin(error)) return StoreResult::kError;
  const int64_t cin = header.cin.value_or(-1);
  const auto sequence = static_cast<int64_t>(header.sequence_number);
  {
    Reset reset{find_notice_};
    bind_text(find_notice_, 1, header.liid);
    bind_text(find_notice_, 2, kind);
    sqlite3_bind_int64(find_notice_, 3, cin);
    sqlite3_bind_int64(find_notice_, 4, sequence);
    const int rc = sqlite3_step(find_notice_);
    if (rc == SQLITE_ROW) return StoreResult::kDuplicate;
    if (rc != SQLITE_DONE) {
      error = std::string("sqlite: ") + sqlite3_errmsg(db_);
      return StoreResult::kError;
    }
  }
  // Notices arrive on HI2, so they are kept with the IRI stream's bytes.
  const std::string file = directory_name(header.liid) + "/iri.ber";
  uint64_t offset = 0;
  if (!append(file, raw, offset, error)) return StoreResult::kError;

  Reset reset{insert_notice_};
  sqlite3_stmt* s = insert_notice_;
  bind_text(s, 1, header.liid);
  bind_text(s, 2, kind);
  if (hi1 != nullptr) {
    bind_text(s, 3, hi1->liid);
    bind_text(s, 7, hi1->utc_time);
    bind_optional(s, 8, hi1->target_information);
  }
  sqlite3_bind_int64(s, 4, cin);
  sqlite3_bind_int64(s, 5, sequence);
  bind_optional(s, 6, header_time_us(header));
  sqlite3_bind_int64(s, 9, received.micros());
  bind_text(s, 10, file);
  sqlite3_bind_int64(s, 11, static_cast<int64_t>(offset));
  sqlite3_bind_int64(s, 12, static_cast<int64_t>(raw.size()));
  if (connection != 0) sqlite3_bind_int64(s, 13, connection);
  if (sqlite3_step(s) != SQLITE_DONE) {
    error = std::string("sqlite: ") + sqlite3_errmsg(db_);
    return StoreResult::kError;
  }
  ++pending_;
  return StoreResult::kStored;
}

bool LemfStore::commit(std::string& error) {
  // Raw bytes first: a committed index row must never point at bytes a
  // crash could still lose.
  for (auto& [relative, file] : files_) {
    if (!file.dirty) continue;
    if (options_.durable && ::fdatasync(file.fd) != 0) {
      error = errno_text("cannot sync", directory_ + "/" + relative);
      return false;
    }
    file.dirty = false;
  }
  if (in_transaction_) {
    if (!exec("COMMIT", error)) return false;
    in_transaction_ = false;
  }
  pending_ = 0;
  return true;
}

int64_t LemfStore::connection_opened(std::string_view interface, std::string_view peer, bool tls,
                                     Timestamp now) {
  std::string error;
  sqlite3_stmt* s = prepare(
      "INSERT INTO connections(interface, peer, tls, opened_us) VALUES(?1, ?2, ?3, ?4)", error);
  if (s == nullptr) return 0;
  bind_text(s, 1, interface);
  bind_text(s, 2, peer);
  sqlite3_bind_int(s, 3, tls ? 1 : 0);
  sqlite3_bind_int64(s, 4, now.micros());
  const bool ok = sqlite3_step(s) == SQLITE_DONE;
  sqlite3_finalize(s);
  return ok ? sqlite3_last_insert_rowid(db_) : 0;
}

void LemfStore::connection_closed(int64_t id, Timestamp now, uint64_t pdus, uint64_t bytes,
                                  std::string_view reason) {
  if (id == 0) return;
  std::string error;
  sqlite3_stmt* s = prepare(
      "UPDATE connections SET closed_us=?2, pdus=?3, bytes=?4, close_reason=?5 WHERE id=?1", error);
  if (s == nullptr) return;
  sqlite3_bind_int64(s, 1, id);
  sqlite3_bind_int64(s, 2, now.micros());
  sqlite3_bind_int64(s, 3, static_cast<int64_t>(pdus));
  sqlite3_bind_int64(s, 4, static_cast<int64_t>(bytes));
  bind_text(s, 5, reason);
  (void)sqlite3_step(s);
  sqlite3_finalize(s);
}

}  // namespace rcds::cib::lemf
