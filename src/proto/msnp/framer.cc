#include "proto/msnp/framer.h"

#include <algorithm>

#include "util/swar.h"

namespace rcds::proto::msnp {

namespace {
// Frees a buffer's heap memory once it holds nothing.
void release_if_empty(std::string& buffer) {
  if (buffer.empty() && buffer.capacity() > std::string().capacity()) std::string().swap(buffer);
}
}  // namespace

std::string_view name_of(MsnpAnomaly anomaly) {
  switch (anomaly) {
    case MsnpAnomaly::kLineTooLong:
      return "msnp_line_too_long";
    case MsnpAnomaly::kPayloadTooLarge:
      return "msnp_payload_too_large";
    case MsnpAnomaly::kBadLine:
      return "msnp_bad_line";
    case MsnpAnomaly::kResync:
      return "msnp_resync";
    case MsnpAnomaly::kStreamGap:
      return "msnp_stream_gap";
    case MsnpAnomaly::kPayloadLost:
      return "msnp_payload_lost";
    case MsnpAnomaly::kBadMime:
      return "msnp_bad_mime";
    case MsnpAnomaly::kRosterFull:
      return "msnp_roster_full";
    case MsnpAnomaly::kPendingFull:
      return "msnp_pending_full";
    case MsnpAnomaly::kSessionTableFull:
      return "msnp_session_table_full";
    case MsnpAnomaly::kCount:
      break;
  }
  return "msnp_unknown";
}

std::string_view description_of(MsnpAnomaly anomaly) {
  switch (anomaly) {
    case MsnpAnomaly::kLineTooLong:
      return "command line longer than the line bound; skipped to its end, then resync";
    case MsnpAnomaly::kPayloadTooLarge:
      return "payload length beyond the payload bound; treated as desync, then resync";
    case MsnpAnomaly::kBadLine:
      return "line that is not an MSNP command; resync at the next plausible line";
    case MsnpAnomaly::kResync:
      return "framing recovered at a plausible command line after a loss";
    case MsnpAnomaly::kStreamGap:
      return "bytes missing from the stream (reported by reassembly)";
    case MsnpAnomaly::kPayloadLost:
      return "gap inside a payload of known length: command dropped, framing kept";
    case MsnpAnomaly::kBadMime:
      return "MSG payload without a blank line ending its headers";
    case MsnpAnomaly::kRosterFull:
      return "switchboard roster at its bound; member not recorded";
    case MsnpAnomaly::kPendingFull:
      return "too many outstanding requests on one connection; oldest forgotten";
    case MsnpAnomaly::kSessionTableFull:
      return "shared cookie/login registry full; oldest entry evicted";
    case MsnpAnomaly::kCount:
      break;
  }
  return "";
}

void Framer::enter_resync(bool report) {
  resyncing_ = true;
  report_resync_ = report;
  skipped_ = 0;
}

void Framer::line_too_long(uint64_t bytes, bool complete, Timestamp time) {
  // While resynchronising an overlong line is just more skipped bytes.
  if (!resyncing_) {
    enter_resync(true);
    long_line_ = true;
  }
  skipped_ += bytes;
  if (long_line_) long_line_bytes_ += bytes;
  // Reported once its end is seen, so the length does not depend on chunking.
  if (complete && long_line_) {
    client_.on_framer_anomaly(MsnpAnomaly::kLineTooLong, long_line_bytes_, time);
    long_line_ = false;
    long_line_bytes_ = 0;
  }
}

void Framer::feed(ByteView data, Timestamp time) {
  std::string_view in = as_chars(data);
  while (!in.empty()) {
    switch (state_) {
      case State::kSkipPayload: {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(in.size(), need_));
        in.remove_prefix(n);
        need_ -= n;
        if (need_ == 0) state_ = State::kLine;
        break;
      }
      case State::kPayload: {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(in.size(), need_));
        payload_.append(in.substr(0, n));
        in.remove_prefix(n);
        need_ -= n;
        if (need_ == 0) {
          Command cmd;
          parse_command(line_, cmd);  // parsed once already when it arrived
          state_ = State::kLine;
          client_.on_command(cmd, as_bytes(payload_), time);
          line_.clear();
          payload_.clear();
        }
        break;
      }
      case State::kSkipLine: {
        const size_t lf = swar::find(in, 0, '\n');
        const bool found = lf < in.size();
        const size_t n = found ? lf + 1 : in.size();
        in.remove_prefix(n);
        line_too_long(n, found, time);
        if (found) state_ = State::kLine;
        break;
      }
      case State::kLine: {
        const size_t lf = swar::find(in, 0, '\n');
        if (lf == in.size()) {
          if (line_.size() + in.size() > limits_.max_line) {
            line_too_long(line_.size() + in.size(), false, time);
            line_.clear();
            state_ = State::kSkipLine;
          } else {
            line_.append(in);
          }
          in = {};
          break;
        }
        if (line_.size() + lf > limits_.max_line) {
          line_too_long(line_.size() + lf + 1, true, time);
          line_.clear();
          in.remove_prefix(lf + 1);
          break;
        }
        std::string_view line = in.substr(0, lf);
        if (!line_.empty()) {
          line_.append(line);
          line = line_;
        }
        in.remove_prefix(lf + 1);
        ++lines_;
        handle_line(line, in, time);
        break;
      }
    }
  }
  // What this chunk emptied goes back now: a connection between commands
  // then holds no buffer (idle connections are most of them), and a chat
  // does not free its buffers cold when it ends.
  release_if_empty(line_);
  release_if_empty(payload_);
}

void Framer::handle_line(std::string_view line, std::string_view& rest, Timestamp time) {
  const uint64_t raw_length = line.size() + 1;
  Command cmd;
  if (!parse_command(line, cmd)) {
    const bool blank = line.find_first_not_of("\r ") == std::string_view::npos;
    // A stray blank line (an extra CRLF after a payload) is harmless.
    if (!blank && !resyncing_) {
      client_.on_framer_anomaly(MsnpAnomaly::kBadLine, raw_length, time);
      enter_resync(true);
    }
    if (resyncing_) skipped_ += raw_length;
    line_.clear();
    return;
  }
  if (resyncing_) {
    if (!client_.plausible(cmd)) {
      skipped_ += raw_length;
      line_.clear();
      return;
    }
    resyncing_ = false;
    if (skipped_ > 0 || report_resync_) {
      client_.on_framer_anomaly(MsnpAnomaly::kResync, skipped_, time);
    }
    skipped_ = 0;
    report_resync_ = false;
  }
  const FramerClient::PayloadPlan plan = client_.plan_payload(cmd);
  if (!plan.has_payload) {
    client_.on_command(cmd, {}, time);
    line_.clear();
    return;
  }
  if (plan.length > limits_.max_payload) {
    // A length this large is far more likely a desynchronised stream than a
    // real payload; trusting it could swallow the rest of the connection.
    client_.on_framer_anomaly(MsnpAnomaly::kPayloadTooLarge, plan.length, time);
    client_.on_command(cmd, {}, time);
    line_.clear();
    enter_resync(true);
    return;
  }
  if (!plan.keep) {
    client_.on_command(cmd, {}, time);
    line_.clear();
    need_ = plan.length;
    state_ = need_ > 0 ? State::kSkipPayload : State::kLine;
    return;
  }
  if (rest.size() >= plan.length) {
    const auto n = static_cast<size_t>(plan.length);
    const std::string_view payload = rest.substr(0, n);
    rest.remove_prefix(n);
    client_.on_command(cmd, as_bytes(payload), time);
    line_.clear();
    return;
  }
  // The payload continues in a later chunk: keep the line and what is here.
  if (line_.empty()) line_.assign(line);
  payload_.assign(rest);
  need_ = plan.length - rest.size();
  rest = {};
  state_ = State::kPayload;
}

void Framer::on_gap(uint64_t length, Timestamp time) {
  if (state_ == State::kPayload || state_ == State::kSkipPayload) {
    if (state_ == State::kPayload) {
      client_.on_framer_anomaly(MsnpAnomaly::kPayloadLost, line_.size() + payload_.size(), time);
      line_.clear();
      payload_.clear();
    }
    if (length < need_) {
      need_ -= length;
      state_ = State::kSkipPayload;
      return;
    }
    length -= need_;
    need_ = 0;
    state_ = State::kLine;
    if (length == 0) return;  // the gap ended exactly where the next line starts
  }
  if (long_line_) {
    client_.on_framer_anomaly(MsnpAnomaly::kLineTooLong, long_line_bytes_, time);
    long_line_ = false;
    long_line_bytes_ = 0;
  }
  line_.clear();
  payload_.clear();
  state_ = State::kLine;
  enter_resync(true);
}

}  // namespace rcds::proto::msnp
