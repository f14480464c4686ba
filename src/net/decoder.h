// Link, IP and transport header parsing. Every read is preceded by a length
// check; malformed input becomes a named anomaly and a kMalformed result.
#pragma once

#include <cstdint>

#include "net/packet.h"
#include "util/counters.h"

namespace rcds::net {

enum class DecodeResult : uint8_t {
  kOk,         // an IP packet with its transport fields (or a fragment)
  kNotIp,      // a valid frame that carries no IP (ARP, LLDP, ...)
  kMalformed,  // counted as an anomaly
};

struct DecoderOptions {
  bool verify_checksums = false;  // off: offloaded captures carry wrong checksums
};

class PacketDecoder {
 public:
  PacketDecoder(const DecoderOptions& options, Counters& counters)
      : options_(options), counters_(counters) {}

  // Decodes a frame of the given LINKTYPE_* down to the transport payload.
  DecodeResult decode(uint32_t link_type, ByteView frame, Timestamp timestamp, Packet& out);

  // Decodes an IP datagram (version from its first nibble), for raw-IP link
  // types and for datagrams rebuilt by the defragmenter.
  DecodeResult decode_ip(ByteView datagram, Packet& out);

 private:
  DecodeResult decode_ipv4(ByteView datagram, Packet& out);
  DecodeResult decode_ipv6(ByteView datagram, Packet& out);
  DecodeResult decode_transport(Packet& out);

  DecoderOptions options_;
  Counters& counters_;
};

// Internet checksum helpers (RFC 1071), exposed for tests and the defragmenter.
uint16_t internet_checksum(ByteView data, uint32_t initial = 0);
uint32_t pseudo_header_sum(const Packet& packet, uint32_t length);

}  // namespace rcds::net
