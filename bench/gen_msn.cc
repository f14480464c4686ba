// bench_gen --msn-accounts: N distinct MSN accounts each sign in once on a
// notification server (MSNP8 Tweener login, CHG NLN, OUT), --msn-concurrent
// of them online at once; about one in ten also opens a switchboard and
// chats. --warrants-out FILE writes 100 warrants whose targets are chatting
// accounts and client addresses of the capture.
#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "bench/gen_common.h"

namespace rcds::bench {

namespace {

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

}  // namespace

int run_msn(const Options& options, Output& out) {
  MsnGenerator generator(options, out);
  generator.run();
  const uint64_t packets = out.packets();
  const uint64_t bytes = out.bytes();
  if (!out.close_or_report(options.out)) return 1;
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

}  // namespace rcds::bench
