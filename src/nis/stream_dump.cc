#include "nis/stream_dump.h"

#include <cerrno>
#include <cinttypes>
#include <cstring>

namespace rcds::nis {

std::string stream_file_stem(const flow::StreamInfo& info) {
  char id[32];
  std::snprintf(id, sizeof id, "f%06" PRIu64, info.flow_id);
  const FlowKey& k = info.key;
  return std::string(id) + (k.transport == Transport::kTcp ? "-tcp-" : "-udp-") +
         k.source.address.to_string() + "." + std::to_string(k.source.port) + "-" +
         k.destination.address.to_string() + "." + std::to_string(k.destination.port);
}

StreamDumper::StreamDumper(std::string directory, const flow::StreamInfo& info)
    : base_(std::move(directory) + "/" + stream_file_stem(info)) {}

StreamDumper::~StreamDumper() {
  for (std::FILE* f : data_) {
    if (f != nullptr) std::fclose(f);
  }
  for (std::FILE* f : gaps_) {
    if (f != nullptr) std::fclose(f);
  }
}

std::FILE* StreamDumper::file(flow::Direction direction, bool gaps) {
  std::FILE*& f = (gaps ? gaps_ : data_)[flow::index_of(direction)];
  if (f == nullptr && error_.empty()) {
    const std::string path =
        base_ + "." + std::string(flow::name_of(direction)) + (gaps ? ".gaps" : "");
    f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) error_ = path + ": " + std::strerror(errno);
  }
  return f;
}

void StreamDumper::on_data(flow::Direction direction, ByteView bytes, Timestamp) {
  std::FILE* f = file(direction, false);
  if (f == nullptr) return;
  if (std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() && error_.empty()) {
    error_ = base_ + ": write failed: " + std::strerror(errno);
  }
  written_[flow::index_of(direction)] += bytes.size();
}

void StreamDumper::on_gap(flow::Direction direction, uint64_t length, Timestamp) {
  file(direction, false);  // a direction that starts with a gap still gets its data file
  std::FILE* f = file(direction, true);
  if (f == nullptr) return;
  std::fprintf(f, "%" PRIu64 " %" PRIu64 "\n", written_[flow::index_of(direction)], length);
}

void StreamDumper::on_close(flow::CloseReason, Timestamp) {
  for (std::FILE*& f : data_) {
    if (f != nullptr && std::fclose(f) != 0 && error_.empty()) error_ = base_ + ": close failed";
    f = nullptr;
  }
  for (std::FILE*& f : gaps_) {
    if (f != nullptr) std::fclose(f);
    f = nullptr;
  }
}

}  // namespace rcds::nis
