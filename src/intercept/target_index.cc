#include "intercept/target_index.h"

#include <algorithm>
#include <cstring>

namespace rcds::intercept {

IpAddress mask_address(const IpAddress& address, uint8_t bits) {
  IpAddress out = address;
  // IPv4 lives in the last four bytes (util/address.h).
  const size_t first = address.version == 4 ? 12 : 0;
  const size_t total = address.version == 4 ? 32 : 128;
  for (size_t bit = bits; bit < total; ++bit) {
    out.bytes[first + bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  }
  return out;
}

size_t TargetIndex::AddressHash::operator()(const IpAddress& a) const {
  uint64_t lo, hi;
  std::memcpy(&lo, a.bytes.data(), 8);
  std::memcpy(&hi, a.bytes.data() + 8, 8);
  return std::hash<uint64_t>{}(lo * 0x9E3779B97F4A7C15ull ^ hi ^ a.version);
}

void TargetIndex::build(const std::vector<Warrant>& warrants) {
  accounts_.clear();
  ip_lengths_.clear();
  v4_blocks_.clear();
  host_bits_.clear();
  account_bits_.clear();
  any_v6_prefix_ = false;
  auto set_bit = [](std::vector<uint64_t>& bits, size_t size, uint32_t i) {
    if (bits.empty()) bits.assign(size / 64, 0);
    bits[i >> 6] |= uint64_t{1} << (i & 63);
  };
  for (uint32_t w = 0; w < warrants.size(); ++w) {
    const Warrant& warrant = warrants[w];
    for (uint32_t t = 0; t < warrant.targets.size(); ++t) {
      const TargetId& target = warrant.targets[t];
      const TargetRef ref{w, t};
      switch (target.kind) {
        case TargetKind::kMsnAccount:
          accounts_[target.value].push_back(ref);
          if (!target.value.empty()) {
            set_bit(account_bits_, size_t{1} << kHostBitsLog2, account_hash(target.value));
          }
          break;
        case TargetKind::kIpAddress:
        case TargetKind::kIpPrefix: {
          const uint8_t version = target.address.version;
          auto it = std::find_if(ip_lengths_.begin(), ip_lengths_.end(), [&](const auto& l) {
            return l.version == version && l.bits == target.prefix_bits;
          });
          if (it == ip_lengths_.end()) {
            ip_lengths_.push_back({version, target.prefix_bits, {}});
            it = ip_lengths_.end() - 1;
          }
          const IpAddress network = mask_address(target.address, target.prefix_bits);
          it->by_network[network].push_back(ref);
          const bool host = target.prefix_bits == (version == 4 ? 32 : 128);
          if (host) {
            set_bit(host_bits_, size_t{1} << kHostBitsLog2, host_hash(network));
          } else if (version == 4) {
            // Every /16 block the prefix touches (one when it is /16 or longer).
            uint32_t first;
            std::memcpy(&first, network.bytes.data() + 12, 4);
            first = __builtin_bswap32(first) >> 16;
            const uint32_t blocks = target.prefix_bits >= 16 ? 1u : 1u << (16 - target.prefix_bits);
            for (uint32_t b = 0; b < blocks; ++b) set_bit(v4_blocks_, size_t{1} << 16, first + b);
          } else {
            any_v6_prefix_ = true;
          }
          break;
        }
        case TargetKind::kEmail:
        case TargetKind::kSipUri:
        case TargetKind::kXmppJid:
          break;  // no decoder produces these identifiers yet
      }
    }
  }
}

std::span<const TargetRef> TargetIndex::msn(std::string_view account) const {
  if (account.empty() || !test(account_bits_, account_hash(account))) return {};
  const auto it = accounts_.find(account);
  if (it == accounts_.end()) return {};
  return it->second;
}

void TargetIndex::match_ip(const IpAddress& address, std::vector<TargetRef>& out) const {
  for (const PrefixLength& length : ip_lengths_) {
    if (length.version != address.version) continue;
    const auto it = length.by_network.find(mask_address(address, length.bits));
    if (it == length.by_network.end()) continue;
    out.insert(out.end(), it->second.begin(), it->second.end());
  }
}

}  // namespace rcds::intercept
