// libFuzzer harness for capture::open_file on arbitrary bytes: the magic
// number picks libpcap (pcap, microsecond or nanosecond) or our pcapng reader
// behind the file source, with its BPF filter.
//
// open_file() takes a path, so the input is written to a memfd and opened as
// /proc/self/fd/N: no disk I/O and nothing left behind. The input length mod 3
// picks the BPF filter (none, "tcp", "ip6 or udp port 53"), which lets the
// fuzzer reach the per-link-type filter compilation of pcapng files with one
// extra byte. Invariants that trap on violation:
//   - open_file() returns a source or an error message, never neither;
//   - captured <= wire length, data present when captured > 0;
//   - stats().packets_read counts exactly the packets handed out;
//   - kEnd and kError are sticky, and kError always comes with a message.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "capture/source.h"
#include "fuzz_check.h"

namespace {

namespace capture = rcds::capture;

constexpr int kMaxPackets = 1 << 16;
constexpr const char* kFilters[] = {"", "tcp", "ip6 or udp port 53"};

// One memfd for the whole run; each input truncates and rewrites it.
int input_fd() {
  static const int fd = [] {
    const int created = memfd_create("rcds-pcap-fuzz", MFD_CLOEXEC);
    if (created < 0) {
      std::perror("memfd_create");
      std::abort();
    }
    return created;
  }();
  return fd;
}

void write_input(int fd, const uint8_t* data, size_t size) {
  if (ftruncate(fd, 0) != 0) std::abort();
  size_t written = 0;
  while (written < size) {
    const ssize_t n = pwrite(fd, data + written, size - written, static_cast<off_t>(written));
    if (n <= 0) std::abort();
    written += static_cast<size_t>(n);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int fd = input_fd();
  write_input(fd, data, size);
  const std::string path = "/proc/self/fd/" + std::to_string(fd);

  capture::FileOptions options;
  options.bpf_filter = kFilters[size % std::size(kFilters)];
  std::string error;
  std::unique_ptr<capture::PacketSource> source = capture::open_file(path, options, error);
  if (source == nullptr) {
    RCDS_FUZZ_CHECK("open_error_message", !error.empty());
    return 0;
  }

  capture::RawPacket packet;
  capture::ReadStatus status = capture::ReadStatus::kEnd;
  uint64_t packets = 0;
  uint32_t sum = 0;
  for (int i = 0; i < kMaxPackets; ++i) {
    status = source->next(packet);
    RCDS_FUZZ_CHECK("no_timeout_from_file", status != capture::ReadStatus::kTimeout);
    if (status != capture::ReadStatus::kPacket) break;
    ++packets;
    RCDS_FUZZ_CHECK("captured_le_wire", packet.captured_length <= packet.wire_length);
    RCDS_FUZZ_CHECK("data_present", packet.captured_length == 0 || packet.data != nullptr);
    for (uint8_t byte : packet.bytes()) sum += byte;
    sum += static_cast<uint32_t>(packet.timestamp.ns) + packet.link_type;
  }
  RCDS_FUZZ_CHECK("packets_read_count", source->stats().packets_read == packets);
  if (status == capture::ReadStatus::kError) {
    RCDS_FUZZ_CHECK("error_message", !source->error().empty());
    RCDS_FUZZ_CHECK("error_sticky", source->next(packet) == capture::ReadStatus::kError);
  } else if (status == capture::ReadStatus::kEnd) {
    RCDS_FUZZ_CHECK("end_sticky", source->next(packet) == capture::ReadStatus::kEnd);
  }
  volatile uint32_t sink = sum;
  (void)sink;
  return 0;
}
