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
    sink.on_event(marked);
  }
  bool wants_content(std::string_view owner, const flow::StreamInfo& stream) override {
    return sink.wants_content(owner, stream);
  }

  uint64_t serial;
  std::string stable_id;    // "" until the first response names it
  std::string server_type;  // "NS" / "SB" from Action=open, "" when picked up later
  std::string ip;           // IP= of the open request
  flow::StreamInfo info;
  MsnpEventSink& sink;
  MsnpDecoder decoder;
};

GatewayHandler::GatewayHandler(const flow::StreamInfo& info, MsnpEventSink& sink,
                               MsnpSession* session, GatewayLimits limits)
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
      case Side::State::kLost:
        return;
      case Side::State::kBody:
      case Side::State::kBodyToClose: {
        const bool to_close = side.state == Side::State::kBodyToClose;
        const size_t take =
            to_close ? data.size()
                     : static_cast<size_t>(std::min<uint64_t>(side.body_left, data.size()));
        if (Tunnel* t = find(side.target)) {
          t->decoder.on_data(direction, as_bytes(data.substr(0, take)), time);
        }
        data.remove_prefix(take);
        if (!to_close) {
          side.body_left -= take;
          if (side.body_left == 0) body_done(direction, time);
        }
        break;
      }
      case Side::State::kHead: {
        const size_t before = side.head.size();
        const size_t room = limits_.max_head - before;
        side.head.append(data.substr(0, room));
        const size_t end = head_end(side.head, before >= 3 ? before - 3 : 0);
        if (end == std::string::npos) {
          if (side.head.size() >= limits_.max_head) {
            anomaly(MsnpAnomaly::kLineTooLong, side.head.size(), time, direction);
            side.state = Side::State::kLost;
            side.head.clear();
            return;
          }
          return;  // all of `data` is in head
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
        break;
      }
    }
  }
}

void GatewayHandler::request_head(std::string_view head, Timestamp time) {
  Side& side = sides_[0];
  const std::string_view line = trim(head.substr(0, head.find('\n')));
  const std::string_view headers = head.substr(std::min(head.find('\n') + 1, head.size()));
  const size_t version = line.rfind(" HTTP/1.");
  if (line.substr(0, kPost.size()) != kPost || version == std::string_view::npos) {
    // Not a POST (a GET of a proxy, a broken head): without it the body
    // length is unknown, so this direction is given up.
    anomaly(MsnpAnomaly::kBadLine, head.size(), time, Direction::kClientToServer);
    side.state = Side::State::kLost;
    return;
  }
  uint64_t length = 0;
  const std::string_view declared = header_value(headers, "Content-Length");
  if (!declared.empty() && !parse_u64(declared, length)) {
    anomaly(MsnpAnomaly::kBadLine, head.size(), time, Direction::kClientToServer);
    side.state = Side::State::kLost;
    return;
  }
  if (length > limits_.max_body) {
    anomaly(MsnpAnomaly::kPayloadTooLarge, length, time, Direction::kClientToServer);
    side.state = Side::State::kLost;
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
  if (pending_.size() >= limits_.max_pending) {
    anomaly(MsnpAnomaly::kPendingFull, 0, time, Direction::kClientToServer);
    pending_.pop_front();
  }
  pending_.push_back(tunnel != nullptr ? tunnel->serial : 0);
  side.target = tunnel != nullptr ? tunnel->serial : 0;
  side.body_left = length;
  side.state = Side::State::kBody;
  if (length == 0) body_done(Direction::kClientToServer, time);
}

void GatewayHandler::response_head(std::string_view head, Timestamp time) {
  Side& side = sides_[1];
  const std::string_view line = trim(head.substr(0, head.find('\n')));
  const std::string_view headers = head.substr(std::min(head.find('\n') + 1, head.size()));
  uint64_t status = 0;
  if (line.substr(0, 7) != "HTTP/1." || line.size() < 12 || !parse_u64(line.substr(9, 3), status)) {
    anomaly(MsnpAnomaly::kBadLine, head.size(), time, Direction::kServerToClient);
    side.state = Side::State::kLost;
    return;
  }
  if (status >= 100 && status < 200) return;  // interim: the real response follows
  uint64_t serial = 0;
  if (!pending_.empty()) {
    serial = pending_.front();
    pending_.pop_front();
  }
  Tunnel* tunnel = find(serial);
  const std::string_view gateway = header_value(headers, "X-MSN-Messenger");
  const std::string_view id = stable_part(param_value(gateway, ';', "SessionID"));
  if (tunnel == nullptr && !id.empty()) tunnel = find_stable(id);  // request not seen
  if (tunnel != nullptr && tunnel->stable_id.empty()) tunnel->stable_id = id;
  side.target = tunnel != nullptr ? tunnel->serial : 0;
  side.close_after = iequals(param_value(gateway, ';', "Session"), "close");

  uint64_t length = 0;
  const std::string_view declared = header_value(headers, "Content-Length");
  if (iequals(header_value(headers, "Transfer-Encoding"), "chunked")) {
    // The gateway sends Content-Length (§12); chunked bodies are not decoded.
    anomaly(MsnpAnomaly::kBadLine, head.size(), time, Direction::kServerToClient);
    side.state = Side::State::kLost;
    return;
  }
  if (declared.empty()) {
    side.state = status == 204 || status == 304 ? Side::State::kHead : Side::State::kBodyToClose;
    if (side.state == Side::State::kHead) body_done(Direction::kServerToClient, time);
    return;
  }
  if (!parse_u64(declared, length) || length > limits_.max_body) {
    anomaly(MsnpAnomaly::kPayloadTooLarge, length, time, Direction::kServerToClient);
    side.state = Side::State::kLost;
    return;
  }
  side.body_left = length;
  side.state = Side::State::kBody;
  if (length == 0) body_done(Direction::kServerToClient, time);
}

void GatewayHandler::body_done(Direction direction, Timestamp time) {
  Side& side = sides_[flow::index_of(direction)];
  side.state = Side::State::kHead;
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
  if (side.state == Side::State::kBody && length < side.body_left) {
    // Inside a body of known length: HTTP framing survives; the tunnel's
    // decoder learns of the loss and resynchronises itself.
    if (Tunnel* t = find(side.target)) t->decoder.on_gap(direction, length, time);
    side.body_left -= length;
    return;
  }
  if (side.state == Side::State::kBodyToClose) {
    if (Tunnel* t = find(side.target)) t->decoder.on_gap(direction, length, time);
    return;
  }
  side.state = Side::State::kLost;  // HTTP framing lost (no resynchronisation)
  side.head.clear();
}

void GatewayHandler::on_close(flow::CloseReason reason, Timestamp time) {
  while (!tunnels_.empty()) close_tunnel(tunnels_.front()->serial, reason, time);
}

// --- choosing between direct MSNP and the gateway ------------------------------

MsnpConnection::MsnpConnection(const flow::StreamInfo& info, MsnpEventSink& sink,
                               MsnpSession* session, GatewayLimits limits)
    : info_(info), sink_(sink), session_(session), limits_(limits) {
  info_.protocol = {};
}

void MsnpConnection::decide(bool gateway) {
  if (gateway) {
    gateway_ = std::make_unique<GatewayHandler>(info_, sink_, session_, limits_);
  } else {
    decoder_.emplace(info_, sink_, session_, limits_.decoder);
  }
}

flow::StreamHandler* MsnpConnection::inner() {
  if (decoder_) return &*decoder_;
  return gateway_.get();
}

void MsnpConnection::on_data(Direction direction, ByteView bytes, Timestamp time) {
  if (flow::StreamHandler* h = inner()) {
    h->on_data(direction, bytes, time);
    return;
  }
  if (direction == Direction::kClientToServer) {
    // Hold back at most four bytes while they may still begin "POST ".
    const std::string_view text = as_chars(bytes);
    const size_t take = std::min(text.size(), kPost.size() - prefix_.size());
    prefix_.append(text.substr(0, take));
    const bool could_be_post = kPost.substr(0, prefix_.size()) == prefix_;
    if (could_be_post && prefix_.size() < kPost.size()) return;
    decide(could_be_post);
    std::string held = std::move(prefix_);
    prefix_.clear();
    inner()->on_data(direction, as_bytes(held), time);
    if (take < text.size()) inner()->on_data(direction, as_bytes(text.substr(take)), time);
    return;
  }
  // The server spoke first: not a gateway request (unless the client had
  // already begun one).
  decide(!prefix_.empty());
  if (!prefix_.empty()) {
    std::string held = std::move(prefix_);
    prefix_.clear();
    inner()->on_data(Direction::kClientToServer, as_bytes(held), time);
  }
  inner()->on_data(direction, bytes, time);
}

void MsnpConnection::on_gap(Direction direction, uint64_t length, Timestamp time) {
  if (inner() == nullptr) decide(!prefix_.empty());
  if (!prefix_.empty()) {
    std::string held = std::move(prefix_);
    prefix_.clear();
    inner()->on_data(Direction::kClientToServer, as_bytes(held), time);
  }
  inner()->on_gap(direction, length, time);
}

void MsnpConnection::on_close(flow::CloseReason reason, Timestamp time) {
  if (flow::StreamHandler* h = inner()) h->on_close(reason, time);
}

}  // namespace rcds::proto::msnp
