#include "proto/msnp/roster.h"

#include <algorithm>
#include <cstring>

namespace rcds::proto::msnp {

namespace {

// Sizes that hold a two-member switchboard in one go: growing from empty
// would leave a copy of each smaller size behind in the (monotonic) buffer.
constexpr size_t kTypicalText = 64;
constexpr size_t kTypicalEndpoints = 2;

}  // namespace

Roster::Endpoint Roster::view(const Slot& slot) const {
  // Slots lie inside text_ by construction (add, erase_if): no substr checks
  // on the path of every message's recipients.
  const char* at = text_.data() + slot.at;
  return {std::string_view(at, slot.account_size),
          std::string_view(at + slot.account_size, slot.device_size)};
}

Roster::Endpoint Roster::endpoint(size_t index) const { return view(slots_.at(index)); }

std::optional<Roster::Endpoint> Roster::add(std::string_view account, std::string_view device_id) {
  for (const Slot& slot : slots_) {
    const Endpoint e = view(slot);
    if (e.account == account && e.device_id == device_id) return e;
  }
  const size_t bytes = account.size() + device_id.size();
  const size_t room = max_text_ - std::min<size_t>(max_text_, text_.size());
  if (slots_.size() >= max_endpoints_ || bytes > room) return std::nullopt;
  if (slots_.empty()) {
    views_.reserve(2 * kTypicalEndpoints);  // first: at the start of inline_, by accounts_
    slots_.reserve(kTypicalEndpoints);
    text_.reserve(std::max(kTypicalText, bytes));
  }
  // Arguments that view text_ stay readable while it grows: the monotonic
  // buffer gives no memory back.
  const Slot slot{static_cast<uint32_t>(text_.size()), static_cast<uint32_t>(account.size()),
                  static_cast<uint32_t>(device_id.size())};
  text_.append(account).append(device_id);
  slots_.push_back(slot);
  rebuild_views();  // text_ may have moved
  return view(slot);
}

template <class Gone>
void Roster::erase_if(Gone gone) {
  size_t kept = 0;
  size_t end = 0;  // of the kept endpoints' bytes, never beyond the next slot's
  for (const Slot& slot : slots_) {
    if (gone(view(slot))) continue;
    const size_t size = slot.account_size + slot.device_size;
    if (end != slot.at) std::memmove(text_.data() + end, text_.data() + slot.at, size);
    slots_[kept++] = Slot{static_cast<uint32_t>(end), slot.account_size, slot.device_size};
    end += size;
  }
  slots_.resize(kept);
  text_.resize(end);
}

bool Roster::remove(std::string_view account_in, std::string_view device_in) {
  // Views of the roster itself would move under erase_if.
  const std::string_view text(text_);
  auto inside = [&](std::string_view s) {
    return !s.empty() && s.data() >= text.data() && s.data() < text.data() + text.size();
  };
  std::string copies;
  std::string_view account = account_in;
  std::string_view device_id = device_in;
  if (inside(account_in) || inside(device_in)) {
    copies.append(account_in).append(device_in);
    account = std::string_view(copies).substr(0, account_in.size());
    device_id = std::string_view(copies).substr(account_in.size());
  }
  const size_t before = slots_.size();
  erase_if([&](const Endpoint& e) {
    return e.account == account && (device_id.empty() || e.device_id == device_id);
  });
  if (!device_id.empty()) {
    const bool other = std::any_of(slots_.begin(), slots_.end(), [&](const Slot& slot) {
      const Endpoint e = view(slot);
      return e.account == account && !e.device_id.empty();
    });
    if (!other) erase_if([&](const Endpoint& e) { return e.account == account; });
  }
  rebuild_views();
  return slots_.size() != before;
}

void Roster::rebuild_views() {
  // At most one account per endpoint, and as many places for except().
  views_.resize(2 * slots_.size());
  accounts_ = 0;
  for (const Slot& slot : slots_) {
    const std::string_view account = view(slot).account;
    const auto known = views_.begin() + static_cast<std::ptrdiff_t>(accounts_);
    if (std::find(views_.begin(), known, account) == known) views_[accounts_++] = account;
  }
}

AccountList Roster::except(std::string_view sender) {
  std::string_view* out = views_.data() + accounts_;
  size_t n = 0;
  for (size_t i = 0; i < accounts_; ++i) {
    if (views_[i] != sender) out[n++] = views_[i];
  }
  return {out, n};
}

}  // namespace rcds::proto::msnp
