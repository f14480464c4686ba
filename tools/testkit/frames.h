// Building test traffic: Ethernet/IPv4/IPv6 frames with TCP or UDP, and a
// classic pcap writer. Used by the unit tests, the traffic generator and the
// benchmark generator, never by the sensor itself.
//
// Frames are written from the RFCs' header layouts, with correct checksums,
// so tshark and libnids accept them as they would real traffic.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace rcds::testkit {

using Bytes = std::vector<uint8_t>;

Bytes bytes_of(std::string_view text);

struct Host {
  std::string address;  // "10.0.0.1" or "2001:db8::1"
  uint16_t port = 0;
};

struct TcpFields {
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t flags = 0x10;  // ACK
  uint16_t window = 65535;
};

enum TcpFlags : uint8_t { kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10 };

// Ethernet II + IPv4 or IPv6 (by the address form) + TCP.
Bytes tcp_frame(const Host& from, const Host& to, const TcpFields& tcp, const Bytes& payload,
                uint16_t vlan = 0);
// Ethernet II + IPv4 or IPv6 + UDP.
Bytes udp_frame(const Host& from, const Host& to, const Bytes& payload);
// IPv4 datagram (no link header) carrying `l4` as protocol `protocol`.
Bytes ipv4_packet(const std::string& from, const std::string& to, uint8_t protocol, const Bytes& l4,
                  uint16_t id = 1, uint16_t flags_offset = 0);
Bytes ethernet(const Bytes& ip_packet, uint16_t ether_type, uint16_t vlan = 0);

// The same Ethernet II + IPv4 + TCP frame as tcp_frame (no VLAN), written
// into `out` without allocating, for generators that write millions of
// frames. Addresses are host-order IPv4; `out` must hold
// kTcp4FrameOverhead + length bytes. Returns the frame length.
constexpr size_t kTcp4FrameOverhead = 14 + 20 + 20;
size_t tcp4_frame_into(uint8_t* out, uint32_t from_ip, uint16_t from_port, uint32_t to_ip,
                       uint16_t to_port, const TcpFields& tcp, const uint8_t* payload,
                       size_t length);

// Splits an Ethernet+IPv4 frame's IP payload into fragments of `chunk`
// bytes (a multiple of 8), each a full Ethernet+IPv4 frame.
std::vector<Bytes> ipv4_fragments(const Bytes& frame, size_t chunk);
// The same for an Ethernet+IPv6 frame, with a Fragment extension header.
std::vector<Bytes> ipv6_fragments(const Bytes& frame, size_t chunk, uint32_t id);

// Writes a classic pcap (microsecond, Ethernet unless told otherwise).
class PcapWriter {
 public:
  PcapWriter(const std::string& path, uint32_t link_type = 1);
  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  bool ok() const { return file_ != nullptr; }
  void write(int64_t time_us, const Bytes& frame) { write(time_us, frame.data(), frame.size()); }
  void write(int64_t time_us, const uint8_t* data, size_t length);
  uint64_t bytes_written() const { return bytes_; }
  // Flushes and closes the file; false if any write failed (a full disk must
  // not leave a silently truncated capture behind).
  bool close();

 private:
  std::FILE* file_ = nullptr;
  // A large stdio buffer: the default 4 KiB one costs a syscall every few
  // full-size frames when a generator writes gigabytes.
  std::unique_ptr<char[]> buffer_;
  uint64_t bytes_ = 0;
  bool failed_ = false;
};

}  // namespace rcds::testkit
