// Incremental framing of one MSNP byte stream (one direction of a
// connection) into command lines and their payloads (MSNP.md §2, §2.2).
//
// Complete lines inside a chunk are parsed in place and handed over as views;
// only an incomplete line or payload at the end of a chunk is buffered, and
// both are bounded. A payload the client does not want (a non-target's
// message) is skipped by counting, never copied. After a gap the framer looks
// for the next plausible command line and reports how many bytes it skipped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "proto/msnp/command.h"
#include "util/bytes.h"
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

// What the framer needs from its owner (the decoder), per direction.
class FramerClient {
 public:
  struct PayloadPlan {
    bool has_payload = false;
    uint64_t length = 0;
    bool keep = true;  // false: skip the bytes without copying or delivering them
  };
  virtual ~FramerClient() = default;
  // Whether `cmd` carries a payload (MSNP.md §2.1). Must not change state:
  // the command itself is delivered later, once its payload is complete.
  virtual PayloadPlan plan_payload(const Command& cmd) = 0;
  // One command and its payload (empty when none, or when skipped).
  // Views are valid only during the call.
  virtual void on_command(const Command& cmd, ByteView payload, Timestamp time) = 0;
  // Whether `cmd` is a believable place to resume after a loss (§2.2).
  virtual bool plausible(const Command& cmd) = 0;
  virtual void on_framer_anomaly(MsnpAnomaly anomaly, uint64_t bytes, Timestamp time) = 0;
};

struct FramerLimits {
  size_t max_line = 8 * 1024;
  uint64_t max_payload = 256 * 1024;
};
inline constexpr FramerLimits kDefaultFramerLimits{};

class Framer {
 public:
  // `limits` is referenced, not copied (a decoder has two framers): it
  // must outlive the framer.
  explicit Framer(FramerClient& client, const FramerLimits& limits = kDefaultFramerLimits)
      : client_(client), limits_(limits) {}
  Framer(FramerClient& client, const FramerLimits&& limits) = delete;

  void feed(ByteView data, Timestamp time);
  // `length` bytes are missing before the next feed(). A gap inside a
  // payload of known length keeps the framing (the payload is dropped);
  // anywhere else the framer resynchronises.
  void on_gap(uint64_t length, Timestamp time);
  // Start by looking for a plausible line (mid-stream pickup). Bytes skipped
  // before it are reported as kResync; none skipped, nothing reported.
  void start_resync() { enter_resync(false); }

  size_t buffered() const { return line_.size() + payload_.size(); }
  bool resyncing() const { return resyncing_; }
  uint64_t lines() const { return lines_; }

 private:
  enum class State : uint8_t { kLine, kPayload, kSkipPayload, kSkipLine };

  void handle_line(std::string_view line, std::string_view& rest, Timestamp time);
  void line_too_long(uint64_t bytes, bool complete, Timestamp time);
  void enter_resync(bool report);

  FramerClient& client_;
  const FramerLimits& limits_;
  State state_ = State::kLine;
  bool resyncing_ = false;
  bool report_resync_ = false;  // report the resync even when nothing was skipped
  bool long_line_ = false;      // inside an overlong line not yet reported
  uint64_t need_ = 0;           // payload bytes still to come (kPayload, kSkipPayload)
  uint64_t lines_ = 0;
  std::string line_;      // incomplete line, or the command line waiting for its payload
  std::string payload_;   // incomplete payload (kPayload)
  uint64_t skipped_ = 0;  // bytes skipped while resynchronising
  uint64_t long_line_bytes_ = 0;
};

}  // namespace rcds::proto::msnp
