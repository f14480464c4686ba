// open_live(): a network interface through libpcap.
#include <pcap/pcap.h>
#include <poll.h>

#include <atomic>
#include <csignal>
#include <utility>

#include "capture/link_type.h"
#include "capture/source.h"

namespace rcds::capture {
namespace {

class LiveSource final : public PacketSource {
 public:
  explicit LiveSource(pcap_t* pcap) : pcap_(pcap) {}
  ~LiveSource() override { pcap_close(pcap_); }
  LiveSource(const LiveSource&) = delete;
  LiveSource& operator=(const LiveSource&) = delete;

  bool start(const LiveOptions& options, std::string& error) {
    const std::string& name = options.interface;
    pcap_set_snaplen(pcap_, options.snaplen);
    pcap_set_promisc(pcap_, options.promiscuous ? 1 : 0);
    pcap_set_buffer_size(pcap_, options.buffer_size_bytes);
    pcap_set_timeout(pcap_, options.read_timeout_ms);
    // Batching in the kernel ring (TPACKET_V3 blocks) is what makes high
    // rates sustainable; latency is bounded by the read timeout instead.
    pcap_set_immediate_mode(pcap_, 0);
    // Unsupported nanosecond stamps are no error: microseconds are scaled.
    pcap_set_tstamp_precision(pcap_, PCAP_TSTAMP_PRECISION_NANO);

    const int rc = pcap_activate(pcap_);
    if (rc < 0) {
      error = name + ": " + pcap_statustostr(rc);
      // For these codes libpcap leaves a more specific text in its buffer.
      if (rc == PCAP_ERROR || rc == PCAP_ERROR_NO_SUCH_DEVICE || rc == PCAP_ERROR_PERM_DENIED ||
          rc == PCAP_ERROR_PROMISC_PERM_DENIED) {
        const char* detail = pcap_geterr(pcap_);
        if (detail != nullptr && *detail != '\0') error += std::string(": ") + detail;
      }
      return false;
    }
    if (rc > 0) {
      warning_ = name + ": " + pcap_statustostr(rc);
      const char* detail = pcap_geterr(pcap_);
      if (rc == PCAP_WARNING && detail != nullptr && *detail != '\0') {
        warning_ += std::string(": ") + detail;
      }
    }
    nanos_per_tick_ = pcap_get_tstamp_precision(pcap_) == PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000;
    link_type_ = linktype_from_dlt(pcap_datalink(pcap_));

    if (!options.bpf_filter.empty()) {
      bpf_program program{};
      if (pcap_compile(pcap_, &program, options.bpf_filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
        error = name + ": BPF filter \"" + options.bpf_filter +
                "\" does not compile: " + pcap_geterr(pcap_);
        return false;
      }
      const int set = pcap_setfilter(pcap_, &program);
      pcap_freecode(&program);
      if (set != 0) {
        error =
            name + ": cannot set BPF filter \"" + options.bpf_filter + "\": " + pcap_geterr(pcap_);
        return false;
      }
    }
    // With TPACKET_V3 a blocking read waits until the kernel retires a ring
    // block, which never happens on a silent link: read non-blocking and wait
    // in our own poll() so the timeout (and a stop request) always applies.
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    if (pcap_setnonblock(pcap_, 1, errbuf) != 0) {
      error = name + ": cannot set non-blocking mode: " + errbuf;
      return false;
    }
    fd_ = pcap_get_selectable_fd(pcap_);
    timeout_ms_ = options.read_timeout_ms;
    name_ = name;
    return true;
  }

  ReadStatus next(RawPacket& out) override {
    if (stop_ != 0) return ReadStatus::kEnd;
    if (failed_) return ReadStatus::kError;
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    int rc = pcap_next_ex(pcap_, &header, &data);
    if (rc == 0 && fd_ >= 0) {
      pollfd waiting{fd_, POLLIN, 0};
      if (poll(&waiting, 1, timeout_ms_) > 0) rc = pcap_next_ex(pcap_, &header, &data);
    }
    switch (rc) {
      case 1:
        break;
      case 0:
        return stop_ != 0 ? ReadStatus::kEnd : ReadStatus::kTimeout;
      case PCAP_ERROR_BREAK:
        return ReadStatus::kEnd;
      default:
        error_ = name_ + ": " + pcap_geterr(pcap_);
        failed_ = true;
        return ReadStatus::kError;
    }
    out.timestamp = Timestamp{static_cast<int64_t>(header->ts.tv_sec) * kNanosPerSecond +
                              static_cast<int64_t>(header->ts.tv_usec) * nanos_per_tick_};
    out.link_type = link_type_;
    out.captured_length = header->caplen;
    out.wire_length = header->len;
    out.interface_id = 0;
    out.file_offset = 0;
    out.data = data;
    ++packets_read_;
    return ReadStatus::kPacket;
  }

  const std::string& error() const override { return error_; }
  std::string_view warning() const override { return warning_; }

  // Async-signal-safe: a sig_atomic_t store, and pcap_breakloop only sets a
  // flag and (on Linux) writes to an eventfd to wake a blocked poll().
  void request_stop() override {
    stop_ = 1;
    pcap_breakloop(pcap_);
  }

  CaptureStats stats() const override {
    CaptureStats stats;
    stats.packets_read = packets_read_;
    pcap_stat ps{};
    if (pcap_stats(pcap_, &ps) == 0) {
      stats.has_kernel_stats = true;
      stats.kernel_received = ps.ps_recv;
      stats.kernel_dropped = ps.ps_drop;
      stats.interface_dropped = ps.ps_ifdrop;
    }
    return stats;
  }

 private:
  pcap_t* pcap_;
  std::string name_;
  std::string error_;
  std::string warning_;
  bool failed_ = false;
  uint32_t link_type_ = 0;
  int64_t nanos_per_tick_ = 1000;
  uint64_t packets_read_ = 0;
  int fd_ = -1;
  int timeout_ms_ = 100;
  volatile std::sig_atomic_t stop_ = 0;
};

}  // namespace

std::unique_ptr<PacketSource> open_live(const LiveOptions& options, std::string& error) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* pcap = pcap_create(options.interface.c_str(), errbuf);
  if (pcap == nullptr) {
    error = options.interface + ": " + errbuf;
    return nullptr;
  }
  auto source = std::make_unique<LiveSource>(pcap);
  if (!source->start(options, error)) return nullptr;
  return source;
}

}  // namespace rcds::capture
