#include "flow/detect.h"

#include <algorithm>

namespace rcds::flow {

std::string_view name_of(Direction d) { return d == Direction::kClientToServer ? "c2s" : "s2c"; }

std::string_view name_of(CloseReason r) {
  switch (r) {
    case CloseReason::kFin:
      return "fin";
    case CloseReason::kReset:
      return "reset";
    case CloseReason::kTimeout:
      return "timeout";
    case CloseReason::kEvicted:
      return "evicted";
    case CloseReason::kShutdown:
      return "shutdown";
    case CloseReason::kReused:
      return "reused";
  }
  return "?";
}

size_t ProtocolRegistry::add(ProtocolSpec spec) {
  specs_.push_back(std::move(spec));
  return specs_.size() - 1;
}

bool ProtocolRegistry::is_server_port(uint16_t port, Transport transport) const {
  return std::any_of(specs_.begin(), specs_.end(), [&](const ProtocolSpec& s) {
    return s.transport == transport &&
           std::find(s.ports.begin(), s.ports.end(), port) != s.ports.end();
  });
}

namespace {
// Match if either non-empty direction matches, NeedMore if any still may.
ProbeResult run_probe(const ProtocolSpec& spec, ByteView client_bytes, ByteView server_bytes) {
  ProbeResult client = ProbeResult::kNoMatch;
  if (!client_bytes.empty()) {
    client = spec.probe(client_bytes, Direction::kClientToServer);
    if (client == ProbeResult::kMatch) return client;
  }
  if (!server_bytes.empty()) {
    const ProbeResult server = spec.probe(server_bytes, Direction::kServerToClient);
    if (server != ProbeResult::kNoMatch) return server;
  }
  return client;
}
}  // namespace

int ProtocolRegistry::classify(const StreamInfo& info, ByteView client_bytes, ByteView server_bytes,
                               bool final_attempt) const {
  bool undecided = false;
  bool port_only = false;  // a spec without a probe: its port alone may decide
  for (size_t i = 0; i < specs_.size(); ++i) {
    const ProtocolSpec& spec = specs_[i];
    if (spec.transport != info.key.transport) continue;
    if (spec.probe == nullptr) {
      port_only = true;
      continue;
    }
    switch (run_probe(spec, client_bytes, server_bytes)) {
      case ProbeResult::kMatch:
        return static_cast<int>(i);
      case ProbeResult::kNeedMore:
        undecided = true;
        break;
      case ProbeResult::kNoMatch:
        break;
    }
  }
  if (undecided && !final_attempt) return kUndecided;
  // Every probe ruled the bytes out (most flows): no port can overrule that.
  if (!undecided && !port_only) return kUnknown;
  // No probe is sure: fall back to the server port, but only for protocols
  // without a probe or whose probe could not rule the bytes out.
  const uint16_t server_port = info.key.destination.port;
  for (size_t i = 0; i < specs_.size(); ++i) {
    const ProtocolSpec& spec = specs_[i];
    if (spec.transport != info.key.transport) continue;
    if (std::find(spec.ports.begin(), spec.ports.end(), server_port) == spec.ports.end()) continue;
    if (spec.probe == nullptr ||
        run_probe(spec, client_bytes, server_bytes) != ProbeResult::kNoMatch) {
      return static_cast<int>(i);
    }
  }
  return kUnknown;
}

}  // namespace rcds::flow
