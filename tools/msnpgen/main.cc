// rcds_msnpgen --scenario NAME --out FILE.pcap [--truth FILE.json] [--seed N] [--files DIR]
// rcds_msnpgen --list
//
// Writes MSN Messenger sessions (MSNP2 to MSNP21, switchboards, MSNFTP, P2P,
// HTTP gateway) as a pcap, and beside it the ground truth: the events a
// decoder should report, one JSON object per line, taken from the scenario
// script and never from decoding the capture. The same arguments always give
// byte-identical files. See tools/msnpgen/README.md.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tools/msnpgen/scenarios.h"

namespace {
namespace mg = rcds::msnpgen;

int usage() {
  std::fprintf(stderr,
               "usage: rcds_msnpgen --scenario NAME --out FILE.pcap [--truth FILE.json] "
               "[--seed N] [--files DIR]\n       rcds_msnpgen --list\n");
  return 2;
}

// 2005-01-01 00:00:00 UTC: a fixed epoch keeps the output reproducible.
constexpr int64_t kEpochUs = 1'104'537'600'000'000;

}  // namespace

int main(int argc, char** argv) {
  std::string name, out, truth_path, files_dir;
  uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--list") {
      for (const mg::Scenario& s : mg::scenarios())
        std::printf("%-20s %s\n", s.name, s.description);
      std::printf("%-20s %s\n", "all", "every scenario above, one after another, in one capture");
      return 0;
    }
    if (i + 1 >= argc) return usage();
    const std::string value = argv[++i];
    if (flag == "--scenario") {
      name = value;
    } else if (flag == "--out") {
      out = value;
    } else if (flag == "--truth") {
      truth_path = value;
    } else if (flag == "--files") {
      files_dir = value;
    } else if (flag == "--seed") {
      char* end = nullptr;
      seed = std::strtoull(value.c_str(), &end, 10);
      if (end == value.c_str() || *end != '\0') return usage();
    } else {
      return usage();
    }
  }
  if (name.empty() || out.empty()) return usage();

  std::vector<const mg::Scenario*> chosen;
  for (const mg::Scenario& s : mg::scenarios()) {
    if (name == "all" || name == s.name) chosen.push_back(&s);
  }
  if (chosen.empty()) {
    std::fprintf(stderr, "rcds_msnpgen: unknown scenario %s (see --list)\n", name.c_str());
    return 2;
  }

  mg::Rng rng(seed);
  mg::Capture capture(rng, kEpochUs);
  mg::Truth truth;
  mg::World world(capture, truth);
  for (const mg::Scenario* s : chosen) {
    world.scenario = s->name;
    s->run(world, seed);
    capture.pause_ms(5000, 5000);  // scenarios in "all" do not overlap in time
  }

  rcds::testkit::PcapWriter writer(out);
  if (!writer.ok()) {
    std::perror(out.c_str());
    return 1;
  }
  for (const mg::Frame& f : capture.frames()) writer.write(f.time_us, f.bytes);
  if (!writer.close()) {
    std::fprintf(stderr, "rcds_msnpgen: %s: write failed\n", out.c_str());
    return 1;
  }
  if (!truth_path.empty() && !truth.write(truth_path)) {
    std::fprintf(stderr, "rcds_msnpgen: %s: write failed\n", truth_path.c_str());
    return 1;
  }
  // The original bytes of every transferred file, for tools/msnpgen/check_files.py.
  for (const auto& [file_name, bytes] : world.files) {
    if (files_dir.empty()) break;
    const std::string path = files_dir + "/" + file_name;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    const bool ok = f != nullptr && std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    if (f == nullptr || std::fclose(f) != 0 || !ok) {
      std::fprintf(stderr, "rcds_msnpgen: %s: write failed\n", path.c_str());
      return 1;
    }
  }
  std::printf("scenario=%s seed=%llu packets=%zu events=%zu\n", name.c_str(),
              static_cast<unsigned long long>(seed), capture.frames().size(), truth.size());
  return 0;
}
