// One tracked connection: its key, TCP state per direction and the handler
// its bytes go to. Flows live in the FlowTable's pool.
#pragma once

#include <cstdint>

#include "flow/segment_store.h"
#include "flow/stream.h"

namespace rcds::flow {

// Reassembly state of one direction of a TCP connection.
struct HalfStream {
  static constexpr size_t kTailSize = 32;

  uint32_t next_seq = 0;            // next byte expected in order
  uint32_t fin_seq = 0;             // sequence number of the FIN, once seen
  uint64_t delivered = 0;           // stream offset = bytes delivered + gap bytes
  Segment* out_of_order = nullptr;  // sorted by seq, non-overlapping
  uint32_t out_of_order_bytes = 0;
  bool started = false;  // next_seq is meaningful
  bool saw_syn = false;
  bool fin_seen = false;
  bool finished = false;  // every byte up to the FIN delivered
  // The last bytes delivered, kept so a retransmission that rewrites them can
  // be recognised as a conflicting overlap.
  uint8_t tail_length = 0;
  uint8_t tail[kTailSize];
};
static_assert(sizeof(HalfStream) <= 80);

enum class TcpState : uint8_t {
  kSynSent,      // client SYN seen
  kSynReceived,  // SYN-ACK seen (both initial sequence numbers known)
  kEstablished,  // handshake complete or picked up mid-stream
};

enum class DetectState : uint8_t { kUndecided, kClaimed, kUnclaimed };

struct ProbeBuffer;

// Field order matters: what every packet touches (key, state, hash, time)
// shares the first cache line; per-direction state follows.
struct Flow {
  FlowKey key;            // source = client
  int16_t protocol = -1;  // index in the ProtocolRegistry, -1 none
  TcpState tcp_state = TcpState::kEstablished;
  DetectState detect = DetectState::kUndecided;
  uint8_t lru_class = 0;
  bool saw_handshake = false;
  bool in_use = false;
  uint64_t hash = 0;
  Timestamp last_seen;
  StreamHandler* handler = nullptr;
  Flow* lru_prev = nullptr;
  Flow* lru_next = nullptr;
  ProbeBuffer* probe = nullptr;  // only while detection needs more bytes
  uint64_t id = 0;
  Timestamp first_seen;
  uint64_t packets[2] = {0, 0};
  uint64_t payload_bytes[2] = {0, 0};  // as seen on the wire, retransmissions included
  uint32_t gaps[2] = {0, 0};
  uint64_t gap_bytes[2] = {0, 0};
  HalfStream half[2];

  HalfStream& stream(Direction d) { return half[index_of(d)]; }
};

}  // namespace rcds::flow
