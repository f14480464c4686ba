#include "util/counters.h"

namespace rcds {
namespace {
struct Entry {
  std::string_view name;
  std::string_view description;
};
constexpr Entry kAnomalyEntries[] = {
#define RCDS_X(name, doc) {#name, doc},
    RCDS_ANOMALIES(RCDS_X)
#undef RCDS_X
};
constexpr Entry kCounterEntries[] = {
#define RCDS_X(name, doc) {#name, doc},
    RCDS_COUNTERS(RCDS_X)
#undef RCDS_X
};
}  // namespace

std::string_view name_of(Anomaly a) { return kAnomalyEntries[static_cast<size_t>(a)].name; }
std::string_view description_of(Anomaly a) {
  return kAnomalyEntries[static_cast<size_t>(a)].description;
}
std::string_view name_of(Counter c) { return kCounterEntries[static_cast<size_t>(c)].name; }
std::string_view description_of(Counter c) {
  return kCounterEntries[static_cast<size_t>(c)].description;
}

uint64_t Counters::total_anomalies() const {
  uint64_t sum = 0;
  for (uint64_t n : anomalies) sum += n;
  return sum;
}

void Counters::merge(const Counters& other) {
  for (size_t i = 0; i < anomalies.size(); ++i) anomalies[i] += other.anomalies[i];
  for (size_t i = 0; i < counters.size(); ++i) counters[i] += other.counters[i];
}

}  // namespace rcds
