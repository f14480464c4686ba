// IPv4 and IPv6 fragment reassembly.
//
// Overlap policy: the first bytes received for an offset win (a later
// fragment never rewrites them); an overlap with equal bytes is counted as
// `frag_overlap`, with different bytes as `frag_overlap_conflict`. The
// datagram is still completed, so a target's traffic is not lost to an
// evasion attempt, and the conflict is on record.
//
// Bounds: a datagram not completed within `timeout` of its first fragment is
// dropped (`frag_timeout`); fragment memory is capped (`frag_memory_cap`
// drops the new fragment) and so is the number of datagrams in progress.
// Fragments are rare on real links, so pending datagrams use ordinary heap
// storage instead of a pool.
#pragma once

#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "net/packet.h"
#include "util/counters.h"

namespace rcds::net {

struct DefragOptions {
  int64_t timeout_ns = 30 * kNanosPerSecond;
  size_t memory_cap_bytes = 32u << 20;
  size_t max_datagrams = 8192;
};

class Defragmenter {
 public:
  Defragmenter(const DefragOptions& options, Counters& counters)
      : options_(options), counters_(counters) {}

  // Adds one fragment (Packet::is_fragment). Returns true when the datagram
  // is complete; `datagram` then views the rebuilt IP datagram (header and
  // payload) and stays valid until the next call.
  bool add(const Packet& fragment, ByteView& datagram);

  // Drops datagrams whose first fragment is older than the timeout.
  void expire(Timestamp now);

  size_t memory_in_use() const { return memory_in_use_; }
  size_t datagrams_in_progress() const { return pending_.size(); }

 private:
  struct Key {
    IpAddress source;
    IpAddress destination;
    uint32_t id = 0;
    uint8_t protocol = 0;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  struct Range {
    uint32_t begin;
    uint32_t end;
  };
  struct Pending {
    Timestamp first_seen;
    std::vector<uint8_t> header;  // IP header of the offset-0 fragment
    std::vector<uint8_t> data;    // fragmentable part, indexed by offset
    std::vector<Range> received;  // sorted, merged
    int64_t total_length = -1;    // known once the last fragment arrived
    uint8_t ip_version = 0;
  };

  void merge_range(Pending& pending, Range range);
  bool complete(const Pending& pending) const;
  void rebuild(const Pending& pending, const Key& key);
  void drop(std::unordered_map<Key, Pending, KeyHash>::iterator it);

  DefragOptions options_;
  Counters& counters_;
  std::unordered_map<Key, Pending, KeyHash> pending_;
  std::deque<std::pair<Timestamp, Key>> arrival_order_;  // for expiry
  std::vector<uint8_t> output_;
  size_t memory_in_use_ = 0;
};

}  // namespace rcds::net
