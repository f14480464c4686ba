// Protocol detection: by a content probe on a flow's first bytes, on any
// port, and by well-known port when no probe is sure.
//
// The registry is wired by the sensor (nis), not by the flow layer, so a new
// protocol slots in by registering a ProtocolSpec.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "flow/stream.h"

namespace rcds::flow {

enum class ProbeResult : uint8_t { kMatch, kNoMatch, kNeedMore };

struct ProtocolSpec {
  std::string_view name;
  Transport transport = Transport::kTcp;
  std::vector<uint16_t> ports;  // server ports that hint at this protocol
  // Looks at the first bytes seen in `direction`; nullptr = port only.
  ProbeResult (*probe)(ByteView first_bytes, Direction direction) = nullptr;
};

class ProtocolRegistry {
 public:
  // Returns the index of the new spec.
  size_t add(ProtocolSpec spec);
  const ProtocolSpec& at(size_t index) const { return specs_[index]; }
  size_t size() const { return specs_.size(); }

  // True when `port` is a registered server port of some protocol.
  bool is_server_port(uint16_t port, Transport transport) const;

  static constexpr int kUnknown = -1;
  static constexpr int kUndecided = -2;
  // Decides the protocol from the first bytes seen in each direction (either
  // may be empty). A probe matches when it matches either direction. Returns
  // a spec index, kUnknown, or kUndecided when a probe needs more bytes and
  // `final_attempt` is false.
  int classify(const StreamInfo& info, ByteView client_bytes, ByteView server_bytes,
               bool final_attempt) const;

 private:
  std::vector<ProtocolSpec> specs_;
};

}  // namespace rcds::flow
