#include "util/address.h"

#include <arpa/inet.h>

namespace rcds {

bool IpAddress::parse(const std::string& text, IpAddress& out) {
  uint8_t buf[16];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1) {
    out = v4(buf);
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), buf) == 1) {
    out = v6(buf);
    return true;
  }
  return false;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (version == 4) {
    inet_ntop(AF_INET, bytes.data() + 12, buf, sizeof buf);
  } else if (version == 6) {
    inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  } else {
    return "?";
  }
  return buf;
}

std::string Endpoint::to_string() const {
  if (address.version == 6) return "[" + address.to_string() + "]:" + std::to_string(port);
  return address.to_string() + ":" + std::to_string(port);
}

std::string FlowKey::to_string() const {
  return std::string(transport == Transport::kTcp ? "tcp " : "udp ") + source.to_string() + " -> " +
         destination.to_string();
}

namespace {
// 64-bit mix (from the public-domain splitmix64 finaliser).
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

uint64_t hash_endpoint(const Endpoint& e) {
  // One multiply per word; the final mix in symmetric_hash spreads the bits.
  uint64_t a, b;
  std::memcpy(&a, e.address.bytes.data(), 8);
  std::memcpy(&b, e.address.bytes.data() + 8, 8);
  return (a * 0x9e3779b97f4a7c15ULL) ^ (b * 0xc2b2ae3d27d4eb4fULL) ^
         ((uint64_t{e.port} << 8 | e.address.version) * 0x165667b19e3779f9ULL);
}
}  // namespace

uint64_t symmetric_hash(const FlowKey& key) {
  // Addition is commutative, so swapping source and destination keeps the value.
  return mix(hash_endpoint(key.source) + hash_endpoint(key.destination) +
             static_cast<uint64_t>(key.transport));
}

}  // namespace rcds
