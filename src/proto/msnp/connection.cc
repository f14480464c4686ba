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
                               MsnpSession* session, const GatewayLimits& limits)
    : limits_(limits), state_(Undecided{info, &sink, session, {}}) {
  std::get<Undecided>(state_).info.protocol = {};
}

std::string MsnpConnection::decide(bool gateway) {
  // The handler replaces the undecided state: take what it needs out first.
  Undecided was = std::move(std::get<Undecided>(state_));
  if (gateway) {
    gateway_ = state_
                   .emplace<std::unique_ptr<GatewayHandler>>(
                       std::make_unique<GatewayHandler>(was.info, *was.sink, was.session, limits_))
                   .get();
  } else {
    decoder_ = &state_.emplace<MsnpDecoder>(was.info, *was.sink, was.session, limits_.decoder);
  }
  return std::move(was.prefix);
}

flow::StreamHandler* MsnpConnection::inner() const {
  if (decoder_ != nullptr) return decoder_;
  return gateway_;
}

void MsnpConnection::on_data(Direction direction, ByteView bytes, Timestamp time) {
  if (decoder_ != nullptr) {
    decoder_->on_data(direction, bytes, time);
    return;
  }
  if (gateway_ != nullptr) {
    gateway_->on_data(direction, bytes, time);
    return;
  }
  std::string& prefix = std::get<Undecided>(state_).prefix;
  if (direction == Direction::kClientToServer) {
    // Hold back at most four bytes while they may still begin "POST ".
    const std::string_view text = as_chars(bytes);
    const bool first = prefix.empty();
    const size_t take = std::min(text.size(), kPost.size() - prefix.size());
    prefix.append(text.substr(0, take));
    const bool could_be_post = kPost.substr(0, prefix.size()) == prefix;
    if (could_be_post && prefix.size() < kPost.size()) return;
    const std::string held = decide(could_be_post);
    if (first) {
      // Nothing was held from earlier chunks: the chunk goes on whole, so
      // its first line is not split where the prefix ended.
      inner()->on_data(direction, bytes, time);
      return;
    }
    inner()->on_data(direction, as_bytes(held), time);
    if (take < text.size()) inner()->on_data(direction, as_bytes(text.substr(take)), time);
    return;
  }
  // The server spoke first: not a gateway request (unless the client had
  // already begun one).
  const std::string held = decide(!prefix.empty());
  if (!held.empty()) inner()->on_data(Direction::kClientToServer, as_bytes(held), time);
  inner()->on_data(direction, bytes, time);
}

void MsnpConnection::on_gap(Direction direction, uint64_t length, Timestamp time) {
  if (inner() == nullptr) {
    const std::string held = decide(!std::get<Undecided>(state_).prefix.empty());
    if (!held.empty()) inner()->on_data(Direction::kClientToServer, as_bytes(held), time);
  }
  inner()->on_gap(direction, length, time);
}

void MsnpConnection::on_close(flow::CloseReason reason, Timestamp time) {
  if (flow::StreamHandler* h = inner()) h->on_close(reason, time);
}

}  // namespace rcds::proto::msnp
