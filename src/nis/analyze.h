// `rcds analyze CAPTURE` and `rcds capture -i IFACE`: run the sensor over a
// capture file or a live interface and report flows, anomalies and counters.
#pragma once

#include <cstdio>
#include <string>

#include "capture/source.h"
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
};

// Returns the process exit code: 0 success, 1 unusable input.
int run_analyze(const AnalyzeOptions& options, std::FILE* out, std::FILE* err);

struct LiveRunOptions {
  capture::LiveOptions live;
  SensorOptions sensor;
  bool json = false;
  uint64_t max_packets = 0;  // 0 = until SIGINT/SIGTERM
  double max_seconds = 0;    // 0 = until SIGINT/SIGTERM
};

// Live capture until SIGINT/SIGTERM (or the limits); prints the final
// counters including kernel drops.
int run_live(const LiveRunOptions& options, std::FILE* out, std::FILE* err);

}  // namespace rcds::nis
