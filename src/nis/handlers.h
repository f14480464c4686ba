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

}  // namespace rcds::nis
