// One HI2/HI3 connection's byte stream at the LEMF (ETSI_HANDOVER.md §2, §10):
// buffers what arrives, frames PS-PDUs by their outer BER length, decodes and
// stores each one, and produces the keep-alive responses to send back. No
// sockets here, so tests and the fuzzer drive it with arbitrary chunks.
//
// A stream that stops being a PS-PDU stream (bad outer tag or length, a PDU
// that does not decode, more than the size bound buffered) is not resynced:
// the connection is closed with a reason and the sender reconnects and
// resends from its spool, which is safer evidence than guessing where the
// next PDU starts. Storage failures close it too, unanswered, so nothing
// that is not durable is ever acknowledged.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "cib/lemf/store.h"
#include "util/bytes.h"
#include "util/timestamp.h"

namespace rcds::cib::lemf {

// X(name, description): the receiver's counters, in one reviewable place.
#define RCDS_LEMF_COUNTERS(X)                                                   \
  X(connections_accepted, "HI2/HI3 connections accepted")                       \
  X(connections_refused, "connections closed at once: over the connection cap") \
  X(tls_handshake_failures, "TLS handshakes that failed (bad or missing cert)") \
  X(bytes_received, "bytes received (after TLS)")                               \
  X(pdus_received, "PS-PDUs framed and decoded")                                \
  X(pdus_stored, "IRI/CC PDUs and notices stored")                              \
  X(duplicates, "PDUs dropped as already stored (same LIID, CIN, stream, seq)") \
  X(keepalives, "keep-alives answered")                                         \
  X(malformed, "streams closed on a framing or decoding error")                 \
  X(oversized, "streams closed for buffering more than the PDU size bound")     \
  X(store_errors, "PDUs that could not be stored (connection closed)")

struct LemfCounters {
#define RCDS_X(name, doc) std::atomic<uint64_t> name{0};
  RCDS_LEMF_COUNTERS(RCDS_X)
#undef RCDS_X
  void bump(std::atomic<uint64_t>& counter, uint64_t n = 1) {
    counter.fetch_add(n, std::memory_order_relaxed);
  }
};

struct StreamLimits {
  // Bytes buffered for one unfinished PDU before the stream is closed.
  size_t max_pdu_size = size_t{64} << 20;
};

class StreamHandler {
 public:
  StreamHandler(LemfStore& store, LemfCounters& counters, int64_t connection,
                const StreamLimits& limits = {})
      : store_(store), counters_(counters), connection_(connection), limits_(limits) {}

  // Consumes `bytes` received at `now`; appends any response bytes to
  // `responses`. Returns false once the stream must be closed (then
  // close_reason() says why; further calls return false).
  bool feed(ByteView bytes, Timestamp now, std::string& responses);

  const std::string& close_reason() const { return close_reason_; }
  uint64_t pdus() const { return pdus_; }
  uint64_t bytes() const { return bytes_; }
  size_t buffered() const { return buffer_.size() - consumed_; }

 private:
  bool fail(std::string reason);
  bool handle(ByteView pdu, Timestamp now, std::string& responses);

  LemfStore& store_;
  LemfCounters& counters_;
  int64_t connection_;
  StreamLimits limits_;
  std::string buffer_;
  size_t consumed_ = 0;         // bytes of buffer_ already framed
  uint64_t stream_offset_ = 0;  // of buffer_[0] in the whole stream, for logs
  uint64_t pdus_ = 0;
  uint64_t bytes_ = 0;
  std::string close_reason_;
  std::string encoded_;  // reused for responses
};

}  // namespace rcds::cib::lemf
