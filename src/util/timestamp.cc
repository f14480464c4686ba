#include "util/timestamp.h"

#include <cstdio>
#include <ctime>

namespace rcds {

std::string format_iso8601(Timestamp t) {
  int64_t seconds = t.ns / kNanosPerSecond;
  int64_t frac = t.ns % kNanosPerSecond;
  if (frac < 0) {
    frac += kNanosPerSecond;
    --seconds;
  }
  const time_t tt = static_cast<time_t>(seconds);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(frac / 1000));
  return buf;
}

}  // namespace rcds
