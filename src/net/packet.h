// A decoded packet: views into the capture buffer (or into the defragmenter's
// buffer for a reassembled datagram), never copies.
#pragma once

#include <cstdint>

#include "util/address.h"
#include "util/bytes.h"
#include "util/timestamp.h"

namespace rcds::net {

enum TcpFlag : uint8_t {
  kTcpFin = 0x01,
  kTcpSyn = 0x02,
  kTcpRst = 0x04,
  kTcpPsh = 0x08,
  kTcpAck = 0x10,
  kTcpUrg = 0x20,
};

enum IpProtocol : uint8_t {
  kIpProtoIcmp = 1,
  kIpProtoTcp = 6,
  kIpProtoUdp = 17,
  kIpProtoIcmpV6 = 58,
};

struct TcpInfo {
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint16_t window = 0;
  uint8_t flags = 0;
  bool has(uint8_t flag) const { return (flags & flag) != 0; }
};

// Fragment header fields (IPv4 flags/offset or the IPv6 Fragment header).
struct FragmentInfo {
  uint32_t id = 0;
  uint16_t offset = 0;  // bytes
  bool more = false;
  uint16_t header_length = 0;  // bytes of IP headers kept in front of fragmentable part
};

struct Packet {
  Timestamp timestamp;
  IpAddress source;
  IpAddress destination;
  uint8_t ip_version = 0;
  uint8_t protocol = 0;      // transport protocol after IPv6 extension headers
  uint16_t vlan_id = 0;      // innermost 802.1Q tag, 0 if untagged
  ByteView ip;               // the IP datagram, header included
  ByteView transport;        // fragmentable part: L4 header + payload (or a fragment of it)
  bool is_fragment = false;  // `transport` is one fragment; L4 fields below are unset
  FragmentInfo fragment;
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  TcpInfo tcp;
  ByteView payload;  // TCP/UDP payload

  FlowKey flow_key() const {
    return {{source, source_port},
            {destination, destination_port},
            protocol == kIpProtoUdp ? Transport::kUdp : Transport::kTcp};
  }
  bool is_tcp() const { return !is_fragment && protocol == kIpProtoTcp; }
  bool is_udp() const { return !is_fragment && protocol == kIpProtoUdp; }
};

}  // namespace rcds::net
