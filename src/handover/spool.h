// The durable on-disk spool between encoding and delivery (issue 5, "no
// loss"). Every PDU is appended here before it is sent and leaves only when
// the receiver has confirmed it (a keep-alive round trip after it); after a
// reconnect or a restart of the sensor everything unconfirmed is read again
// from the confirmed position (the receiver drops duplicates).
//
// On disk, one directory per (destination, interface):
//   00000000000000000001.seg ...  append-only segment files; the number grows
//                                 monotonically and never repeats
//   confirmed.0, confirmed.1      where delivery is confirmed up to: 64-byte
//                                 records "rcds-spool 2 <generation> <segment>
//                                 <offset> <crc>", written alternately in
//                                 place and fdatasync'ed; the valid one with
//                                 the higher generation counts, so a torn
//                                 write falls back to the previous state.
//   Why not temp file + rename: on a full disk the new file cannot be
//   created, so the confirm that would free segments could never be saved.
//   Overwriting an allocated 64-byte block needs no new space.
// A segment is a sequence of entries: u32 length (little endian), u32 CRC-32
// of the bytes (zlib), the bytes. A segment is closed at segment_bytes and a
// new one started; a segment entirely before the confirmed position is deleted.
//
// Crash recovery (open()): every segment is scanned; at the first entry whose
// header is torn, whose length runs past the end of the file or whose CRC does
// not match, the file is truncated back to the last good entry and the tail is
// counted in corrupt_truncated. A corrupt entry is never delivered. Appends
// after a restart go to a fresh segment, so a recovered file is never written
// again.
//
// Size limit policy: the limit bounds the *pending* (appended, unconfirmed)
// bytes including the 8-byte entry headers. An append that would exceed it is
// refused with kFull and counted in `refused`; the spool keeps the oldest
// records (already owed to the LEMF, and possibly already in flight) rather
// than dropping them for newer ones. The caller raises an alarm (Deliverer::
// enqueue() does) — a refusal is a loss of interception and must be visible.
// Disk usage can exceed the limit by up to one segment, because a segment is
// deleted only when all of it is confirmed.
//
// Disk errors: a failed or short write (ENOSPC, EIO) returns kError with the
// reason; the partial entry is cut off again (and, should that fail too, the
// next append overwrites it, because appends write at the known good end, and
// recovery would drop it by its CRC). The spool stays consistent and usable.
//
// Durability: append() only writes to the page cache; sync() (fdatasync)
// makes everything appended so far durable, and only durable entries are
// visible to readers, so nothing is sent that a crash could lose. The owner
// (or the delivery thread, before it reads) calls sync() per batch, never per
// record.
//
// Thread safety: one thread appends while another reads, syncs and confirms;
// every public method may be called from any thread.
#pragma once

#include <compare>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "util/bytes.h"

namespace rcds::handover {

// Where an entry starts. `entry` numbers the entries since the spool was
// opened (it is not persisted); it only feeds the pending_entries statistic.
struct SpoolPosition {
  uint64_t segment = 0;
  uint64_t offset = 0;
  uint64_t entry = 0;
  friend bool operator==(const SpoolPosition& a, const SpoolPosition& b) {
    return a.segment == b.segment && a.offset == b.offset;
  }
  friend std::strong_ordering operator<=>(const SpoolPosition& a, const SpoolPosition& b) {
    if (auto c = a.segment <=> b.segment; c != 0) return c;
    return a.offset <=> b.offset;
  }
};

struct SpoolStats {
  uint64_t pending_bytes = 0;      // appended, not yet confirmed (headers included)
  uint64_t pending_entries = 0;    // approximate across corrupt skips
  uint64_t appended = 0;           // entries since open
  uint64_t refused = 0;            // kFull since open
  uint64_t write_errors = 0;       // kError since open
  uint64_t corrupt_truncated = 0;  // torn/corrupt tails cut off by recovery
  uint64_t corrupt_skipped = 0;    // entries found corrupt while reading
  uint64_t segments = 0;           // segment files on disk
};

class Spool {
 public:
  enum class Status : uint8_t { kOk, kFull, kError };

  static constexpr uint64_t kDefaultSegmentBytes = uint64_t{64} << 20;
  // Largest entry accepted (and believed when recovering): a PDU is at most
  // ber::kMaxPduSize, and a larger length field is corruption.
  static constexpr uint32_t kMaxEntryBytes = uint32_t{64} << 20;
  static constexpr size_t kEntryHeaderBytes = 8;

  // Opens (creating it if needed) and recovers the spool in `directory`.
  // nullptr with `error` set when the directory cannot be used.
  static std::unique_ptr<Spool> open(const std::string& directory, uint64_t limit_bytes,
                                     std::string& error,
                                     uint64_t segment_bytes = kDefaultSegmentBytes);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Appends one record (see the size limit and disk error policy above).
  Status append(ByteView pdu, std::string& error);
  // Makes everything appended so far durable and visible to readers.
  bool sync(std::string& error);
  // Records everything before `position` as delivered: persisted atomically,
  // fully confirmed segments deleted. Positions at or before the current
  // confirmed one are ignored. False (with `error`) when the state could not
  // be written; the confirmation still holds in memory and the segments are
  // still freed (a crash would then resend more, never lose anything).
  bool confirm(const SpoolPosition& position, std::string& error);

  SpoolPosition confirmed() const;
  // The position after the last appended entry (durable or not).
  SpoolPosition end() const;
  // Whether everything appended so far is durable.
  bool synced() const;
  SpoolStats stats() const;
  const std::string& directory() const { return directory_; }

  // Reads durable entries in order from a position (normally confirmed()).
  // Owned by one thread; the spool must outlive it.
  class Reader {
   public:
    Reader(Reader&& other) noexcept;
    Reader& operator=(Reader&& other) noexcept;
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    ~Reader();
    // The next durable entry into `pdu`; false when there is none yet (or a
    // segment cannot be read: `error` says why and the reader retries later).
    bool next(std::string& pdu, std::string& error);
    // Where the next entry starts: everything before it has been read.
    SpoolPosition position() const { return position_; }

   private:
    friend class Spool;
    Reader(Spool* spool, SpoolPosition position) : spool_(spool), position_(position) {}
    void close_file();
    Spool* spool_;
    SpoolPosition position_;
    int fd_ = -1;
    uint64_t fd_segment_ = 0;
  };
  Reader reader() const;

 private:
  struct Segment {
    uint64_t number = 0;
    uint64_t size = 0;     // bytes of whole entries written
    uint64_t durable = 0;  // bytes known to be on disk (visible to readers)
    uint64_t entries = 0;
  };
  Spool(std::string directory, uint64_t limit_bytes, uint64_t segment_bytes)
      : directory_(std::move(directory)), limit_(limit_bytes), segment_bytes_(segment_bytes) {}
  bool recover(std::string& error);
  bool start_segment(uint64_t number, std::string& error);  // caller holds mutex_
  bool write_state(const SpoolPosition& position, std::string& error);
  std::string segment_path(uint64_t number) const;
  // Bytes between two positions (a <= b); caller holds mutex_.
  uint64_t distance(const SpoolPosition& a, const SpoolPosition& b) const;
  // What a reader at `position` may read; caller holds mutex_.
  bool readable(SpoolPosition& position, uint64_t& limit) const;
  SpoolPosition end_locked() const;

  const std::string directory_;
  const uint64_t limit_;
  const uint64_t segment_bytes_;
  int dir_fd_ = -1;

  mutable std::mutex mutex_;
  std::deque<Segment> segments_;  // oldest first; back() is written to
  int write_fd_ = -1;             // of segments_.back()
  bool append_failed_ = false;    // since segments_.back() was started
  SpoolPosition confirmed_;
  uint64_t next_entry_ = 0;
  SpoolStats stats_;
  std::mutex confirm_mutex_;       // serialises state-file writes
  uint64_t state_generation_ = 0;  // of the newest state slot; under confirm_mutex_
};

}  // namespace rcds::handover
