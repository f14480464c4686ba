// Lookup from identifiers seen in traffic to the warrants that target them:
// MSN accounts by exact (normalised) name, IP addresses by host address or
// prefix. Built once per warrant-set change by the worker that uses it;
// read on every event (accounts) or every packet (addresses).
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "intercept/warrant.h"
#include "util/address.h"

namespace rcds::intercept {

// One (warrant, target) pair: index into the warrant set and into its targets.
struct TargetRef {
  uint32_t warrant = 0;
  uint32_t target = 0;
  friend bool operator==(const TargetRef&, const TargetRef&) = default;
};

class TargetIndex {
 public:
  void build(const std::vector<Warrant>& warrants);

  // Warrants naming `account` (already normalised: lower case) as an MSN target.
  std::span<const TargetRef> msn(std::string_view account) const;
  bool has_msn_targets() const { return !accounts_.empty(); }

  bool has_ip_targets() const { return !ip_lengths_.empty(); }
  // A cheap test on every packet: false means neither address can match an
  // IP target (a bit per IPv4 /16 block touched by a prefix, a hashed bit
  // per host address); true means match_ip() must look.
  bool may_match_ip(const IpAddress& a, const IpAddress& b) const {
    return may_match(a) || may_match(b);
  }
  // Appends the targets covering `address` (hosts and prefixes) to `out`.
  void match_ip(const IpAddress& address, std::vector<TargetRef>& out) const;

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct AddressHash {
    size_t operator()(const IpAddress& a) const;
  };
  std::unordered_map<std::string, std::vector<TargetRef>, StringHash, std::equal_to<>> accounts_;
  // Prefixes and hosts keyed by (masked address); one map per distinct
  // (version, length) so a lookup masks once per length in use.
  struct PrefixLength {
    uint8_t version = 4;
    uint8_t bits = 32;
    std::unordered_map<IpAddress, std::vector<TargetRef>, AddressHash> by_network;
  };
  std::vector<PrefixLength> ip_lengths_;

  bool may_match(const IpAddress& a) const {
    if (a.version == 4) {
      uint32_t v4;
      std::memcpy(&v4, a.bytes.data() + 12, 4);
      v4 = __builtin_bswap32(v4);
      return test(v4_blocks_, v4 >> 16) || test(host_bits_, host_hash(a));
    }
    return any_v6_prefix_ || test(host_bits_, host_hash(a));
  }
  static bool test(const std::vector<uint64_t>& bits, uint32_t i) {
    return !bits.empty() && (bits[i >> 6] >> (i & 63) & 1) != 0;
  }
  static uint32_t host_hash(const IpAddress& a) {
    uint64_t lo, hi;
    std::memcpy(&lo, a.bytes.data(), 8);
    std::memcpy(&hi, a.bytes.data() + 8, 8);
    return static_cast<uint32_t>(((lo * 0x9E3779B97F4A7C15ull) ^ hi) * 0xC2B2AE3D27D4EB4Full >>
                                 (64 - kHostBitsLog2));
  }
  // A hash of an account's length and first and last eight bytes: the
  // prefilter before the exact lookup, called for nearly every MSN event.
  static uint32_t account_hash(std::string_view account) {
    uint64_t first = 0, last = 0;
    const size_t n = account.size() < 8 ? account.size() : 8;
    std::memcpy(&first, account.data(), n);
    std::memcpy(&last, account.data() + account.size() - n, n);
    const uint64_t h =
        (first * 0x9E3779B97F4A7C15ull) ^ (last + account.size()) * 0xC2B2AE3D27D4EB4Full;
    return static_cast<uint32_t>(h >> (64 - kHostBitsLog2));
  }
  std::vector<uint64_t> account_bits_;
  static constexpr uint32_t kHostBitsLog2 = 16;  // 64 Ki bits = 8 KiB, stays in cache
  std::vector<uint64_t> v4_blocks_;              // 65536 bits: IPv4 /16 blocks a prefix covers
  std::vector<uint64_t> host_bits_;              // hashed host (full-length) target addresses
  bool any_v6_prefix_ = false;
};

// `address` with every bit after the first `bits` cleared (bits counted
// within the IPv4 or IPv6 address).
IpAddress mask_address(const IpAddress& address, uint8_t bits);

}  // namespace rcds::intercept
