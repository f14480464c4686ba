// Incremental framing of one MSNP byte stream (one direction of a
// connection) into command lines and their payloads (MSNP.md §2, §2.2).
//
// Complete lines inside a chunk are parsed in place and handed over as views;
// only an incomplete line or payload at the end of a chunk is buffered, and
// both are bounded. A payload the client does not want (a non-target's
// message) is skipped by counting, never copied. After a gap the framer looks
// for the next plausible command line and reports how many bytes it skipped.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "proto/msnp/command.h"
#include "util/bytes.h"
#include "util/swar.h"
#include "util/timestamp.h"

namespace rcds::proto::msnp {

// Named decoder anomalies (stable names, see docs/msnp.md). Facts about
// broken or hostile input: counted and reported as events, never fatal.
enum class MsnpAnomaly : uint8_t {
  kLineTooLong,       // a command line beyond the line bound; skipped up to its end
  kPayloadTooLarge,   // a payload length beyond the payload bound; treated as desync
  kBadLine,           // a line that is not an MSNP command; the framer resynchronises
  kResync,            // framing recovered at a plausible command line (bytes = skipped)
  kStreamGap,         // the flow layer reported missing bytes (bytes = gap length)
  kPayloadLost,       // a gap fell inside a payload: that command was dropped, framing kept
  kBadMime,           // a MSG payload without a header/body separator
  kRosterFull,        // switchboard roster at its bound; member not recorded
  kPendingFull,       // too many outstanding requests (CAL) on one connection
  kSessionTableFull,  // the shared cookie/login registry evicted its oldest entry
  kCount
};
std::string_view name_of(MsnpAnomaly anomaly);         // "msnp_line_too_long", ...
std::string_view description_of(MsnpAnomaly anomaly);  // one line, for reports

// What a framer asks of its client per command (MSNP.md §2.1).
struct PayloadPlan {
  bool has_payload = false;
  uint64_t length = 0;
  bool keep = true;  // false: skip the bytes without copying or delivering them
};

struct FramerLimits {
  size_t max_line = 8 * 1024;
  uint64_t max_payload = 256 * 1024;
};
inline constexpr FramerLimits kDefaultFramerLimits{};

namespace detail {
// Frees a buffer's heap memory once it holds nothing.
inline void release_if_empty(std::string& buffer) {
  if (buffer.empty() && buffer.capacity() > std::string().capacity()) std::string().swap(buffer);
}
}  // namespace detail

// The framer of one direction. `Client` derives from Framer<Client> and
// provides (called directly, not through a vtable: every line of every
// connection makes two or three of these calls):
//   PayloadPlan plan_payload(const Command& cmd);
//       whether `cmd` carries a payload (MSNP.md §2.1); must not change
//       state: the command is delivered later, once its payload is complete.
//   void on_command(const Command& cmd, ByteView payload, Timestamp time);
//       one command and its payload (empty when none, or when skipped);
//       views valid only during the call.
//   bool plausible(const Command& cmd);
//       whether `cmd` is a believable place to resume after a loss (§2.2).
//   void on_framer_anomaly(MsnpAnomaly anomaly, uint64_t bytes, Timestamp time);
template <class Client>
class Framer {
 public:
  // `limits` is referenced, not copied (a decoder has two framers): it
  // must outlive the framer.
  explicit Framer(const FramerLimits& limits = kDefaultFramerLimits) : limits_(limits) {}
  explicit Framer(const FramerLimits&& limits) = delete;

  void feed(ByteView data, Timestamp time);
  // `length` bytes are missing before the next feed(). A gap inside a
  // payload of known length keeps the framing (the payload is dropped);
  // anywhere else the framer resynchronises.
  void on_gap(uint64_t length, Timestamp time);
  // Start by looking for a plausible line (mid-stream pickup). Bytes skipped
  // before it are reported as kResync; none skipped, nothing reported.
  void start_resync() { enter_resync(false); }

  size_t buffered() const { return pending_.size(); }
  bool resyncing() const { return resyncing_; }
  uint64_t lines() const { return lines_; }

 private:
  enum class State : uint8_t { kLine, kPayload, kSkipPayload, kSkipLine };

  Client& client() { return static_cast<Client&>(*this); }
  void handle_line(std::string_view line, std::string_view& rest, Timestamp time);
  void line_too_long(uint64_t bytes, bool complete, Timestamp time);
  void enter_resync(bool report);

  const FramerLimits& limits_;
  State state_ = State::kLine;
  bool resyncing_ = false;
  bool report_resync_ = false;  // report the resync even when nothing was skipped
  bool long_line_ = false;      // inside an overlong line not yet reported
  uint64_t need_ = 0;           // payload bytes still to come (kPayload, kSkipPayload)
  uint64_t lines_ = 0;
  // An incomplete line (kLine), or the command line waiting for its payload
  // followed by the payload so far (kPayload): one buffer, so a message
  // split across segments costs one allocation, and each side one string.
  std::string pending_;
  size_t pending_line_ = 0;  // kPayload: the command line's length in pending_
  uint64_t skipped_ = 0;     // bytes skipped while resynchronising
  uint64_t long_line_bytes_ = 0;
};

template <class Client>
void Framer<Client>::enter_resync(bool report) {
  resyncing_ = true;
  report_resync_ = report;
  skipped_ = 0;
}

template <class Client>
void Framer<Client>::line_too_long(uint64_t bytes, bool complete, Timestamp time) {
  // While resynchronising an overlong line is just more skipped bytes.
  if (!resyncing_) {
    enter_resync(true);
    long_line_ = true;
  }
  skipped_ += bytes;
  if (long_line_) long_line_bytes_ += bytes;
  // Reported once its end is seen, so the length does not depend on chunking.
  if (complete && long_line_) {
    client().on_framer_anomaly(MsnpAnomaly::kLineTooLong, long_line_bytes_, time);
    long_line_ = false;
    long_line_bytes_ = 0;
  }
}

template <class Client>
void Framer<Client>::feed(ByteView data, Timestamp time) {
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
        pending_.append(in.substr(0, n));
        in.remove_prefix(n);
        need_ -= n;
        if (need_ == 0) {
          const std::string_view held = pending_;
          Command cmd;
          parse_command(held.substr(0, pending_line_), cmd);  // parsed once already when it arrived
          state_ = State::kLine;
          client().on_command(cmd, as_bytes(held.substr(pending_line_)), time);
          pending_.clear();
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
          if (pending_.size() + in.size() > limits_.max_line) {
            line_too_long(pending_.size() + in.size(), false, time);
            pending_.clear();
            state_ = State::kSkipLine;
          } else {
            pending_.append(in);
          }
          in = {};
          break;
        }
        if (pending_.size() + lf > limits_.max_line) {
          line_too_long(pending_.size() + lf + 1, true, time);
          pending_.clear();
          in.remove_prefix(lf + 1);
          break;
        }
        std::string_view line = in.substr(0, lf);
        if (!pending_.empty()) {
          pending_.append(line);
          line = pending_;
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
  detail::release_if_empty(pending_);
}

template <class Client>
void Framer<Client>::handle_line(std::string_view line, std::string_view& rest, Timestamp time) {
  const uint64_t raw_length = line.size() + 1;
  Command cmd;
  if (!parse_command(line, cmd)) {
    const bool blank = line.find_first_not_of("\r ") == std::string_view::npos;
    // A stray blank line (an extra CRLF after a payload) is harmless.
    if (!blank && !resyncing_) {
      client().on_framer_anomaly(MsnpAnomaly::kBadLine, raw_length, time);
      enter_resync(true);
    }
    if (resyncing_) skipped_ += raw_length;
    pending_.clear();
    return;
  }
  if (resyncing_) {
    if (!client().plausible(cmd)) {
      skipped_ += raw_length;
      pending_.clear();
      return;
    }
    resyncing_ = false;
    if (skipped_ > 0 || report_resync_) {
      client().on_framer_anomaly(MsnpAnomaly::kResync, skipped_, time);
    }
    skipped_ = 0;
    report_resync_ = false;
  }
  const PayloadPlan plan = client().plan_payload(cmd);
  if (!plan.has_payload) {
    client().on_command(cmd, {}, time);
    pending_.clear();
    return;
  }
  if (plan.length > limits_.max_payload) {
    // A length this large is far more likely a desynchronised stream than a
    // real payload; trusting it could swallow the rest of the connection.
    client().on_framer_anomaly(MsnpAnomaly::kPayloadTooLarge, plan.length, time);
    client().on_command(cmd, {}, time);
    pending_.clear();
    enter_resync(true);
    return;
  }
  if (!plan.keep) {
    client().on_command(cmd, {}, time);
    pending_.clear();
    need_ = plan.length;
    state_ = need_ > 0 ? State::kSkipPayload : State::kLine;
    return;
  }
  if (rest.size() >= plan.length) {
    const auto n = static_cast<size_t>(plan.length);
    const std::string_view payload = rest.substr(0, n);
    rest.remove_prefix(n);
    client().on_command(cmd, as_bytes(payload), time);
    pending_.clear();
    return;
  }
  // The payload continues in a later chunk: keep the line and what is here,
  // with room for the rest of a chat message so it is not copied again as
  // it grows. Not more than twice what has arrived (at least 256 bytes) nor
  // 2 KiB: a claimed length alone reserves little, whoever sends it.
  // `line` views pending_ when the line itself was split across chunks; the
  // reserve may move it, so its length is taken first (and `cmd`, which
  // views it too, is not used again).
  const size_t line_size = line.size();
  const uint64_t room =
      std::min<uint64_t>({plan.length, std::max<uint64_t>(2 * rest.size(), 256), 2048});
  pending_.reserve(line_size + static_cast<size_t>(room));
  if (pending_.empty()) pending_.assign(line);
  pending_line_ = line_size;
  pending_.append(rest);
  need_ = plan.length - rest.size();
  rest = {};
  state_ = State::kPayload;
}

template <class Client>
void Framer<Client>::on_gap(uint64_t length, Timestamp time) {
  if (state_ == State::kPayload || state_ == State::kSkipPayload) {
    if (state_ == State::kPayload) {
      client().on_framer_anomaly(MsnpAnomaly::kPayloadLost, pending_.size(), time);
      pending_.clear();
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
    client().on_framer_anomaly(MsnpAnomaly::kLineTooLong, long_line_bytes_, time);
    long_line_ = false;
    long_line_bytes_ = 0;
  }
  pending_.clear();
  state_ = State::kLine;
  enter_resync(true);
}

}  // namespace rcds::proto::msnp
