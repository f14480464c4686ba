#include "net/defrag.h"

#include <algorithm>
#include <cstring>

#include "net/decoder.h"

namespace rcds::net {
namespace {
constexpr uint32_t kMaxDatagram = 65535;
}

size_t Defragmenter::KeyHash::operator()(const Key& k) const {
  const FlowKey as_flow{{k.source, 0}, {k.destination, 0}, Transport::kTcp};
  return symmetric_hash(as_flow) ^ (uint64_t{k.id} << 8) ^ k.protocol;
}

void Defragmenter::drop(std::unordered_map<Key, Pending, KeyHash>::iterator it) {
  memory_in_use_ -= it->second.data.capacity() + it->second.header.capacity();
  pending_.erase(it);
}

void Defragmenter::expire(Timestamp now) {
  while (!arrival_order_.empty() &&
         now.ns - arrival_order_.front().first.ns > options_.timeout_ns) {
    const auto& [first_seen, key] = arrival_order_.front();
    auto it = pending_.find(key);
    // A key may have completed (and even been reused) since it was queued.
    if (it != pending_.end() && it->second.first_seen == first_seen) {
      counters_.add(Anomaly::frag_timeout);
      drop(it);
    }
    arrival_order_.pop_front();
  }
}

void Defragmenter::merge_range(Pending& pending, Range range) {
  auto& ranges = pending.received;
  auto it = std::lower_bound(ranges.begin(), ranges.end(), range.begin,
                             [](const Range& r, uint32_t begin) { return r.begin < begin; });
  it = ranges.insert(it, range);
  // Merge with neighbours that touch or overlap.
  std::vector<Range> merged;
  merged.reserve(ranges.size());
  for (const Range& r : ranges) {
    if (!merged.empty() && r.begin <= merged.back().end) {
      merged.back().end = std::max(merged.back().end, r.end);
    } else {
      merged.push_back(r);
    }
  }
  ranges.swap(merged);
}

bool Defragmenter::complete(const Pending& pending) const {
  // Bytes beyond the last fragment's end (sent by an evasion tool, never
  // by a sane stack) do not keep the datagram from completing; they are cut.
  return pending.total_length >= 0 && !pending.header.empty() && !pending.received.empty() &&
         pending.received[0].begin == 0 &&
         pending.received[0].end >= static_cast<uint32_t>(pending.total_length);
}

void Defragmenter::rebuild(const Pending& pending, const Key& key) {
  const size_t payload_length = static_cast<size_t>(pending.total_length);
  output_.resize(pending.header.size() + payload_length);
  std::memcpy(output_.data(), pending.header.data(), pending.header.size());
  std::memcpy(output_.data() + pending.header.size(), pending.data.data(), payload_length);
  uint8_t* h = output_.data();
  if (pending.ip_version == 4) {
    const uint16_t total = static_cast<uint16_t>(output_.size());
    h[2] = static_cast<uint8_t>(total >> 8);
    h[3] = static_cast<uint8_t>(total);
    h[6] &= 0x40;  // keep DF, clear MF and the offset
    h[7] = 0;
    h[10] = h[11] = 0;
    const uint16_t checksum = internet_checksum({h, pending.header.size()});
    h[10] = static_cast<uint8_t>(checksum >> 8);
    h[11] = static_cast<uint8_t>(checksum);
  } else {
    // The rebuilt IPv6 datagram keeps only the base header: the
    // unfragmentable extension headers carry nothing the sensor needs.
    h[4] = static_cast<uint8_t>(payload_length >> 8);
    h[5] = static_cast<uint8_t>(payload_length);
    h[6] = key.protocol;
  }
}

bool Defragmenter::add(const Packet& fragment, ByteView& datagram) {
  expire(fragment.timestamp);
  const Key key{fragment.source, fragment.destination, fragment.fragment.id, fragment.protocol};
  const uint32_t begin = fragment.fragment.offset;
  uint32_t length = static_cast<uint32_t>(fragment.transport.size());
  if (fragment.fragment.more && length % 8 != 0) {
    // Only the last fragment may end off an 8-byte boundary; like Linux, keep
    // the whole 8-byte units and drop the odd tail rather than the fragment.
    counters_.add(Anomaly::frag_bad_length);
    length &= ~7u;
  }
  const uint32_t end = begin + length;
  const size_t ip_header_length = fragment.ip_version == 4 ? fragment.fragment.header_length : 40;
  if (end + ip_header_length > kMaxDatagram + (fragment.ip_version == 6 ? 40u : 0u)) {
    counters_.add(Anomaly::frag_too_large);
    if (auto it = pending_.find(key); it != pending_.end()) drop(it);
    return false;
  }

  if (length == 0) {
    // Carries nothing; as a last fragment it would still make the buffer
    // grow to its offset, which a flood of them could use to fill the cap.
    counters_.add(Anomaly::frag_bad_length);
    return false;
  }
  // The offset-0 fragment's IP header is kept too: charge it up front.
  const size_t header_charge = begin == 0 ? ip_header_length : 0;
  auto it = pending_.find(key);
  if (it == pending_.end()) {
    if (pending_.size() >= options_.max_datagrams ||
        memory_in_use_ + end + header_charge > options_.memory_cap_bytes) {
      counters_.add(Anomaly::frag_memory_cap);
      return false;
    }
    // Completed datagrams leave their entry here until it times out; if
    // packet time stalls, bound the queue by retiring its oldest entries
    // (dropping that datagram if it is still pending).
    while (arrival_order_.size() >= 2 * options_.max_datagrams) {
      const auto& [first_seen, old_key] = arrival_order_.front();
      auto old = pending_.find(old_key);
      if (old != pending_.end() && old->second.first_seen == first_seen) {
        counters_.add(Anomaly::frag_timeout);
        drop(old);
      }
      arrival_order_.pop_front();
    }
    it = pending_.emplace(key, Pending{}).first;
    it->second.first_seen = fragment.timestamp;
    it->second.ip_version = fragment.ip_version;
    arrival_order_.emplace_back(fragment.timestamp, key);
  }
  Pending& pending = it->second;

  if (end > pending.data.size()) {
    // Grow to exactly `end` (reserve, not resize's doubling) so what is
    // charged is what is allocated.
    const size_t before = pending.data.capacity();
    const size_t after = std::max<size_t>(before, end);
    if (memory_in_use_ + (after - before) + header_charge > options_.memory_cap_bytes) {
      counters_.add(Anomaly::frag_memory_cap);
      return false;
    }
    pending.data.reserve(after);
    pending.data.resize(end);
    memory_in_use_ += pending.data.capacity() - before;
  }

  // First bytes win: copy only into holes, compare where bytes exist already.
  bool overlap = false;
  bool conflict = false;
  uint32_t cursor = begin;
  const uint8_t* src = fragment.transport.data();
  for (const Range& r : pending.received) {
    if (r.end <= cursor) continue;
    if (r.begin >= end) break;
    if (r.begin > cursor)
      std::memcpy(&pending.data[cursor], src + (cursor - begin), r.begin - cursor);
    const uint32_t overlap_begin = std::max(cursor, r.begin);
    const uint32_t overlap_end = std::min(end, r.end);
    overlap = true;
    if (std::memcmp(&pending.data[overlap_begin], src + (overlap_begin - begin),
                    overlap_end - overlap_begin) != 0) {
      conflict = true;
    }
    cursor = overlap_end;
  }
  if (cursor < end) std::memcpy(&pending.data[cursor], src + (cursor - begin), end - cursor);
  if (conflict) {
    counters_.add(Anomaly::frag_overlap_conflict);
  } else if (overlap) {
    counters_.add(Anomaly::frag_overlap);
  }
  if (length > 0) merge_range(pending, {begin, end});

  if (begin == 0 && pending.header.empty()) {
    if (memory_in_use_ + ip_header_length > options_.memory_cap_bytes) {
      counters_.add(Anomaly::frag_memory_cap);
      return false;
    }
    pending.header.assign(fragment.ip.begin(),
                          fragment.ip.begin() + static_cast<std::ptrdiff_t>(ip_header_length));
    memory_in_use_ += pending.header.capacity();
  }
  if (!fragment.fragment.more && pending.total_length < 0) pending.total_length = end;

  if (!complete(pending)) return false;
  // The offset-0 fragment may carry a longer header than the one checked
  // above; the rebuilt IPv4 datagram must still fit its 16-bit length.
  if (pending.ip_version == 4 &&
      pending.header.size() + static_cast<size_t>(pending.total_length) > kMaxDatagram) {
    counters_.add(Anomaly::frag_too_large);
    drop(it);
    return false;
  }
  rebuild(pending, key);
  drop(it);
  counters_.add(Counter::datagrams_reassembled);
  datagram = {output_.data(), output_.size()};
  return true;
}

}  // namespace rcds::net
