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
  for (uint32_t w = 0; w < warrants.size(); ++w) {
    const Warrant& warrant = warrants[w];
    for (uint32_t t = 0; t < warrant.targets.size(); ++t) {
      const TargetId& target = warrant.targets[t];
      const TargetRef ref{w, t};
      switch (target.kind) {
        case TargetKind::kMsnAccount:
          accounts_[target.value].push_back(ref);
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
          it->by_network[mask_address(target.address, target.prefix_bits)].push_back(ref);
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
  if (accounts_.empty() || account.empty()) return {};
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
