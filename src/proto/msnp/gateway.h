// MSNP tunnelled through the HTTP gateway (MSNP.md §12).
//
// The client POSTs to /gateway/gateway.dll; request bodies carry its MSNP
// bytes and response bodies the server's. One HTTP connection can carry
// several tunnelled sessions: each is opened by `Action=open&Server=NS|SB&
// IP=...`, then named by the SessionID the server returns in the
// `X-MSN-Messenger` header (`SessionID=a.b`; `a` is stable, `b` changes per
// response). GatewayHandler parses HTTP/1.x incrementally in both directions
// and feeds each session's bodies to its own MsnpDecoder, so tunnelled
// sessions produce the normal events, their context marked as tunnelled.
// Bodies may be chunked (Transfer-Encoding: chunked, as a proxy may send
// them); after a gap or a broken head a direction resynchronises at the next
// line starting "POST " (requests) or "HTTP/1." (responses). Proxy headers
// (Via, X-Forwarded-For, Forwarded) of a tunnel's requests are reported in
// its events' context.
//
// MsnpConnection is what the factory puts on an "msnp" flow: it looks at the
// first client bytes and becomes an MsnpDecoder, or a GatewayHandler when
// they start with "POST ".
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "flow/stream.h"
#include "proto/msnp/decoder.h"
#include "proto/msnp/events.h"
#include "proto/msnp/session.h"

namespace rcds::proto::msnp {

struct GatewayLimits {
  size_t max_head = 8 * 1024;       // request/response line + headers
  uint64_t max_body = 1024 * 1024;  // Content-Length accepted
  size_t max_sessions = 8;          // tunnelled sessions per HTTP connection
  size_t max_pending = 16;          // requests waiting for their response
  size_t max_proxy = 512;           // bytes of proxy headers kept per tunnel
  DecoderLimits decoder;
};
inline constexpr GatewayLimits kDefaultGatewayLimits{};

// Whether `text` (the first client bytes) is, or may still become, an HTTP
// request line for the gateway: kMatch for `POST ...gateway.dll... HTTP/1.x`,
// kNeedMore while the line is incomplete (bounded), else kNoMatch.
flow::ProbeResult gateway_probe(std::string_view text);

class GatewayHandler final : public flow::StreamHandler {
 public:
  // `limits` must outlive the handler (referenced, as by MsnpDecoder).
  GatewayHandler(const flow::StreamInfo& info, MsnpEventSink& sink, MsnpSession* session,
                 const GatewayLimits& limits = kDefaultGatewayLimits);
  GatewayHandler(const flow::StreamInfo& info, MsnpEventSink& sink, MsnpSession* session,
                 const GatewayLimits&& limits) = delete;
  ~GatewayHandler() override;

  void on_data(flow::Direction direction, ByteView bytes, Timestamp time) override;
  void on_gap(flow::Direction direction, uint64_t length, Timestamp time) override;
  void on_close(flow::CloseReason reason, Timestamp time) override;

  size_t sessions() const { return tunnels_.size(); }
  uint64_t sessions_opened() const { return opened_; }
  uint64_t anomalies(MsnpAnomaly a) const { return anomalies_[static_cast<size_t>(a)]; }

 private:
  struct Tunnel;
  // One direction's HTTP parser.
  struct Side {
    enum class State : uint8_t {
      kHead,         // collecting a request/response head
      kBody,         // Content-Length body (body_left to go)
      kBodyToClose,  // response body without a length: runs to the close
      kChunkSize,    // chunked body: collecting a chunk-size line
      kChunkData,    // chunked body: body_left bytes of the current chunk
      kChunkEnd,     // chunked body: the CRLF after a chunk's data
      kTrailer,      // chunked body: trailer lines up to the empty one (skipped)
      kResync,       // framing lost: looking for the next request/status line
    };
    State state = State::kHead;
    std::string head;          // head, chunk-size or trailer line being collected (bounded)
    uint64_t body_left = 0;    // kBody, kChunkData
    uint64_t target = 0;       // serial of the tunnel the body goes to, 0 = none
    bool close_after = false;  // response said Session=close: end the tunnel after its body
    // kResync: bytes of the token matched so far, whether the next byte starts
    // a line, and the bytes skipped since framing was lost.
    uint8_t match = 0;
    bool line_start = false;
    uint64_t skipped = 0;
  };

  void feed(flow::Direction direction, std::string_view data, Timestamp time);
  // Each consumes from `data` what belongs to its state.
  void feed_head(flow::Direction direction, std::string_view& data, Timestamp time);
  void feed_chunked(flow::Direction direction, std::string_view& data, Timestamp time);
  void feed_resync(flow::Direction direction, std::string_view& data, Timestamp time);
  void deliver(flow::Direction direction, std::string_view bytes, Timestamp time);
  // Starts the body after a head: chunked, Content-Length or (responses) to the close.
  bool start_body(flow::Direction direction, std::string_view headers, bool to_close_allowed,
                  uint64_t status, Timestamp time);
  void request_head(std::string_view head, Timestamp time);
  void response_head(std::string_view head, Timestamp time);
  void body_done(flow::Direction direction, Timestamp time);
  // Framing lost (gap, bad head, bad length): skip to the next message start.
  void lose_framing(flow::Direction direction, bool at_line_start);
  Tunnel* find(uint64_t serial);
  Tunnel* find_stable(std::string_view stable_id);
  Tunnel* open_tunnel(std::string server_type, std::string ip, bool handshake, Timestamp time);
  void close_tunnel(uint64_t serial, flow::CloseReason reason, Timestamp time);
  void anomaly(MsnpAnomaly kind, uint64_t bytes, Timestamp time, flow::Direction direction);

  flow::StreamInfo info_;
  MsnpEventSink& sink_;
  MsnpSession* session_;
  const GatewayLimits& limits_;
  std::array<Side, 2> sides_;
  std::vector<std::unique_ptr<Tunnel>> tunnels_;
  std::deque<uint64_t> pending_;  // tunnel serial per request in flight (0 = not a tunnel)
  uint64_t next_serial_ = 1;
  uint64_t opened_ = 0;
  std::array<uint64_t, static_cast<size_t>(MsnpAnomaly::kCount)> anomalies_{};
};

// The handler of an "msnp" flow: a direct MSNP connection or a gateway one,
// decided by the first client bytes (at most 4 are held back to decide).
class MsnpConnection final : public flow::StreamHandler {
 public:
  // `limits` must outlive the connection (referenced, as by MsnpDecoder).
  MsnpConnection(const flow::StreamInfo& info, MsnpEventSink& sink, MsnpSession* session,
                 const GatewayLimits& limits = kDefaultGatewayLimits);
  MsnpConnection(const flow::StreamInfo& info, MsnpEventSink& sink, MsnpSession* session,
                 const GatewayLimits&& limits) = delete;
  MsnpConnection(const MsnpConnection&) = delete;  // decoder_/gateway_ point into it
  MsnpConnection& operator=(const MsnpConnection&) = delete;

  void on_data(flow::Direction direction, ByteView bytes, Timestamp time) override;
  void on_gap(flow::Direction direction, uint64_t length, Timestamp time) override;
  void on_close(flow::CloseReason reason, Timestamp time) override;

  const MsnpDecoder* decoder() const { return decoder_; }
  const GatewayHandler* gateway() const { return gateway_; }

 private:
  // Before the first client bytes tell direct MSNP from the gateway.
  struct Undecided {
    flow::StreamInfo info;
    MsnpEventSink* sink;
    MsnpSession* session;
    std::string prefix;  // first client bytes while they may still begin "POST "
  };
  // Replaces the undecided state and sets decoder_ or gateway_; returns the
  // client bytes held back.
  std::string decide(bool gateway);
  flow::StreamHandler* inner() const;  // the decoder or the gateway, once decided

  // The handler in state_, once decided. Kept beside the vtable pointer and
  // called directly (both are final): every chunk of a chat goes through
  // here, and the variant's index sits at the far end of a ~1 KB object, a
  // cache line of its own.
  MsnpDecoder* decoder_ = nullptr;
  GatewayHandler* gateway_ = nullptr;
  const GatewayLimits& limits_;
  // One of the three at a time: the connection object is what each MSN flow
  // costs in memory (bench/README.md, decoder cost).
  std::variant<Undecided, MsnpDecoder, std::unique_ptr<GatewayHandler>> state_;
};

}  // namespace rcds::proto::msnp
