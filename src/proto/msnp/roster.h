// A switchboard's members (MSNP.md §8.1, §8.3): its endpoints (an account
// and, from MSNP16 on, the ";{GUID}" of a signed-in device) in order of
// arrival, the distinct accounts among them, and a message's recipients.
//
// Every chat message reads the roster, and with 10k chats open at once the
// roster is cold when the message arrives. So all of it (the strings, the
// endpoints, the account views) lives in one buffer inside the object for a
// switchboard of a few members, next to the decoder's other state; more
// members spill to the heap. A plain std::vector-of-strings roster was five
// heap blocks per chat, each a cache miss per message and again at teardown
// (bench/README.md, decoder cost).
//
// Views returned by the roster are valid until its next add() or remove();
// except()'s result also until the next except().
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/msnp/events.h"
#include "util/prefetch.h"

namespace rcds::proto::msnp {

class Roster {
 public:
  struct Endpoint {
    std::string_view account;
    std::string_view device_id;  // "" for a bare account
  };

  // At most `max_endpoints` endpoints are kept, and `max_text` bytes of
  // their strings together: what a roster can take from the heap is bounded.
  Roster(size_t max_endpoints, size_t max_text)
      : max_endpoints_(static_cast<uint32_t>(std::min<size_t>(max_endpoints, UINT32_MAX))),
        max_text_(static_cast<uint32_t>(std::min<size_t>(max_text, UINT32_MAX))) {}
  Roster(const Roster&) = delete;
  Roster& operator=(const Roster&) = delete;

  // Adds an endpoint; returns it, or the equal one already there. nullopt
  // when the roster is full, in endpoints or in bytes (nothing added).
  std::optional<Endpoint> add(std::string_view account, std::string_view device_id);
  // A bare account (no device id) removes the account with all its
  // endpoints. An endpoint removes only itself, and then the account's bare
  // entry too (an MSNP18 server also announces the bare account) once no
  // other endpoint of the account is left. Returns whether any went.
  bool remove(std::string_view account, std::string_view device_id);

  // The accounts with at least one endpoint, each once, in order of arrival.
  AccountList accounts() const { return {views_.data(), accounts_}; }
  // accounts() minus `sender`.
  AccountList except(std::string_view sender);
  size_t endpoints() const { return slots_.size(); }
  // The lines except() reads: the count and views' header, the views and
  // the first strings.
  void prefetch() const {
    prefetch_line(&accounts_);
    prefetch_line(&views_);
    rcds::prefetch(inline_.data(), 2 * kCacheLine);
  }
  Endpoint endpoint(size_t index) const;

 private:
  // An endpoint's strings, account then device id, at `at` in text_.
  // Slots are in the order of their bytes in text_.
  struct Slot {
    uint32_t at = 0;
    uint32_t account_size = 0;
    uint32_t device_size = 0;
  };
  Endpoint view(const Slot& slot) const;
  // Drops the endpoints `gone` says yes to, moving the rest down in text_.
  template <class Gone>
  void erase_if(Gone gone);
  void rebuild_views();

  uint32_t max_endpoints_;
  uint32_t max_text_;
  // Never gives memory back before the roster goes: the containers below
  // only ever grow to their largest size, which the bounds above limit.
  // Declared before them, so it outlives them.
  std::pmr::monotonic_buffer_resource memory_{&inline_, sizeof(inline_)};
  std::pmr::string text_{&memory_};
  std::pmr::vector<Slot> slots_{&memory_};
  // What except() reads is together: the count, the views' header and (at
  // the start of inline_) the views.
  size_t accounts_ = 0;  // views_[0, accounts_) are the accounts
  // The accounts, then as many places for except()'s result.
  std::pmr::vector<std::string_view> views_{&memory_};
  // Room for two members without device ids (MPOP's spill): their views,
  // slots and strings. Sized so the decoder stays under 1000 bytes, which
  // glibc serves from its small bins (bench/README.md, decoder cost).
  std::array<std::byte, 160> inline_;
};

}  // namespace rcds::proto::msnp
