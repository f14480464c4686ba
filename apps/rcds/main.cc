// rcds: the command-line front end. Thin by design: parse arguments, call
// the library, return its exit code.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "lemf_command.h"
#include "nis/analyze.h"
#include "warrant_files.h"

namespace {

void add_sensor_options(CLI::App& command, rcds::nis::SensorOptions& options, size_t& budget_mib) {
  command.add_flag("--verify-checksums", options.decoder.verify_checksums,
                   "Drop and count packets with wrong IP/TCP/UDP checksums (off: offloaded "
                   "captures carry wrong ones)");
  command.add_option("--max-flows", options.flow.max_flows, "Flow table limit")
      ->capture_default_str();
  command.add_option("--memory-mib", budget_mib, "Budget for flows and buffered TCP segments, MiB")
      ->capture_default_str();
  command
      .add_option("--max-out-of-order", options.flow.max_out_of_order_bytes,
                  "Out-of-order bytes buffered per TCP direction before holes become gaps")
      ->capture_default_str();
}

void add_interception_options(CLI::App& command, rcds::nis::InterceptionOptions& options,
                              std::string& destinations_file, double& drain_seconds) {
  command
      .add_option("--records-dir", options.records_dir,
                  "Where records go: DIR/<LIID>/records.jsonl and per-target transcripts")
      ->capture_default_str();
  command.add_option("--sensor-id", options.sensor_id, "Network element id carried by records")
      ->capture_default_str();
  command
      .add_option("--destinations", destinations_file,
                  "LEMF destinations (JSON/YAML, docs/handover.md): warrants naming one have "
                  "their records delivered there over HI2/HI3")
      ->check(CLI::ExistingFile);
  command.add_option("--spool-dir", options.spool_dir, "Durable spool of undelivered records")
      ->capture_default_str();
  command
      .add_option("--drain-seconds", drain_seconds,
                  "At the end, wait this long for the destinations to confirm every record")
      ->capture_default_str();
}

// Reads the destinations and checks that every warrant's destination is one.
bool load_destinations(const std::string& path,
                       const std::vector<rcds::intercept::Warrant>& warrants,
                       rcds::nis::InterceptionOptions& options) {
  std::string error;
  if (!path.empty() && !rcds::app::load_destination_file(path, options.destinations, error)) {
    std::fprintf(stderr, "rcds: %s\n", error.c_str());
    return false;
  }
  for (const rcds::intercept::Warrant& w : warrants) {
    if (w.destination.empty()) continue;
    bool known = false;
    for (const auto& d : options.destinations) known = known || d.name == w.destination;
    if (!known) {
      std::fprintf(stderr, "rcds: warrant %s names destination \"%s\", which %s\n", w.liid.c_str(),
                   w.destination.c_str(),
                   path.empty() ? "needs --destinations" : "the destinations file does not define");
      return false;
    }
  }
  return true;
}

}  // namespace

namespace {
int run(int argc, char** argv) {
  CLI::App app{"RCDS network interception sensor"};
  app.require_subcommand(1);
  rcds::app::add_lemf_commands(app);

  rcds::nis::AnalyzeOptions analyze;
  size_t analyze_budget_mib = analyze.sensor.flow.memory_budget_bytes >> 20;
  CLI::App* analyze_cmd =
      app.add_subcommand("analyze", "Analyse a pcap/pcapng capture: flows, anomalies, counters");
  analyze_cmd->add_option("capture", analyze.capture_path, "pcap or pcapng file")->required();
  analyze_cmd->add_option("-f,--filter", analyze.file.bpf_filter, "BPF filter expression");
  analyze_cmd->add_option("--dump-streams", analyze.dump_directory,
                          "Write each reassembled direction to a file in this directory "
                          "(offline forensic use only)");
  analyze_cmd->add_flag("--json", analyze.json, "One JSON object per line");
  analyze_cmd->add_flag("-q,--quiet", analyze.quiet, "Counters only, no per-flow summaries");
  analyze_cmd->add_flag("--no-decoders", analyze.no_decoders,
                        "Reassembly only: no protocol decoder, every flow is just counted "
                        "(benchmark baseline)");
  analyze_cmd->add_flag("--identity-only", analyze.identity_only,
                        "Decoders report identities only and skip message content, as the "
                        "live sensor does");
  std::vector<std::string> analyze_warrants;
  analyze_cmd
      ->add_option("--warrant", analyze_warrants,
                   "Intercept the targets of the warrants in this JSON/YAML file (repeatable); "
                   "records go to --records-dir and nothing else of the traffic is reported")
      ->check(CLI::ExistingFile);
  std::string analyze_destinations;
  double analyze_drain_seconds = 30;
  add_interception_options(*analyze_cmd, analyze.interception, analyze_destinations,
                           analyze_drain_seconds);
  add_sensor_options(*analyze_cmd, analyze.sensor, analyze_budget_mib);

  rcds::nis::LiveRunOptions live;
  size_t live_budget_mib = live.sensor.flow.memory_budget_bytes >> 20;
  int buffer_mib = live.live.buffer_size_bytes >> 20;
  bool no_promiscuous = false;
  CLI::App* capture_cmd =
      app.add_subcommand("capture", "Run the sensor on a live interface until SIGINT/SIGTERM");
  capture_cmd->add_option("-i,--interface", live.live.interface, "Interface to capture on")
      ->required();
  capture_cmd->add_option("-f,--filter", live.live.bpf_filter, "BPF filter expression");
  capture_cmd->add_option("-s,--snaplen", live.live.snaplen, "Snap length")->capture_default_str();
  capture_cmd->add_flag("--no-promiscuous", no_promiscuous,
                        "Do not put the interface in "
                        "promiscuous mode");
  capture_cmd->add_option("--buffer-mib", buffer_mib, "Kernel capture buffer, MiB")
      ->capture_default_str();
  capture_cmd->add_option("-c,--count", live.max_packets, "Stop after this many packets");
  capture_cmd->add_option("--seconds", live.max_seconds, "Stop after this many seconds");
  capture_cmd->add_flag("--json", live.json, "Final report as JSON lines");
  std::string live_warrant;
  capture_cmd
      ->add_option("--warrant", live_warrant,
                   "Warrant file (JSON/YAML); re-read when it changes, effective from the next "
                   "packet. Without it nothing is intercepted.")
      ->check(CLI::ExistingFile);
  std::string live_destinations;
  double live_drain_seconds = 5;
  add_interception_options(*capture_cmd, live.interception, live_destinations, live_drain_seconds);
  add_sensor_options(*capture_cmd, live.sensor, live_budget_mib);
  // Dumping every flow's content would break minimisation on a live link.
  capture_cmd->add_option_function<std::string>(
      "--dump-streams",
      [](const std::string&) {
        throw CLI::ValidationError("--dump-streams",
                                   "refused on a live interface: it would keep the content of "
                                   "every flow (use it with `rcds analyze` on a capture file)");
      },
      "Refused: content dumps are for offline capture files only");

  CLI11_PARSE(app, argc, argv);

  if (*analyze_cmd) {
    analyze.sensor.flow.memory_budget_bytes = analyze_budget_mib << 20;
    if (!analyze_warrants.empty()) {
      std::string error;
      std::vector<rcds::intercept::Warrant> warrants;
      if (!rcds::app::load_warrant_files(analyze_warrants, warrants, error)) {
        std::fprintf(stderr, "rcds: %s\n", error.c_str());
        return 2;
      }
      analyze.warrants = std::move(warrants);
      if (!load_destinations(analyze_destinations, *analyze.warrants, analyze.interception)) {
        return 2;
      }
      analyze.interception.drain_timeout_ms = static_cast<int>(analyze_drain_seconds * 1000);
    }
    return rcds::nis::run_analyze(analyze, stdout, stderr);
  }
  rcds::intercept::WarrantStore store;
  std::unique_ptr<rcds::app::WarrantFileWatch> watch;
  if (!live_warrant.empty()) {
    std::string error;
    std::vector<rcds::intercept::Warrant> warrants;
    if (!rcds::app::load_warrant_files({live_warrant}, warrants, error)) {
      std::fprintf(stderr, "rcds: %s\n", error.c_str());
      return 2;
    }
    if (!load_destinations(live_destinations, warrants, live.interception)) return 2;
    live.interception.drain_timeout_ms = static_cast<int>(live_drain_seconds * 1000);
    store.replace_all(std::move(warrants));
    watch = std::make_unique<rcds::app::WarrantFileWatch>(live_warrant, store);
    live.every_second = [&watch] { watch->poll(); };
  }
  live.warrants = &store;
  live.sensor.flow.memory_budget_bytes = live_budget_mib << 20;
  live.live.buffer_size_bytes = buffer_mib << 20;
  live.live.promiscuous = !no_promiscuous;
  return rcds::nis::run_live(live, stdout, stderr);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rcds: %s\n", e.what());
    return 1;
  }
}
