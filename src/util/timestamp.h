// Capture timestamps: nanoseconds since the Unix epoch.
//
// Packet time, not wall-clock time, drives every timer in the sensor (flow
// idle timeouts, fragment timeouts, warrant windows), so offline replays of a
// capture behave exactly like the live run that produced it.
#pragma once

#include <cstdint>
#include <string>

namespace rcds {

struct Timestamp {
  int64_t ns = 0;

  static constexpr Timestamp from_seconds(int64_t s) { return {s * 1'000'000'000}; }
  constexpr int64_t micros() const { return ns / 1000; }
  friend constexpr auto operator<=>(Timestamp, Timestamp) = default;
};

constexpr int64_t kNanosPerSecond = 1'000'000'000;

// "2005-05-06T09:17:57.123456Z" (UTC, microseconds).
std::string format_iso8601(Timestamp t);

}  // namespace rcds
