#include "nis/report.h"

#include <cinttypes>
#include <nlohmann/json.hpp>

namespace rcds::nis {

void FlowSummaries::on_flow_closed(const flow::Flow& flow, flow::CloseReason reason,
                                   Timestamp time) {
  FlowSummary s;
  s.id = flow.id;
  s.key = flow.key;
  if (flow.protocol >= 0) s.protocol = registry_.at(static_cast<size_t>(flow.protocol)).name;
  s.first_seen = flow.first_seen;
  s.last_seen = flow.last_seen;
  s.saw_handshake = flow.saw_handshake;
  s.close_reason = reason;
  for (size_t d = 0; d < 2; ++d) {
    s.packets[d] = flow.packets[d];
    s.payload_bytes[d] = flow.payload_bytes[d];
    s.gaps[d] = flow.gaps[d];
    s.gap_bytes[d] = flow.gap_bytes[d];
    s.stream_bytes[d] = flow.half[d].delivered - flow.gap_bytes[d];
  }
  if (flow.key.transport == Transport::kUdp) {
    for (size_t d = 0; d < 2; ++d) s.stream_bytes[d] = flow.payload_bytes[d];
  }
  (void)time;
  flows_.push_back(std::move(s));
}

void print_flows_text(std::FILE* out, const std::vector<FlowSummary>& flows) {
  std::fprintf(out, "flows: %zu\n", flows.size());
  for (const FlowSummary& f : flows) {
    std::fprintf(
        out,
        "  #%" PRIu64
        " %s %s%s proto=%s start=%s end=%s close=%s\n"
        "      c2s: %" PRIu64 " pkts %" PRIu64 " bytes in order, %u gaps (%" PRIu64
        " bytes)   s2c: %" PRIu64 " pkts %" PRIu64 " bytes in order, %u gaps (%" PRIu64 " bytes)\n",
        f.id, f.key.to_string().c_str(), f.saw_handshake ? "" : " (mid-stream)", "",
        f.protocol.empty() ? "-" : f.protocol.c_str(), format_iso8601(f.first_seen).c_str(),
        format_iso8601(f.last_seen).c_str(), std::string(flow::name_of(f.close_reason)).c_str(),
        f.packets[0], f.stream_bytes[0], f.gaps[0], f.gap_bytes[0], f.packets[1], f.stream_bytes[1],
        f.gaps[1], f.gap_bytes[1]);
  }
}

void print_counters_text(std::FILE* out, const Counters& counters,
                         const capture::CaptureStats& stats) {
  std::fprintf(out, "counters:\n");
  for (size_t i = 0; i < static_cast<size_t>(Counter::kCount); ++i) {
    const auto c = static_cast<Counter>(i);
    if (counters.get(c) == 0) continue;
    std::fprintf(out, "  %-28s %12" PRIu64 "\n", std::string(name_of(c)).c_str(), counters.get(c));
  }
  if (stats.packets_filtered != 0) {
    std::fprintf(out, "  %-28s %12" PRIu64 "\n", "filtered", stats.packets_filtered);
  }
  if (stats.has_kernel_stats) {
    std::fprintf(out, "  %-28s %12" PRIu64 "\n  %-28s %12" PRIu64 "\n  %-28s %12" PRIu64 "\n",
                 "kernel_received", stats.kernel_received, "kernel_dropped", stats.kernel_dropped,
                 "interface_dropped", stats.interface_dropped);
  }
  std::fprintf(out, "anomalies: %" PRIu64 "\n", counters.total_anomalies());
  for (size_t i = 0; i < static_cast<size_t>(Anomaly::kCount); ++i) {
    const auto a = static_cast<Anomaly>(i);
    if (counters.get(a) == 0) continue;
    std::fprintf(out, "  %-28s %12" PRIu64 "  %s\n", std::string(name_of(a)).c_str(),
                 counters.get(a), std::string(description_of(a)).c_str());
  }
}

void print_json(std::FILE* out, const std::vector<FlowSummary>& flows, const Counters& counters,
                const capture::CaptureStats& stats) {
  using nlohmann::json;
  for (const FlowSummary& f : flows) {
    json j;
    j["type"] = "flow";
    j["id"] = f.id;
    j["transport"] = f.key.transport == Transport::kTcp ? "tcp" : "udp";
    j["client"] = f.key.source.to_string();
    j["server"] = f.key.destination.to_string();
    j["protocol"] = f.protocol;
    j["start"] = format_iso8601(f.first_seen);
    j["end"] = format_iso8601(f.last_seen);
    j["handshake"] = f.saw_handshake;
    j["close"] = std::string(flow::name_of(f.close_reason));
    for (size_t d = 0; d < 2; ++d) {
      json side;
      side["packets"] = f.packets[d];
      side["payload_bytes"] = f.payload_bytes[d];
      side["stream_bytes"] = f.stream_bytes[d];
      side["gaps"] = f.gaps[d];
      side["gap_bytes"] = f.gap_bytes[d];
      j[d == 0 ? "c2s" : "s2c"] = side;
    }
    std::fprintf(out, "%s\n", j.dump().c_str());
  }
  json summary;
  summary["type"] = "summary";
  json c = json::object();
  for (size_t i = 0; i < static_cast<size_t>(Counter::kCount); ++i) {
    c[std::string(name_of(static_cast<Counter>(i)))] = counters.get(static_cast<Counter>(i));
  }
  json a = json::object();
  for (size_t i = 0; i < static_cast<size_t>(Anomaly::kCount); ++i) {
    a[std::string(name_of(static_cast<Anomaly>(i)))] = counters.get(static_cast<Anomaly>(i));
  }
  summary["counters"] = c;
  summary["anomalies"] = a;
  summary["filtered"] = stats.packets_filtered;
  if (stats.has_kernel_stats) {
    summary["kernel_received"] = stats.kernel_received;
    summary["kernel_dropped"] = stats.kernel_dropped;
    summary["interface_dropped"] = stats.interface_dropped;
  }
  std::fprintf(out, "%s\n", summary.dump().c_str());
}

}  // namespace rcds::nis
