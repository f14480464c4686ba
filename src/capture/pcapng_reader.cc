#include "capture/pcapng_reader.h"

#include <algorithm>
#include <utility>

namespace rcds::capture {
namespace {

// Block types (pcapng specification, section 11.1).
constexpr uint32_t kSectionHeaderBlock = 0x0A0D0D0A;
constexpr uint32_t kInterfaceDescriptionBlock = 1;
constexpr uint32_t kObsoletePacketBlock = 2;
constexpr uint32_t kSimplePacketBlock = 3;
constexpr uint32_t kEnhancedPacketBlock = 6;

constexpr uint32_t kByteOrderMagic = 0x1A2B3C4D;
constexpr uint16_t kOptEndOfOpt = 0;
constexpr uint16_t kOptIfTsresol = 9;
constexpr uint16_t kOptIfTsoffset = 14;

// Block type + total length in front, total length again behind.
constexpr uint32_t kBlockOverhead = 12;
// Fixed body parts that precede the packet data or the options.
constexpr uint32_t kShbFixed = 16;  // magic, major, minor, section length
constexpr uint32_t kIdbFixed = 8;   // link type, reserved, snaplen
constexpr uint32_t kEpbFixed = 20;  // interface, ts high, ts low, caplen, origlen
constexpr uint32_t kPbFixed = 20;   // interface(16), drops(16), ts high, ts low, caplen, len
constexpr uint32_t kSpbFixed = 4;   // original length

constexpr uint64_t kNanos = 1'000'000'000;

// The unit of a timestamp is 10^-v or 2^-v seconds (if_tsresol). Units that
// divide a nanosecond evenly become a multiplication; the rest a division.
bool make_time_scale(uint8_t tsresol, uint64_t& ns_per_unit, uint64_t& units_per_second) {
  const unsigned exponent = tsresol & 0x7f;
  if (tsresol & 0x80) {
    if (exponent > 63) return false;
    if (exponent == 0) {
      ns_per_unit = kNanos;
      units_per_second = 0;
    } else {
      units_per_second = uint64_t{1} << exponent;
    }
    return true;
  }
  if (exponent > 19) return false;  // 10^20 does not fit in 64 bits
  uint64_t pow10 = 1;
  for (unsigned i = 0; i < std::min(exponent, 9u); ++i) pow10 *= 10;
  if (exponent <= 9) {
    ns_per_unit = kNanos / pow10;
    units_per_second = 0;
  } else {
    for (unsigned i = 9; i < exponent; ++i) pow10 *= 10;
    units_per_second = pow10;
  }
  return true;
}

}  // namespace

int64_t PcapngReader::TimeScale::to_ns(uint64_t units) const {
  // Unsigned arithmetic wraps instead of overflowing: a timestamp beyond
  // 2262 is garbage either way, but it must not be undefined behaviour.
  uint64_t ns;
  if (units_per_second == 0) {
    ns = units * ns_per_unit;
  } else {
    const uint64_t seconds = units / units_per_second;
    const uint64_t fraction = units % units_per_second;
    __extension__ typedef unsigned __int128 u128;
    ns = seconds * kNanos + static_cast<uint64_t>(u128{fraction} * kNanos / units_per_second);
  }
  return static_cast<int64_t>(ns + offset_ns);
}

PcapngReader::PcapngReader(ByteView data, std::string name) : data_(data), name_(std::move(name)) {
  interfaces_.reserve(8);
}

uint16_t PcapngReader::u16(const uint8_t* p) const {
  return big_endian_ ? load_be16(p) : load_le16(p);
}
uint32_t PcapngReader::u32(const uint8_t* p) const {
  return big_endian_ ? load_be32(p) : load_le32(p);
}
uint64_t PcapngReader::u64(const uint8_t* p) const {
  return big_endian_ ? (uint64_t{load_be32(p)} << 32) | load_be32(p + 4) : load_le64(p);
}

bool PcapngReader::fail(const std::string& what, uint64_t at) {
  error_ = name_ + ": " + what + " at offset " + std::to_string(at);
  failed_ = true;
  return false;
}

ReadStatus PcapngReader::next(RawPacket& out) {
  while (!failed_) {
    const size_t remaining = data_.size() - offset_;
    if (remaining == 0) {
      if (!in_section_) fail("no pcapng Section Header Block", offset_);
      return failed_ ? ReadStatus::kError : ReadStatus::kEnd;
    }
    const uint64_t at = offset_;
    const uint8_t* block = data_.data() + offset_;
    if (remaining < kBlockOverhead) {
      fail("truncated block header (" + std::to_string(remaining) + " bytes left)", at);
      break;
    }
    // The SHB type is a palindrome, readable before the byte order is known.
    const bool section_header = load_le32(block) == kSectionHeaderBlock;
    if (section_header) {
      // The byte order of a section, its own length field included, is set
      // by the magic that follows the length.
      if (load_le32(block + 8) == kByteOrderMagic) {
        big_endian_ = false;
      } else if (load_be32(block + 8) == kByteOrderMagic) {
        big_endian_ = true;
      } else {
        fail("bad byte-order magic in Section Header Block", at);
        break;
      }
    } else if (!in_section_) {
      fail("first block is not a pcapng Section Header Block", at);
      break;
    }
    const uint32_t type = u32(block);
    const uint32_t total = u32(block + 4);
    if (total < kBlockOverhead || total % 4 != 0) {
      fail("bad block total length " + std::to_string(total), at);
      break;
    }
    if (total > remaining) {
      fail("truncated block (total length " + std::to_string(total) + ", " +
               std::to_string(remaining) + " bytes left)",
           at);
      break;
    }
    const uint32_t trailer = u32(block + total - 4);
    if (trailer != total) {
      fail("block length mismatch (leading " + std::to_string(total) + ", trailing " +
               std::to_string(trailer) + ")",
           at);
      break;
    }
    offset_ += total;
    const uint8_t* body = block + 8;
    const uint32_t body_len = total - kBlockOverhead;
    switch (type) {
      case kSectionHeaderBlock:
        if (!read_section_header(body, body_len, at)) return ReadStatus::kError;
        break;
      case kInterfaceDescriptionBlock:
        if (!read_interface(body, body_len, at)) return ReadStatus::kError;
        break;
      case kEnhancedPacketBlock:
      case kSimplePacketBlock:
      case kObsoletePacketBlock:
        if (!read_packet_block(type, body, body_len, at, out)) return ReadStatus::kError;
        return ReadStatus::kPacket;
      default:
        break;  // blocks without packets or interfaces do not concern capture
    }
  }
  return ReadStatus::kError;
}

bool PcapngReader::read_section_header(const uint8_t* body, uint32_t body_len, uint64_t at) {
  if (body_len < kShbFixed) return fail("Section Header Block too short", at);
  const uint16_t major = u16(body + 4);
  const uint16_t minor = u16(body + 6);
  if (major != 1) {
    return fail("unsupported pcapng version " + std::to_string(major) + "." + std::to_string(minor),
                at);
  }
  // A new section starts a new interface numbering.
  interfaces_.clear();
  in_section_ = true;
  return true;
}

bool PcapngReader::read_interface(const uint8_t* body, uint32_t body_len, uint64_t at) {
  if (body_len < kIdbFixed) return fail("Interface Description Block too short", at);
  Interface iface{u16(body), u32(body + 4), {}};
  uint32_t pos = kIdbFixed;
  while (body_len - pos >= 4) {
    const uint64_t option_at = at + 8 + pos;
    const uint16_t code = u16(body + pos);
    const uint16_t len = u16(body + pos + 2);
    pos += 4;
    if (code == kOptEndOfOpt) break;
    const uint32_t padded = (uint32_t{len} + 3) & ~uint32_t{3};
    if (padded > body_len - pos) return fail("interface option runs past its block", option_at);
    const uint8_t* value = body + pos;
    pos += padded;
    if (code == kOptIfTsresol) {
      if (len != 1) return fail("bad if_tsresol option length " + std::to_string(len), option_at);
      if (!make_time_scale(value[0], iface.scale.ns_per_unit, iface.scale.units_per_second)) {
        return fail("unsupported if_tsresol " + std::to_string(value[0]), option_at);
      }
    } else if (code == kOptIfTsoffset) {
      if (len != 8) {
        return fail("bad if_tsoffset option length " + std::to_string(len), option_at);
      }
      iface.scale.offset_ns = u64(value) * kNanos;
    }
  }
  interfaces_.push_back(iface);
  return true;
}

bool PcapngReader::read_packet_block(uint32_t type, const uint8_t* body, uint32_t body_len,
                                     uint64_t at, RawPacket& out) {
  uint32_t interface_id;
  uint32_t captured;
  uint32_t wire;
  const uint8_t* data;
  uint64_t units = 0;
  if (type == kSimplePacketBlock) {
    if (body_len < kSpbFixed) return fail("Simple Packet Block too short", at);
    interface_id = 0;
    wire = u32(body);
    // The block has no captured length: the data is whatever the block holds
    // (minus padding), cut at the interface's snaplen.
    captured = std::min(wire, body_len - kSpbFixed);
    data = body + kSpbFixed;
  } else {
    if (body_len < kEpbFixed) {
      return fail(type == kEnhancedPacketBlock ? "Enhanced Packet Block too short"
                                               : "Packet Block too short",
                  at);
    }
    static_assert(kEpbFixed == kPbFixed, "EPB and PB share their layout after the interface id");
    interface_id = type == kEnhancedPacketBlock ? u32(body) : u16(body);
    units = (uint64_t{u32(body + 4)} << 32) | u32(body + 8);
    captured = u32(body + 12);
    wire = u32(body + 16);
    data = body + kEpbFixed;
    if (captured > body_len - kEpbFixed) {
      return fail("captured length " + std::to_string(captured) + " exceeds its block", at);
    }
  }
  if (interface_id >= interfaces_.size()) {
    return fail("unknown interface id " + std::to_string(interface_id), at);
  }
  const Interface& iface = interfaces_[interface_id];
  if (type == kSimplePacketBlock) {
    if (iface.snaplen != 0) captured = std::min(captured, iface.snaplen);
    out.timestamp = last_timestamp_;
  } else {
    out.timestamp = Timestamp{iface.scale.to_ns(units)};
    last_timestamp_ = out.timestamp;
  }
  out.link_type = iface.link_type;
  out.captured_length = captured;
  out.wire_length = std::max(wire, captured);
  out.interface_id = interface_id;
  out.file_offset = at;
  out.data = data;
  return true;
}

}  // namespace rcds::capture
