// HTTP-gateway tunnelling of MSNP (MSNP.md §12): incremental HTTP/1.x
// parsing of both directions, sessions keyed by the stable SessionID part,
// one inner MsnpDecoder per tunnelled session.
#include "proto/msnp/gateway.h"

#include <algorithm>

#include "proto/msnp/mime.h"

namespace rcds::proto::msnp {

using flow::Direction;

namespace {

constexpr std::string_view kPost = "POST ";
// A gateway request line is a few hundred bytes (the URI names host and
// session); anything longer is not one.
constexpr size_t kMaxRequestLine = 2048;

bool icontains(std::string_view text, std::string_view needle) {
  if (needle.size() > text.size()) return false;
  for (size_t i = 0; i + needle.size() <= text.size(); ++i) {
    if (iequals(text.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// The value of `key` in "k=v<sep>k=v..." (query strings, X-MSN-Messenger).
std::string_view param_value(std::string_view list, char separator, std::string_view key) {
  while (!list.empty()) {
    const size_t end = std::min(list.find(separator), list.size());
    const std::string_view item = trim(list.substr(0, end));
    const size_t eq = item.find('=');
    if (eq != std::string_view::npos && iequals(trim(item.substr(0, eq)), key)) {
      return trim(item.substr(eq + 1));
    }
    list.remove_prefix(std::min(end + 1, list.size()));
  }
  return {};
}

// "a" of a SessionID "a.b": the part that stays the same for the tunnel.
std::string_view stable_part(std::string_view session_id) {
  return session_id.substr(0, session_id.find('.'));
}

// Where a head ends ("\r\n\r\n" or "\n\n"), searching from `from`; npos if not yet.
size_t head_end(std::string_view head, size_t from) {
  for (size_t i = from; i < head.size(); ++i) {
    if (head[i] != '\n') continue;
    if (i >= 1 && head[i - 1] == '\n') return i + 1;
    if (i >= 2 && head[i - 1] == '\r' && head[i - 2] == '\n') return i + 1;
  }
  return std::string_view::npos;
}

}  // namespace

flow::ProbeResult gateway_probe(std::string_view text) {
  const size_t n = std::min(text.size(), kPost.size());
  if (text.substr(0, n) != kPost.substr(0, n)) return flow::ProbeResult::kNoMatch;
  const size_t lf = text.find('\n');
  if (lf == std::string_view::npos) {
    return text.size() < kMaxRequestLine ? flow::ProbeResult::kNeedMore
                                         : flow::ProbeResult::kNoMatch;
  }
  const std::string_view line = trim(text.substr(0, lf));
  // Only the gateway's path: ordinary HTTP POSTs (on port 80 or elsewhere)
  // stay with whatever else wants them.
  const size_t version = line.rfind(" HTTP/1.");
  if (version == std::string_view::npos) return flow::ProbeResult::kNoMatch;
  const std::string_view uri = line.substr(kPost.size(), version - kPost.size());
  return icontains(uri, "/gateway/gateway.dll") ? flow::ProbeResult::kMatch
                                                : flow::ProbeResult::kNoMatch;
}

// --- one tunnelled session ---------------------------------------------------

// Marks the inner decoder's events as tunnelled, then passes them on.
struct GatewayHandler::Tunnel final : MsnpEventSink {
  Tunnel(uint64_t id, const flow::StreamInfo& info, MsnpEventSink& outer, MsnpSession* session,
         const DecoderLimits& limits)
      : serial(id), info(info), sink(outer), decoder(info, *this, session, limits) {
    follow_generation_of(outer);
  }

  void on_event(const MsnpEvent& event) override {
    // Copied: the inner decoder's event is const, and tunnels are rare
    // enough that the copy does not matter.
    MsnpEvent marked = event;
    marked.context.tunnelled = true;
    marked.context.gateway_session = stable_id;
    marked.context.tunnel_server = ip;
    marked.context.proxy = proxy;
    sink.on_event(marked);
  }
  bool wants_content(std::string_view owner, const flow::StreamInfo& stream) override {
    return sink.wants_content(owner, stream);
  }

  uint64_t serial;
  std::string stable_id;    // "" until the first response names it
  std::string server_type;  // "NS" / "SB" from Action=open, "" when picked up later
  std::string ip;           // IP= of the open request
  std::string proxy;        // proxy headers of the first request that had any
  flow::StreamInfo info;
  MsnpEventSink& sink;
  MsnpDecoder decoder;
};

GatewayHandler::GatewayHandler(const flow::StreamInfo& info, MsnpEventSink& sink,
                               MsnpSession* session, const GatewayLimits& limits)
    : info_(info), sink_(sink), session_(session), limits_(limits) {
  info_.protocol = {};  // views the registry; not needed after open
}

GatewayHandler::~GatewayHandler() = default;

GatewayHandler::Tunnel* GatewayHandler::find(uint64_t serial) {
  for (auto& t : tunnels_) {
    if (t->serial == serial) return t.get();
  }
  return nullptr;
}

GatewayHandler::Tunnel* GatewayHandler::find_stable(std::string_view stable_id) {
  if (stable_id.empty()) return nullptr;
  for (auto& t : tunnels_) {
    if (t->stable_id == stable_id) return t.get();
  }
  return nullptr;
}

GatewayHandler::Tunnel* GatewayHandler::open_tunnel(std::string server_type, std::string ip,
                                                    bool handshake, Timestamp time) {
  if (tunnels_.size() >= limits_.max_sessions) {
    // The oldest tunnel is the likeliest to be dead (its close was missed).
    anomaly(MsnpAnomaly::kSessionTableFull, 0, time, Direction::kClientToServer);
    close_tunnel(tunnels_.front()->serial, flow::CloseReason::kEvicted, time);
  }
  flow::StreamInfo inner = info_;
  // A session picked up after its open starts mid-stream for its decoder.
  inner.saw_handshake = handshake && info_.saw_handshake;
  auto tunnel = std::make_unique<Tunnel>(next_serial_++, inner, sink_, session_, limits_.decoder);
  tunnel->server_type = std::move(server_type);
  tunnel->ip = std::move(ip);
  tunnels_.push_back(std::move(tunnel));
  ++opened_;
  return tunnels_.back().get();
}

void GatewayHandler::close_tunnel(uint64_t serial, flow::CloseReason reason, Timestamp time) {
  const auto it = std::find_if(tunnels_.begin(), tunnels_.end(),
                               [&](const auto& t) { return t->serial == serial; });
  if (it == tunnels_.end()) return;
  (*it)->decoder.on_close(reason, time);
  tunnels_.erase(it);
}

void GatewayHandler::anomaly(MsnpAnomaly kind, uint64_t bytes, Timestamp time,
                             Direction direction) {
  ++anomalies_[static_cast<size_t>(kind)];
  MsnpEvent event{EventContext{time, info_.flow_id, info_.key.source, info_.key.destination,
                               ConnectionType::kUnknown, direction, "", 0},
                  EventBody(DecoderAnomaly{kind, bytes})};
  event.context.tunnelled = true;
  sink_.on_event(event);
}

// --- HTTP parsing --------------------------------------------------------------

void GatewayHandler::on_data(Direction direction, ByteView bytes, Timestamp time) {
  feed(direction, as_chars(bytes), time);
}

void GatewayHandler::feed(Direction direction, std::string_view data, Timestamp time) {
  Side& side = sides_[flow::index_of(direction)];
  while (!data.empty()) {
    switch (side.state) {
      case Side::State::kResync:
        feed_resync(direction, data, time);
        break;
      case Side::State::kBody:
      case Side::State::kBodyToClose: {
        const bool to_close = side.state == Side::State::kBodyToClose;
        const size_t take =
            to_close ? data.size()
                     : static_cast<size_t>(std::min<uint64_t>(side.body_left, data.size()));
        deliver(direction, data.substr(0, take), time);
        data.remove_prefix(take);
        if (!to_close) {
          side.body_left -= take;
          if (side.body_left == 0) body_done(direction, time);
        }
        break;
      }
      case Side::State::kChunkSize:
      case Side::State::kChunkData:
      case Side::State::kChunkEnd:
      case Side::State::kTrailer:
        feed_chunked(direction, data, time);
        break;
      case Side::State::kHead:
        feed_head(direction, data, time);
        break;
    }
  }
}

void GatewayHandler::deliver(Direction direction, std::string_view bytes, Timestamp time) {
  if (bytes.empty()) return;
  if (Tunnel* t = find(sides_[flow::index_of(direction)].target)) {
    t->decoder.on_data(direction, as_bytes(bytes), time);
  }
}

void GatewayHandler::feed_head(Direction direction, std::string_view& data, Timestamp time) {
  Side& side = sides_[flow::index_of(direction)];
  // Blank lines between messages are tolerated (RFC 9112 §2.2).
  while (side.head.empty() && !data.empty() && (data.front() == '\r' || data.front() == '\n')) {
    data.remove_prefix(1);
  }
  if (data.empty()) return;
  const size_t before = side.head.size();
  const std::string_view piece = data.substr(0, limits_.max_head - before);
  side.head.append(piece);
  const size_t end = head_end(side.head, before >= 3 ? before - 3 : 0);
  if (end == std::string::npos) {
    data.remove_prefix(piece.size());
    if (side.head.size() >= limits_.max_head) {
      anomaly(MsnpAnomaly::kLineTooLong, side.head.size(), time, direction);
      lose_framing(direction, false);
    }
    return;
  }
  data.remove_prefix(end - before);
  side.head.resize(end);
  const std::string head = std::move(side.head);
  side.head.clear();
  if (direction == Direction::kClientToServer) {
    request_head(head, time);
  } else {
    response_head(head, time);
  }
}

void GatewayHandler::feed_chunked(Direction direction, std::string_view& data, Timestamp time) {
  // Chunk-size and trailer lines are short; a longer one is not HTTP.
  constexpr size_t kMaxChunkLine = 1024;
  Side& side = sides_[flow::index_of(direction)];
  switch (side.state) {
    case Side::State::kChunkData: {
      const size_t take = static_cast<size_t>(std::min<uint64_t>(side.body_left, data.size()));
      deliver(direction, data.substr(0, take), time);
      data.remove_prefix(take);
      side.body_left -= take;
      if (side.body_left == 0) side.state = Side::State::kChunkEnd;
      return;
    }
    case Side::State::kChunkEnd:
      // The CRLF (or bare LF) closing a chunk's data.
      if (data.front() == '\r') {
        data.remove_prefix(1);
        return;
      }
      if (data.front() == '\n') {
        data.remove_prefix(1);
        side.state = Side::State::kChunkSize;
        return;
      }
      anomaly(MsnpAnomaly::kBadLine, 1, time, direction);
      lose_framing(direction, false);
      return;
    default:
      break;
  }
  // kChunkSize / kTrailer: one line.
  const size_t lf = data.find('\n');
  const std::string_view piece =
      data.substr(0, lf == std::string_view::npos ? data.size() : lf + 1);
  side.head.append(piece.substr(0, kMaxChunkLine + 2 - std::min(side.head.size(), kMaxChunkLine)));
  data.remove_prefix(piece.size());
  if (side.head.size() > kMaxChunkLine) {
    anomaly(MsnpAnomaly::kLineTooLong, side.head.size(), time, direction);
    lose_framing(direction, false);
    return;
  }
  if (lf == std::string_view::npos) return;
  const std::string_view line = trim(std::string_view(side.head).substr(0, side.head.size() - 1));
  if (side.state == Side::State::kTrailer) {
    // Trailer fields say nothing about MSNP: skipped up to the empty line.
    const bool last = line.empty();
    side.head.clear();
    if (last) body_done(direction, time);
    return;
  }
  // "size[;extensions]" in hex.
  const std::string_view digits = trim(line.substr(0, line.find(';')));
  uint64_t size = 0;
  bool ok = !digits.empty() && digits.size() <= 16;
  for (const char c : digits) {
    const int v = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
    if (v < 0) ok = false;
    size = size * 16 + static_cast<uint64_t>(v < 0 ? 0 : v);
  }
  const size_t line_size = side.head.size();
  side.head.clear();
  if (!ok) {
    anomaly(MsnpAnomaly::kBadLine, line_size, time, direction);
    lose_framing(direction, true);
    return;
  }
  if (size > limits_.max_body) {
    anomaly(MsnpAnomaly::kPayloadTooLarge, size, time, direction);
    lose_framing(direction, true);
    return;
  }
  side.body_left = size;
  side.state = size == 0 ? Side::State::kTrailer : Side::State::kChunkData;
}

void GatewayHandler::feed_resync(Direction direction, std::string_view& data, Timestamp time) {
  // A message starts at a line start with "POST " (requests) or "HTTP/1."
  // (responses); the match may be split across segments.
  Side& side = sides_[flow::index_of(direction)];
  const std::string_view token = direction == Direction::kClientToServer ? kPost : "HTTP/1.";
  for (size_t i = 0; i < data.size(); ++i) {
    const char c = data[i];
    if (side.match > 0) {
      if (c == token[side.match]) {
        if (++side.match < token.size()) continue;
        side.skipped += i + 1;
        data.remove_prefix(i + 1);
        anomaly(MsnpAnomaly::kResync, side.skipped - token.size(), time, direction);
        side.state = Side::State::kHead;
        side.head.assign(token);
        side.match = 0;
        side.skipped = 0;
        return;
      }
      side.match = 0;
    }
    if (side.line_start && c == token[0]) {
      side.match = 1;
      side.line_start = false;
      continue;
    }
    side.line_start = c == '\n';
  }
  side.skipped += data.size();
  data = {};
}

void GatewayHandler::lose_framing(Direction direction, bool at_line_start) {
  Side& side = sides_[flow::index_of(direction)];
  side.state = Side::State::kResync;
  side.head.clear();
  side.body_left = 0;
  side.target = 0;
  side.close_after = false;
  side.match = 0;
  side.line_start = at_line_start;
  side.skipped = 0;
}

bool GatewayHandler::start_body(Direction direction, std::string_view headers,
                                bool to_close_allowed, uint64_t status, Timestamp time) {
  Side& side = sides_[flow::index_of(direction)];
  // Chunked wins over Content-Length (RFC 9112 §6.3); a proxy between the
  // client and the gateway may re-encode bodies this way.
  if (icontains(header_value(headers, "Transfer-Encoding"), "chunked")) {
    side.state = Side::State::kChunkSize;
    return true;
  }
  const std::string_view declared = header_value(headers, "Content-Length");
  if (declared.empty()) {
    const bool empty = !to_close_allowed || status == 204 || status == 304;
    side.state = empty ? Side::State::kHead : Side::State::kBodyToClose;
    if (empty) body_done(direction, time);
    return true;
  }
  uint64_t length = 0;
  if (!parse_u64(declared, length)) {
    anomaly(MsnpAnomaly::kBadLine, declared.size(), time, direction);
    lose_framing(direction, true);
    return false;
  }
  if (length > limits_.max_body) {
    anomaly(MsnpAnomaly::kPayloadTooLarge, length, time, direction);
    lose_framing(direction, true);
    return false;
  }
  side.body_left = length;
  side.state = Side::State::kBody;
  if (length == 0) body_done(direction, time);
  return true;
}

namespace {

// "Via: v; X-Forwarded-For: x; Forwarded: f" from the headers present,
// at most `limit` bytes.
std::string proxy_headers(std::string_view headers, size_t limit) {
  std::string out;
  for (const std::string_view name : {"Via", "X-Forwarded-For", "Forwarded"}) {
    const std::string_view value = header_value(headers, name);
    if (value.empty()) continue;
    if (!out.empty()) out += "; ";
    out.append(name).append(": ").append(value);
  }
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace

void GatewayHandler::request_head(std::string_view head, Timestamp time) {
  Side& side = sides_[0];
  const std::string_view line = trim(head.substr(0, head.find('\n')));
  const std::string_view headers = head.substr(std::min(head.find('\n') + 1, head.size()));
  const size_t version = line.rfind(" HTTP/1.");
  if (line.substr(0, kPost.size()) != kPost || version == std::string_view::npos ||
      version < kPost.size()) {
    // Not a POST (a GET of a proxy, a broken head): its body length is
    // unknown, so the next request is searched for.
    anomaly(MsnpAnomaly::kBadLine, head.size(), time, Direction::kClientToServer);
    lose_framing(Direction::kClientToServer, true);
    return;
  }
  const std::string_view uri = line.substr(kPost.size(), version - kPost.size());
  const size_t q = uri.find('?');
  const std::string_view query = q == std::string_view::npos ? "" : uri.substr(q + 1);
  Tunnel* tunnel = nullptr;
  if (icontains(uri.substr(0, q), "gateway.dll")) {
    if (iequals(param_value(query, '&', "Action"), "open")) {
      tunnel = open_tunnel(std::string(param_value(query, '&', "Server")),
                           std::string(param_value(query, '&', "IP")), true, time);
    } else if (const std::string_view id = stable_part(param_value(query, '&', "SessionID"));
               !id.empty()) {
      tunnel = find_stable(id);
      if (tunnel == nullptr) {
        tunnel = open_tunnel("", "", false, time);  // its open was not seen
        tunnel->stable_id = id;
      }
    }
  }
  if (tunnel != nullptr && tunnel->proxy.empty()) {
    tunnel->proxy = proxy_headers(headers, limits_.max_proxy);
  }
  if (pending_.size() >= limits_.max_pending) {
    anomaly(MsnpAnomaly::kPendingFull, 0, time, Direction::kClientToServer);
    pending_.pop_front();
  }
  pending_.push_back(tunnel != nullptr ? tunnel->serial : 0);
  side.target = tunnel != nullptr ? tunnel->serial : 0;
  start_body(Direction::kClientToServer, headers, false, 0, time);
}

void GatewayHandler::response_head(std::string_view head, Timestamp time) {
  Side& side = sides_[1];
  const std::string_view line = trim(head.substr(0, head.find('\n')));
  const std::string_view headers = head.substr(std::min(head.find('\n') + 1, head.size()));
  uint64_t status = 0;
  if (line.substr(0, 7) != "HTTP/1." || line.size() < 12 || !parse_u64(line.substr(9, 3), status)) {
    anomaly(MsnpAnomaly::kBadLine, head.size(), time, Direction::kServerToClient);
    lose_framing(Direction::kServerToClient, true);
    return;
  }
  if (status >= 100 && status < 200) return;  // interim: the real response follows
  uint64_t serial = 0;
  if (!pending_.empty()) {
    serial = pending_.front();
    pending_.pop_front();
  }
  const std::string_view gateway = header_value(headers, "X-MSN-Messenger");
  const std::string_view id = stable_part(param_value(gateway, ';', "SessionID"));
  // The SessionID names the tunnel; the request order only matters for an
  // open, whose answer is the first to name it (and after lost requests the
  // order is wrong anyway).
  Tunnel* tunnel = find_stable(id);
  if (tunnel == nullptr) tunnel = find(serial);
  if (tunnel != nullptr && tunnel->stable_id.empty()) tunnel->stable_id = id;
  side.target = tunnel != nullptr ? tunnel->serial : 0;
  side.close_after = iequals(param_value(gateway, ';', "Session"), "close");
  start_body(Direction::kServerToClient, headers, true, status, time);
}

void GatewayHandler::body_done(Direction direction, Timestamp time) {
  Side& side = sides_[flow::index_of(direction)];
  side.state = Side::State::kHead;
  side.head.clear();
  if (direction == Direction::kServerToClient && side.close_after) {
    // Session=close: the MSNP connection behind the tunnel has ended.
    side.close_after = false;
    close_tunnel(side.target, flow::CloseReason::kFin, time);
  }
  side.target = 0;
}

void GatewayHandler::on_gap(Direction direction, uint64_t length, Timestamp time) {
  Side& side = sides_[flow::index_of(direction)];
  anomaly(MsnpAnomaly::kStreamGap, length, time, direction);
  Tunnel* t = find(side.target);
  const bool framed_body =
      side.state == Side::State::kBody || side.state == Side::State::kChunkData;
  if (framed_body && length < side.body_left) {
    // Inside a body (or chunk) of known length: HTTP framing survives; the
    // tunnel's decoder learns of the loss and resynchronises itself.
    if (t != nullptr) t->decoder.on_gap(direction, length, time);
    side.body_left -= length;
    return;
  }
  if (side.state == Side::State::kBodyToClose) {
    if (t != nullptr) t->decoder.on_gap(direction, length, time);
    return;
  }
  // The tunnel whose body was cut lost bytes too; then this direction looks
  // for the next request or response line.
  if (t != nullptr && side.state != Side::State::kHead && side.state != Side::State::kResync) {
    t->decoder.on_gap(direction, length, time);
  }
  const bool resyncing = side.state == Side::State::kResync;
  const uint64_t skipped = side.skipped;
  lose_framing(direction, true);
  if (resyncing) side.skipped = skipped;  // one resync reports everything it skipped
}

void GatewayHandler::on_close(flow::CloseReason reason, Timestamp time) {
  while (!tunnels_.empty()) close_tunnel(tunnels_.front()->serial, reason, time);
}

}  // namespace rcds::proto::msnp
