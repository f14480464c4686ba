// Reassembly of one TCP direction into ordered bytes with explicit gaps.
//
// Policy (documented in docs/reassembly.md):
// - In-order bytes are delivered straight from the packet, never copied.
// - Out-of-order segments are copied into pooled blocks, sorted and trimmed
//   so no two buffered ranges overlap.
// - Overlaps: the bytes seen first win. Overlapping bytes are compared with
//   what is buffered, or with the last 32 delivered bytes; a difference is a
//   `tcp_overlap_conflict` anomaly and the later bytes are discarded.
// - A hole becomes a gap when the receiver acknowledges data beyond it (the
//   capture lost it), when the per-direction or global buffer budget is hit
//   (we stop waiting and move on), or when the flow closes.
#pragma once

#include <cstdint>

#include "flow/delivery.h"
#include "flow/flow.h"
#include "flow/segment_store.h"
#include "util/counters.h"

namespace rcds::flow {

class TcpReassembler {
 public:
  // The largest TCP receive window is 2^30 bytes (RFC 7323); real ones are
  // far smaller. A segment (or FIN) further ahead of the stream's next byte
  // than this is dropped when it arrives (tcp_segment_out_of_window).
  static constexpr int32_t kMaxAhead = 1 << 26;

  TcpReassembler(SegmentStore& store, Delivery& delivery, Counters& counters,
                 uint32_t max_out_of_order_bytes)
      : store_(store),
        delivery_(delivery),
        counters_(counters),
        max_out_of_order_bytes_(max_out_of_order_bytes) {}

  // Payload of one segment; `seq` is the sequence number of its first byte.
  void segment(Flow& flow, Direction direction, uint32_t seq, ByteView payload, Timestamp time);
  // Records the FIN of `direction` at sequence number `fin_seq`.
  void fin(Flow& flow, Direction direction, uint32_t fin_seq);
  // The peer of `direction` acknowledged everything before `ack`.
  void ack(Flow& flow, Direction direction, uint32_t ack, Timestamp time);
  // Delivers everything buffered, turning holes into gaps (close, timeout).
  void flush(Flow& flow, Direction direction, Timestamp time);

 private:
  void deliver_in_order(Flow& flow, Direction direction, uint32_t seq, ByteView payload,
                        Timestamp time);
  void drain(Flow& flow, Direction direction, Timestamp time);
  void drop_beyond_fin(HalfStream& half);
  void store_out_of_order(Flow& flow, Direction direction, uint32_t seq, ByteView payload,
                          Timestamp time);
  void skip_ahead(Flow& flow, Direction direction, uint32_t seq, ByteView payload, Timestamp time);
  void emit(Flow& flow, Direction direction, ByteView bytes, Timestamp time);
  void emit_gap(Flow& flow, Direction direction, uint32_t length, Timestamp time);
  void check_overlap(const uint8_t* stored, const uint8_t* incoming, size_t length);
  void verify_against_tail(const HalfStream& half, uint32_t seq, ByteView bytes);
  Segment** insert_piece(HalfStream& half, Segment** link, uint32_t seq, const uint8_t* bytes,
                         uint32_t length);

  SegmentStore& store_;
  Delivery& delivery_;
  Counters& counters_;
  uint32_t max_out_of_order_bytes_;
};

}  // namespace rcds::flow
