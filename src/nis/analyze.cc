#include "nis/analyze.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "nis/handlers.h"
#include "nis/msnp_report.h"
#include "nis/report.h"
#include "nis/stream_dump.h"

namespace rcds::nis {

flow::StreamHandler* DumpFactory::open(const flow::StreamInfo& info) {
  return new StreamDumper(directory_, info);
}

void DumpFactory::release(flow::StreamHandler* handler) {
  auto* dumper = static_cast<StreamDumper*>(handler);
  if (error_.empty() && !dumper->error().empty()) error_ = dumper->error();
  delete dumper;
}

namespace {

bool prepare_dump_directory(const std::string& dir, std::FILE* err) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    std::fprintf(err, "rcds: cannot create %s: %s\n", dir.c_str(), std::strerror(errno));
    return false;
  }
  // Each open flow keeps its two files open: allow as many as the system does.
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  return true;
}

void report(const AnalyzeOptions& options, FlowSummaries& summaries, Sensor& sensor,
            const capture::CaptureStats& stats, const MsnpReport& msnp, std::FILE* out) {
  if (options.json) {
    print_json(out, summaries.flows(), sensor.counters(), stats);
    print_msnp(out, msnp, true);
    return;
  }
  if (!options.quiet) print_flows_text(out, summaries.flows());
  print_msnp(out, msnp, false);  // only the count with --quiet
  print_counters_text(out, sensor.counters(), stats);
}

}  // namespace

namespace {

// `rcds analyze --warrant`: the live sensor's interception on a file.
int run_interception(const AnalyzeOptions& options, capture::PacketSource& source, std::FILE* out,
                     std::FILE* err) {
  if (!options.dump_directory.empty()) {
    std::fprintf(err,
                 "rcds: --dump-streams writes every flow's content; refused with --warrant "
                 "(minimisation)\n");
    return 2;
  }
  disable_core_dumps();
  intercept::WarrantStore warrants(*options.warrants);
  InterceptionPipeline pipeline(options.sensor, warrants, options.interception);
  if (!pipeline.ok()) {
    std::fprintf(err, "rcds: %s\n", pipeline.setup_error().c_str());
    return 1;
  }
  std::string error;
  const bool complete = run_source(source, pipeline.sensor(), error);
  const bool written = pipeline.finish();
  pipeline.report(out, options.json, source.stats());
  if (!written) {
    std::fprintf(err, "rcds: writing records: %s\n", pipeline.error().c_str());
    return 1;
  }
  if (!complete) {
    std::fprintf(err, "rcds: %s\n", error.c_str());
    return 1;
  }
  if (!pipeline.delivered()) {
    std::fprintf(err,
                 "rcds: not every record was confirmed by its destination; the rest stays in "
                 "the spool and is sent by the next run\n");
    return 3;
  }
  return 0;
}

}  // namespace

int run_analyze(const AnalyzeOptions& options, std::FILE* out, std::FILE* err) {
  std::string error;
  auto source = capture::open_file(options.capture_path, options.file, error);
  if (!source) {
    std::fprintf(err, "rcds: %s\n", error.c_str());
    return 1;
  }
  if (options.warrants) return run_interception(options, *source, out, err);
  flow::ProtocolRegistry registry;
  // Without registry entries nothing is probed or claimed by a decoder.
  if (!options.no_decoders) {
    registry.add(proto::msnp::msnp_protocol_spec());
    registry.add(proto::msnp::p2p_direct_protocol_spec());
  }
  CountingFactory counting;
  NullFactory nobody;
  DumpFactory dumping(options.dump_directory);
  const bool dump = !options.dump_directory.empty();
  if (dump && !prepare_dump_directory(options.dump_directory, err)) return 1;
  MsnpReport msnp(options.json, /*content=*/!options.identity_only, /*keep=*/!options.quiet);
  // Decoders take the flows they know; the others are counted, or, with
  // --dump-streams, every flow (decoded or not) is also written out.
  MsnpFactory msnp_factory(dump ? static_cast<flow::StreamHandlerFactory&>(nobody) : counting,
                           msnp);
  TeeFactory decode_and_dump(msnp_factory, dumping);
  Sensor sensor(options.sensor, registry,
                dump ? static_cast<flow::StreamHandlerFactory&>(decode_and_dump) : msnp_factory);
  FlowSummaries summaries(registry);
  if (!options.quiet) sensor.tracker().set_observer(&summaries);

  const bool complete = run_source(*source, sensor, error);
  sensor.finish();
  report(options, summaries, sensor, source->stats(), msnp, out);
  if (!dumping.error().empty()) {
    std::fprintf(err, "rcds: dumping streams: %s\n", dumping.error().c_str());
    return 1;
  }
  if (!complete) {
    // Everything before the damage was analysed and reported above.
    std::fprintf(err, "rcds: %s\n", error.c_str());
    return 1;
  }
  return 0;
}

namespace {
std::atomic<capture::PacketSource*> g_live_source{nullptr};

extern "C" void stop_live_capture(int) {
  if (capture::PacketSource* source = g_live_source.load()) source->request_stop();
}

}  // namespace

int run_live(const LiveRunOptions& options, std::FILE* out, std::FILE* err) {
  std::string error;
  auto source = capture::open_live(options.live, error);
  if (!source) {
    std::fprintf(err, "rcds: %s\n", error.c_str());
    return 1;
  }
  disable_core_dumps();
  intercept::WarrantStore none;
  InterceptionPipeline pipeline(options.sensor, options.warrants ? *options.warrants : none,
                                options.interception);
  if (!pipeline.ok()) {
    std::fprintf(err, "rcds: %s\n", pipeline.setup_error().c_str());
    return 1;
  }

  g_live_source.store(source.get());
  struct sigaction action {};
  action.sa_handler = stop_live_capture;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  const bool complete =
      run_source(*source, pipeline.sensor(), error,
                 {options.max_packets, options.max_seconds, options.every_second});
  const capture::CaptureStats stats = source->stats();
  g_live_source.store(nullptr);
  const bool written = pipeline.finish();
  pipeline.report(out, options.json, stats);
  if (!written) {
    std::fprintf(err, "rcds: writing records: %s\n", pipeline.error().c_str());
    return 1;
  }
  if (!complete) {
    std::fprintf(err, "rcds: %s\n", error.c_str());
    return 1;
  }
  if (!pipeline.delivered()) {
    std::fprintf(err,
                 "rcds: not every record was confirmed by its destination; the rest stays in "
                 "the spool and is sent by the next run\n");
    return 3;
  }
  return 0;
}

}  // namespace rcds::nis
