// The sensor wired for lawful interception, shared by `rcds analyze
// --warrant` and `rcds capture`: the MSNP decoders feed the interception
// engine, the engine sees every packet (IP targets, warrant changes) and every
// flow's end, and its records go to the record files.
//
// Minimisation: nothing here prints or keeps per-flow or per-event
// information about the traffic; the report is counters and record counts.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "capture/source.h"
#include "flow/detect.h"
#include "handover/cin_state.h"
#include "handover/destination.h"
#include "handover/handover_sink.h"
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
  // Handover (issue 5): where warrants' destinations are, and where their
  // spools and the CIN state live. No destinations: records stay local.
  std::vector<handover::Destination> destinations;
  std::string spool_dir = "spool";
  // At the end of a run, how long to wait for the receivers to confirm
  // everything spooled (what is not confirmed stays in the spool and is sent
  // by the next run).
  int drain_timeout_ms = 30'000;
};

class InterceptionPipeline final : private flow::FlowObserver, private intercept::RecordSink {
 public:
  // Check ok() (and error()) before use: opening the spools or the CIN state
  // can fail.
  InterceptionPipeline(const SensorOptions& sensor, const intercept::WarrantStore& warrants,
                       const InterceptionOptions& options);
  bool ok() const { return setup_error_.empty(); }
  const std::string& setup_error() const { return setup_error_; }

  Sensor& sensor() { return sensor_; }
  const intercept::InterceptEngine& engine() const { return engine_; }
  // Closes every flow and IP communication and flushes the record files;
  // false with error() set when records could not be written.
  bool finish();
  const std::string& error() const { return error_; }
  // Whether everything spooled was confirmed by the receivers at finish().
  bool delivered() const { return delivered_; }
  // Counters, records per LIID and the engine's own counters.
  void report(std::FILE* out, bool json, const capture::CaptureStats& stats);

 private:
  void on_flow_closed(const flow::Flow& flow, flow::CloseReason reason, Timestamp time) override;
  // Every record goes to the JSON files and, when it has a destination, to
  // the handover.
  void on_record(const intercept::Record& record) override;
  void on_notice(const intercept::WarrantNotice& notice) override;

  InterceptionOptions options_;
  std::string setup_error_;
  std::string error_;
  bool delivered_ = true;
  flow::ProtocolRegistry registry_;
  handover::RecordFileSink files_;
  std::unique_ptr<handover::PersistentCinAllocator> cins_;
  std::unique_ptr<handover::HandoverSink> handover_;
  intercept::InterceptEngine engine_;
  CountingFactory counting_;
  MsnpFactory msnp_;
  Sensor sensor_;
};

// Refuses core dumps of this process: they would hold intercepted content
// and other users' packets in memory (minimisation).
void disable_core_dumps();

}  // namespace rcds::nis
