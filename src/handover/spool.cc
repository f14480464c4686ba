#include "handover/spool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

namespace rcds::handover {
namespace {

// Two state slots written alternately in place (see spool.h).
constexpr const char* kStateSlots[2] = {"confirmed.0", "confirmed.1"};
constexpr size_t kStateBytes = 64;

// "rcds-spool 2 <generation> <segment> <offset> <crc>", padded to kStateBytes.
std::string format_state(uint64_t generation, uint64_t segment, uint64_t offset) {
  char text[kStateBytes + 1];
  int length = std::snprintf(text, sizeof text, "rcds-spool 2 %" PRIu64 " %" PRIu64 " %" PRIu64,
                             generation, segment, offset);
  const uint32_t crc = static_cast<uint32_t>(
      crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(text), length));
  std::string out(text, static_cast<size_t>(length));
  std::snprintf(text, sizeof text, " %08x", crc);
  out += text;
  out.resize(kStateBytes - 1, ' ');
  out += '\n';
  return out;
}

bool parse_state(const std::string& text, uint64_t& generation, uint64_t& segment,
                 uint64_t& offset) {
  unsigned crc = 0;
  if (std::sscanf(text.c_str(), "rcds-spool 2 %" SCNu64 " %" SCNu64 " %" SCNu64 " %x", &generation,
                  &segment, &offset, &crc) != 4) {
    return false;
  }
  return format_state(generation, segment, offset) == text;
}
constexpr char kSegmentSuffix[] = ".seg";

std::string errno_text(std::string_view what, int err) {
  return std::string(what) + ": " + std::strerror(err);
}

uint32_t checksum(const uint8_t* data, size_t size) {
  return static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0), data, static_cast<uInt>(size)));
}

void store_le32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// Reads exactly `size` bytes at `offset`; false on an error or a short file.
bool read_at(int fd, void* buffer, size_t size, uint64_t offset) {
  auto* out = static_cast<uint8_t*>(buffer);
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, out + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

bool parse_segment_name(const std::string& name, uint64_t& number) {
  const size_t suffix = sizeof(kSegmentSuffix) - 1;
  if (name.size() != 20 + suffix || name.compare(20, suffix, kSegmentSuffix) != 0) return false;
  number = 0;
  for (size_t i = 0; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    number = number * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  return true;
}

}  // namespace

std::unique_ptr<Spool> Spool::open(const std::string& directory, uint64_t limit_bytes,
                                   std::string& error, uint64_t segment_bytes) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) {
    error = "spool directory " + directory + ": " + ec.message();
    return nullptr;
  }
  std::unique_ptr<Spool> spool(
      new Spool(directory, limit_bytes, std::max<uint64_t>(segment_bytes, 4096)));
  if (!spool->recover(error)) return nullptr;
  return spool;
}

Spool::~Spool() {
  std::string ignored;
  sync(ignored);
  if (write_fd_ >= 0) ::close(write_fd_);
  if (dir_fd_ >= 0) ::close(dir_fd_);
}

std::string Spool::segment_path(uint64_t number) const {
  char name[40];
  std::snprintf(name, sizeof name, "%020" PRIu64 "%s", number, kSegmentSuffix);
  return directory_ + "/" + name;
}

bool Spool::recover(std::string& error) {
  dir_fd_ = ::open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd_ < 0) {
    error = errno_text("spool directory " + directory_, errno);
    return false;
  }
  // The valid slot with the highest generation wins; a torn slot write
  // leaves the other (older) one. No valid slot means "nothing confirmed":
  // resending everything is safe (the receiver drops duplicates), losing
  // records is not.
  SpoolPosition confirmed;
  for (int slot = 0; slot < 2; ++slot) {
    std::string text(kStateBytes, '\0');
    int fd = ::open((directory_ + "/" + kStateSlots[slot]).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    uint64_t generation = 0;
    SpoolPosition position;
    if (read_at(fd, text.data(), kStateBytes, 0) &&
        parse_state(text, generation, position.segment, position.offset) &&
        generation > state_generation_) {
      state_generation_ = generation;
      confirmed = position;
    }
    ::close(fd);
  }

  std::vector<uint64_t> numbers;
  std::error_code ec;
  for (const auto& item : std::filesystem::directory_iterator(directory_, ec)) {
    uint64_t number = 0;
    if (parse_segment_name(item.path().filename().string(), number)) numbers.push_back(number);
  }
  if (ec) {
    error = "spool directory " + directory_ + ": " + ec.message();
    return false;
  }
  std::sort(numbers.begin(), numbers.end());

  uint64_t pending_entries = 0;
  for (uint64_t number : numbers) {
    const std::string path = segment_path(number);
    if (number < confirmed.segment) {  // confirmed, but the deletion was interrupted
      ::unlink(path.c_str());
      continue;
    }
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
      error = errno_text("spool segment " + path, errno);
      return false;
    }
    struct stat st {};
    ::fstat(fd, &st);
    const auto file_size = static_cast<uint64_t>(st.st_size);
    Segment segment{number, 0, 0, 0};
    std::string body;
    for (;;) {
      uint8_t header[kEntryHeaderBytes];
      if (segment.size == file_size) break;
      bool good = segment.size + kEntryHeaderBytes <= file_size &&
                  read_at(fd, header, sizeof header, segment.size);
      uint32_t length = good ? load_le32(header) : 0;
      good = good && length <= kMaxEntryBytes &&
             segment.size + kEntryHeaderBytes + length <= file_size;
      if (good) {
        body.resize(length);
        good = read_at(fd, body.data(), length, segment.size + kEntryHeaderBytes) &&
               checksum(reinterpret_cast<const uint8_t*>(body.data()), length) ==
                   load_le32(header + 4);
      }
      if (!good) {
        // A torn or corrupt tail: cut it off so it can never be delivered.
        if (::ftruncate(fd, static_cast<off_t>(segment.size)) != 0 || ::fsync(fd) != 0) {
          error = errno_text("spool truncate " + path, errno);
          ::close(fd);
          return false;
        }
        ++stats_.corrupt_truncated;
        break;
      }
      if (number > confirmed.segment || segment.size >= confirmed.offset) ++pending_entries;
      segment.size += kEntryHeaderBytes + length;
      ++segment.entries;
    }
    ::close(fd);
    segment.durable = segment.size;
    segments_.push_back(segment);
  }

  // A fully confirmed segment is of no further use (appends go to a new one).
  while (!segments_.empty() && segments_.front().number == confirmed.segment &&
         confirmed.offset >= segments_.front().size) {
    ::unlink(segment_path(segments_.front().number).c_str());
    segments_.pop_front();
  }
  // Normalise the confirmed position onto a segment that exists.
  if (!segments_.empty() && segments_.front().number != confirmed.segment) {
    confirmed = {segments_.front().number, 0, 0};
  } else if (!segments_.empty()) {
    confirmed.offset = std::min(confirmed.offset, segments_.front().size);
  }
  confirmed.entry = 0;
  next_entry_ = pending_entries;
  const uint64_t next_number =
      std::max(segments_.empty() ? 0 : segments_.back().number, confirmed.segment) + 1;
  if (segments_.empty()) confirmed = {next_number, 0, 0};
  confirmed_ = confirmed;

  // Allocate both state slots now, while there is space (best effort: a
  // failure here shows again, and is reported, at the first confirm).
  auto missing = [&](int slot) {
    return ::access((directory_ + "/" + kStateSlots[slot]).c_str(), F_OK) != 0;
  };
  for (int round = 0; round < 2 && (missing(0) || missing(1)); ++round) {
    std::string ignored;
    write_state(confirmed_, ignored);  // alternates between the slots
  }

  std::lock_guard lock(mutex_);
  if (!start_segment(next_number, error)) return false;
  stats_.pending_bytes = distance(confirmed_, end_locked());
  stats_.pending_entries = next_entry_;
  return true;
}

bool Spool::start_segment(uint64_t number, std::string& error) {
  const std::string path = segment_path(number);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) {
    error = errno_text("spool segment " + path, errno);
    return false;
  }
  // The new name must be durable too, or a crash could lose the whole file.
  if (::fsync(dir_fd_) != 0) {
    error = errno_text("spool fsync " + directory_, errno);
    ::close(fd);
    ::unlink(path.c_str());
    return false;
  }
  write_fd_ = fd;
  append_failed_ = false;
  segments_.push_back(Segment{number, 0, 0, 0});
  stats_.segments = segments_.size();
  return true;
}

Spool::Status Spool::append(ByteView pdu, std::string& error) {
  if (pdu.size() > kMaxEntryBytes) {
    error = "spool: record of " + std::to_string(pdu.size()) + " bytes is too large";
    std::lock_guard lock(mutex_);
    ++stats_.write_errors;
    return Status::kError;
  }
  const uint64_t entry_bytes = kEntryHeaderBytes + pdu.size();
  std::lock_guard lock(mutex_);
  if (stats_.pending_bytes + entry_bytes > limit_) {
    ++stats_.refused;
    error = "spool full: " + std::to_string(stats_.pending_bytes) + " bytes pending, limit " +
            std::to_string(limit_);
    return Status::kFull;
  }
  // Roll over to a new segment (the old one is made durable first, so only the
  // newest segment ever has a non-durable tail).
  if (write_fd_ >= 0 && segments_.back().size > 0 &&
      segments_.back().size + entry_bytes > segment_bytes_) {
    if (::fdatasync(write_fd_) != 0) {
      ++stats_.write_errors;
      error = errno_text("spool fdatasync", errno);
      return Status::kError;
    }
    segments_.back().durable = segments_.back().size;
    ::close(write_fd_);
    write_fd_ = -1;
  }
  if (write_fd_ < 0 && !start_segment(segments_.back().number + 1, error)) {
    ++stats_.write_errors;
    return Status::kError;
  }

  uint8_t header[kEntryHeaderBytes];
  store_le32(header, static_cast<uint32_t>(pdu.size()));
  store_le32(header + 4, checksum(pdu.data(), pdu.size()));
  Segment& segment = segments_.back();
  size_t done = 0;
  while (done < entry_bytes) {
    iovec iov[2];
    int count = 0;
    if (done < kEntryHeaderBytes) {
      iov[count++] = {header + done, kEntryHeaderBytes - done};
      iov[count++] = {const_cast<uint8_t*>(pdu.data()), pdu.size()};
    } else {
      const size_t skip = done - kEntryHeaderBytes;
      iov[count++] = {const_cast<uint8_t*>(pdu.data()) + skip, pdu.size() - skip};
    }
    ssize_t n = ::pwritev(write_fd_, iov, count, static_cast<off_t>(segment.size + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : ENOSPC;
      // Cut the partial entry off again; if even that fails, the next append
      // overwrites it (we write at segment.size) and recovery would drop it.
      [[maybe_unused]] const int ignored = ::ftruncate(write_fd_, static_cast<off_t>(segment.size));
      ++stats_.write_errors;
      append_failed_ = true;
      error = errno_text("spool write " + segment_path(segment.number), err);
      return Status::kError;
    }
    done += static_cast<size_t>(n);
  }
  segment.size += entry_bytes;
  ++segment.entries;
  ++next_entry_;
  ++stats_.appended;
  stats_.pending_bytes += entry_bytes;
  stats_.pending_entries = next_entry_ - confirmed_.entry;
  return Status::kOk;
}

bool Spool::sync(std::string& error) {
  uint64_t number = 0;
  uint64_t size = 0;
  int fd = -1;
  {
    std::lock_guard lock(mutex_);
    if (write_fd_ < 0 || segments_.back().durable == segments_.back().size) return true;
    number = segments_.back().number;
    size = segments_.back().size;
    // A duplicate keeps the file open should the appender roll meanwhile, and
    // lets the (slow) flush run without blocking appends.
    fd = ::dup(write_fd_);
  }
  if (fd < 0 || ::fdatasync(fd) != 0) {
    error = errno_text("spool fdatasync", errno);
    if (fd >= 0) ::close(fd);
    std::lock_guard lock(mutex_);
    ++stats_.write_errors;
    return false;
  }
  ::close(fd);
  std::lock_guard lock(mutex_);
  for (Segment& segment : segments_) {
    if (segment.number == number) segment.durable = std::max(segment.durable, size);
  }
  return true;
}

bool Spool::synced() const {
  std::lock_guard lock(mutex_);
  return segments_.back().durable == segments_.back().size;
}

bool Spool::write_state(const SpoolPosition& position, std::string& error) {
  const uint64_t generation = state_generation_ + 1;
  const std::string path = directory_ + "/" + kStateSlots[generation % 2];
  const std::string text = format_state(generation, position.segment, position.offset);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    error = errno_text("spool state " + path, errno);
    return false;
  }
  ssize_t n = ::pwrite(fd, text.data(), text.size(), 0);
  const int err = n < 0 ? errno : ENOSPC;
  if (n != static_cast<ssize_t>(text.size()) || ::fdatasync(fd) != 0) {
    error = errno_text("spool state " + path, n == static_cast<ssize_t>(text.size()) ? errno : err);
    ::close(fd);
    return false;
  }
  ::close(fd);
  state_generation_ = generation;
  return true;
}

bool Spool::confirm(const SpoolPosition& position, std::string& error) {
  std::lock_guard serial(confirm_mutex_);
  {
    std::lock_guard lock(mutex_);
    if (position <= confirmed_) return true;
  }
  // Even when the state cannot be written (a full disk, where this confirm is
  // what frees space), the confirmation is kept in memory and fully confirmed
  // segments are deleted: after a crash the older state only means resending
  // (a state naming a deleted segment starts at the oldest remaining one).
  const bool persisted = write_state(position, error);
  std::vector<std::string> doomed;
  {
    std::lock_guard lock(mutex_);
    stats_.pending_bytes -= std::min(stats_.pending_bytes, distance(confirmed_, position));
    confirmed_ = position;
    stats_.pending_entries = next_entry_ - std::min(next_entry_, confirmed_.entry);
    // A fully confirmed newest segment is replaced by a fresh one once it is
    // big, or at once after a failed write (likely a full disk: deleting it
    // is what makes room again).
    const Segment& newest = segments_.back();
    if (newest.number == confirmed_.segment && confirmed_.offset >= newest.size &&
        newest.size > 0 && (newest.size >= segment_bytes_ / 4 || append_failed_)) {
      if (write_fd_ >= 0) ::close(write_fd_);
      write_fd_ = -1;
      std::string ignored;  // append() retries and reports it
      if (start_segment(newest.number + 1, ignored)) {
        confirmed_ = {newest.number + 1, 0, confirmed_.entry};
      }
    }
    while (segments_.size() > 1 && segments_.front().number < confirmed_.segment) {
      doomed.push_back(segment_path(segments_.front().number));
      segments_.pop_front();
    }
    stats_.segments = segments_.size();
  }
  // Unlinking outside the lock; a crash before it is finished by recover().
  for (const std::string& path : doomed) ::unlink(path.c_str());
  return persisted;
}

uint64_t Spool::distance(const SpoolPosition& a, const SpoolPosition& b) const {
  uint64_t total = 0;
  for (const Segment& segment : segments_) {
    if (segment.number < a.segment) continue;
    if (segment.number > b.segment) break;
    const uint64_t from = segment.number == a.segment ? a.offset : 0;
    const uint64_t to = segment.number == b.segment ? b.offset : segment.size;
    if (to > from) total += to - from;
  }
  return total;
}

SpoolPosition Spool::confirmed() const {
  std::lock_guard lock(mutex_);
  return confirmed_;
}

SpoolPosition Spool::end() const {
  std::lock_guard lock(mutex_);
  return end_locked();
}

SpoolPosition Spool::end_locked() const {
  return {segments_.back().number, segments_.back().size, next_entry_};
}

SpoolStats Spool::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

Spool::Reader Spool::reader() const {
  std::lock_guard lock(mutex_);
  return Reader(const_cast<Spool*>(this), confirmed_);
}

bool Spool::readable(SpoolPosition& position, uint64_t& limit) const {
  for (size_t i = 0; i < segments_.size(); ++i) {
    const Segment& segment = segments_[i];
    if (segment.number < position.segment) continue;
    if (segment.number > position.segment) position = {segment.number, 0, position.entry};
    // At the end of a finished segment: continue in the next one.
    if (position.offset >= segment.durable && segment.durable == segment.size &&
        i + 1 < segments_.size()) {
      position = {segments_[i + 1].number, 0, position.entry};
      continue;
    }
    limit = segment.durable;
    return position.offset < limit;
  }
  return false;
}

Spool::Reader::Reader(Reader&& other) noexcept
    : spool_(other.spool_),
      position_(other.position_),
      fd_(std::exchange(other.fd_, -1)),
      fd_segment_(other.fd_segment_) {}

Spool::Reader& Spool::Reader::operator=(Reader&& other) noexcept {
  if (this != &other) {
    close_file();
    spool_ = other.spool_;
    position_ = other.position_;
    fd_ = std::exchange(other.fd_, -1);
    fd_segment_ = other.fd_segment_;
  }
  return *this;
}

Spool::Reader::~Reader() { close_file(); }

void Spool::Reader::close_file() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool Spool::Reader::next(std::string& pdu, std::string& error) {
  uint64_t limit = 0;
  {
    std::lock_guard lock(spool_->mutex_);
    if (!spool_->readable(position_, limit)) return false;
  }
  if (fd_ < 0 || fd_segment_ != position_.segment) {
    close_file();
    // Kept open: a segment deleted by confirm() stays readable through it.
    fd_ = ::open(spool_->segment_path(position_.segment).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      error = errno_text("spool read " + spool_->segment_path(position_.segment), errno);
      return false;
    }
    fd_segment_ = position_.segment;
  }
  uint8_t header[kEntryHeaderBytes];
  bool good = read_at(fd_, header, sizeof header, position_.offset);
  const uint32_t length = good ? load_le32(header) : 0;
  good = good && length <= kMaxEntryBytes && position_.offset + kEntryHeaderBytes + length <= limit;
  if (good) {
    pdu.resize(length);
    good = read_at(fd_, pdu.data(), length, position_.offset + kEntryHeaderBytes) &&
           checksum(reinterpret_cast<const uint8_t*>(pdu.data()), length) == load_le32(header + 4);
  }
  if (!good) {
    // Damaged on disk after it was written (recovery checked everything
    // older): never deliver it; skip to the durable end, an entry boundary.
    error = "spool: corrupt entry in " + spool_->segment_path(position_.segment) + " at " +
            std::to_string(position_.offset) + ", skipped";
    {
      std::lock_guard lock(spool_->mutex_);
      ++spool_->stats_.corrupt_skipped;
    }
    position_.offset = limit;
    return false;
  }
  position_.offset += kEntryHeaderBytes + length;
  ++position_.entry;
  return true;
}

}  // namespace rcds::handover
