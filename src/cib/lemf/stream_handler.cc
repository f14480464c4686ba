#include "cib/lemf/stream_handler.h"

#include <variant>

#include "handover/ber.h"
#include "handover/pspdu.h"

namespace rcds::cib::lemf {

namespace ho = rcds::handover;

bool StreamHandler::fail(std::string reason) {
  if (close_reason_.empty()) close_reason_ = std::move(reason);
  return false;
}

bool StreamHandler::feed(ByteView bytes, Timestamp now, std::string& responses) {
  if (!close_reason_.empty()) return false;
  bytes_ += bytes.size();
  counters_.bump(counters_.bytes_received, bytes.size());
  buffer_.append(as_chars(bytes));
  while (consumed_ < buffer_.size()) {
    const ByteView rest = as_bytes(std::string_view(buffer_).substr(consumed_));
    size_t length = 0;
    std::string error;
    const auto status = ho::ber::frame_pdu(rest, length, error);
    if (status == ho::ber::FrameStatus::kNeedMore) {
      if (rest.size() > limits_.max_pdu_size) {
        counters_.bump(counters_.oversized);
        return fail("stream offset " + std::to_string(stream_offset_ + consumed_) +
                    ": PDU larger than " + std::to_string(limits_.max_pdu_size) + " bytes");
      }
      break;
    }
    if (status == ho::ber::FrameStatus::kError) {
      counters_.bump(counters_.malformed);
      return fail("stream offset " + std::to_string(stream_offset_ + consumed_) +
                  ": framing: " + error);
    }
    if (length > limits_.max_pdu_size) {
      counters_.bump(counters_.oversized);
      return fail("stream offset " + std::to_string(stream_offset_ + consumed_) +
                  ": PDU larger than " + std::to_string(limits_.max_pdu_size) + " bytes");
    }
    if (!handle(rest.first(length), now, responses)) return false;
    consumed_ += length;
  }
  // Compact only when the framed prefix dominates, so a stream of small PDUs
  // does not move the buffer once per PDU.
  if (consumed_ == buffer_.size()) {
    stream_offset_ += consumed_;
    buffer_.clear();
    consumed_ = 0;
  } else if (consumed_ > buffer_.size() / 2) {
    stream_offset_ += consumed_;
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  return true;
}

bool StreamHandler::handle(ByteView raw, Timestamp now, std::string& responses) {
  ho::PsPdu pdu;
  std::string error;
  if (!ho::decode(raw, pdu, error)) {
    counters_.bump(counters_.malformed);
    return fail("stream offset " + std::to_string(stream_offset_ + consumed_) +
                ": PDU does not decode: " + error);
  }
  ++pdus_;
  counters_.bump(counters_.pdus_received);

  const auto* tri = std::get_if<ho::TriPayload>(&pdu.payload);
  if (tri != nullptr && tri->kind == ho::TriKind::kKeepAlive) {
    // The response acknowledges everything received before the keep-alive
    // (the sender then frees its spool): make it durable first.
    if (!store_.commit(error)) {
      counters_.bump(counters_.store_errors);
      return fail("cannot make stored PDUs durable: " + error);
    }
    // Header echoed, sequence number included (§9: OpenLI drops the
    // connection when the response's sequence number differs).
    pdu.payload = ho::TriPayload{ho::TriKind::kKeepAliveResponse, false, {}};
    ho::encode(pdu, encoded_);
    responses += encoded_;
    counters_.bump(counters_.keepalives);
    return true;
  }

  switch (store_.store(raw, pdu, now, connection_, error)) {
    case StoreResult::kStored:
      counters_.bump(counters_.pdus_stored);
      return true;
    case StoreResult::kDuplicate:
      counters_.bump(counters_.duplicates);
      return true;
    case StoreResult::kIgnored:
      return true;
    case StoreResult::kError:
      break;
  }
  counters_.bump(counters_.store_errors);
  return fail("cannot store PDU: " + error);
}

}  // namespace rcds::cib::lemf
