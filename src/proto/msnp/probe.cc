// Content probe and protocol spec for flow::ProtocolRegistry (MSNP.md §1).
#include "flow/detect.h"
#include "proto/msnp/command.h"
#include "proto/msnp/decoder.h"
#include "proto/msnp/gateway.h"

namespace rcds::proto::msnp {

namespace {
// A first line longer than this is not MSNP (real first lines are < 200 bytes).
constexpr size_t kMaxFirstLine = 400;

bool has_param(const Command& cmd, size_t from, bool (*pred)(std::string_view)) {
  for (size_t i = from; i < cmd.count; ++i) {
    if (pred(cmd.params[i])) return true;
  }
  return false;
}
bool account_like(std::string_view s) {
  const size_t at = s.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < s.size();
}
}  // namespace

flow::ProbeResult msnp_probe(ByteView first_bytes, flow::Direction direction) {
  const std::string_view text = as_chars(first_bytes);
  // HTTP gateway (§12): only a POST to gateway.dll, so ordinary HTTP is
  // never claimed, whatever the port.
  if (!text.empty() && text[0] == 'P') {
    const flow::ProbeResult gateway = gateway_probe(text);
    if (direction == flow::Direction::kClientToServer && gateway != flow::ProbeResult::kNoMatch) {
      return gateway;
    }
  }
  // Reject early on the first bytes so other protocols are not held back.
  for (size_t i = 0; i < text.size() && i < 3; ++i) {
    if (text[i] < 'A' || text[i] > 'Z') return flow::ProbeResult::kNoMatch;
  }
  if (text.size() > 3 && text[3] != ' ' && text[3] != '\r' && text[3] != '\n') {
    return flow::ProbeResult::kNoMatch;
  }
  // Most flows (HTTP's "GET ", ...) end here, before the line is searched and parsed.
  if (text.size() >= 3 && !known_command(text.substr(0, 3))) return flow::ProbeResult::kNoMatch;
  const size_t lf = text.find('\n');
  if (lf == std::string_view::npos) {
    return text.size() < kMaxFirstLine ? flow::ProbeResult::kNeedMore : flow::ProbeResult::kNoMatch;
  }
  Command cmd;
  if (!parse_command(text.substr(0, lf), cmd)) return flow::ProbeResult::kNoMatch;
  const bool c2s = direction == flow::Direction::kClientToServer;
  if (cmd.is("VER")) {
    const bool msnp = has_param(cmd, 0, [](std::string_view p) {
      return p == "MSNFTP" || (p.size() > 4 && p.substr(0, 4) == "MSNP");
    });
    return msnp ? flow::ProbeResult::kMatch : flow::ProbeResult::kNoMatch;
  }
  if (c2s && cmd.is("USR")) {
    // NS "USR trid TWN I account" or SB "USR trid account cookie".
    const bool ok = all_digits(cmd.param(0)) && has_param(cmd, 1, account_like);
    return ok ? flow::ProbeResult::kMatch : flow::ProbeResult::kNoMatch;
  }
  if (c2s && cmd.is("ANS")) {
    const bool ok = cmd.count >= 4 && all_digits(cmd.param(0)) && account_like(cmd.params[1]);
    return ok ? flow::ProbeResult::kMatch : flow::ProbeResult::kNoMatch;
  }
  // Mid-stream pickup: any known command of the right shape for its side.
  // A bare three-letter word is too weak except the keep-alives.
  if (cmd.count == 0 && !(cmd.is("PNG") || cmd.is("QNG") || cmd.is("OUT"))) {
    return flow::ProbeResult::kNoMatch;
  }
  return plausible_command(cmd, direction, ConnectionType::kUnknown) ? flow::ProbeResult::kMatch
                                                                     : flow::ProbeResult::kNoMatch;
}

flow::ProtocolSpec msnp_protocol_spec() {
  return flow::ProtocolSpec{"msnp", Transport::kTcp, {1863}, &msnp_probe};
}

}  // namespace rcds::proto::msnp
