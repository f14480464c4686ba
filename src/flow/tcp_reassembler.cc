#include "flow/tcp_reassembler.h"

#include <algorithm>
#include <cstring>

namespace rcds::flow {
namespace {

// Signed distance from b to a in sequence space (handles wrap-around).
inline int32_t seq_diff(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b); }

void mark_finished(HalfStream& half) {
  if (half.fin_seen && half.out_of_order == nullptr && seq_diff(half.next_seq, half.fin_seq) >= 0) {
    half.finished = true;
  }
}

}  // namespace

void TcpReassembler::emit(Flow& flow, Direction direction, ByteView bytes, Timestamp time) {
  HalfStream& half = flow.stream(direction);
  delivery_.data(flow, direction, bytes, time);
  // Keep the last kTailSize delivered bytes for overlap verification.
  constexpr size_t kTail = HalfStream::kTailSize;
  if (bytes.size() >= kTail) {
    std::memcpy(half.tail, bytes.data() + bytes.size() - kTail, kTail);
    half.tail_length = kTail;
  } else {
    const size_t keep = std::min<size_t>(half.tail_length, kTail - bytes.size());
    std::memmove(half.tail, half.tail + half.tail_length - keep, keep);
    std::memcpy(half.tail + keep, bytes.data(), bytes.size());
    half.tail_length = static_cast<uint8_t>(keep + bytes.size());
  }
  half.next_seq += static_cast<uint32_t>(bytes.size());
  half.delivered += bytes.size();
  counters_.add(Counter::tcp_stream_bytes, bytes.size());
}

void TcpReassembler::emit_gap(Flow& flow, Direction direction, uint32_t length, Timestamp time) {
  HalfStream& half = flow.stream(direction);
  delivery_.gap(flow, direction, length, time);
  half.next_seq += length;
  half.delivered += length;
  half.tail_length = 0;
  ++flow.gaps[index_of(direction)];
  flow.gap_bytes[index_of(direction)] += length;
  counters_.add(Counter::tcp_gaps);
  counters_.add(Counter::tcp_gap_bytes, length);
}

void TcpReassembler::check_overlap(const uint8_t* stored, const uint8_t* incoming, size_t length) {
  if (std::memcmp(stored, incoming, length) != 0) counters_.add(Anomaly::tcp_overlap_conflict);
}

void TcpReassembler::verify_against_tail(const HalfStream& half, uint32_t seq, ByteView bytes) {
  // `bytes` end at or before next_seq; compare what falls inside the tail.
  const int64_t start = seq_diff(seq, half.next_seq);
  const int64_t end = start + static_cast<int64_t>(bytes.size());
  const int64_t lo = std::max<int64_t>(start, -static_cast<int64_t>(half.tail_length));
  const int64_t hi = std::min<int64_t>(end, 0);
  if (lo >= hi) return;
  check_overlap(half.tail + (lo + half.tail_length), bytes.data() + (lo - start),
                static_cast<size_t>(hi - lo));
}

void TcpReassembler::segment(Flow& flow, Direction direction, uint32_t seq, ByteView payload,
                             Timestamp time) {
  HalfStream& half = flow.stream(direction);
  if (!half.started) {
    half.next_seq = seq;
    half.started = true;
  }
  if (payload.empty()) return;
  if (half.fin_seen) {
    const int32_t beyond = seq_diff(seq + static_cast<uint32_t>(payload.size()), half.fin_seq);
    if (beyond > 0) {
      counters_.add(Anomaly::tcp_data_after_close);
      if (static_cast<size_t>(beyond) >= payload.size()) return;
      payload = payload.first(payload.size() - static_cast<size_t>(beyond));
    }
  }
  if (seq_diff(seq, half.next_seq) > 0) {
    if (seq_diff(seq, half.next_seq) > kMaxAhead) {
      // Far beyond any receive window: believing it would let a forged
      // segment (plus an ACK or a full buffer) move the stream past the
      // real continuation, which would then be dropped as old.
      counters_.add(Anomaly::tcp_segment_out_of_window);
      return;
    }
    store_out_of_order(flow, direction, seq, payload, time);
    return;
  }
  deliver_in_order(flow, direction, seq, payload, time);
  drain(flow, direction, time);
}

void TcpReassembler::deliver_in_order(Flow& flow, Direction direction, uint32_t seq,
                                      ByteView payload, Timestamp time) {
  HalfStream& half = flow.stream(direction);
  if (half.fin_seen) {
    // Bytes buffered before the FIN arrived may lie beyond it.
    const int32_t beyond = seq_diff(seq + static_cast<uint32_t>(payload.size()), half.fin_seq);
    if (beyond > 0) {
      counters_.add(Anomaly::tcp_data_after_close);
      if (static_cast<size_t>(beyond) >= payload.size()) return;
      payload = payload.first(payload.size() - static_cast<size_t>(beyond));
    }
  }
  const uint32_t already = half.next_seq - seq;  // bytes at or before next_seq
  if (already >= payload.size()) {
    counters_.add(Counter::tcp_retransmissions);
    verify_against_tail(half, seq, payload);
    return;
  }
  if (already > 0) verify_against_tail(half, seq, payload.first(already));
  emit(flow, direction, payload.subspan(already), time);
}

void TcpReassembler::drop_beyond_fin(HalfStream& half) {
  if (!half.fin_seen) return;
  // The list is sorted: everything from the first segment starting at or
  // after the FIN can never be delivered (segments straddling it are cut
  // when delivered).
  Segment** link = &half.out_of_order;
  while (*link != nullptr && seq_diff((*link)->seq, half.fin_seq) < 0) link = &(*link)->next;
  while (Segment* s = *link) {
    *link = s->next;
    half.out_of_order_bytes -= s->length;
    counters_.add(Anomaly::tcp_data_after_close);
    store_.free(s);
  }
}

void TcpReassembler::drain(Flow& flow, Direction direction, Timestamp time) {
  HalfStream& half = flow.stream(direction);
  while (half.out_of_order != nullptr && seq_diff(half.out_of_order->seq, half.next_seq) <= 0) {
    Segment* s = half.out_of_order;
    half.out_of_order = s->next;
    half.out_of_order_bytes -= s->length;
    deliver_in_order(flow, direction, s->seq, {s->data, s->length}, time);
    store_.free(s);
  }
  mark_finished(half);
}

void TcpReassembler::flush(Flow& flow, Direction direction, Timestamp time) {
  HalfStream& half = flow.stream(direction);
  while (half.out_of_order != nullptr) {
    Segment* s = half.out_of_order;
    half.out_of_order = s->next;
    half.out_of_order_bytes -= s->length;
    if (half.fin_seen && seq_diff(s->seq, half.fin_seq) >= 0) {
      counters_.add(Anomaly::tcp_data_after_close);  // buffered before the FIN came
      store_.free(s);
      continue;
    }
    const int32_t hole = seq_diff(s->seq, half.next_seq);
    if (hole > 0) emit_gap(flow, direction, static_cast<uint32_t>(hole), time);
    deliver_in_order(flow, direction, s->seq, {s->data, s->length}, time);
    store_.free(s);
  }
  if (half.fin_seen && seq_diff(half.fin_seq, half.next_seq) > 0) {
    emit_gap(flow, direction, static_cast<uint32_t>(seq_diff(half.fin_seq, half.next_seq)), time);
  }
  mark_finished(half);
}

void TcpReassembler::skip_ahead(Flow& flow, Direction direction, uint32_t seq, ByteView payload,
                                Timestamp time) {
  flush(flow, direction, time);
  HalfStream& half = flow.stream(direction);
  const int32_t hole = seq_diff(seq, half.next_seq);
  if (hole > 0) emit_gap(flow, direction, static_cast<uint32_t>(hole), time);
  deliver_in_order(flow, direction, seq, payload, time);
  mark_finished(half);
}

Segment** TcpReassembler::insert_piece(HalfStream& half, Segment** link, uint32_t seq,
                                       const uint8_t* bytes, uint32_t length) {
  while (length > 0) {
    Segment* s = store_.allocate();
    if (s == nullptr) return link;  // cannot happen: blocks were counted and checked first
    const uint32_t n = std::min<uint32_t>(length, Segment::kCapacity);
    s->seq = seq;
    s->length = n;
    std::memcpy(s->data, bytes, n);
    s->next = *link;
    *link = s;
    link = &s->next;
    half.out_of_order_bytes += n;
    seq += n;
    bytes += n;
    length -= n;
  }
  return link;
}

namespace {

// Walks the sorted out-of-order list over [begin, end) (offsets relative to
// `base`, the direction's next_seq): `piece(link, from, to)` for each range
// not buffered yet, to be inserted at `link` (returns the link after it), and
// `overlap(segment, from, to)` for each range that is.
template <typename Piece, typename Overlap>
void walk_ranges(HalfStream& half, uint32_t base, uint32_t begin, uint32_t end, Piece piece,
                 Overlap overlap) {
  uint32_t cursor = begin;
  Segment** link = &half.out_of_order;
  while (cursor < end) {
    Segment* s = *link;
    if (s == nullptr || s->seq - base >= end) {
      piece(link, cursor, end);
      return;
    }
    const uint32_t s_begin = s->seq - base;
    const uint32_t s_end = s_begin + s->length;
    if (s_end <= cursor) {
      link = &s->next;
      continue;
    }
    if (s_begin > cursor) {
      const uint32_t piece_end = std::min(end, s_begin);
      link = piece(link, cursor, piece_end);
      cursor = piece_end;
      continue;
    }
    const uint32_t overlap_end = std::min(end, s_end);
    overlap(*s, cursor, overlap_end);
    cursor = overlap_end;
    link = &s->next;
  }
}

size_t blocks_for(uint32_t length) {
  return (length + Segment::kCapacity - 1) / Segment::kCapacity;
}

}  // namespace

void TcpReassembler::store_out_of_order(Flow& flow, Direction direction, uint32_t seq,
                                        ByteView payload, Timestamp time) {
  HalfStream& half = flow.stream(direction);
  counters_.add(Counter::tcp_out_of_order);
  if (Delivery::unclaimed(flow)) {
    // Nobody reads this flow: skip the copy, just keep the sequence moving.
    skip_ahead(flow, direction, seq, payload, time);
    return;
  }
  const uint32_t length = static_cast<uint32_t>(payload.size());
  if (half.out_of_order_bytes + length > max_out_of_order_bytes_) {
    counters_.add(Anomaly::tcp_flow_memory_cap);
    skip_ahead(flow, direction, seq, payload, time);
    return;
  }
  const uint32_t base = half.next_seq;
  const uint32_t begin = seq - base;
  const uint32_t end = begin + length;
  // The new bytes may be split around buffered segments into several pieces,
  // each needing its own blocks: count them exactly before storing any.
  size_t blocks = 0;
  walk_ranges(
      half, base, begin, end,
      [&blocks](Segment** link, uint32_t from, uint32_t to) {
        blocks += blocks_for(to - from);
        return link;
      },
      [](const Segment&, uint32_t, uint32_t) {});
  if (!store_.can_allocate(blocks)) {
    counters_.add(Anomaly::tcp_global_memory_cap);
    skip_ahead(flow, direction, seq, payload, time);
    return;
  }
  walk_ranges(
      half, base, begin, end,
      [&](Segment** link, uint32_t from, uint32_t to) {
        return insert_piece(half, link, base + from, payload.data() + (from - begin), to - from);
      },
      [&](const Segment& s, uint32_t from, uint32_t to) {
        check_overlap(s.data + (from - (s.seq - base)), payload.data() + (from - begin), to - from);
      });
}

void TcpReassembler::fin(Flow& flow, Direction direction, uint32_t fin_seq) {
  HalfStream& half = flow.stream(direction);
  if (!half.started) {
    half.next_seq = fin_seq;
    half.started = true;
  }
  if (!half.fin_seen &&
      (seq_diff(fin_seq, half.next_seq) > kMaxAhead || seq_diff(fin_seq, half.next_seq) < 0)) {
    // A FIN no receiver would accept: far ahead, or inside bytes already
    // delivered.
    counters_.add(Anomaly::tcp_segment_out_of_window);
    return;
  }
  if (!half.fin_seen) {
    half.fin_seen = true;
    half.fin_seq = fin_seq;
    drop_beyond_fin(half);
  }
  mark_finished(half);
}

void TcpReassembler::ack(Flow& flow, Direction direction, uint32_t ack, Timestamp time) {
  HalfStream& half = flow.stream(direction);
  if (half.out_of_order == nullptr) {
    // Acknowledged bytes missing right before a FIN: nothing else will come.
    if (half.fin_seen && !half.finished && seq_diff(ack, half.next_seq) > 0) {
      const uint32_t end = seq_diff(ack, half.fin_seq) < 0 ? ack : half.fin_seq;
      if (seq_diff(end, half.next_seq) > 0) {
        emit_gap(flow, direction, static_cast<uint32_t>(seq_diff(end, half.next_seq)), time);
      }
      mark_finished(half);
    }
    return;
  }
  // The receiver has bytes we never saw: the capture lost them.
  if (seq_diff(ack, half.out_of_order->seq) > 0) {
    emit_gap(flow, direction,
             static_cast<uint32_t>(seq_diff(half.out_of_order->seq, half.next_seq)), time);
    drain(flow, direction, time);
  }
}

}  // namespace rcds::flow
