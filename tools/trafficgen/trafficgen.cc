// rcds_trafficgen --scenario NAME --seed S --out FILE
//
// Writes a capture of several complete TCP connections (handshake, random
// payload in both directions, FIN close) whose packets are reordered,
// duplicated, lost or fragmented the way a tap sees real traffic. The same
// scenario and seed always give the same bytes, so a failure found by the
// differential test (tests/diff) can be replayed.
//
// The receiver acknowledges each message only after all its segments were
// sent (a loss is acknowledged too: the capture missed it, the receiver did
// not), and no burst exceeds the 65535-byte window: libnids drops segments
// beyond the receiver's window, and rcds turns a hole into a gap as soon as
// the receiver acknowledges past it, so segments reordered behind an ACK
// would test neither reassembler but the capture point.
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "tools/testkit/frames.h"

namespace {

using rcds::testkit::Bytes;
using rcds::testkit::Host;
using rcds::testkit::TcpFields;
namespace tk = rcds::testkit;

// Deterministic across standard libraries: mt19937_64 is fully specified,
// the distributions of <random> are not.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  uint64_t below(uint64_t n) { return n == 0 ? 0 : engine_() % n; }
  size_t between(size_t lo, size_t hi) { return lo + below(hi - lo + 1); }
  bool chance(double p) { return static_cast<double>(engine_() >> 11) * 0x1.0p-53 < p; }
  Bytes bytes(size_t n) {
    Bytes b(n);
    for (uint8_t& x : b) x = static_cast<uint8_t>(engine_());
    return b;
  }
  template <typename T>
  void shuffle(T first, T last) {
    for (auto n = last - first; n > 1; --n) std::swap(first[n - 1], first[below(n)]);
  }

 private:
  std::mt19937_64 engine_;
};

// What a scenario does to the segments of each message.
struct Knobs {
  size_t connections = 8;
  size_t max_messages = 8;     // per connection, alternating directions
  size_t max_message = 20000;  // bytes; below the 65535 window
  size_t max_segment = 1460;
  double reorder = 0;    // chance that a window of segments is shuffled
  double duplicate = 0;  // chance per segment of a second copy later
  double overlap = 0;    // chance per segment of a partially overlapping resend
  double loss = 0;       // chance per segment of never reaching the capture
  double fragment = 0;   // chance per segment of IP fragmentation
  double reuse = 0;      // chance that a 4-tuple is used again after the close
  double reset = 0;      // chance that a connection ends with RST, not FIN
  double fin_data = 0;   // chance that the last data segment carries the FIN
  bool wrap = false;     // ISNs just below 2^32
  bool ipv6 = false;
};

bool knobs_for(const std::string& scenario, Knobs& k) {
  if (scenario == "inorder") return true;
  if (scenario == "reorder") {
    k.reorder = 0.5;
    k.fin_data = 0.5;
  } else if (scenario == "duplicate") {
    k.duplicate = 0.15;
    k.overlap = 0.15;
    k.fin_data = 0.5;
  } else if (scenario == "loss") {
    k.loss = 0.05;
    k.fin_data = 0.3;
  } else if (scenario == "mixed") {
    k.connections = 12;
    k.reorder = 0.3;
    k.duplicate = 0.08;
    k.overlap = 0.08;
    k.loss = 0.02;
    k.fragment = 0.05;
    k.reuse = 0.3;
    k.reset = 0.2;
    k.fin_data = 0.3;
  } else if (scenario == "wrap") {
    k.wrap = true;
    k.reorder = 0.3;
    k.fin_data = 0.3;
  } else if (scenario == "small") {
    k.max_message = 300;
    k.max_segment = 1;
    k.reorder = 0.2;
    k.duplicate = 0.05;
  } else if (scenario == "ipv6") {
    k.ipv6 = true;
    k.loss = 0.02;  // tshark marks holes: rcds's gaps are checked too
    k.reorder = 0.3;
    k.duplicate = 0.05;
    k.overlap = 0.05;
    k.fragment = 0.05;
    k.reuse = 0.3;
    k.fin_data = 0.3;
  } else if (scenario == "fragments") {
    k.fragment = 0.5;
  } else {
    return false;
  }
  return true;
}

constexpr const char* kScenarios = "inorder reorder duplicate loss mixed wrap small ipv6 fragments";

struct Stamped {
  int64_t time_us;
  size_t order;  // ties keep generation order
  Bytes frame;
};

// Builds the packets of the connections that share one 4-tuple (a "lane":
// one connection, or several one after another when the tuple is reused).
class LaneWriter {
 public:
  LaneWriter(Rng& rng, const Knobs& knobs, std::vector<Stamped>& out, uint16_t& ip_id,
             int64_t start_us)
      : rng_(rng), k_(knobs), out_(out), ip_id_(ip_id), now_(start_us) {}

  void connection(const Host& client, const Host& server) {
    client_ = client;
    server_ = server;
    next_[0] = isn();
    next_[1] = isn();
    emit(0, next_[0], 0, tk::kSyn, {});
    // Retransmitted SYN and SYN-ACK, as after a lost SYN-ACK or third ACK.
    if (rng_.chance(k_.duplicate)) emit(0, next_[0], 0, tk::kSyn, {});
    emit(1, next_[1], next_[0] + 1, tk::kSyn | tk::kAck, {});
    if (rng_.chance(k_.duplicate)) emit(1, next_[1], next_[0] + 1, tk::kSyn | tk::kAck, {});
    ++next_[0];
    ++next_[1];
    emit(0, next_[0], next_[1], tk::kAck, {});
    const size_t messages = rng_.between(1, k_.max_messages);
    // The FIN on the last data segment is reordered, duplicated or lost
    // with it, as real stacks send it.
    const bool fin_data = rng_.chance(k_.fin_data);
    size_t side = 0;
    for (size_t m = 0; m < messages; ++m) {
      const bool last = m + 1 == messages;
      message(side, rng_.between(1, k_.max_message), last && fin_data);
      if (!last && rng_.chance(0.7)) side ^= 1;
    }
    close(fin_data, side);
  }

  // Capture time passes between two connections of a lane: more than the
  // 10 s after which nids_reassemble lets libnids drop a connection whose
  // FINs wait behind a lost segment, so that it follows the next one too.
  void pause() { now_ += 20'000'000; }

 private:
  uint32_t isn() {
    if (k_.wrap) return static_cast<uint32_t>(0x1'0000'0000 - rng_.between(1, 30000));
    return static_cast<uint32_t>(rng_.below(0x1'0000'0000));
  }

  void message(size_t side, size_t size, bool fin) {
    const Bytes data = rng_.bytes(size);
    struct Piece {
      size_t offset, length;
    };
    std::vector<Piece> segments;
    for (size_t off = 0; off < size;) {
      const size_t n = std::min(size - off, rng_.between(1, k_.max_segment));
      segments.push_back({off, n});
      off += n;
    }
    std::vector<Piece> sent;
    for (const Piece& p : segments) {
      if (!rng_.chance(k_.loss)) sent.push_back(p);
    }
    if (k_.reorder > 0) {
      for (size_t i = 0; i < sent.size();) {
        const size_t end = std::min(sent.size(), i + rng_.between(2, 6));
        if (rng_.chance(k_.reorder)) rng_.shuffle(sent.begin() + i, sent.begin() + end);
        i = end;
      }
    }
    // Retransmissions: exact copies of a segment, and resends starting inside
    // a segment and running on into the next ones (repacketised), either
    // ahead of the original or a few segments after it. A resend may cover
    // part of a lost range, as a real one would.
    std::vector<Piece> order;
    std::vector<std::pair<size_t, Piece>> later;  // segments still to wait, copy
    const auto release = [&] {
      for (auto it = later.begin(); it != later.end();) {
        if (it->first-- == 0) {
          order.push_back(it->second);
          it = later.erase(it);
        } else {
          ++it;
        }
      }
    };
    for (const Piece& p : sent) {
      if (rng_.chance(k_.duplicate)) later.push_back({rng_.below(5), p});
      if (p.length > 1 && rng_.chance(k_.overlap)) {
        const size_t from = p.offset + rng_.between(1, p.length - 1);
        const size_t to = rng_.between(from + 1, std::min(size, from + k_.max_segment));
        const Piece resend{from, to - from};
        if (rng_.chance(0.5)) {
          order.push_back(resend);
        } else {
          later.push_back({rng_.below(5), resend});
        }
      }
      order.push_back(p);
      release();
    }
    for (const auto& [wait, copy] : later) order.push_back(copy);
    const uint32_t base = next_[side];
    for (const Piece& p : order) {
      const Bytes payload(data.begin() + static_cast<std::ptrdiff_t>(p.offset),
                          data.begin() + static_cast<std::ptrdiff_t>(p.offset + p.length));
      const bool ends = fin && p.offset + p.length == size;
      emit(side, base + static_cast<uint32_t>(p.offset), next_[side ^ 1],
           tk::kAck | tk::kPsh | (ends ? tk::kFin : 0), payload);
    }
    next_[side] += static_cast<uint32_t>(size) + (fin ? 1 : 0);
    emit(side ^ 1, next_[side ^ 1], next_[side], tk::kAck, {});
  }

  // `fin_sent`: `side` already sent its FIN with its last data.
  void close(bool fin_sent, size_t side) {
    const size_t closer = fin_sent ? side : rng_.below(2);
    const size_t peer = closer ^ 1;
    if (!fin_sent && rng_.chance(k_.reset)) {
      emit(closer, next_[closer], next_[peer], tk::kRst | tk::kAck, {});
      return;
    }
    if (!fin_sent) {
      emit(closer, next_[closer], next_[peer], tk::kFin | tk::kAck, {});
      ++next_[closer];
    }
    emit(peer, next_[peer], next_[closer], tk::kFin | tk::kAck, {});
    ++next_[peer];
    emit(closer, next_[closer], next_[peer], tk::kAck, {});
  }

  void emit(size_t side, uint32_t seq, uint32_t ack, uint8_t flags, const Bytes& payload) {
    const Host& from = side == 0 ? client_ : server_;
    const Host& to = side == 0 ? server_ : client_;
    Bytes frame = tk::tcp_frame(from, to, TcpFields{seq, ack, flags, 65535}, payload);
    now_ += static_cast<int64_t>(rng_.between(5, 400));
    if (payload.empty() || !rng_.chance(k_.fragment)) {
      push(std::move(frame));
      return;
    }
    // Fragments of at least 8 bytes, at least two of them; a datagram's
    // fragments arrive shuffled half of the time.
    const size_t ip_payload = 20 + payload.size();
    const size_t chunk = 8 * rng_.between(1, (ip_payload - 1) / 8);
    const uint16_t id = ++ip_id_;
    std::vector<Bytes> fragments = k_.ipv6 ? tk::ipv6_fragments(frame, chunk, id)
                                           : tk::ipv4_fragments(with_ipv4_id(frame, id), chunk);
    if (rng_.chance(0.5)) rng_.shuffle(fragments.begin(), fragments.end());
    for (Bytes& f : fragments) push(std::move(f));
  }

  // tcp_frame numbers every datagram 1; fragments of two datagrams in flight
  // at once need distinct IDs or a defragmenter would mix them.
  static Bytes with_ipv4_id(Bytes frame, uint16_t id) {
    uint8_t* ip = frame.data() + 14;
    ip[4] = static_cast<uint8_t>(id >> 8);
    ip[5] = static_cast<uint8_t>(id);
    ip[10] = ip[11] = 0;
    uint32_t sum = 0;
    for (size_t i = 0; i < 20; i += 2) sum += uint32_t{ip[i]} << 8 | ip[i + 1];
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    ip[10] = static_cast<uint8_t>(~sum >> 8);
    ip[11] = static_cast<uint8_t>(~sum);
    return frame;
  }

  void push(Bytes frame) { out_.push_back({now_, out_.size(), std::move(frame)}); }

  Rng& rng_;
  const Knobs& k_;
  std::vector<Stamped>& out_;
  uint16_t& ip_id_;
  int64_t now_;
  Host client_, server_;
  uint32_t next_[2] = {0, 0};  // next sequence number of client, server
};

std::string address(const Knobs& k, bool client, size_t n) {
  char text[64];
  if (k.ipv6) {
    std::snprintf(text, sizeof text, "2001:db8:%d::%zx", client ? 1 : 2, n + 1);
  } else {
    std::snprintf(text, sizeof text, "10.%d.%zu.%zu", client ? 1 : 2, n / 250, n % 250 + 1);
  }
  return text;
}

int usage() {
  std::fprintf(stderr,
               "usage: rcds_trafficgen --scenario NAME --seed S --out FILE\nscenarios: %s\n",
               kScenarios);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string scenario, out;
  uint64_t seed = 0;
  bool have_seed = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--scenario") {
      scenario = argv[i + 1];
    } else if (flag == "--seed") {
      seed = std::strtoull(argv[i + 1], nullptr, 10);
      have_seed = true;
    } else if (flag == "--out") {
      out = argv[i + 1];
    } else {
      return usage();
    }
  }
  Knobs knobs;
  if (argc % 2 == 0 || scenario.empty() || out.empty() || !have_seed ||
      !knobs_for(scenario, knobs)) {
    return usage();
  }

  Rng rng(seed);
  std::vector<Stamped> packets;
  uint16_t ip_id = 0;
  size_t connections = 0;
  // 2024-01-01 00:00:00 UTC: a fixed epoch keeps the output reproducible.
  constexpr int64_t kEpochUs = 1'704'067'200'000'000;
  for (size_t lane = 0; lane < knobs.connections; ++lane) {
    const Host client{address(knobs, true, lane), static_cast<uint16_t>(rng.between(1024, 65535))};
    static constexpr uint16_t kPorts[] = {80, 443, 1863, 5060, 5222, 25, 6667};
    const Host server{address(knobs, false, rng.below(3)), kPorts[rng.below(std::size(kPorts))]};
    // Lanes start within the first second, so connections overlap in time.
    LaneWriter writer(rng, knobs, packets, ip_id,
                      kEpochUs + static_cast<int64_t>(rng.below(1000000)));
    writer.connection(client, server);
    ++connections;
    while (rng.chance(knobs.reuse)) {
      writer.pause();
      writer.connection(client, server);
      ++connections;
    }
  }
  std::sort(packets.begin(), packets.end(), [](const Stamped& a, const Stamped& b) {
    return a.time_us != b.time_us ? a.time_us < b.time_us : a.order < b.order;
  });

  uint64_t written = 0;
  {
    tk::PcapWriter writer(out);
    if (!writer.ok()) {
      std::perror(out.c_str());
      return 1;
    }
    for (const Stamped& p : packets) writer.write(p.time_us, p.frame);
    written = writer.bytes_written();
  }
  // PcapWriter does not report write errors; a short file (full disk) must
  // not pass for a scenario.
  struct stat st {};
  if (stat(out.c_str(), &st) != 0 || static_cast<uint64_t>(st.st_size) != written) {
    std::fprintf(stderr, "rcds_trafficgen: %s: incomplete write\n", out.c_str());
    return 1;
  }
  std::printf("scenario=%s seed=%llu connections=%zu packets=%zu\n", scenario.c_str(),
              static_cast<unsigned long long>(seed), connections, packets.size());
  return 0;
}
