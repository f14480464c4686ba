#include "net/decoder.h"

#include "capture/source.h"

namespace rcds::net {
namespace {

constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeIpv6 = 0x86DD;
constexpr uint16_t kEtherTypeVlan = 0x8100;
constexpr uint16_t kEtherTypeQinQ = 0x88A8;
constexpr uint16_t kEtherTypeQinQOld = 0x9100;
constexpr int kMaxVlanTags = 4;
constexpr int kMaxIpv6Extensions = 8;

// BSD loopback address-family values meaning IPv6 differ per OS.
bool is_bsd_af_inet6(uint32_t af) { return af == 24 || af == 28 || af == 30 || af == 10; }

}  // namespace

uint16_t internet_checksum(ByteView data, uint32_t initial) {
  uint64_t sum = initial;
  size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += load_be16(data.data() + i);
  if (i < data.size()) sum += uint32_t{data[i]} << 8;
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xFFFF);
}

uint32_t pseudo_header_sum(const Packet& packet, uint32_t length) {
  uint32_t sum = 0;
  auto add_address = [&sum](const IpAddress& a) {
    const size_t start = a.version == 4 ? 12 : 0;
    for (size_t i = start; i < 16; i += 2) sum += load_be16(a.bytes.data() + i);
  };
  add_address(packet.source);
  add_address(packet.destination);
  sum += packet.protocol;
  sum += length & 0xFFFF;
  sum += length >> 16;
  return sum;
}

DecodeResult PacketDecoder::decode(uint32_t link_type, ByteView frame, Timestamp timestamp,
                                   Packet& out) {
  out = Packet{};
  out.timestamp = timestamp;
  const uint8_t* p = frame.data();
  const size_t n = frame.size();
  uint16_t ether_type = 0;
  size_t offset = 0;

  switch (link_type) {
    case capture::kLinkEthernet: {
      if (n < 14) {
        counters_.add(Anomaly::link_truncated);
        return DecodeResult::kMalformed;
      }
      ether_type = load_be16(p + 12);
      offset = 14;
      int tags = 0;
      while (ether_type == kEtherTypeVlan || ether_type == kEtherTypeQinQ ||
             ether_type == kEtherTypeQinQOld) {
        if (++tags > kMaxVlanTags) {
          counters_.add(Anomaly::vlan_too_deep);
          return DecodeResult::kMalformed;
        }
        if (n < offset + 4) {
          counters_.add(Anomaly::link_truncated);
          return DecodeResult::kMalformed;
        }
        out.vlan_id = load_be16(p + offset) & 0x0FFF;
        ether_type = load_be16(p + offset + 2);
        offset += 4;
      }
      break;
    }
    case capture::kLinkNull:
    case capture::kLinkLoop: {
      if (n < 4) {
        counters_.add(Anomaly::link_truncated);
        return DecodeResult::kMalformed;
      }
      // DLT_NULL is in the capturing host's byte order, which the file does
      // not record; a family fits in 16 bits, so the order is recognisable.
      uint32_t af = link_type == capture::kLinkLoop ? load_be32(p) : load_le32(p);
      if (af > 0xFFFF) af = __builtin_bswap32(af);
      offset = 4;
      if (af == 2) {
        ether_type = kEtherTypeIpv4;
      } else if (is_bsd_af_inet6(af)) {
        ether_type = kEtherTypeIpv6;
      }
      break;
    }
    case capture::kLinkLinuxSll:
      if (n < 16) {
        counters_.add(Anomaly::link_truncated);
        return DecodeResult::kMalformed;
      }
      ether_type = load_be16(p + 14);
      offset = 16;
      break;
    case capture::kLinkLinuxSll2:
      if (n < 20) {
        counters_.add(Anomaly::link_truncated);
        return DecodeResult::kMalformed;
      }
      ether_type = load_be16(p);
      offset = 20;
      break;
    case capture::kLinkRaw:
      return decode_ip(frame, out);
    case capture::kLinkIpv4:
      return decode_ipv4(frame, out);
    case capture::kLinkIpv6:
      return decode_ipv6(frame, out);
    default:
      counters_.add(Anomaly::capture_unknown_linktype);
      return DecodeResult::kMalformed;
  }

  if (ether_type != kEtherTypeIpv4 && ether_type != kEtherTypeIpv6) {
    counters_.add(Counter::non_ip_packets);
    return DecodeResult::kNotIp;
  }
  const ByteView datagram = frame.subspan(offset);
  return ether_type == kEtherTypeIpv4 ? decode_ipv4(datagram, out) : decode_ipv6(datagram, out);
}

DecodeResult PacketDecoder::decode_ip(ByteView datagram, Packet& out) {
  if (datagram.empty()) {
    counters_.add(Anomaly::ipv4_truncated);
    return DecodeResult::kMalformed;
  }
  switch (datagram[0] >> 4) {
    case 4:
      return decode_ipv4(datagram, out);
    case 6:
      return decode_ipv6(datagram, out);
    default:
      counters_.add(Counter::non_ip_packets);
      return DecodeResult::kNotIp;
  }
}

DecodeResult PacketDecoder::decode_ipv4(ByteView datagram, Packet& out) {
  const uint8_t* p = datagram.data();
  if (datagram.size() < 20) {
    counters_.add(Anomaly::ipv4_truncated);
    return DecodeResult::kMalformed;
  }
  const size_t header_length = size_t{p[0] & 0x0Fu} * 4;
  if ((p[0] >> 4) != 4 || header_length < 20 || header_length > datagram.size()) {
    counters_.add(Anomaly::ipv4_bad_header_length);
    return DecodeResult::kMalformed;
  }
  size_t total_length = load_be16(p + 2);
  // Segmentation offload on the capturing host leaves the field 0.
  if (total_length == 0) total_length = datagram.size();
  if (total_length < header_length || total_length > datagram.size()) {
    counters_.add(Anomaly::ipv4_bad_total_length);
    return DecodeResult::kMalformed;
  }
  if (options_.verify_checksums && internet_checksum(datagram.first(header_length)) != 0) {
    counters_.add(Anomaly::ipv4_bad_checksum);
    return DecodeResult::kMalformed;
  }
  counters_.add(Counter::ipv4_packets);
  out.ip_version = 4;
  out.ip = datagram.first(total_length);
  out.protocol = p[9];
  out.source = IpAddress::v4(p + 12);
  out.destination = IpAddress::v4(p + 16);
  out.transport = out.ip.subspan(header_length);

  const uint16_t flags_offset = load_be16(p + 6);
  const bool more_fragments = (flags_offset & 0x2000) != 0;
  const uint16_t fragment_offset = static_cast<uint16_t>((flags_offset & 0x1FFF) * 8);
  if (more_fragments || fragment_offset != 0) {
    out.is_fragment = true;
    out.fragment = {load_be16(p + 4), fragment_offset, more_fragments,
                    static_cast<uint16_t>(header_length)};
    counters_.add(Counter::fragments);
    return DecodeResult::kOk;
  }
  return decode_transport(out);
}

DecodeResult PacketDecoder::decode_ipv6(ByteView datagram, Packet& out) {
  const uint8_t* p = datagram.data();
  if (datagram.size() < 40 || (p[0] >> 4) != 6) {
    counters_.add(Anomaly::ipv6_truncated);
    return DecodeResult::kMalformed;
  }
  size_t total_length = 40 + size_t{load_be16(p + 4)};
  if (total_length == 40 && datagram.size() > 40) total_length = datagram.size();  // jumbogram/TSO
  if (total_length > datagram.size()) {
    counters_.add(Anomaly::ipv6_bad_payload_length);
    return DecodeResult::kMalformed;
  }
  counters_.add(Counter::ipv6_packets);
  out.ip_version = 6;
  out.ip = datagram.first(total_length);
  out.source = IpAddress::v6(p + 8);
  out.destination = IpAddress::v6(p + 24);

  uint8_t next = p[6];
  size_t offset = 40;
  for (int count = 0;; ++count) {
    if (count > kMaxIpv6Extensions) {
      counters_.add(Anomaly::ipv6_too_many_extensions);
      return DecodeResult::kMalformed;
    }
    size_t length = 0;
    switch (next) {
      case 0:    // hop-by-hop options
      case 43:   // routing
      case 60:   // destination options
      case 135:  // mobility
      case 139:  // HIP
      case 140:  // shim6
        if (out.ip.size() < offset + 2) {
          counters_.add(Anomaly::ipv6_truncated);
          return DecodeResult::kMalformed;
        }
        length = (size_t{out.ip[offset + 1]} + 1) * 8;
        break;
      case 51:  // authentication header counts 4-byte units
        if (out.ip.size() < offset + 2) {
          counters_.add(Anomaly::ipv6_truncated);
          return DecodeResult::kMalformed;
        }
        length = (size_t{out.ip[offset + 1]} + 2) * 4;
        break;
      case 44: {  // fragment
        if (out.ip.size() < offset + 8) {
          counters_.add(Anomaly::ipv6_truncated);
          return DecodeResult::kMalformed;
        }
        const uint8_t* f = out.ip.data() + offset;
        const uint16_t offset_flags = load_be16(f + 2);
        const uint16_t fragment_offset = static_cast<uint16_t>(offset_flags & 0xFFF8);
        const bool more = (offset_flags & 1) != 0;
        next = f[0];
        offset += 8;
        if (fragment_offset == 0 && !more) continue;  // atomic fragment (RFC 6946)
        out.protocol = next;
        out.transport = out.ip.subspan(offset);
        out.is_fragment = true;
        out.fragment = {load_be32(f + 4), fragment_offset, more, static_cast<uint16_t>(offset)};
        counters_.add(Counter::fragments);
        return DecodeResult::kOk;
      }
      default:
        out.protocol = next;
        out.transport = out.ip.subspan(offset);
        return decode_transport(out);
    }
    if (out.ip.size() < offset + length) {
      counters_.add(Anomaly::ipv6_truncated);
      return DecodeResult::kMalformed;
    }
    next = out.ip[offset];
    offset += length;
  }
}

DecodeResult PacketDecoder::decode_transport(Packet& out) {
  const ByteView segment = out.transport;
  const uint8_t* p = segment.data();
  if (out.protocol == kIpProtoTcp) {
    if (segment.size() < 20) {
      counters_.add(Anomaly::tcp_truncated);
      return DecodeResult::kMalformed;
    }
    const size_t header_length = static_cast<size_t>(p[12] >> 4) * 4;
    if (header_length < 20 || header_length > segment.size()) {
      counters_.add(Anomaly::tcp_bad_header_length);
      return DecodeResult::kMalformed;
    }
    if (options_.verify_checksums &&
        internet_checksum(segment, pseudo_header_sum(out, static_cast<uint32_t>(segment.size()))) !=
            0) {
      counters_.add(Anomaly::tcp_bad_checksum);
      return DecodeResult::kMalformed;
    }
    counters_.add(Counter::tcp_segments);
    out.source_port = load_be16(p);
    out.destination_port = load_be16(p + 2);
    out.tcp.seq = load_be32(p + 4);
    out.tcp.ack = load_be32(p + 8);
    out.tcp.flags = p[13] & 0x3F;
    out.tcp.window = load_be16(p + 14);
    out.payload = segment.subspan(header_length);
    return DecodeResult::kOk;
  }
  if (out.protocol == kIpProtoUdp) {
    if (segment.size() < 8) {
      counters_.add(Anomaly::udp_truncated);
      return DecodeResult::kMalformed;
    }
    size_t length = load_be16(p + 4);
    if (length == 0) length = segment.size();  // IPv6 jumbogram
    if (length < 8 || length > segment.size()) {
      counters_.add(Anomaly::udp_bad_length);
      return DecodeResult::kMalformed;
    }
    if (options_.verify_checksums && load_be16(p + 6) != 0 &&
        internet_checksum(segment.first(length),
                          pseudo_header_sum(out, static_cast<uint32_t>(length))) != 0) {
      counters_.add(Anomaly::udp_bad_checksum);
      return DecodeResult::kMalformed;
    }
    counters_.add(Counter::udp_datagrams);
    out.source_port = load_be16(p);
    out.destination_port = load_be16(p + 2);
    out.payload = segment.subspan(8, length - 8);
    return DecodeResult::kOk;
  }
  counters_.add(Counter::other_l4_packets);
  return DecodeResult::kOk;
}

}  // namespace rcds::net
