// Network addresses and flow keys shared by every layer above capture.
//
// They live in util (not net) because decoders and interception need to name
// the endpoints of a connection without depending on packet parsing.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>

namespace rcds {

// An IPv4 or IPv6 address. IPv4 is stored in the last four bytes with the
// rest zero, so the type is a plain 17-byte value with cheap comparison.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  uint8_t version = 0;  // 4 or 6; 0 = unset

  static IpAddress v4(const uint8_t* p) {
    IpAddress a;
    a.version = 4;
    std::memcpy(a.bytes.data() + 12, p, 4);
    return a;
  }
  static IpAddress v6(const uint8_t* p) {
    IpAddress a;
    a.version = 6;
    std::memcpy(a.bytes.data(), p, 16);
    return a;
  }
  // Parses dotted IPv4 or textual IPv6; returns false on malformed text.
  static bool parse(const std::string& text, IpAddress& out);

  std::string to_string() const;
  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
  // Two word compares instead of memcmp: the flow table compares keys on
  // every packet.
  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    uint64_t a0, a1, b0, b1;
    std::memcpy(&a0, a.bytes.data(), 8);
    std::memcpy(&a1, a.bytes.data() + 8, 8);
    std::memcpy(&b0, b.bytes.data(), 8);
    std::memcpy(&b1, b.bytes.data() + 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0 && a.version == b.version;
  }
};

enum class Transport : uint8_t { kTcp = 6, kUdp = 17 };

struct Endpoint {
  IpAddress address;
  uint16_t port = 0;

  std::string to_string() const;  // "1.2.3.4:80" or "[::1]:80"
  friend auto operator<=>(const Endpoint&, const Endpoint&) = default;
};

// The 5-tuple of one connection as seen on the wire: who sent the packet to
// whom. `canonical()` orders the endpoints so both directions share one key.
struct FlowKey {
  Endpoint source;
  Endpoint destination;
  Transport transport = Transport::kTcp;

  FlowKey canonical() const {
    if (destination < source) return {destination, source, transport};
    return *this;
  }
  FlowKey reversed() const { return {destination, source, transport}; }
  std::string to_string() const;
  friend auto operator<=>(const FlowKey&, const FlowKey&) = default;
};

// Hash that gives both directions of a connection the same value (so a flow
// can be routed to one worker before its canonical key is known).
uint64_t symmetric_hash(const FlowKey& key);

}  // namespace rcds
