// Hand-built capture files for the capture tests.
//
// Every byte is written here from the file format specifications (pcap-savefile(5),
// draft-ietf-opsawg-pcapng), so the tests do not depend on a writer library
// that could share the reader's misunderstandings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "capture/source.h"

namespace rcds::capture::testing {

using Bytes = std::vector<uint8_t>;

class ByteWriter {
 public:
  explicit ByteWriter(bool big_endian) : big_(big_endian) {}
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v);
  void u32(uint32_t v);
  void u64(uint64_t v);
  void bytes(const Bytes& b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void pad4() {
    while (out_.size() % 4 != 0) out_.push_back(0);
  }
  Bytes& out() { return out_; }

 private:
  bool big_;
  Bytes out_;
};

// Classic pcap.
struct PcapRecord {
  uint32_t seconds;
  uint32_t fraction;  // microseconds or nanoseconds, as the file says
  Bytes data;
  uint32_t wire_length = 0;      // 0: data.size()
  uint32_t captured_length = 0;  // 0: data.size(); lets a test lie about it
};
Bytes pcap_file(bool big_endian, bool nanos, uint32_t link_type, uint32_t snaplen,
                const std::vector<PcapRecord>& records);

// pcapng, one block per call.
class PcapngBuilder {
 public:
  explicit PcapngBuilder(bool big_endian) : big_(big_endian) {}
  // Starts a section; later blocks use `big_endian` (by default the builder's).
  PcapngBuilder& section(std::optional<bool> big_endian = std::nullopt);
  PcapngBuilder& interface(uint16_t link_type, uint32_t snaplen,
                           std::optional<uint8_t> tsresol = std::nullopt,
                           std::optional<int64_t> tsoffset = std::nullopt);
  PcapngBuilder& epb(uint32_t interface_id, uint64_t timestamp_units, const Bytes& data,
                     uint32_t wire_length = 0);
  PcapngBuilder& spb(const Bytes& data, uint32_t wire_length);
  PcapngBuilder& packet_block(uint16_t interface_id, uint64_t timestamp_units, const Bytes& data);
  // Any block: type, body (padded to 4 bytes here).
  PcapngBuilder& block(uint32_t type, const Bytes& body);
  // Offset the next block will have.
  uint64_t size() const { return out_.size(); }
  const Bytes& bytes() const { return out_; }

 private:
  bool big_;
  Bytes out_;
};

// A minimal Ethernet + IPv4 + UDP/TCP frame, and a raw IPv6 + UDP packet.
Bytes ethernet_ipv4(uint8_t ip_protocol, const Bytes& payload = {});
Bytes raw_ipv6_udp(const Bytes& payload = {});

// A private directory under /tmp, removed with its files at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string write(const std::string& name, const Bytes& bytes) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Everything a source produced, copied out so it outlives the source.
struct Packet {
  int64_t ns;
  uint32_t link_type;
  uint32_t interface_id;
  uint32_t wire_length;
  uint64_t file_offset;
  Bytes data;
};
struct ReadResult {
  bool opened = false;
  std::vector<Packet> packets;
  std::string error;  // from open_file or from next(), whichever failed
  CaptureStats stats;
};
ReadResult read_all(const std::string& path, const std::string& bpf_filter = "");

}  // namespace rcds::capture::testing
