// Human-readable and JSON reports of what the sensor saw: per-flow
// summaries, anomalies and counters.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "capture/source.h"
#include "flow/flow_tracker.h"
#include "util/counters.h"

namespace rcds::nis {

struct FlowSummary {
  uint64_t id = 0;
  FlowKey key;
  std::string protocol;
  Timestamp first_seen;
  Timestamp last_seen;
  bool saw_handshake = false;
  flow::CloseReason close_reason = flow::CloseReason::kShutdown;
  uint64_t packets[2] = {0, 0};
  uint64_t payload_bytes[2] = {0, 0};  // on the wire
  uint64_t stream_bytes[2] = {0, 0};   // delivered in order
  uint32_t gaps[2] = {0, 0};
  uint64_t gap_bytes[2] = {0, 0};
};

// Collects a summary of every flow as it closes.
class FlowSummaries final : public flow::FlowObserver {
 public:
  explicit FlowSummaries(const flow::ProtocolRegistry& registry) : registry_(registry) {}
  void on_flow_closed(const flow::Flow& flow, flow::CloseReason reason, Timestamp time) override;
  std::vector<FlowSummary>& flows() { return flows_; }

 private:
  const flow::ProtocolRegistry& registry_;
  std::vector<FlowSummary> flows_;
};

void print_flows_text(std::FILE* out, const std::vector<FlowSummary>& flows);
void print_counters_text(std::FILE* out, const Counters& counters,
                         const capture::CaptureStats& stats);
// One JSON object per line: {"type":"flow",...} for each flow, then
// {"type":"summary",...} with counters, anomalies and capture statistics.
void print_json(std::FILE* out, const std::vector<FlowSummary>& flows, const Counters& counters,
                const capture::CaptureStats& stats);

}  // namespace rcds::nis
