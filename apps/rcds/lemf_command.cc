#include "lemf_command.h"

#include <pthread.h>
#include <signal.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>

#include "cib/lemf/pcap_export.h"
#include "cib/lemf/receiver.h"
#include "cib/lemf/store.h"

namespace rcds::app {
namespace {

using namespace rcds::cib::lemf;

struct LemfArgs {
  std::string hi2, hi3, data, cert, key, client_ca;
  double seconds = 0;
};

std::unique_ptr<LemfStore> open_store(const std::string& data, bool must_exist) {
  if (must_exist && !std::filesystem::exists(data + "/lemf.sqlite")) {
    std::fprintf(stderr, "rcds: no LEMF store in %s\n", data.c_str());
    return nullptr;
  }
  std::string error;
  auto store = LemfStore::open(data, {}, error);
  if (!store) std::fprintf(stderr, "rcds: %s\n", error.c_str());
  return store;
}

uint64_t total_missing(const std::vector<StreamGaps>& gaps) {
  uint64_t missing = 0;
  for (const auto& g : gaps) missing += g.missing;
  return missing;
}

int run_lemf(const LemfArgs& args) {
  if (args.hi2.empty() && args.hi3.empty()) {
    std::fprintf(stderr, "rcds: lemf needs --hi2 and/or --hi3\n");
    return 2;
  }
  auto store = open_store(args.data, false);
  if (!store) return 1;
  ReceiverOptions options;
  options.hi2_address = args.hi2;
  options.hi3_address = args.hi3;
  options.tls = {args.cert, args.key, args.client_ca};
  options.log = stderr;
  LemfReceiver receiver(*store, options);
  std::string error;
  if (!receiver.listen(error)) {
    std::fprintf(stderr, "rcds: %s\n", error.c_str());
    return 1;
  }
  std::fprintf(stderr, "lemf: listening hi2 port %u, hi3 port %u%s, data in %s\n",
               receiver.hi2_port(), receiver.hi3_port(), args.cert.empty() ? "" : " (TLS)",
               args.data.c_str());

  // SIGINT/SIGTERM are blocked in every thread and taken synchronously here,
  // so stopping needs no async-signal-safe handler.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::thread serving([&receiver] { receiver.run(); });
  timespec timeout{};
  timespec* wait_limit = nullptr;
  if (args.seconds > 0) {
    timeout.tv_sec = static_cast<time_t>(args.seconds);
    timeout.tv_nsec = static_cast<long>((args.seconds - static_cast<double>(timeout.tv_sec)) * 1e9);
    wait_limit = &timeout;
  }
  int signal = -1;
  do {
    signal = wait_limit != nullptr ? sigtimedwait(&stop_signals, nullptr, wait_limit)
                                   : sigwaitinfo(&stop_signals, nullptr);
  } while (signal < 0 && errno == EINTR);
  receiver.stop();
  serving.join();
  pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);

  const LemfCounters& c = receiver.counters();
  const auto gaps = store->gaps();
  const uint64_t bad_streams = c.malformed.load() + c.oversized.load();
  std::printf(
      "received %llu PDUs, stored %llu, duplicates %llu, keep-alives %llu, malformed %llu, "
      "connections %llu, missing sequence numbers %llu\n",
      static_cast<unsigned long long>(c.pdus_received.load()),
      static_cast<unsigned long long>(c.pdus_stored.load()),
      static_cast<unsigned long long>(c.duplicates.load()),
      static_cast<unsigned long long>(c.keepalives.load()),
      static_cast<unsigned long long>(bad_streams),
      static_cast<unsigned long long>(c.connections_accepted.load()),
      static_cast<unsigned long long>(total_missing(gaps)));
  return 0;
}

int run_report(const std::string& data, bool json) {
  auto store = open_store(data, true);
  if (!store) return 1;
  const auto summaries = store->summary();
  const auto gaps = store->gaps();
  if (json) {
    nlohmann::json liids = nlohmann::json::array();
    for (const auto& s : summaries) {
      nlohmann::json streams = nlohmann::json::array();
      for (const auto& g : gaps) {
        if (g.liid != s.liid) continue;
        nlohmann::json ranges = nlohmann::json::array();
        for (const auto& r : g.ranges) ranges.push_back({r.first, r.last});
        streams.push_back({{"cin", g.cin},
                           {"stream", name_of(g.stream)},
                           {"received", g.received},
                           {"highest", g.highest},
                           {"missing", g.missing},
                           {"gaps", ranges}});
      }
      liids.push_back({{"liid", s.liid},
                       {"iri_pdus", s.iri_pdus},
                       {"cc_pdus", s.cc_pdus},
                       {"notices", s.notices},
                       {"iri_duplicates", s.iri_duplicates},
                       {"cc_duplicates", s.cc_duplicates},
                       {"cins", s.cins},
                       {"streams", streams}});
    }
    std::printf("%s\n", nlohmann::json{{"liids", liids}}.dump().c_str());
    return 0;
  }
  for (const auto& s : summaries) {
    std::printf(
        "LIID %s: IRI %llu PDUs (%llu duplicates dropped), CC %llu PDUs (%llu "
        "duplicates dropped), %llu notices, %llu CINs\n",
        s.liid.c_str(), static_cast<unsigned long long>(s.iri_pdus),
        static_cast<unsigned long long>(s.iri_duplicates),
        static_cast<unsigned long long>(s.cc_pdus),
        static_cast<unsigned long long>(s.cc_duplicates),
        static_cast<unsigned long long>(s.notices), static_cast<unsigned long long>(s.cins));
    for (const auto& g : gaps) {
      if (g.liid != s.liid) continue;
      std::printf(
          "  CIN %lld %s: %llu received, highest %llu, missing %llu", static_cast<long long>(g.cin),
          std::string(name_of(g.stream)).c_str(), static_cast<unsigned long long>(g.received),
          static_cast<unsigned long long>(g.highest), static_cast<unsigned long long>(g.missing));
      // A hostile or broken sender can leave many holes; the JSON has them all.
      constexpr size_t kShown = 20;
      for (size_t i = 0; i < g.ranges.size() && i < kShown; ++i) {
        const auto& r = g.ranges[i];
        std::printf(i == 0 ? ": " : ", ");
        if (r.first == r.last) {
          std::printf("%llu", static_cast<unsigned long long>(r.first));
        } else {
          std::printf("%llu-%llu", static_cast<unsigned long long>(r.first),
                      static_cast<unsigned long long>(r.last));
        }
      }
      if (g.ranges.size() > kShown) std::printf(", ... (%zu ranges)", g.ranges.size());
      std::printf("\n");
    }
  }
  return 0;
}

int run_export(const std::string& data, const std::string& liid, const std::string& pcap) {
  auto store = open_store(data, true);
  if (!store) return 1;
  PcapExportResult result;
  std::string error;
  if (!export_pcap(*store, liid, pcap, result, error)) {
    std::fprintf(stderr, "rcds: %s\n", error.c_str());
    return 1;
  }
  std::printf("%llu packets from %llu CC PDUs of %s (%llu not IPCC) written to %s\n",
              static_cast<unsigned long long>(result.packets),
              static_cast<unsigned long long>(result.pdus), liid.c_str(),
              static_cast<unsigned long long>(result.skipped_pdus), pcap.c_str());
  return 0;
}

}  // namespace

void add_lemf_commands(CLI::App& app) {
  auto args = std::make_shared<LemfArgs>();
  CLI::App* lemf = app.add_subcommand(
      "lemf", "Receive HI2/HI3 PS-PDUs (ETSI TS 102 232) into a LEMF store until SIGINT/SIGTERM");
  lemf->add_option("--hi2", args->hi2, "HI2 (IRI, HI1) listen address HOST:PORT (port 0: any)");
  lemf->add_option("--hi3", args->hi3, "HI3 (CC) listen address HOST:PORT");
  lemf->add_option("--data", args->data, "Data directory (lemf.sqlite, <LIID>/iri.ber, cc.ber)")
      ->required();
  CLI::Option* cert = lemf->add_option("--tls-cert", args->cert, "TLS server certificate (PEM)")
                          ->check(CLI::ExistingFile);
  CLI::Option* key = lemf->add_option("--tls-key", args->key, "TLS server private key (PEM)")
                         ->check(CLI::ExistingFile);
  cert->needs(key);
  key->needs(cert);
  lemf->add_option("--tls-client-ca", args->client_ca,
                   "Require sender certificates issued by this CA (PEM)")
      ->check(CLI::ExistingFile)
      ->needs(cert);
  lemf->add_option("--seconds", args->seconds, "Stop after this many seconds");
  lemf->callback([args] { throw CLI::RuntimeError(run_lemf(*args)); });

  auto report = std::make_shared<std::pair<std::string, bool>>();
  CLI::App* report_cmd = app.add_subcommand(
      "lemf-report", "Per warrant: PDUs per stream, duplicates dropped, sequence gaps per CIN");
  report_cmd->add_option("--data", report->first, "LEMF data directory")->required();
  report_cmd->add_flag("--json", report->second, "One JSON object");
  report_cmd->callback(
      [report] { throw CLI::RuntimeError(run_report(report->first, report->second)); });

  auto exports = std::make_shared<std::array<std::string, 3>>();
  CLI::App* export_cmd =
      app.add_subcommand("lemf-export", "Write a warrant's IP content (IPCC) as a pcap file");
  export_cmd->add_option("--data", (*exports)[0], "LEMF data directory")->required();
  export_cmd->add_option("--liid", (*exports)[1], "Warrant LIID")->required();
  export_cmd->add_option("--pcap", (*exports)[2], "Output pcap file")->required();
  export_cmd->callback([exports] {
    throw CLI::RuntimeError(run_export((*exports)[0], (*exports)[1], (*exports)[2]));
  });
}

}  // namespace rcds::app
