// Packet sources: capture files (pcap, pcapng) and live interfaces.
//
// The capture layer knows nothing of protocols. It hands out each packet with
// its timestamp, link type and capture lengths; the bytes stay valid until the
// next call to next(). One virtual call per packet (next()) is the only
// indirection: it lets the pipeline run unchanged on files and interfaces.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/bytes.h"
#include "util/timestamp.h"

namespace rcds::capture {

// Link types by their LINKTYPE_* number (the value stored in pcap/pcapng files).
enum LinkType : uint32_t {
  kLinkNull = 0,        // BSD loopback: 4-byte host-order address family
  kLinkEthernet = 1,    // Ethernet II, with optional 802.1Q / 802.1ad tags
  kLinkRaw = 101,       // raw IPv4 or IPv6 (version nibble decides)
  kLinkLoop = 108,      // OpenBSD loopback: 4-byte network-order address family
  kLinkLinuxSll = 113,  // Linux cooked capture v1
  kLinkIpv4 = 228,      // raw IPv4
  kLinkIpv6 = 229,      // raw IPv6
  kLinkLinuxSll2 = 276  // Linux cooked capture v2
};

struct RawPacket {
  Timestamp timestamp;
  uint32_t link_type = 0;
  uint32_t captured_length = 0;  // bytes present in `data`
  uint32_t wire_length = 0;      // bytes on the wire; files: never below captured_length
  uint32_t interface_id = 0;     // pcapng interface index; 0 elsewhere
  uint64_t file_offset = 0;      // offset of the packet record in the file; 0 when live
  const uint8_t* data = nullptr;

  ByteView bytes() const { return {data, captured_length}; }
};

struct CaptureStats {
  uint64_t packets_read = 0;       // packets handed out by next()
  uint64_t packets_filtered = 0;   // packets the BPF filter rejected (files only)
  bool has_kernel_stats = false;   // live capture only
  uint64_t kernel_received = 0;    // pcap_stats ps_recv
  uint64_t kernel_dropped = 0;     // ps_drop: no room in the capture buffer
  uint64_t interface_dropped = 0;  // ps_ifdrop: dropped by the interface/driver
};

enum class ReadStatus {
  kPacket,   // `out` holds a packet
  kEnd,      // end of file, or the source was stopped
  kTimeout,  // live only: no packet within the read timeout; call again
  kError     // error() explains; the source is unusable afterwards
};

class PacketSource {
 public:
  virtual ~PacketSource() = default;
  virtual ReadStatus next(RawPacket& out) = 0;
  // "FILE: truncated packet record at offset 1234: ..." — names the file and offset.
  virtual const std::string& error() const = 0;
  // Safe to call from a signal handler: makes the next next() return kEnd.
  virtual void request_stop() = 0;
  virtual CaptureStats stats() const = 0;
  // Non-fatal trouble found while opening, e.g. "eth0: promiscuous mode not
  // supported"; empty when there was none. The caller decides where to log it.
  virtual std::string_view warning() const { return {}; }
};

struct FileOptions {
  std::string bpf_filter;  // empty = every packet
};

// Opens a pcap (microsecond or nanosecond) or pcapng file, chosen by its magic
// number. Returns nullptr and sets `error` when the file cannot be used.
std::unique_ptr<PacketSource> open_file(const std::string& path, const FileOptions& options,
                                        std::string& error);

struct LiveOptions {
  std::string interface;
  std::string bpf_filter;
  int snaplen = 262144;
  bool promiscuous = true;
  int buffer_size_bytes = 64 << 20;  // kernel ring buffer
  int read_timeout_ms = 100;
};

std::unique_ptr<PacketSource> open_live(const LiveOptions& options, std::string& error);

}  // namespace rcds::capture
