// `rcds analyze CAPTURE` and `rcds capture -i IFACE`: run the sensor over a
// capture file or a live interface and report flows, anomalies and counters.
#pragma once

#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "capture/source.h"
#include "intercept/warrant.h"
#include "intercept/warrant_store.h"
#include "nis/interception.h"
#include "nis/sensor.h"

namespace rcds::nis {

struct AnalyzeOptions {
  std::string capture_path;
  capture::FileOptions file;
  SensorOptions sensor;
  std::string dump_directory;  // forensic use on files only
  bool json = false;
  bool quiet = false;  // counters only, no per-flow summaries (benchmarks)
  // Reassembly alone, the benchmark's baseline for the decoders' cost: no
  // protocol is probed, every flow goes to the counting (or dumping) handler.
  bool no_decoders = false;
  // Decoders answer wants_content with no, as the live sensor does: identity
  // events only, message payloads skipped uncopied (what a non-target costs).
  bool identity_only = false;
  // `--warrant`: lawful interception instead of a report of the traffic.
  // Records of the warrants' targets go to interception.records_dir; the
  // output is counters and record counts only.
  std::optional<std::vector<intercept::Warrant>> warrants;
  InterceptionOptions interception;
};

// Returns the process exit code: 0 success, 1 unusable input.
int run_analyze(const AnalyzeOptions& options, std::FILE* out, std::FILE* err);

struct LiveRunOptions {
  capture::LiveOptions live;
  SensorOptions sensor;
  bool json = false;
  uint64_t max_packets = 0;  // 0 = until SIGINT/SIGTERM
  double max_seconds = 0;    // 0 = until SIGINT/SIGTERM
  // The warrants enforced (none: nothing is intercepted), changed at run time
  // by `every_second` (which the app uses to reload the warrant file).
  intercept::WarrantStore* warrants = nullptr;
  std::function<void()> every_second;
  InterceptionOptions interception;
};

// Live capture until SIGINT/SIGTERM (or the limits) with interception of the
// warrants' targets; prints the final counters including kernel drops and
// the records written. Nothing about other traffic is printed or kept.
int run_live(const LiveRunOptions& options, std::FILE* out, std::FILE* err);

}  // namespace rcds::nis
