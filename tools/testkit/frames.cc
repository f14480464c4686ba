#include "tools/testkit/frames.h"

#include <arpa/inet.h>

#include <algorithm>
#include <stdexcept>

namespace rcds::testkit {
namespace {

void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void put32(Bytes& b, uint32_t v) {
  put16(b, static_cast<uint16_t>(v >> 16));
  put16(b, static_cast<uint16_t>(v));
}
void set16(Bytes& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}

struct Address {
  bool v6 = false;
  uint8_t bytes[16] = {};
};

Address parse(const std::string& text) {
  Address a;
  if (inet_pton(AF_INET, text.c_str(), a.bytes) == 1) return a;
  if (inet_pton(AF_INET6, text.c_str(), a.bytes) == 1) {
    a.v6 = true;
    return a;
  }
  throw std::invalid_argument("bad address " + text);
}

uint32_t sum16(const uint8_t* p, size_t n, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t{p[i]} << 8) | p[i + 1];
  if (n % 2 != 0) sum += uint32_t{p[n - 1]} << 8;
  return sum;
}
uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// Fills in the TCP/UDP checksum of `l4` given the pseudo-header.
void l4_checksum(Bytes& l4, size_t checksum_at, const Address& from, const Address& to,
                 uint8_t protocol) {
  const size_t addr_len = from.v6 ? 16 : 4;
  uint32_t sum = sum16(from.bytes, addr_len);
  sum = sum16(to.bytes, addr_len, sum);
  sum += protocol;
  sum += static_cast<uint32_t>(l4.size() & 0xFFFF) + static_cast<uint32_t>(l4.size() >> 16);
  set16(l4, checksum_at, 0);
  sum = sum16(l4.data(), l4.size(), sum);
  uint16_t c = fold(sum);
  if (protocol == 17 && c == 0) c = 0xFFFF;
  set16(l4, checksum_at, c);
}

Bytes ip_packet(const Address& from, const Address& to, uint8_t protocol, const Bytes& l4,
                uint16_t id, uint16_t flags_offset) {
  Bytes ip;
  if (from.v6) {
    put32(ip, 0x60000000);
    put16(ip, static_cast<uint16_t>(l4.size()));
    ip.push_back(protocol);
    ip.push_back(64);
    ip.insert(ip.end(), from.bytes, from.bytes + 16);
    ip.insert(ip.end(), to.bytes, to.bytes + 16);
  } else {
    ip.push_back(0x45);
    ip.push_back(0);
    put16(ip, static_cast<uint16_t>(20 + l4.size()));
    put16(ip, id);
    put16(ip, flags_offset);
    ip.push_back(64);
    ip.push_back(protocol);
    put16(ip, 0);
    ip.insert(ip.end(), from.bytes, from.bytes + 4);
    ip.insert(ip.end(), to.bytes, to.bytes + 4);
    set16(ip, 10, fold(sum16(ip.data(), 20)));
  }
  ip.insert(ip.end(), l4.begin(), l4.end());
  return ip;
}

}  // namespace

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

Bytes ethernet(const Bytes& ip_packet, uint16_t ether_type, uint16_t vlan) {
  Bytes f = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
  if (vlan != 0) {
    put16(f, 0x8100);
    put16(f, vlan);
  }
  put16(f, ether_type);
  f.insert(f.end(), ip_packet.begin(), ip_packet.end());
  return f;
}

Bytes ipv4_packet(const std::string& from, const std::string& to, uint8_t protocol, const Bytes& l4,
                  uint16_t id, uint16_t flags_offset) {
  return ip_packet(parse(from), parse(to), protocol, l4, id, flags_offset);
}

Bytes tcp_frame(const Host& from, const Host& to, const TcpFields& tcp, const Bytes& payload,
                uint16_t vlan) {
  const Address a = parse(from.address);
  const Address b = parse(to.address);
  Bytes l4;
  put16(l4, from.port);
  put16(l4, to.port);
  put32(l4, tcp.seq);
  put32(l4, tcp.ack);
  l4.push_back(0x50);
  l4.push_back(tcp.flags);
  put16(l4, tcp.window);
  put16(l4, 0);
  put16(l4, 0);
  l4.insert(l4.end(), payload.begin(), payload.end());
  l4_checksum(l4, 16, a, b, 6);
  return ethernet(ip_packet(a, b, 6, l4, 1, 0x4000), a.v6 ? 0x86DD : 0x0800, vlan);
}

Bytes udp_frame(const Host& from, const Host& to, const Bytes& payload) {
  const Address a = parse(from.address);
  const Address b = parse(to.address);
  Bytes l4;
  put16(l4, from.port);
  put16(l4, to.port);
  put16(l4, static_cast<uint16_t>(8 + payload.size()));
  put16(l4, 0);
  l4.insert(l4.end(), payload.begin(), payload.end());
  l4_checksum(l4, 6, a, b, 17);
  return ethernet(ip_packet(a, b, 17, l4, 1, 0), a.v6 ? 0x86DD : 0x0800);
}

std::vector<Bytes> ipv4_fragments(const Bytes& frame, size_t chunk) {
  const Bytes ip(frame.begin() + 14, frame.end());
  const size_t header = size_t{ip[0] & 0x0Fu} * 4;
  const Bytes payload(ip.begin() + static_cast<std::ptrdiff_t>(header), ip.end());
  std::vector<Bytes> out;
  for (size_t off = 0; off < payload.size(); off += chunk) {
    const size_t n = std::min(chunk, payload.size() - off);
    Bytes f(ip.begin(), ip.begin() + static_cast<std::ptrdiff_t>(header));
    set16(f, 2, static_cast<uint16_t>(header + n));
    const bool more = off + n < payload.size();
    set16(f, 6, static_cast<uint16_t>((more ? 0x2000 : 0) | (off / 8)));
    set16(f, 10, 0);
    set16(f, 10, fold(sum16(f.data(), header)));
    f.insert(f.end(), payload.begin() + static_cast<std::ptrdiff_t>(off),
             payload.begin() + static_cast<std::ptrdiff_t>(off + n));
    out.push_back(ethernet(f, 0x0800));
  }
  return out;
}

std::vector<Bytes> ipv6_fragments(const Bytes& frame, size_t chunk, uint32_t id) {
  const Bytes ip(frame.begin() + 14, frame.end());
  const uint8_t next = ip[6];
  const Bytes payload(ip.begin() + 40, ip.end());
  std::vector<Bytes> out;
  for (size_t off = 0; off < payload.size(); off += chunk) {
    const size_t n = std::min(chunk, payload.size() - off);
    Bytes f(ip.begin(), ip.begin() + 40);
    f[6] = 44;
    set16(f, 4, static_cast<uint16_t>(8 + n));
    const bool more = off + n < payload.size();
    f.push_back(next);
    f.push_back(0);
    put16(f, static_cast<uint16_t>(off | (more ? 1 : 0)));
    put32(f, id);
    f.insert(f.end(), payload.begin() + static_cast<std::ptrdiff_t>(off),
             payload.begin() + static_cast<std::ptrdiff_t>(off + n));
    out.push_back(ethernet(f, 0x86DD));
  }
  return out;
}

size_t tcp4_frame_into(uint8_t* out, uint32_t from_ip, uint16_t from_port, uint32_t to_ip,
                       uint16_t to_port, const TcpFields& tcp, const uint8_t* payload,
                       size_t length) {
  auto put16_at = [out](size_t at, uint32_t v) {
    out[at] = static_cast<uint8_t>(v >> 8);
    out[at + 1] = static_cast<uint8_t>(v);
  };
  auto put32_at = [&](size_t at, uint32_t v) {
    put16_at(at, v >> 16);
    put16_at(at + 2, v & 0xFFFF);
  };
  static constexpr uint8_t kMacs[12] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
  std::copy(kMacs, kMacs + 12, out);
  put16_at(12, 0x0800);

  uint8_t* ip = out + 14;
  const size_t tcp_length = 20 + length;
  ip[0] = 0x45;
  ip[1] = 0;
  put16_at(16, static_cast<uint32_t>(20 + tcp_length));
  put16_at(18, 1);       // identification, as tcp_frame
  put16_at(20, 0x4000);  // don't fragment
  ip[8] = 64;
  ip[9] = 6;
  put16_at(24, 0);
  put32_at(26, from_ip);
  put32_at(30, to_ip);
  put16_at(24, fold(sum16(ip, 20)));

  uint8_t* l4 = ip + 20;
  put16_at(34, from_port);
  put16_at(36, to_port);
  put32_at(38, tcp.seq);
  put32_at(42, tcp.ack);
  l4[12] = 0x50;
  l4[13] = tcp.flags;
  put16_at(48, tcp.window);
  put16_at(50, 0);
  put16_at(52, 0);
  if (length != 0) std::copy(payload, payload + length, l4 + 20);
  // Pseudo-header: addresses, protocol, TCP length; then header and payload.
  uint32_t sum = (from_ip >> 16) + (from_ip & 0xFFFF) + (to_ip >> 16) + (to_ip & 0xFFFF);
  sum += 6 + static_cast<uint32_t>(tcp_length & 0xFFFF) + static_cast<uint32_t>(tcp_length >> 16);
  put16_at(50, fold(sum16(l4, tcp_length, sum)));
  return kTcp4FrameOverhead + length;
}

PcapWriter::PcapWriter(const std::string& path, uint32_t link_type) {
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) return;
  constexpr size_t kBufferBytes = size_t{1} << 20;
  buffer_ = std::make_unique<char[]>(kBufferBytes);
  std::setvbuf(file_, buffer_.get(), _IOFBF, kBufferBytes);
  // Written in host (little-endian) order, as pcap-savefile(5) allows.
  const uint32_t header[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 262144, link_type};
  std::fwrite(header, sizeof header, 1, file_);
  bytes_ = sizeof header;
}

PcapWriter::~PcapWriter() { close(); }

bool PcapWriter::close() {
  if (file_ == nullptr) return !failed_;
  if (std::fclose(file_) != 0) failed_ = true;
  file_ = nullptr;
  return !failed_;
}

void PcapWriter::write(int64_t time_us, const uint8_t* data, size_t length) {
  const uint32_t record[4] = {static_cast<uint32_t>(time_us / 1000000),
                              static_cast<uint32_t>(time_us % 1000000),
                              static_cast<uint32_t>(length), static_cast<uint32_t>(length)};
  if (std::fwrite(record, sizeof record, 1, file_) != 1 ||
      std::fwrite(data, 1, length, file_) != length) {
    failed_ = true;
  }
  bytes_ += sizeof record + length;
}

}  // namespace rcds::testkit
