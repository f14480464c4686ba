#include "nis/interception.h"

#include <inttypes.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <nlohmann/json.hpp>

#include "nis/report.h"

namespace rcds::nis {

namespace {
flow::ProtocolRegistry msnp_registry() {
  flow::ProtocolRegistry registry;
  registry.add(proto::msnp::msnp_protocol_spec());
  return registry;
}
}  // namespace

InterceptionPipeline::InterceptionPipeline(const SensorOptions& sensor,
                                           const intercept::WarrantStore& warrants,
                                           const InterceptionOptions& options)
    : registry_(msnp_registry()),
      files_(options.records_dir),
      engine_(warrants, files_, {.sensor_id = options.sensor_id}),
      msnp_(counting_, engine_),
      sensor_(sensor, registry_, msnp_) {
  sensor_.set_interception(&engine_);
  sensor_.tracker().set_observer(this);
}

void InterceptionPipeline::on_flow_closed(const flow::Flow& flow, flow::CloseReason reason,
                                          Timestamp time) {
  engine_.on_flow_closed(flow.id, flow.key, flow::name_of(reason), time);
}

bool InterceptionPipeline::finish() {
  sensor_.finish();
  engine_.finish(sensor_.last_packet_time());
  return files_.flush();
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
  print_counters_text(out, sensor_.counters(), stats);
}

void disable_core_dumps() {
  rlimit none{0, 0};
  setrlimit(RLIMIT_CORE, &none);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

}  // namespace rcds::nis
