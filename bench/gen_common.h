// Shared by bench_gen's modes (gen_traffic.cc: mixed traffic and SYN flood;
// gen_msn.cc: MSN logins): options, the fixed-seed PRNG, the pcap output with
// its 1 Gbit/s clock, the text corpus and the per-connection TCP state.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tools/testkit/frames.h"

namespace rcds::bench {

using rcds::testkit::kAck;
using rcds::testkit::kFin;
using rcds::testkit::kPsh;
using rcds::testkit::kSyn;
using rcds::testkit::TcpFields;

// splitmix64: tiny, fast and good enough to shuffle traffic; written here so
// the output never depends on a standard library's distribution code.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); the modulo bias is irrelevant at these ranges.
  uint64_t below(uint64_t n) { return next() % n; }
  uint64_t between(uint64_t lo, uint64_t hi) { return lo + below(hi - lo + 1); }
  bool chance_permille(uint32_t k) { return below(1000) < k; }

 private:
  uint64_t state_;
};

struct Options {
  uint64_t flows = 1000;
  uint64_t bytes = 1000ull * 1000 * 1000;
  uint32_t reorder_permille = 10;
  uint64_t syn_flood = 0;
  uint64_t min_response = 50 * 1000;
  uint64_t max_response = 2 * 1000 * 1000;
  uint64_t seed = 1;
  uint64_t msn_accounts = 0;
  uint64_t msn_concurrent = 4000;
  std::string out;
  std::string warrants_out;
};

constexpr uint32_t kMss = 1460;
constexpr uint16_t kHttpPort = 80;
constexpr uint16_t kMsnPort = 1863;
// One client address per MSN account in 10.0.0.0/8 (see client_ip).
constexpr uint64_t kMaxMsnAccounts = 0xFFFFFE;

// Writes frames with a clock that advances as if on a 1 Gbit/s link, so a
// gigabyte spans seconds of capture time: far below any flow timeout.
class Output {
 public:
  explicit Output(const std::string& path) : writer_(path) {}
  bool ok() const { return writer_.ok(); }
  // Closes the file; on failure says why on stderr and returns false.
  bool close_or_report(const std::string& path) {
    if (writer_.close()) return true;
    std::fprintf(stderr, "bench_gen: writing %s failed: %s\n", path.c_str(), std::strerror(errno));
    return false;
  }
  uint64_t bytes() const { return writer_.bytes_written(); }
  uint64_t packets() const { return packets_; }
  uint64_t seconds() const { return time_ns_ / 1'000'000'000ull; }

  void tcp(uint32_t from_ip, uint16_t from_port, uint32_t to_ip, uint16_t to_port,
           const TcpFields& fields, const uint8_t* payload, size_t length) {
    const size_t n = rcds::testkit::tcp4_frame_into(frame_, from_ip, from_port, to_ip, to_port,
                                                    fields, payload, length);
    writer_.write(static_cast<int64_t>(time_ns_ / 1000), frame_, n);
    time_ns_ += 8 * (n + 24);  // frame + preamble/FCS/gap at 1 ns per bit
    ++packets_;
  }

 private:
  rcds::testkit::PcapWriter writer_;
  uint64_t time_ns_ = 1'700'000'000ull * 1'000'000'000ull;
  uint64_t packets_ = 0;
  uint8_t frame_[rcds::testkit::kTcp4FrameOverhead + 65536];
};

// Shared read-only content: segments are cut from these instead of being
// built byte by byte, which keeps the generator disk-bound.
struct Corpus {
  std::vector<uint8_t> body;  // printable pseudo-random text, a bulk body
  std::vector<std::string> words;

  explicit Corpus(Rng& rng) {
    body.resize(1 << 16);
    for (auto& b : body) b = static_cast<uint8_t>('a' + rng.below(26));
    for (size_t i = 63; i < body.size(); i += 64) body[i] = '\n';
    words = {"hello", "are",  "you", "there", "meeting", "at",     "the",  "station",
             "ok",    "see",  "u",   "later", "bring",   "papers", "call", "me",
             "when",  "done", "lol", "yes",   "no",      "maybe",  "now",  "tomorrow"};
  }
};

enum class Kind : uint8_t { kHttp, kChat };
enum class Step : uint8_t { kSyn, kSynAck, kOpen, kData, kFin1, kFin2, kFin3, kDone };

// One TCP connection's progress. Sequence numbers are the next byte each
// side sends; `sent`/`total` count the stream the connection is carrying
// (the HTTP response, or the number of chat messages).
struct Conn {
  Kind kind = Kind::kHttp;
  Step step = Step::kSyn;
  uint32_t client_ip = 0;
  uint32_t server_ip = 0;
  uint16_t client_port = 0;
  uint16_t server_port = 0;
  uint32_t client_seq = 0;
  uint32_t server_seq = 0;
  uint64_t sent = 0;
  uint64_t total = 0;
  uint32_t header_length = 0;  // HTTP response header bytes at the start of the stream
};

// --msn-accounts mode (gen_msn.cc): writes the capture and, when asked, the
// warrants file; prints a summary line. Returns the process exit code.
int run_msn(const Options& options, Output& out);

}  // namespace rcds::bench
