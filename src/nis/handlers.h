// Stream handler factories used by `rcds analyze` and `rcds capture` until
// protocol decoders are wired in: one that dumps streams to files, and one
// that only counts (so every flow is reassembled, as libnids would).
#pragma once

#include <string>

#include "flow/stream.h"

namespace rcds::nis {

// Counts delivered bytes; one shared instance serves every flow.
class CountingHandler final : public flow::StreamHandler {
 public:
  void on_data(flow::Direction, ByteView bytes, Timestamp) override { bytes_ += bytes.size(); }
  void on_gap(flow::Direction, uint64_t, Timestamp) override { ++gaps_; }
  void on_close(flow::CloseReason, Timestamp) override {}
  uint64_t bytes() const { return bytes_; }

 private:
  uint64_t bytes_ = 0;
  uint64_t gaps_ = 0;
};

class CountingFactory final : public flow::StreamHandlerFactory {
 public:
  flow::StreamHandler* open(const flow::StreamInfo&) override { return &handler_; }
  void release(flow::StreamHandler*) override {}
  const CountingHandler& handler() const { return handler_; }

 private:
  CountingHandler handler_;
};

// One StreamDumper per flow, writing into `directory`.
class DumpFactory final : public flow::StreamHandlerFactory {
 public:
  explicit DumpFactory(std::string directory) : directory_(std::move(directory)) {}
  flow::StreamHandler* open(const flow::StreamInfo& info) override;
  void release(flow::StreamHandler* handler) override;
  const std::string& error() const { return error_; }

 private:
  std::string directory_;
  std::string error_;
};

// Claims nothing: flows nobody else wants are then only counted.
class NullFactory final : public flow::StreamHandlerFactory {
 public:
  flow::StreamHandler* open(const flow::StreamInfo&) override { return nullptr; }
  void release(flow::StreamHandler*) override {}
};

// Gives every flow to two factories at once (a decoder and the stream dumper
// of `--dump-streams`). Offline forensic use only: the extra indirection per
// delivery is not for the live hot path.
class TeeFactory final : public flow::StreamHandlerFactory {
 public:
  TeeFactory(flow::StreamHandlerFactory& first, flow::StreamHandlerFactory& second)
      : first_(first), second_(second) {}
  flow::StreamHandler* open(const flow::StreamInfo& info) override {
    flow::StreamHandler* a = first_.open(info);
    flow::StreamHandler* b = second_.open(info);
    if (a == nullptr && b == nullptr) return nullptr;
    return new Tee(a, b);
  }
  void release(flow::StreamHandler* handler) override {
    auto* tee = static_cast<Tee*>(handler);
    if (tee->first != nullptr) first_.release(tee->first);
    if (tee->second != nullptr) second_.release(tee->second);
    delete tee;
  }

 private:
  struct Tee final : flow::StreamHandler {
    Tee(flow::StreamHandler* a, flow::StreamHandler* b) : first(a), second(b) {}
    void on_data(flow::Direction d, ByteView bytes, Timestamp t) override {
      if (first != nullptr) first->on_data(d, bytes, t);
      if (second != nullptr) second->on_data(d, bytes, t);
    }
    void on_gap(flow::Direction d, uint64_t length, Timestamp t) override {
      if (first != nullptr) first->on_gap(d, length, t);
      if (second != nullptr) second->on_gap(d, length, t);
    }
    void on_close(flow::CloseReason reason, Timestamp t) override {
      if (first != nullptr) first->on_close(reason, t);
      if (second != nullptr) second->on_close(reason, t);
    }
    flow::StreamHandler* first;
    flow::StreamHandler* second;
  };

  flow::StreamHandlerFactory& first_;
  flow::StreamHandlerFactory& second_;
};

}  // namespace rcds::nis
