#include "nis/interception.h"

#include <inttypes.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "nis/report.h"

namespace rcds::nis {

namespace {

// Delivered records need CINs unique across restarts (the receiver
// deduplicates); local-only runs count from 1.
std::unique_ptr<handover::PersistentCinAllocator> open_cins(const InterceptionOptions& options,
                                                            std::string& error) {
  if (options.destinations.empty() || !error.empty()) return nullptr;
  if (mkdir(options.spool_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    error = "cannot create " + options.spool_dir + ": " + std::strerror(errno);
    return nullptr;
  }
  return handover::PersistentCinAllocator::open(options.spool_dir + "/cin.state", error);
}

std::unique_ptr<handover::HandoverSink> open_handover(const InterceptionOptions& options,
                                                      std::string& error) {
  if (options.destinations.empty() || !error.empty()) return nullptr;
  // Alarms name destinations and failures, never content.
  return handover::HandoverSink::open(
      options.destinations, options.spool_dir,
      [](std::string_view alarm) {
        std::fprintf(stderr, "rcds: ALARM: %.*s\n", static_cast<int>(alarm.size()), alarm.data());
      },
      error);
}

flow::ProtocolRegistry msnp_registry() {
  flow::ProtocolRegistry registry;
  registry.add(proto::msnp::msnp_protocol_spec());
  registry.add(proto::msnp::p2p_direct_protocol_spec());
  return registry;
}
}  // namespace

InterceptionPipeline::InterceptionPipeline(const SensorOptions& sensor,
                                           const intercept::WarrantStore& warrants,
                                           const InterceptionOptions& options)
    : options_(options),
      registry_(msnp_registry()),
      files_(options.records_dir),
      cins_(open_cins(options, setup_error_)),
      handover_(open_handover(options, setup_error_)),
      engine_(warrants, *this, {.sensor_id = options.sensor_id, .cins = cins_.get()}),
      msnp_(counting_, engine_),
      sensor_(sensor, registry_, msnp_) {
  sensor_.set_interception(&engine_);
  sensor_.tracker().set_observer(this);
}

void InterceptionPipeline::on_record(const intercept::Record& record) {
  files_.on_record(record);
  if (handover_) handover_->on_record(record);
}

void InterceptionPipeline::on_notice(const intercept::WarrantNotice& notice) {
  files_.on_notice(notice);
  if (handover_) handover_->on_notice(notice);
}

void InterceptionPipeline::on_flow_closed(const flow::Flow& flow, flow::CloseReason reason,
                                          Timestamp time) {
  engine_.on_flow_closed(flow.id, flow.key, flow::name_of(reason), time);
}

bool InterceptionPipeline::finish() {
  sensor_.finish();
  engine_.finish(sensor_.last_packet_time());
  if (handover_) delivered_ = handover_->stop(/*drain=*/true, options_.drain_timeout_ms);
  if (!files_.flush()) error_ = files_.error();
  if (cins_ && !cins_->error().empty() && error_.empty()) error_ = cins_->error();
  return error_.empty();
}

void InterceptionPipeline::report(std::FILE* out, bool json, const capture::CaptureStats& stats) {
  const intercept::EngineStats& s = engine_.stats();
  if (json) {
    print_json(out, {}, sensor_.counters(), stats);
    nlohmann::json j;
    j["type"] = "interception";
    j["records_iri"] = s.records_iri;
    j["records_cc"] = s.records_cc;
    j["notices"] = s.notices;
    j["connections_refused"] = s.connections_refused;
    j["ip_communications_refused"] = s.ip_communications_refused;
    j["transfer_cookies_evicted"] = s.transfer_cookies_evicted;
    j["records_per_liid"] = files_.counts();
    if (handover_) {
      j["handover_spooled"] = handover_->stats().spooled;
      j["handover_refused"] = handover_->stats().refused;
      j["handover_all_confirmed"] = delivered_;
    }
    std::fprintf(out, "%s\n", j.dump().c_str());
    return;
  }
  std::fprintf(out, "interception: %" PRIu64 " IRI, %" PRIu64 " CC records\n", s.records_iri,
               s.records_cc);
  for (const auto& [liid, count] : files_.counts()) {
    std::fprintf(out, "  %-28s %12" PRIu64 "\n", liid.c_str(), count);
  }
  if (s.connections_refused + s.ip_communications_refused != 0) {
    std::fprintf(out,
                 "  ALARM: %" PRIu64 " connections, %" PRIu64
                 " IP communications refused (limits reached)\n",
                 s.connections_refused, s.ip_communications_refused);
  }
  if (handover_) {
    const handover::HandoverStats& h = handover_->stats();
    std::fprintf(out, "handover: %" PRIu64 " PDUs spooled, %" PRIu64 " refused%s\n", h.spooled,
                 h.refused,
                 delivered_ ? ", all confirmed" : ", NOT all confirmed (kept in the spool)");
    for (const auto& [name, d] : handover_->delivery_stats()) {
      std::fprintf(out,
                   "  %-16s sent %" PRIu64 ", keep-alive confirmations %" PRIu64
                   ", reconnects %" PRIu64 "%s%s\n",
                   name.c_str(), d.pdus_sent, d.confirmed, d.reconnects,
                   d.last_error.empty() ? "" : ", last error: ", d.last_error.c_str());
    }
  }
  print_counters_text(out, sensor_.counters(), stats);
}

void disable_core_dumps() {
  rlimit none{0, 0};
  setrlimit(RLIMIT_CORE, &none);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

}  // namespace rcds::nis
