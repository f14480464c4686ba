// Test doubles that record what the flow layer delivers, and a harness that
// feeds hand-built frames through the real sensor pipeline.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "flow/stream.h"
#include "nis/sensor.h"
#include "tools/testkit/frames.h"

namespace rcds::testing {

// One flow as its handler saw it. Gaps appear in the text as "[gap N]" so a
// test can assert exactly where they fall.
struct RecordedStream {
  flow::StreamInfo info;
  std::string protocol;  // copy: info.protocol views the registry
  std::string text[2];   // c2s, s2c
  uint64_t gap_bytes[2] = {0, 0};
  int closes = 0;
  flow::CloseReason reason = flow::CloseReason::kShutdown;
  bool data_after_close = false;
};

class RecordingHandler final : public flow::StreamHandler {
 public:
  explicit RecordingHandler(RecordedStream& out) : out_(out) {}
  void on_data(flow::Direction d, ByteView bytes, Timestamp) override {
    if (out_.closes != 0) out_.data_after_close = true;
    out_.text[flow::index_of(d)].append(as_chars(bytes));
  }
  void on_gap(flow::Direction d, uint64_t length, Timestamp) override {
    out_.text[flow::index_of(d)] += "[gap " + std::to_string(length) + "]";
    out_.gap_bytes[flow::index_of(d)] += length;
  }
  void on_close(flow::CloseReason reason, Timestamp) override {
    ++out_.closes;
    out_.reason = reason;
  }

 private:
  RecordedStream& out_;
};

class RecordingFactory final : public flow::StreamHandlerFactory {
 public:
  flow::StreamHandler* open(const flow::StreamInfo& info) override {
    auto& stream = streams.emplace_back(std::make_unique<RecordedStream>());
    stream->info = info;
    stream->protocol = std::string(info.protocol);
    ++open_handlers;
    return new RecordingHandler(*stream);
  }
  void release(flow::StreamHandler* handler) override {
    --open_handlers;
    delete handler;
  }
  std::vector<std::unique_ptr<RecordedStream>> streams;
  int open_handlers = 0;
};

// Feeds Ethernet frames through a real Sensor.
class Harness {
 public:
  explicit Harness(nis::SensorOptions options = {}) : options_(options) {}
  flow::ProtocolRegistry& registry() { return registry_; }

  nis::Sensor& sensor() {
    if (!sensor_) sensor_ = std::make_unique<nis::Sensor>(options_, registry_, factory_);
    return *sensor_;
  }
  void feed(const testkit::Bytes& frame, int64_t time_us = -1) {
    if (time_us < 0) time_us = next_time_us_;
    next_time_us_ = time_us + 1;
    capture::RawPacket raw;
    raw.timestamp = Timestamp{time_us * 1000};
    raw.link_type = capture::kLinkEthernet;
    raw.captured_length = raw.wire_length = static_cast<uint32_t>(frame.size());
    raw.data = frame.data();
    sensor().process(raw);
  }
  void finish() { sensor().finish(); }
  Counters& counters() { return sensor().counters(); }
  RecordingFactory& factory() { return factory_; }
  RecordedStream& stream(size_t i) { return *factory_.streams.at(i); }

 private:
  nis::SensorOptions options_;
  flow::ProtocolRegistry registry_;
  RecordingFactory factory_;
  std::unique_ptr<nis::Sensor> sensor_;
  int64_t next_time_us_ = 1'000'000;
};

// A TCP connection between two fixed hosts whose segments a test composes.
struct Connection {
  testkit::Host client{"10.0.0.1", 40000};
  testkit::Host server{"10.0.0.2", 80};
  uint32_t client_isn = 1000;
  uint32_t server_isn = 5000;

  testkit::Bytes syn() const {
    return testkit::tcp_frame(client, server, {client_isn, 0, testkit::kSyn}, {});
  }
  testkit::Bytes syn_ack() const {
    return testkit::tcp_frame(server, client,
                              {server_isn, client_isn + 1, testkit::kSyn | testkit::kAck}, {});
  }
  testkit::Bytes ack() const {
    return testkit::tcp_frame(client, server, {client_isn + 1, server_isn + 1, testkit::kAck}, {});
  }
  // Client data at stream offset `offset` (0 = first byte after the SYN).
  testkit::Bytes c2s(uint32_t offset, const std::string& data, uint8_t flags = testkit::kAck,
                     uint32_t ack_offset = 0) const {
    return testkit::tcp_frame(client, server,
                              {client_isn + 1 + offset, server_isn + 1 + ack_offset, flags},
                              testkit::bytes_of(data));
  }
  testkit::Bytes s2c(uint32_t offset, const std::string& data, uint8_t flags = testkit::kAck,
                     uint32_t ack_offset = 0) const {
    return testkit::tcp_frame(server, client,
                              {server_isn + 1 + offset, client_isn + 1 + ack_offset, flags},
                              testkit::bytes_of(data));
  }
};

}  // namespace rcds::testing
