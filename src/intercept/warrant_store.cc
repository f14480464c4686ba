#include "intercept/warrant_store.h"

#include <limits>

namespace rcds::intercept {

void WarrantStore::publish(std::shared_ptr<const WarrantSet> next) {
  std::lock_guard<std::mutex> lock(mutex_);
  current_ = std::move(next);
  generation_.fetch_add(1, std::memory_order_release);
}

void WarrantStore::replace_all(WarrantSet warrants) {
  publish(std::make_shared<const WarrantSet>(std::move(warrants)));
}

void WarrantStore::upsert(Warrant warrant) {
  auto next = std::make_shared<WarrantSet>(*snapshot());
  bool replaced = false;
  for (Warrant& w : *next) {
    if (w.liid == warrant.liid) {
      w = warrant;
      replaced = true;
    }
  }
  if (!replaced) next->push_back(std::move(warrant));
  publish(std::move(next));
}

bool WarrantStore::revoke(std::string_view liid) {
  auto next = std::make_shared<WarrantSet>(*snapshot());
  bool found = false;
  for (Warrant& w : *next) {
    if (w.liid != liid || w.revoked) continue;
    // The revocation time is whenever a worker next looks: the engine stamps
    // the packet time at which it took effect in its audit notice.
    w.revoked = true;
    w.revoked_at = Timestamp{std::numeric_limits<int64_t>::min()};
    found = true;
  }
  if (found) publish(std::move(next));
  return found;
}

std::shared_ptr<const WarrantSet> WarrantStore::snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return current_;
}

}  // namespace rcds::intercept
