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
// --msn-accounts N writes MSN logins instead: N distinct accounts each sign
// in once on a notification server (MSNP8 Tweener login, CHG NLN, OUT), with
// --msn-concurrent of them online at once; about one in ten also opens a
// switchboard and chats. --warrants-out FILE writes 100 warrants whose
// targets are chatting accounts and client addresses of the capture: the
// file for measuring what a handful of targets among many non-targets costs.
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

#include "tools/testkit/frames.h"

namespace {

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
  bool close() { return writer_.close(); }
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

// MSN login traffic (--msn-accounts). Each slot is one account's client:
// its notification-server (NS) connection, and for a chatter a switchboard
// (SB) connection opened while the NS session is online. A step is one
// segment (or a segment and the peer's pure ACK), so picking a random slot
// per step interleaves thousands of sessions packet by packet. Data segments
// piggyback the ACK of everything received, as a real stack's replies do.
class MsnGenerator {
 public:
  MsnGenerator(const Options& options, Output& out)
      : options_(options), out_(out), rng_(options.seed), corpus_(rng_) {}

  void run() {
    std::vector<Session> live(std::min(options_.msn_concurrent, options_.msn_accounts));
    for (auto& s : live) start(s);
    while (!live.empty()) {
      const size_t i = rng_.below(live.size());
      if (!advance(live[i])) continue;
      if (next_account_ < options_.msn_accounts) {
        start(live[i]);
      } else {
        live[i] = live.back();
        live.pop_back();
      }
    }
  }

  // 100 warrants on accounts that chat, spread over the capture: 90 name the
  // account, 10 the client address (which both its connections use).
  bool write_warrants(const std::string& path) const {
    std::FILE* f = std::fopen(path.c_str(), "w");
    if (f == nullptr) return false;
    constexpr size_t kWarrants = 100;
    std::fprintf(f, "{\"warrants\": [\n");
    for (size_t w = 0; w < kWarrants && !chatters_.empty(); ++w) {
      const uint32_t k = chatters_[w * chatters_.size() / kWarrants];
      char target[64];
      if (w % 10 == 9) {
        const uint32_t ip = client_ip(k);
        std::snprintf(target, sizeof target, "ip:%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xFF,
                      (ip >> 8) & 0xFF, ip & 0xFF);
      } else {
        std::snprintf(target, sizeof target, "msn:user%u@example.com", k);
      }
      std::fprintf(f,
                   " {\"liid\": \"BENCH-%03zu\", \"case_reference\": \"BENCH\", \"authority\": "
                   "\"bench\", \"valid_from\": \"2000-01-01T00:00:00Z\", \"valid_until\": "
                   "\"2100-01-01T00:00:00Z\", \"scope\": \"iri+cc\", \"targets\": [\"%s\"]}%s\n",
                   w, target, w + 1 < kWarrants && w + 1 < chatters_.size() ? "," : "");
    }
    std::fprintf(f, "]}\n");
    return std::fclose(f) == 0;
  }

  uint64_t accounts() const { return next_account_; }
  uint64_t switchboards() const { return chatters_.size(); }
  uint64_t messages() const { return messages_; }
  uint64_t connections() const { return next_account_ + chatters_.size(); }

 private:
  // Steps of one account, in the order they happen (advance() moves to the
  // next one). The SB connection runs between the NS's XFR reply and its
  // OUT; a non-chatter jumps from kNsChgReply to kNsOut.
  enum Step : uint8_t {
    kNsSyn,
    kNsSynAck,
    kNsAck,
    kNsVer,
    kNsVerReply,
    kNsCvr,
    kNsCvrReply,
    kNsUsrI,
    kNsUsrS,
    kNsTicket,
    kNsOk,
    kNsChg,
    kNsChgReply,
    kNsXfr,
    kNsXfrReply,
    kNsXfrAck,
    kSbSyn,
    kSbSynAck,
    kSbAck,
    kSbUsr,
    kSbUsrOk,
    kSbCal,
    kSbRinging,
    kSbJoi,
    kSbJoiAck,
    kSbMsg,
    kSbOut,
    kSbFin,
    kSbFinReply,
    kSbLastAck,
    kNsOut,
    kNsFin,
    kNsFinReply,
    kNsLastAck
  };
  struct Session {
    Conn ns;
    Conn sb;
    uint32_t account = 0;
    uint32_t cookie = 0;    // XFR cookie middle part, repeated in the SB USR
    uint32_t xfr_time = 0;  // XFR cookie first part (capture time in seconds)
    uint8_t step = kNsSyn;
    uint8_t messages_left = 0;
    uint8_t messages_sent = 0;
    uint8_t trid = 0;  // the next client TrID on the SB
    bool chatter = false;
  };

  // 10.0.0.0/8, one address per account: an "ip:" target then matches
  // exactly one account's connections.
  static uint32_t client_ip(uint32_t k) { return 0x0A000000u | (k + 1); }

  void start(Session& s) {
    s = Session{};
    s.account = static_cast<uint32_t>(next_account_++);
    s.chatter = rng_.below(10) == 0;
    if (s.chatter) chatters_.push_back(s.account);
    s.ns.client_ip = s.sb.client_ip = client_ip(s.account);
    s.ns.client_port = static_cast<uint16_t>(1024 + rng_.below(60000));
    s.sb.client_port = static_cast<uint16_t>(s.ns.client_port + 1);
    s.ns.server_ip = 0xAC110000u | static_cast<uint32_t>(1 + rng_.below(20));  // 172.17.0.x
    s.sb.server_ip = 0xAC110100u | static_cast<uint32_t>(1 + rng_.below(20));  // 172.17.1.x
    s.ns.server_port = s.sb.server_port = kMsnPort;
    s.ns.client_seq = static_cast<uint32_t>(rng_.next());
    s.ns.server_seq = static_cast<uint32_t>(rng_.next());
    s.sb.client_seq = static_cast<uint32_t>(rng_.next());
    s.sb.server_seq = static_cast<uint32_t>(rng_.next());
    s.cookie = static_cast<uint32_t>(rng_.between(10000, 99999));
    s.messages_left = static_cast<uint8_t>(rng_.between(2, 6));
    s.trid = 3;
  }

  // One step of `s`; true when the account is done (both connections closed).
  bool advance(Session& s) {
    Conn& ns = s.ns;
    Conn& sb = s.sb;
    const unsigned k = s.account;
    const auto ct = static_cast<unsigned long long>(out_.seconds());
    switch (s.step) {
      case kNsSyn:
        syn(ns);
        break;
      case kNsSynAck:
        syn_ack(ns);
        break;
      case kNsAck:
        send(ns, true, kAck, nullptr, 0);
        break;
      case kNsVer:
        text(ns, true, "VER 1 MSNP8 CVR0\r\n");
        break;
      case kNsVerReply:
        text(ns, false, "VER 1 MSNP8 CVR0\r\n");
        break;
      case kNsCvr:
        text(ns, true, "CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.0.0602 MSMSGS user%u@example.com\r\n",
             k);
        break;
      case kNsCvrReply:
        text(ns, false,
             "CVR 2 6.0.0602 6.0.0602 6.0.0602 http://download.example/msn.exe "
             "http://messenger.example/\r\n");
        break;
      case kNsUsrI:
        text(ns, true, "USR 3 TWN I user%u@example.com\r\n", k);
        break;
      case kNsUsrS:
        text(ns, false,
             "USR 3 TWN S lc=1033,id=507,tw=40,fs=1,ru=http%%3A%%2F%%2Fmessenger%%2Emsn%%2Ecom,"
             "ct=%llu,kpp=1,kv=5,ver=2.1.0173.1,tpf=%016llx%016llx\r\n",
             ct, static_cast<unsigned long long>(rng_.next()),
             static_cast<unsigned long long>(rng_.next()));
        break;
      case kNsTicket:
        text(ns, true, "USR 4 TWN S t=%016llx$$&p=%016llx$$\r\n",
             static_cast<unsigned long long>(rng_.next()),
             static_cast<unsigned long long>(rng_.next()));
        break;
      case kNsOk:
        text(ns, false, "USR 4 OK user%u@example.com User%u 1 0\r\n", k, k);
        break;
      case kNsChg:
        text(ns, true, "CHG 5 NLN 0\r\n");
        break;
      case kNsChgReply:
        text(ns, false, "CHG 5 NLN 0\r\n");
        if (!s.chatter) s.step = kNsOut - 1;
        break;
      case kNsXfr:
        text(ns, true, "XFR 6 SB\r\n");
        break;
      case kNsXfrReply:
        text(ns, false, "XFR 6 SB %u.%u.%u.%u:1863 CKI %llu.%u.%u\r\n", sb.server_ip >> 24,
             (sb.server_ip >> 16) & 0xFF, (sb.server_ip >> 8) & 0xFF, sb.server_ip & 0xFF, ct,
             s.cookie, k);
        s.xfr_time = static_cast<uint32_t>(ct);  // the SB USR must repeat the cookie exactly
        break;
      case kNsXfrAck:  // the client's delayed ACK: its next NS segment is far off
        send(ns, true, kAck, nullptr, 0);
        break;
      case kSbSyn:
        syn(sb);
        break;
      case kSbSynAck:
        syn_ack(sb);
        break;
      case kSbAck:
        send(sb, true, kAck, nullptr, 0);
        break;
      case kSbUsr:
        text(sb, true, "USR 1 user%u@example.com %llu.%u.%u\r\n", k,
             static_cast<unsigned long long>(s.xfr_time), s.cookie, k);
        break;
      case kSbUsrOk:
        text(sb, false, "USR 1 OK user%u@example.com User%u\r\n", k, k);
        break;
      case kSbCal:
        text(sb, true, "CAL 2 peer%u@example.net\r\n", k);
        break;
      case kSbRinging:
        text(sb, false, "CAL 2 RINGING %u\r\n", 10000000 + k);
        break;
      case kSbJoi:
        text(sb, false, "JOI peer%u@example.net Peer\r\n", k);
        break;
      case kSbJoiAck:
        send(sb, true, kAck, nullptr, 0);
        break;
      case kSbMsg:
        message(s);
        if (--s.messages_left != 0) return false;  // stay on this step
        break;
      case kSbOut:
        text(sb, true, "OUT\r\n");
        break;
      case kSbFin:
      case kNsFin:
        fin(s.step == kSbFin ? sb : ns, true);
        break;
      case kSbFinReply:
      case kNsFinReply:
        fin(s.step == kSbFinReply ? sb : ns, false);
        break;
      case kSbLastAck:
        send(sb, true, kAck, nullptr, 0);
        break;
      case kNsOut:
        text(ns, true, "OUT\r\n");
        break;
      case kNsLastAck:
        send(ns, true, kAck, nullptr, 0);
        return true;
      default:
        break;
    }
    ++s.step;
    return false;
  }

  // One text/plain MSG, from the client (`MSG trid N len`) or relayed from
  // the peer (`MSG peer friendly len`), and the receiver's ACK. The body says
  // who sent which message so a decoded transcript can be checked.
  void message(Session& s) {
    const bool from_client = rng_.below(2) == 0;
    const unsigned k = s.account;
    int n = std::snprintf(body_, sizeof body_, "msg %u from %s%u:", ++s.messages_sent,
                          from_client ? "user" : "peer", k);
    const uint64_t words = rng_.between(2, 12);
    for (uint64_t w = 0; w < words; ++w) {
      const std::string& word = corpus_.words[rng_.below(corpus_.words.size())];
      n += std::snprintf(body_ + n, sizeof body_ - n, " %s", word.c_str());
    }
    static constexpr std::string_view kMime =
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
        "X-MMS-IM-Format: FN=Arial; EF=; CO=0; CS=0; PF=22\r\n\r\n";
    const size_t length = kMime.size() + static_cast<size_t>(n);  // MSNP counts payload bytes
    if (from_client) {
      text(s.sb, true, "MSG %u N %zu\r\n%s%s", s.trid++, length, kMime.data(), body_);
    } else {
      text(s.sb, false, "MSG peer%u@example.net Peer %zu\r\n%s%s", k, length, kMime.data(), body_);
    }
    send(s.sb, !from_client, kAck, nullptr, 0);
    ++messages_;
  }

  void syn(Conn& c) {
    out_.tcp(c.client_ip, c.client_port, c.server_ip, c.server_port,
             fields(c.client_seq++, 0, kSyn), nullptr, 0);
  }
  void syn_ack(Conn& c) {
    out_.tcp(c.server_ip, c.server_port, c.client_ip, c.client_port,
             fields(c.server_seq++, c.client_seq, kSyn | kAck), nullptr, 0);
  }
  // A FIN takes one sequence number.
  void fin(Conn& c, bool from_client) {
    send(c, from_client, kFin | kAck, nullptr, 0);
    ++(from_client ? c.client_seq : c.server_seq);
  }
  void send(Conn& c, bool from_client, uint8_t flags, const uint8_t* data, size_t n) {
    if (from_client) {
      out_.tcp(c.client_ip, c.client_port, c.server_ip, c.server_port,
               fields(c.client_seq, c.server_seq, flags), data, n);
      c.client_seq += static_cast<uint32_t>(n);
    } else {
      out_.tcp(c.server_ip, c.server_port, c.client_ip, c.client_port,
               fields(c.server_seq, c.client_seq, flags), data, n);
      c.server_seq += static_cast<uint32_t>(n);
    }
  }
  // One PSH segment of printf-formatted text.
  __attribute__((format(printf, 4, 5))) void text(Conn& c, bool from_client, const char* format,
                                                  ...) {
    va_list args;
    va_start(args, format);
    const int n = std::vsnprintf(text_, sizeof text_, format, args);
    va_end(args);
    send(c, from_client, kPsh | kAck, reinterpret_cast<const uint8_t*>(text_),
         static_cast<size_t>(n));
  }
  static TcpFields fields(uint32_t seq, uint32_t ack, uint8_t flags) {
    TcpFields f;
    f.seq = seq;
    f.ack = ack;
    f.flags = flags;
    return f;
  }

  const Options& options_;
  Output& out_;
  Rng rng_;
  Corpus corpus_;
  uint64_t next_account_ = 0;
  uint64_t messages_ = 0;
  std::vector<uint32_t> chatters_;  // accounts that opened a switchboard, in start order
  char text_[1024];
  char body_[512];
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

int run_msn(const Options& options, Output& out) {
  MsnGenerator generator(options, out);
  generator.run();
  const uint64_t packets = out.packets();
  const uint64_t bytes = out.bytes();
  if (!out.close()) {
    std::fprintf(stderr, "bench_gen: writing %s failed: %s\n", options.out.c_str(),
                 std::strerror(errno));
    return 1;
  }
  if (!options.warrants_out.empty() && !generator.write_warrants(options.warrants_out)) {
    std::fprintf(stderr, "bench_gen: writing %s failed: %s\n", options.warrants_out.c_str(),
                 std::strerror(errno));
    return 1;
  }
  std::printf(
      "file=%s packets=%llu file_bytes=%llu connections=%llu accounts=%llu switchboards=%llu "
      "messages=%llu\n",
      options.out.c_str(), static_cast<unsigned long long>(packets),
      static_cast<unsigned long long>(bytes),
      static_cast<unsigned long long>(generator.connections()),
      static_cast<unsigned long long>(generator.accounts()),
      static_cast<unsigned long long>(generator.switchboards()),
      static_cast<unsigned long long>(generator.messages()));
  return 0;
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
  if (!out.close()) {
    std::fprintf(stderr, "bench_gen: writing %s failed: %s\n", options.out.c_str(),
                 std::strerror(errno));
    return 1;
  }
  std::printf("file=%s packets=%llu file_bytes=%llu connections=%llu\n", options.out.c_str(),
              static_cast<unsigned long long>(packets), static_cast<unsigned long long>(bytes),
              static_cast<unsigned long long>(options.syn_flood != 0 ? options.syn_flood
                                                                     : generator.connections()));
  return 0;
}
