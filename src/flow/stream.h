// The stream interface between the flow layer and protocol decoders.
//
// A decoder sees one connection as two ordered byte streams (client to
// server, server to client) plus explicit gaps: it never receives two distant
// byte ranges glued together, and never sees a packet. UDP flows use the same
// interface with one on_data call per datagram and no gaps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/address.h"
#include "util/bytes.h"
#include "util/timestamp.h"

namespace rcds::flow {

enum class Direction : uint8_t { kClientToServer = 0, kServerToClient = 1 };

inline Direction opposite(Direction d) {
  return d == Direction::kClientToServer ? Direction::kServerToClient : Direction::kClientToServer;
}
inline size_t index_of(Direction d) { return static_cast<size_t>(d); }
std::string_view name_of(Direction d);  // "c2s" / "s2c"

enum class CloseReason : uint8_t {
  kFin,       // both directions finished with FIN
  kReset,     // an in-window RST
  kTimeout,   // idle longer than the flow timeout
  kEvicted,   // made room in a full flow table
  kShutdown,  // end of the capture or sensor stop
  kReused,    // a new SYN reused the 5-tuple of a finished connection
};
std::string_view name_of(CloseReason r);

// What a decoder learns when a flow opens.
struct StreamInfo {
  uint64_t flow_id = 0;  // unique within one sensor run
  FlowKey key;           // source = client (the SYN sender, or the best guess mid-stream)
  Timestamp start;
  bool saw_handshake = false;  // false: picked up mid-stream
  std::string_view protocol;   // name of the protocol detected, "" if none
};

class StreamHandler {
 public:
  // With many flows the sensor prefetches this much of a handler, from its
  // start, a packet before it processes a packet of the flow: a handler with
  // per-flow state keeps what every chunk reads there.
  static constexpr size_t kPrefetchBytes = 256;

  virtual ~StreamHandler() = default;
  // `bytes` are valid only during the call.
  virtual void on_data(Direction direction, ByteView bytes, Timestamp time) = 0;
  // `length` bytes are missing in `direction` before the next on_data.
  virtual void on_gap(Direction direction, uint64_t length, Timestamp time) = 0;
  // Last call; the handler is released right after.
  virtual void on_close(CloseReason reason, Timestamp time) = 0;
};

// Creates the handler for a flow once its protocol is known (on the flow's
// first payload byte) and takes it back after on_close. Returning nullptr
// means nobody wants the flow: its payload is then counted but not
// reassembled, which keeps uninteresting bulk traffic cheap.
class StreamHandlerFactory {
 public:
  virtual ~StreamHandlerFactory() = default;
  virtual StreamHandler* open(const StreamInfo& info) = 0;
  virtual void release(StreamHandler* handler) = 0;
};

}  // namespace rcds::flow
