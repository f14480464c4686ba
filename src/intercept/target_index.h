// Lookup from identifiers seen in traffic to the warrants that target them:
// MSN accounts by exact (normalised) name, IP addresses by host address or
// prefix. Built once per warrant-set change by the worker that uses it;
// read on every event (accounts) or every packet (addresses).
#pragma once

#include <cstdint>
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
};

// `address` with every bit after the first `bits` cleared (bits counted
// within the IPv4 or IPv6 address).
IpAddress mask_address(const IpAddress& address, uint8_t bits);

}  // namespace rcds::intercept
