// Delivery of a flow's ordered bytes to its handler, with protocol detection
// in front: until a protocol is decided, the first bytes are kept in a small
// probe buffer and replayed to the handler once it exists.
#pragma once

#include <cstdint>

#include "flow/detect.h"
#include "flow/flow.h"
#include "flow/memory_budget.h"
#include "util/counters.h"

namespace rcds::flow {

class Delivery {
 public:
  Delivery(const ProtocolRegistry& registry, StreamHandlerFactory& factory, Counters& counters,
           MemoryBudget& budget, size_t probe_bytes)
      : registry_(registry),
        factory_(factory),
        counters_(counters),
        budget_(budget),
        probe_bytes_(probe_bytes) {}

  void data(Flow& flow, Direction direction, ByteView bytes, Timestamp time) {
    if (flow.detect == DetectState::kClaimed) {
      flow.handler->on_data(direction, bytes, time);
    } else if (flow.detect == DetectState::kUndecided) {
      detect(flow, direction, bytes, time);
    }
  }
  void gap(Flow& flow, Direction direction, uint64_t length, Timestamp time);
  // Decides any pending detection, then closes and releases the handler.
  void close(Flow& flow, CloseReason reason, Timestamp time);

  // True when nobody wants the flow's bytes (no need to reassemble them).
  static bool unclaimed(const Flow& flow) { return flow.detect == DetectState::kUnclaimed; }

 private:
  void detect(Flow& flow, Direction direction, ByteView bytes, Timestamp time);
  void decide(Flow& flow, int protocol, Timestamp time);
  StreamInfo info_of(const Flow& flow, int protocol) const;
  int classify(const Flow& flow, bool final_attempt) const;
  void free_probe(Flow& flow);

  const ProtocolRegistry& registry_;
  StreamHandlerFactory& factory_;
  Counters& counters_;
  MemoryBudget& budget_;
  size_t probe_bytes_;
};

}  // namespace rcds::flow
