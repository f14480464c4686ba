#include "capture_files.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace rcds::capture::testing {

void ByteWriter::u16(uint16_t v) {
  if (big_) {
    u8(static_cast<uint8_t>(v >> 8));
    u8(static_cast<uint8_t>(v));
  } else {
    u8(static_cast<uint8_t>(v));
    u8(static_cast<uint8_t>(v >> 8));
  }
}

void ByteWriter::u32(uint32_t v) {
  if (big_) {
    u16(static_cast<uint16_t>(v >> 16));
    u16(static_cast<uint16_t>(v));
  } else {
    u16(static_cast<uint16_t>(v));
    u16(static_cast<uint16_t>(v >> 16));
  }
}

void ByteWriter::u64(uint64_t v) {
  if (big_) {
    u32(static_cast<uint32_t>(v >> 32));
    u32(static_cast<uint32_t>(v));
  } else {
    u32(static_cast<uint32_t>(v));
    u32(static_cast<uint32_t>(v >> 32));
  }
}

Bytes pcap_file(bool big_endian, bool nanos, uint32_t link_type, uint32_t snaplen,
                const std::vector<PcapRecord>& records) {
  ByteWriter w(big_endian);
  w.u32(nanos ? 0xA1B23C4D : 0xA1B2C3D4);
  w.u16(2);  // version 2.4
  w.u16(4);
  w.u32(0);  // thiszone
  w.u32(0);  // sigfigs
  w.u32(snaplen);
  w.u32(link_type);
  for (const PcapRecord& r : records) {
    const auto size = static_cast<uint32_t>(r.data.size());
    w.u32(r.seconds);
    w.u32(r.fraction);
    w.u32(r.captured_length != 0 ? r.captured_length : size);
    w.u32(r.wire_length != 0 ? r.wire_length : size);
    w.bytes(r.data);
  }
  return w.out();
}

PcapngBuilder& PcapngBuilder::section(std::optional<bool> big_endian) {
  if (big_endian) big_ = *big_endian;
  ByteWriter body(big_);
  body.u32(0x1A2B3C4D);
  body.u16(1);  // version 1.0
  body.u16(0);
  body.u64(~uint64_t{0});  // section length unknown
  return block(0x0A0D0D0A, body.out());
}

PcapngBuilder& PcapngBuilder::interface(uint16_t link_type, uint32_t snaplen,
                                        std::optional<uint8_t> tsresol,
                                        std::optional<int64_t> tsoffset) {
  ByteWriter body(big_);
  body.u16(link_type);
  body.u16(0);
  body.u32(snaplen);
  // A comment first, so option walking is exercised.
  body.u16(1);  // opt_comment
  body.u16(5);
  body.bytes({'h', 'e', 'l', 'l', 'o'});
  body.pad4();
  if (tsresol) {
    body.u16(9);
    body.u16(1);
    body.u8(*tsresol);
    body.pad4();
  }
  if (tsoffset) {
    body.u16(14);
    body.u16(8);
    body.u64(static_cast<uint64_t>(*tsoffset));
  }
  body.u16(0);  // opt_endofopt
  body.u16(0);
  return block(1, body.out());
}

PcapngBuilder& PcapngBuilder::epb(uint32_t interface_id, uint64_t timestamp_units,
                                  const Bytes& data, uint32_t wire_length) {
  ByteWriter body(big_);
  body.u32(interface_id);
  body.u32(static_cast<uint32_t>(timestamp_units >> 32));
  body.u32(static_cast<uint32_t>(timestamp_units));
  body.u32(static_cast<uint32_t>(data.size()));
  body.u32(wire_length != 0 ? wire_length : static_cast<uint32_t>(data.size()));
  body.bytes(data);
  body.pad4();
  return block(6, body.out());
}

PcapngBuilder& PcapngBuilder::spb(const Bytes& data, uint32_t wire_length) {
  ByteWriter body(big_);
  body.u32(wire_length);
  body.bytes(data);
  return block(3, body.out());
}

PcapngBuilder& PcapngBuilder::packet_block(uint16_t interface_id, uint64_t timestamp_units,
                                           const Bytes& data) {
  ByteWriter body(big_);
  body.u16(interface_id);
  body.u16(0);  // drops
  body.u32(static_cast<uint32_t>(timestamp_units >> 32));
  body.u32(static_cast<uint32_t>(timestamp_units));
  body.u32(static_cast<uint32_t>(data.size()));
  body.u32(static_cast<uint32_t>(data.size()));
  body.bytes(data);
  return block(2, body.out());
}

PcapngBuilder& PcapngBuilder::block(uint32_t type, const Bytes& body) {
  ByteWriter w(big_);
  Bytes padded = body;
  while (padded.size() % 4 != 0) padded.push_back(0);
  const auto total = static_cast<uint32_t>(padded.size() + 12);
  w.u32(type);
  w.u32(total);
  w.bytes(padded);
  w.u32(total);
  out_.insert(out_.end(), w.out().begin(), w.out().end());
  return *this;
}

Bytes ethernet_ipv4(uint8_t ip_protocol, const Bytes& payload) {
  Bytes f = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00};  // dst, src, IPv4
  const uint16_t l4 = ip_protocol == 6 ? 20 : 8;
  const auto total = static_cast<uint16_t>(20 + l4 + payload.size());
  const Bytes ip = {0x45,
                    0,
                    static_cast<uint8_t>(total >> 8),
                    static_cast<uint8_t>(total),
                    0,
                    1,
                    0,
                    0,
                    64,
                    ip_protocol,
                    0,
                    0,
                    10,
                    0,
                    0,
                    1,
                    10,
                    0,
                    0,
                    2};
  f.insert(f.end(), ip.begin(), ip.end());
  if (ip_protocol == 6) {
    const Bytes tcp = {0x30, 0x39, 0,    80,   0,    0,    0, 1, 0, 0,
                       0,    0,    0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0};
    f.insert(f.end(), tcp.begin(), tcp.end());
  } else {
    const auto len = static_cast<uint16_t>(8 + payload.size());
    const Bytes udp = {
        0x30, 0x39, 0x00, 0x35, static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len), 0, 0};
    f.insert(f.end(), udp.begin(), udp.end());
  }
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

Bytes raw_ipv6_udp(const Bytes& payload) {
  const auto len = static_cast<uint16_t>(8 + payload.size());
  Bytes p = {0x60, 0, 0, 0, static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len), 17, 64};
  for (int i = 0; i < 2; ++i) {  // 2001:db8::1 -> 2001:db8::2
    const Bytes addr = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                        0,    0,    0,    0,    0, 0, 0, static_cast<uint8_t>(1 + i)};
    p.insert(p.end(), addr.begin(), addr.end());
  }
  const Bytes udp = {
      0x30, 0x39, 0x00, 0x35, static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len), 0, 0};
  p.insert(p.end(), udp.begin(), udp.end());
  p.insert(p.end(), payload.begin(), payload.end());
  return p;
}

TempDir::TempDir() {
  char templ[] = "/tmp/rcds-capture-test-XXXXXX";
  if (mkdtemp(templ) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name, const Bytes& bytes) const {
  std::string file = path_ + "/" + name;
  std::ofstream out(file, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + file);
  return file;
}

ReadResult read_all(const std::string& path, const std::string& bpf_filter) {
  ReadResult result;
  FileOptions options;
  options.bpf_filter = bpf_filter;
  auto source = open_file(path, options, result.error);
  if (!source) return result;
  result.opened = true;
  RawPacket raw;
  for (;;) {
    const ReadStatus status = source->next(raw);
    if (status != ReadStatus::kPacket) {
      if (status == ReadStatus::kError) result.error = source->error();
      break;
    }
    result.packets.push_back({raw.timestamp.ns, raw.link_type, raw.interface_id, raw.wire_length,
                              raw.file_offset, Bytes(raw.bytes().begin(), raw.bytes().end())});
  }
  result.stats = source->stats();
  return result;
}

}  // namespace rcds::capture::testing
