// Invariant checks shared by the libFuzzer harnesses.
//
// A violated invariant traps (SIGILL), which libFuzzer reports as a crash and
// saves the input for, exactly like an ASan or UBSan finding. Every check has
// a short name so a bug that is already reported but not yet fixed can be
// tolerated while fuzzing goes on: RCDS_FUZZ_SKIP=name1,name2 turns those
// checks into no-ops (scripts/fuzz.sh never sets it, so CI still fails).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "util/bytes.h"

namespace rcds::fuzz {

inline bool skipped(std::string_view name) {
  static const std::string_view list = [] {
    const char* value = std::getenv("RCDS_FUZZ_SKIP");
    return std::string_view(value != nullptr ? value : "");
  }();
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    if (list.substr(start, comma - start) == name) return true;
    start = comma + 1;
  }
  return false;
}

inline void violated(const char* name, const char* condition, const char* file, int line) {
  if (skipped(name)) return;
  std::fprintf(stderr, "==rcds-fuzz== invariant '%s' violated: %s (%s:%d)\n", name, condition, file,
               line);
  std::fflush(stderr);
  __builtin_trap();
}

// RCDS_FUZZ_TRACE=1 makes harnesses describe what they do, for diagnosing a
// saved crash input by hand (never set while fuzzing: it is slow).
inline bool tracing() {
  static const bool on = std::getenv("RCDS_FUZZ_TRACE") != nullptr;
  return on;
}

// True when `inner` lies within `outer`. An empty view may sit anywhere from
// the start to one past the end of `outer`, or be null (never set).
inline bool inside(ByteView inner, ByteView outer) {
  const auto begin = reinterpret_cast<uintptr_t>(inner.data());
  const auto outer_begin = reinterpret_cast<uintptr_t>(outer.data());
  const uintptr_t outer_end = outer_begin + outer.size();
  if (inner.empty() && inner.data() == nullptr) return true;
  return begin >= outer_begin && begin <= outer_end && inner.size() <= outer_end - begin;
}

}  // namespace rcds::fuzz

// RCDS_FUZZ_CHECK("name", condition): traps unless `condition` holds.
#define RCDS_FUZZ_CHECK(name, condition)                                            \
  do {                                                                              \
    if (!(condition)) ::rcds::fuzz::violated(name, #condition, __FILE__, __LINE__); \
  } while (0)
