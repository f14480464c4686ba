// Writes each reassembled direction of a flow to its own file, for offline
// forensic inspection of a capture (`rcds analyze --dump-streams DIR`).
// Gaps are not written as bytes: each gap is a line "OFFSET LENGTH" in a
// side file NAME.gaps, OFFSET being the byte position in NAME where it falls.
#pragma once

#include <cstdio>
#include <string>

#include "flow/stream.h"

namespace rcds::nis {

// "f000001-tcp-10.0.0.1.1234-10.0.0.2.80" (IPv6 addresses keep their colons).
std::string stream_file_stem(const flow::StreamInfo& info);

class StreamDumper final : public flow::StreamHandler {
 public:
  StreamDumper(std::string directory, const flow::StreamInfo& info);
  ~StreamDumper() override;
  StreamDumper(const StreamDumper&) = delete;
  StreamDumper& operator=(const StreamDumper&) = delete;

  void on_data(flow::Direction direction, ByteView bytes, Timestamp time) override;
  void on_gap(flow::Direction direction, uint64_t length, Timestamp time) override;
  void on_close(flow::CloseReason reason, Timestamp time) override;

  // First I/O error seen, or "".
  const std::string& error() const { return error_; }

 private:
  std::FILE* file(flow::Direction direction, bool gaps);

  std::string base_;
  std::FILE* data_[2] = {nullptr, nullptr};
  std::FILE* gaps_[2] = {nullptr, nullptr};
  uint64_t written_[2] = {0, 0};
  std::string error_;
};

}  // namespace rcds::nis
