// The sensor wired for lawful interception, shared by `rcds analyze
// --warrant` and `rcds capture`: the MSNP decoders feed the interception
// engine, the engine sees every packet (IP targets, warrant changes) and every
// flow's end, and its records go to the record files.
//
// Minimisation: nothing here prints or keeps per-flow or per-event
// information about the traffic; the report is counters and record counts.
#pragma once

#include <cstdio>
#include <string>

#include "capture/source.h"
#include "flow/detect.h"
#include "handover/record_files.h"
#include "intercept/engine.h"
#include "intercept/warrant_store.h"
#include "nis/handlers.h"
#include "nis/msnp_report.h"
#include "nis/sensor.h"

namespace rcds::nis {

struct InterceptionOptions {
  std::string records_dir = "records";
  std::string sensor_id = "rcds-nis";
};

class InterceptionPipeline final : private flow::FlowObserver {
 public:
  InterceptionPipeline(const SensorOptions& sensor, const intercept::WarrantStore& warrants,
                       const InterceptionOptions& options);

  Sensor& sensor() { return sensor_; }
  const intercept::InterceptEngine& engine() const { return engine_; }
  // Closes every flow and IP communication and flushes the record files;
  // false with error() set when records could not be written.
  bool finish();
  const std::string& error() const { return files_.error(); }
  // Counters, records per LIID and the engine's own counters.
  void report(std::FILE* out, bool json, const capture::CaptureStats& stats);

 private:
  void on_flow_closed(const flow::Flow& flow, flow::CloseReason reason, Timestamp time) override;

  flow::ProtocolRegistry registry_;
  handover::RecordFileSink files_;
  intercept::InterceptEngine engine_;
  CountingFactory counting_;
  MsnpFactory msnp_;
  Sensor sensor_;
};

// Refuses core dumps of this process: they would hold intercepted content
// and other users' packets in memory (minimisation).
void disable_core_dumps();

}  // namespace rcds::nis
