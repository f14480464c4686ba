// A bounds-checked pcapng parser over bytes in memory.
//
// libpcap refuses pcapng files whose interfaces have different link types;
// RCDS must read them, so it parses pcapng itself. The reader walks blocks in
// place and returns packets as views into the input: no copy and no heap
// allocation per packet (only per interface description).
//
// Supported: Section Header Blocks in either byte order (several sections per
// file; interface ids restart in each), Interface Description Blocks with
// if_tsresol (power of 10 or of 2) and if_tsoffset, Enhanced Packet Blocks,
// Simple Packet Blocks and the obsolete Packet Block. Every other block type
// (name resolution, statistics, decryption secrets, custom...) is skipped.
//
// Every length is checked before it is used. A structural fault ends the
// file with an error "<name>: <what> at offset <N>", N being the offset of
// the faulty block (or option); the reader never reads outside `data`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "capture/source.h"
#include "util/bytes.h"

namespace rcds::capture {

class PcapngReader {
 public:
  // `data` must outlive the reader and every packet it returns. `name` (the
  // file path) prefixes error messages.
  PcapngReader(ByteView data, std::string name);

  // kPacket, kEnd at the end of the data, or kError (sticky; see error()).
  //
  // Simple Packet Blocks carry no timestamp; they get the timestamp of the
  // previous packet so packet-time timers never jump back to 1970. A wire
  // length smaller than the captured length is raised to the captured length.
  ReadStatus next(RawPacket& out);

  const std::string& error() const { return error_; }
  // Offset of the next block to read.
  uint64_t offset() const { return offset_; }
  size_t interface_count() const { return interfaces_.size(); }

 private:
  // Converts timestamp units of one interface to nanoseconds since the epoch.
  struct TimeScale {
    uint64_t ns_per_unit = 1000;    // used when units divide a second into ns exactly
    uint64_t units_per_second = 0;  // otherwise: non-zero, and a division is needed
    uint64_t offset_ns = 0;         // if_tsoffset, two's complement
    int64_t to_ns(uint64_t units) const;
  };
  struct Interface {
    uint32_t link_type;
    uint32_t snaplen;  // 0: no limit
    TimeScale scale;
  };

  bool fail(const std::string& what, uint64_t at);
  bool read_section_header(const uint8_t* body, uint32_t body_len, uint64_t at);
  bool read_interface(const uint8_t* body, uint32_t body_len, uint64_t at);
  bool read_packet_block(uint32_t type, const uint8_t* body, uint32_t body_len, uint64_t at,
                         RawPacket& out);

  uint16_t u16(const uint8_t* p) const;
  uint32_t u32(const uint8_t* p) const;
  uint64_t u64(const uint8_t* p) const;

  ByteView data_;
  std::string name_;
  std::string error_;
  size_t offset_ = 0;
  bool big_endian_ = false;
  bool in_section_ = false;
  bool failed_ = false;
  Timestamp last_timestamp_;
  std::vector<Interface> interfaces_;
};

}  // namespace rcds::capture
