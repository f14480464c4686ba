// The set of warrants the sensor enforces, changed at run time by a control
// thread (a reloaded warrant file today, X1 from the ISP later) and read by
// the packet workers.
//
// Each change publishes a new immutable snapshot and bumps a generation
// counter; a worker compares the counter with the one it last saw on every
// packet (one atomic load) and picks the snapshot up when it moved, so a
// change takes effect on the next packet without a restart or a lock on the
// packet path.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "intercept/warrant.h"

namespace rcds::intercept {

using WarrantSet = std::vector<Warrant>;

class WarrantStore {
 public:
  WarrantStore() : current_(std::make_shared<const WarrantSet>()) {}
  explicit WarrantStore(WarrantSet warrants)
      : current_(std::make_shared<const WarrantSet>(std::move(warrants))) {}

  // Replaces every warrant (a reloaded file). A warrant absent from
  // `warrants` is no longer enforced.
  void replace_all(WarrantSet warrants);
  // Adds a warrant or replaces the one with the same LIID.
  void upsert(Warrant warrant);
  // Stops a warrant: events processed after the next packet are no longer
  // collected under it (it stays listed, revoked, for the audit trail).
  // False when no warrant has that LIID.
  bool revoke(std::string_view liid);

  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  std::shared_ptr<const WarrantSet> snapshot() const;

 private:
  void publish(std::shared_ptr<const WarrantSet> next);

  mutable std::mutex mutex_;
  std::shared_ptr<const WarrantSet> current_;
  std::atomic<uint64_t> generation_{0};
};

}  // namespace rcds::intercept
