// MsnpConnection: the handler of an "msnp" flow, a direct MSNP decoder or
// the HTTP gateway (MSNP.md §12), decided by the first client bytes.
#include <algorithm>

#include "proto/msnp/gateway.h"

namespace rcds::proto::msnp {

using flow::Direction;

namespace {
constexpr std::string_view kPost = "POST ";
}  // namespace

// --- choosing between direct MSNP and the gateway ------------------------------

MsnpConnection::MsnpConnection(const flow::StreamInfo& info, MsnpEventSink& sink,
                               MsnpSession* session, GatewayLimits limits)
    : info_(info), sink_(sink), session_(session), limits_(limits) {
  info_.protocol = {};
}

void MsnpConnection::decide(bool gateway) {
  if (gateway) {
    gateway_ = std::make_unique<GatewayHandler>(info_, sink_, session_, limits_);
  } else {
    decoder_.emplace(info_, sink_, session_, limits_.decoder);
  }
}

flow::StreamHandler* MsnpConnection::inner() {
  if (decoder_) return &*decoder_;
  return gateway_.get();
}

void MsnpConnection::on_data(Direction direction, ByteView bytes, Timestamp time) {
  if (flow::StreamHandler* h = inner()) {
    h->on_data(direction, bytes, time);
    return;
  }
  if (direction == Direction::kClientToServer) {
    // Hold back at most four bytes while they may still begin "POST ".
    const std::string_view text = as_chars(bytes);
    const size_t take = std::min(text.size(), kPost.size() - prefix_.size());
    prefix_.append(text.substr(0, take));
    const bool could_be_post = kPost.substr(0, prefix_.size()) == prefix_;
    if (could_be_post && prefix_.size() < kPost.size()) return;
    decide(could_be_post);
    std::string held = std::move(prefix_);
    prefix_.clear();
    inner()->on_data(direction, as_bytes(held), time);
    if (take < text.size()) inner()->on_data(direction, as_bytes(text.substr(take)), time);
    return;
  }
  // The server spoke first: not a gateway request (unless the client had
  // already begun one).
  decide(!prefix_.empty());
  if (!prefix_.empty()) {
    std::string held = std::move(prefix_);
    prefix_.clear();
    inner()->on_data(Direction::kClientToServer, as_bytes(held), time);
  }
  inner()->on_data(direction, bytes, time);
}

void MsnpConnection::on_gap(Direction direction, uint64_t length, Timestamp time) {
  if (inner() == nullptr) decide(!prefix_.empty());
  if (!prefix_.empty()) {
    std::string held = std::move(prefix_);
    prefix_.clear();
    inner()->on_data(Direction::kClientToServer, as_bytes(held), time);
  }
  inner()->on_gap(direction, length, time);
}

void MsnpConnection::on_close(flow::CloseReason reason, Timestamp time) {
  if (flow::StreamHandler* h = inner()) h->on_close(reason, time);
}

}  // namespace rcds::proto::msnp
