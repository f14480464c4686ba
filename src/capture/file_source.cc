// open_file(): pcap files through libpcap, pcapng files through our reader.
#include <fcntl.h>
#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <utility>

#include "capture/bpf_filter.h"
#include "capture/counting_stream.h"
#include "capture/link_type.h"
#include "capture/mapped_file.h"
#include "capture/pcapng_reader.h"
#include "capture/source.h"

namespace rcds::capture {
namespace {

// BPF programs are compiled for the largest packet libpcap accepts.
constexpr int kFilterSnaplen = 262144;
constexpr uint64_t kPcapFileHeaderSize = 24;
constexpr uint64_t kPcapRecordHeaderSize = 16;

// request_stop() runs in signal handlers: only a lock-free atomic is safe there.
static_assert(std::atomic<bool>::is_always_lock_free);

enum class FileFormat { kPcap, kPcapng, kUnknown };

FileFormat detect(const uint8_t magic[4]) {
  const uint32_t le = load_le32(magic);
  const uint32_t be = load_be32(magic);
  for (uint32_t value : {le, be}) {
    if (value == 0xA1B2C3D4 || value == 0xA1B23C4D) return FileFormat::kPcap;
  }
  if (le == 0x0A0D0D0A) return FileFormat::kPcapng;
  return FileFormat::kUnknown;
}

// Reads the first four bytes; false with `error` set if the file cannot be read.
bool read_magic(const std::string& path, uint8_t magic[4], std::string& error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  // Detection reads the first bytes and the reader then reopens the file:
  // that only works on something that can be read twice.
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    error = path + ": not a regular file";
    ::close(fd);
    return false;
  }
  size_t got = 0;
  while (got < 4) {
    const ssize_t n = ::read(fd, magic + got, 4 - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = path + ": " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  if (got == 0) {
    error = path + ": empty file, no capture file header at offset 0";
    return false;
  }
  if (got < 4) {
    error =
        path + ": truncated capture file header at offset 0 (" + std::to_string(got) + " bytes)";
    return false;
  }
  return true;
}

class PcapngFileSource final : public PacketSource {
 public:
  PcapngFileSource(std::string path, const FileOptions& options)
      : path_(std::move(path)), filter_(options.bpf_filter, kFilterSnaplen) {}

  bool open(std::string& error) {
    if (!file_.open(path_, error)) return false;
    reader_.emplace(file_.bytes(), path_);
    // Walk up to the first packet with a scratch reader: a file that is
    // broken before its first packet cannot be used, and the filter must
    // compile at least for the first packet's link type.
    PcapngReader probe(file_.bytes(), path_);
    RawPacket first;
    const ReadStatus status = probe.next(first);
    if (status == ReadStatus::kError) {
      error = probe.error();
      return false;
    }
    const uint32_t link_type = status == ReadStatus::kPacket ? first.link_type : kLinkEthernet;
    if (!filter_.prepare(link_type, error)) {
      error = path_ + ": " + error;
      return false;
    }
    return true;
  }

  ReadStatus next(RawPacket& out) override {
    if (stop_.load(std::memory_order_relaxed)) return ReadStatus::kEnd;
    if (failed_) return ReadStatus::kError;
    // The previous packet's view ends its life with this call.
    file_.release_before(reader_->offset());
    for (;;) {
      const ReadStatus status = reader_->next(out);
      if (status != ReadStatus::kPacket) {
        if (status == ReadStatus::kError) fail(reader_->error());
        return status;
      }
      switch (filter_.check(out, filter_error_)) {
        case BpfFilter::Verdict::kAccept:
          ++stats_.packets_read;
          return ReadStatus::kPacket;
        case BpfFilter::Verdict::kReject:
          ++stats_.packets_filtered;
          continue;
        case BpfFilter::Verdict::kError:
          fail(path_ + ": " + filter_error_ + " at offset " + std::to_string(out.file_offset));
          return ReadStatus::kError;
      }
    }
  }

  const std::string& error() const override { return error_; }
  void request_stop() override { stop_.store(true, std::memory_order_relaxed); }
  CaptureStats stats() const override { return stats_; }

 private:
  void fail(std::string message) {
    error_ = std::move(message);
    failed_ = true;
  }

  std::string path_;
  MappedFile file_;
  std::optional<PcapngReader> reader_;
  BpfFilter filter_;
  std::string filter_error_;
  std::string error_;
  bool failed_ = false;
  CaptureStats stats_;
  std::atomic<bool> stop_{false};
};

class PcapFileSource final : public PacketSource {
 public:
  PcapFileSource(std::string path, const FileOptions& options)
      : path_(std::move(path)), filter_(options.bpf_filter, kFilterSnaplen) {}
  ~PcapFileSource() override {
    if (pcap_ != nullptr) pcap_close(pcap_);
  }

  bool open(std::string& error) {
    FILE* stream = open_counting_stream(path_, stream_buffer_, error);
    if (stream == nullptr) return false;
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    // Nanosecond precision makes libpcap scale microsecond files up, so
    // both pcap flavours give nanoseconds in ts.tv_usec.
    pcap_ = pcap_fopen_offline_with_tstamp_precision(stream, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (pcap_ == nullptr) {
      std::fclose(stream);  // pcap_close() owns it only once opened
      const bool truncated = std::strstr(errbuf, "truncated") != nullptr;
      error = path_ + (truncated ? ": truncated pcap file header" : ": bad pcap file header") +
              " at offset 0: " + errbuf;
      return false;
    }
    link_type_ = linktype_from_dlt(pcap_datalink(pcap_));
    snapshot_ = static_cast<uint32_t>(pcap_snapshot(pcap_));
    if (!filter_.prepare(link_type_, error)) {
      error = path_ + ": " + error;
      return false;
    }
    return true;
  }

  ReadStatus next(RawPacket& out) override {
    if (stop_.load(std::memory_order_relaxed)) return ReadStatus::kEnd;
    if (failed_) return ReadStatus::kError;
    for (;;) {
      pcap_pkthdr* header = nullptr;
      const u_char* data = nullptr;
      const int rc = pcap_next_ex(pcap_, &header, &data);
      if (rc == PCAP_ERROR_BREAK) return ReadStatus::kEnd;
      if (rc != 1) {
        const char* text = pcap_geterr(pcap_);
        const bool truncated = std::strstr(text, "truncated") != nullptr;
        fail(path_ + (truncated ? ": truncated packet record" : ": bad packet record") +
             " at offset " + std::to_string(offset_) + ": " + text);
        return ReadStatus::kError;
      }
      out.timestamp = Timestamp{static_cast<int64_t>(header->ts.tv_sec) * kNanosPerSecond +
                                static_cast<int64_t>(header->ts.tv_usec)};
      out.link_type = link_type_;
      out.captured_length = header->caplen;
      out.wire_length = std::max(header->len, header->caplen);
      out.interface_id = 0;
      out.file_offset = offset_;
      out.data = data;
      advance(header->caplen);
      switch (filter_.check(out, filter_error_)) {
        case BpfFilter::Verdict::kAccept:
          ++stats_.packets_read;
          return ReadStatus::kPacket;
        case BpfFilter::Verdict::kReject:
          ++stats_.packets_filtered;
          continue;
        case BpfFilter::Verdict::kError:
          fail(path_ + ": " + filter_error_);
          return ReadStatus::kError;
      }
    }
  }

  const std::string& error() const override { return error_; }
  void request_stop() override { stop_.store(true, std::memory_order_relaxed); }
  CaptureStats stats() const override { return stats_; }

 private:
  // Moves offset_ past the record just read. libpcap cuts records longer
  // than the file's snaplen down to the snaplen and skips the rest, so a
  // record that long may have been longer in the file: ask the stream then
  // (cheap: see counting_stream.h).
  void advance(uint32_t caplen) {
    if (caplen < snapshot_) {
      offset_ += kPcapRecordHeaderSize + caplen;
      return;
    }
    const off_t position = ftello(pcap_file(pcap_));
    offset_ =
        position >= 0 ? static_cast<uint64_t>(position) : offset_ + kPcapRecordHeaderSize + caplen;
  }

  void fail(std::string message) {
    error_ = std::move(message);
    failed_ = true;
  }

  std::string path_;
  std::unique_ptr<char[]> stream_buffer_;  // destroyed after ~PcapFileSource closes pcap_
  pcap_t* pcap_ = nullptr;
  uint32_t link_type_ = 0;
  uint32_t snapshot_ = 0;
  uint64_t offset_ = kPcapFileHeaderSize;
  BpfFilter filter_;
  std::string filter_error_;
  std::string error_;
  bool failed_ = false;
  CaptureStats stats_;
  std::atomic<bool> stop_{false};
};

template <typename Source>
std::unique_ptr<PacketSource> open_as(const std::string& path, const FileOptions& options,
                                      std::string& error) {
  auto source = std::make_unique<Source>(path, options);
  if (!source->open(error)) return nullptr;
  return source;
}

}  // namespace

std::unique_ptr<PacketSource> open_file(const std::string& path, const FileOptions& options,
                                        std::string& error) {
  uint8_t magic[4] = {};
  if (!read_magic(path, magic, error)) return nullptr;
  switch (detect(magic)) {
    case FileFormat::kPcap:
      return open_as<PcapFileSource>(path, options, error);
    case FileFormat::kPcapng:
      return open_as<PcapngFileSource>(path, options, error);
    case FileFormat::kUnknown:
      break;
  }
  char hex[16];
  std::snprintf(hex, sizeof hex, "%02x%02x%02x%02x", magic[0], magic[1], magic[2], magic[3]);
  error = path + ": not a pcap or pcapng file (magic bytes " + hex + " at offset 0)";
  return nullptr;
}

}  // namespace rcds::capture
