// bench_gen: deterministic benchmark traffic for bench/run.
//
// Mixed mode keeps --flows TCP connections open at once and interleaves
// their packets at random; when a connection finishes, a new one takes its
// slot. About 90% of connections are bulk HTTP downloads, 10% MSNP-style
// switchboard chats on port 1863. Once --bytes have been written no new
// connection starts and every open one is closed with a FIN exchange, so each
// file ends with all its flows properly torn down. With many concurrent flows
// and large responses, the byte budget usually cuts responses short: the
// point of those files is N flows alive at the same time, not complete
// downloads.
//
// --syn-flood N writes N SYN-only packets from distinct addresses and ports
// instead: each is a half-open flow that a reassembler has to track or drop.
//
// --msn-accounts N writes MSN logins instead (gen_msn.cc): the file for
// measuring what a handful of targets among many non-targets costs.
//
// Everything comes from one fixed-seed PRNG, so the same options always give
// the same bytes.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "bench/gen_common.h"
#include "tools/testkit/frames.h"

namespace {

using namespace rcds::bench;

class Generator {
 public:
  Generator(const Options& options, Output& out)
      : options_(options), out_(out), rng_(options.seed), corpus_(rng_) {}

  void run_mixed() {
    std::vector<Conn> live(options_.flows);
    for (auto& c : live) start(c);
    bool draining = false;
    while (!live.empty()) {
      if (!draining && out_.bytes() >= options_.bytes) draining = true;
      const size_t i = rng_.below(live.size());
      Conn& c = live[i];
      if (draining && c.step == Step::kSyn) c.step = Step::kDone;  // never started: drop
      if (draining && c.step == Step::kData) c.total = c.sent;     // close at this turn
      if (c.step != Step::kDone) advance(c);
      if (c.step != Step::kDone) continue;
      if (draining) {
        live[i] = live.back();
        live.pop_back();
      } else {
        start(live[i]);
      }
    }
  }

  void run_syn_flood() {
    for (uint64_t n = 0; n < options_.syn_flood; ++n) {
      // 10.128.0.0/9 clients, one per SYN; the port varies too so no two
      // SYNs share a 4-tuple even past 2^23 of them.
      const uint32_t client = 0x0A800000u | static_cast<uint32_t>(n & 0x7FFFFF);
      const auto port = static_cast<uint16_t>(1024 + (n >> 23) + rng_.below(30000));
      const uint32_t server = 0xAC100000u | static_cast<uint32_t>(1 + rng_.below(100));
      out_.tcp(client, port, server, kHttpPort, fields(static_cast<uint32_t>(rng_.next()), 0, kSyn),
               nullptr, 0);
    }
  }

  uint64_t connections() const { return opened_; }

 private:
  static TcpFields fields(uint32_t seq, uint32_t ack, uint8_t flags) {
    TcpFields f;
    f.seq = seq;
    f.ack = ack;
    f.flags = flags;
    return f;
  }

  void start(Conn& c) {
    const uint64_t serial = serial_++;
    c = Conn{};
    c.kind = rng_.below(10) == 0 ? Kind::kChat : Kind::kHttp;
    // One client address per connection (10.0.0.0/9 wraps after 8M
    // connections; the random port keeps tuples apart after that).
    c.client_ip = 0x0A000000u | static_cast<uint32_t>(serial & 0x7FFFFF);
    c.client_port = static_cast<uint16_t>(1024 + rng_.below(60000));
    c.server_ip = 0xAC100000u | static_cast<uint32_t>(c.kind == Kind::kChat ? 200 + rng_.below(10)
                                                                            : 1 + rng_.below(100));
    c.server_port = c.kind == Kind::kChat ? kMsnPort : kHttpPort;
    c.client_seq = static_cast<uint32_t>(rng_.next());
    c.server_seq = static_cast<uint32_t>(rng_.next());
    if (c.kind == Kind::kHttp) {
      // Log-uniform between the bounds: many medium, some very large bodies.
      const double lo = static_cast<double>(options_.min_response);
      const double hi = static_cast<double>(options_.max_response);
      const double u = static_cast<double>(rng_.below(1u << 30)) / double(1u << 30);
      c.total = static_cast<uint64_t>(lo * std::pow(hi / lo, u));
    } else {
      c.total = rng_.between(10, 60);  // chat messages
    }
  }

  void client_send(Conn& c, uint8_t flags, const uint8_t* data, size_t n) {
    out_.tcp(c.client_ip, c.client_port, c.server_ip, c.server_port,
             fields(c.client_seq, c.server_seq, flags), data, n);
    c.client_seq += static_cast<uint32_t>(n);
  }
  void server_send(Conn& c, uint8_t flags, const uint8_t* data, size_t n) {
    out_.tcp(c.server_ip, c.server_port, c.client_ip, c.client_port,
             fields(c.server_seq, c.client_seq, flags), data, n);
    c.server_seq += static_cast<uint32_t>(n);
  }

  void advance(Conn& c) {
    switch (c.step) {
      case Step::kSyn:
        ++opened_;
        out_.tcp(c.client_ip, c.client_port, c.server_ip, c.server_port,
                 fields(c.client_seq++, 0, kSyn), nullptr, 0);
        c.step = Step::kSynAck;
        break;
      case Step::kSynAck:
        out_.tcp(c.server_ip, c.server_port, c.client_ip, c.client_port,
                 fields(c.server_seq++, c.client_seq, kSyn | kAck), nullptr, 0);
        c.step = Step::kOpen;
        break;
      case Step::kOpen:
        client_send(c, kAck, nullptr, 0);
        if (c.kind == Kind::kHttp) {
          open_http(c);
        } else {
          open_chat(c);
        }
        c.step = Step::kData;
        break;
      case Step::kData:
        if (c.sent >= c.total) {
          if (c.kind == Kind::kChat) send_text(c, true, "OUT\r\n");
          c.step = Step::kFin1;
          advance(c);
          break;
        }
        if (c.kind == Kind::kHttp) {
          http_segments(c);
        } else {
          chat_message(c);
        }
        break;
      // HTTP/1.0 style: the server closes after the body; a chat client
      // closes after OUT. Either way one side's FIN, the other's FIN, ACK.
      case Step::kFin1:  // the closer's FIN
      case Step::kFin2:  // the other side's FIN
        send_fin(c, (c.step == Step::kFin1) == (c.kind == Kind::kChat));
        c.step = c.step == Step::kFin1 ? Step::kFin2 : Step::kFin3;
        break;
      case Step::kFin3:  // the closer ACKs the other FIN
        send(c, c.kind == Kind::kChat, kAck, nullptr, 0);
        c.step = Step::kDone;
        break;
      case Step::kDone:
        break;
    }
  }

  void open_http(Conn& c) {
    const int n = std::snprintf(text_, sizeof text_,
                                "GET /files/%08llx.bin HTTP/1.1\r\nHost: www%u.example.com\r\n"
                                "User-Agent: bench/1.0\r\nAccept: */*\r\n\r\n",
                                static_cast<unsigned long long>(serial_), c.server_ip & 0xFF);
    client_send(c, kPsh | kAck, reinterpret_cast<const uint8_t*>(text_), static_cast<size_t>(n));
    const size_t h = http_header(c.total);
    c.header_length = static_cast<uint32_t>(h);
    c.total += c.header_length;
  }

  // Writes the response header into header_; returns its length.
  size_t http_header(uint64_t body_length) {
    const int n = std::snprintf(header_, sizeof header_,
                                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                                "Content-Length: %llu\r\nConnection: close\r\n\r\n",
                                static_cast<unsigned long long>(body_length));
    return static_cast<size_t>(n);
  }

  // Bytes [from, from+n) of a response stream: the header, then the body.
  void response_bytes(const Conn& c, uint64_t from, size_t n, uint8_t* to) {
    // Only the first segment carries header bytes; rebuilding the header
    // there is cheaper than keeping a copy in every connection.
    if (from < c.header_length) http_header(c.total - c.header_length);
    size_t done = 0;
    while (done < n && from + done < c.header_length) {
      to[done] = static_cast<uint8_t>(header_[from + done]);
      ++done;
    }
    while (done < n) {
      const uint64_t at = (from + done - c.header_length) % corpus_.body.size();
      const size_t chunk = std::min<size_t>(n - done, corpus_.body.size() - at);
      std::memcpy(to + done, corpus_.body.data() + at, chunk);
      done += chunk;
    }
  }

  // Two full segments from the server (swapped now and then), then the
  // client's delayed ACK for both.
  void http_segments(Conn& c) {
    const uint64_t left = c.total - c.sent;
    const size_t first = static_cast<size_t>(std::min<uint64_t>(kMss, left));
    const size_t second = static_cast<size_t>(std::min<uint64_t>(kMss, left - first));
    response_bytes(c, c.sent, first, seg_a_);
    if (second != 0) response_bytes(c, c.sent + first, second, seg_b_);
    const uint32_t seq = c.server_seq;
    if (second != 0 && rng_.chance_permille(options_.reorder_permille)) {
      c.server_seq = seq + static_cast<uint32_t>(first);
      server_send(c, kAck, seg_b_, second);
      c.server_seq = seq;
      server_send(c, kAck, seg_a_, first);
      c.server_seq = seq + static_cast<uint32_t>(first + second);
    } else {
      server_send(c, kAck, seg_a_, first);
      if (second != 0) server_send(c, kAck | kPsh, seg_b_, second);
    }
    c.sent += first + second;
    client_send(c, kAck, nullptr, 0);
  }

  void open_chat(Conn& c) {
    std::snprintf(text_, sizeof text_, "ANS 1 user%llu@example.com 849102291.520491113 %llu\r\n",
                  static_cast<unsigned long long>(c.client_ip & 0xFFFFFF),
                  static_cast<unsigned long long>(rng_.below(100000000)));
    send_text(c, true, text_);
    std::snprintf(text_, sizeof text_, "IRO 1 1 1 peer%u@example.com Peer%%20%u\r\nANS 1 OK\r\n",
                  static_cast<unsigned>(c.server_ip & 0xFF), static_cast<unsigned>(c.client_port));
    send_text(c, false, text_);
  }

  // One MSG, from either side; a quarter of them in two segments, which the
  // reorder option may swap. The receiver ACKs.
  void chat_message(Conn& c) {
    const bool from_client = rng_.below(2) == 0;
    std::string body = "hello";
    const uint64_t words = rng_.between(1, 30);
    for (uint64_t w = 0; w < words; ++w) {
      body += ' ';
      body += corpus_.words[rng_.below(corpus_.words.size())];
    }
    const std::string mime =
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
        "X-MMS-IM-Format: FN=Arial; EF=; CO=0; CS=0; PF=22\r\n\r\n" +
        body;
    int n = 0;
    if (from_client) {
      n = std::snprintf(text_, sizeof text_, "MSG %llu N %zu\r\n%s",
                        static_cast<unsigned long long>(c.sent + 2), mime.size(), mime.c_str());
    } else {
      n = std::snprintf(text_, sizeof text_, "MSG peer%u@example.com Peer %zu\r\n%s",
                        static_cast<unsigned>(c.server_ip & 0xFF), mime.size(), mime.c_str());
    }
    const auto* data = reinterpret_cast<const uint8_t*>(text_);
    const auto length = static_cast<size_t>(n);
    if (rng_.below(4) == 0) {
      const size_t cut = length / 2;
      uint32_t& seq = from_client ? c.client_seq : c.server_seq;
      const uint32_t start = seq;
      if (rng_.chance_permille(options_.reorder_permille)) {
        seq = start + static_cast<uint32_t>(cut);
        send(c, from_client, kPsh | kAck, data + cut, length - cut);
        seq = start;
        send(c, from_client, kAck, data, cut);
        seq = start + static_cast<uint32_t>(length);
      } else {
        send(c, from_client, kAck, data, cut);
        send(c, from_client, kPsh | kAck, data + cut, length - cut);
      }
    } else {
      send(c, from_client, kPsh | kAck, data, length);
    }
    send(c, !from_client, kAck, nullptr, 0);
    ++c.sent;
  }

  void send(Conn& c, bool from_client, uint8_t flags, const uint8_t* data, size_t n) {
    if (from_client) {
      client_send(c, flags, data, n);
    } else {
      server_send(c, flags, data, n);
    }
  }
  // A FIN takes one sequence number.
  void send_fin(Conn& c, bool from_client) {
    send(c, from_client, kFin | kAck, nullptr, 0);
    ++(from_client ? c.client_seq : c.server_seq);
  }
  void send_text(Conn& c, bool from_client, std::string_view text) {
    send(c, from_client, kPsh | kAck, reinterpret_cast<const uint8_t*>(text.data()), text.size());
  }

  const Options& options_;
  Output& out_;
  Rng rng_;
  Corpus corpus_;
  uint64_t serial_ = 0;  // connections started, including any dropped unopened at the end
  uint64_t opened_ = 0;  // connections that sent their SYN
  char text_[4096];
  char header_[256];
  uint8_t seg_a_[kMss];
  uint8_t seg_b_[kMss];
};
// The allocation-free frame builder must produce exactly what tcp_frame
// does, or the benchmark files would not be the frames the tests trust.
bool frame_builder_matches() {
  TcpFields f;
  f.seq = 0x01020304;
  f.ack = 0xA0B0C0D0;
  f.flags = kPsh | kAck;
  const auto payload = rcds::testkit::bytes_of("GET / HTTP/1.1\r\n\r\nodd");
  const auto expected =
      rcds::testkit::tcp_frame({"10.1.2.3", 40000}, {"172.16.0.9", 80}, f, payload);
  std::vector<uint8_t> got(rcds::testkit::kTcp4FrameOverhead + payload.size());
  const size_t n = rcds::testkit::tcp4_frame_into(got.data(), 0x0A010203, 40000, 0xAC100009, 80, f,
                                                  payload.data(), payload.size());
  return n == expected.size() && std::memcmp(got.data(), expected.data(), n) == 0;
}

bool parse_number(const char* text, uint64_t& value) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text) return false;
  // Sizes may carry a decimal suffix: 100M, 2G.
  uint64_t scale = 1;
  if (*end == 'K' || *end == 'k') scale = 1000, ++end;
  if (*end == 'M') scale = 1000 * 1000, ++end;
  if (*end == 'G') scale = 1000 * 1000 * 1000, ++end;
  if (*end != '\0') return false;
  value = v * scale;
  return true;
}

int usage() {
  std::fprintf(stderr,
               "usage: bench_gen --out FILE [--flows N] [--bytes TOTAL] [--reorder-permille K]\n"
               "                 [--min-response B] [--max-response B] [--seed S]\n"
               "       bench_gen --out FILE --syn-flood N\n"
               "       bench_gen --out FILE --msn-accounts N [--msn-concurrent C]\n"
               "                 [--warrants-out WARRANTS.json] [--seed S]\n"
               "sizes take K/M/G suffixes (decimal)\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return usage();
    const char* value = argv[++i];
    uint64_t number = 0;
    if (arg == "--out") {
      options.out = value;
      continue;
    }
    if (arg == "--warrants-out") {
      options.warrants_out = value;
      continue;
    }
    if (!parse_number(value, number)) return usage();
    if (arg == "--flows") {
      options.flows = number;
    } else if (arg == "--bytes") {
      options.bytes = number;
    } else if (arg == "--reorder-permille") {
      options.reorder_permille = static_cast<uint32_t>(number);
    } else if (arg == "--syn-flood") {
      options.syn_flood = number;
    } else if (arg == "--min-response") {
      options.min_response = number;
    } else if (arg == "--max-response") {
      options.max_response = number;
    } else if (arg == "--seed") {
      options.seed = number;
    } else if (arg == "--msn-accounts") {
      options.msn_accounts = number;
    } else if (arg == "--msn-concurrent") {
      options.msn_concurrent = number;
    } else {
      return usage();
    }
  }
  if (options.out.empty() || options.flows == 0 || options.min_response == 0 ||
      options.max_response < options.min_response || options.reorder_permille > 1000 ||
      options.msn_concurrent == 0 || options.msn_accounts > kMaxMsnAccounts ||
      (!options.warrants_out.empty() && options.msn_accounts == 0)) {
    return usage();
  }
  if (!frame_builder_matches()) {
    std::fprintf(stderr, "bench_gen: tcp4_frame_into disagrees with tcp_frame\n");
    return 1;
  }
  Output out(options.out);
  if (!out.ok()) {
    std::fprintf(stderr, "bench_gen: cannot create %s: %s\n", options.out.c_str(),
                 std::strerror(errno));
    return 1;
  }
  if (options.msn_accounts != 0) return run_msn(options, out);
  Generator generator(options, out);
  if (options.syn_flood != 0) {
    generator.run_syn_flood();
  } else {
    generator.run_mixed();
  }
  const uint64_t packets = out.packets();
  const uint64_t bytes = out.bytes();
  if (!out.close_or_report(options.out)) return 1;
  std::printf("file=%s packets=%llu file_bytes=%llu connections=%llu\n", options.out.c_str(),
              static_cast<unsigned long long>(packets), static_cast<unsigned long long>(bytes),
              static_cast<unsigned long long>(options.syn_flood != 0 ? options.syn_flood
                                                                     : generator.connections()));
  return 0;
}
