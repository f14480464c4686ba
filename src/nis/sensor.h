// The sensor pipeline of one worker: raw packet -> link/IP/transport decode
// -> IP defragmentation -> flow tracking and TCP reassembly -> decoders.
#pragma once

#include <functional>

#include "capture/source.h"
#include "flow/flow_tracker.h"
#include "intercept/engine.h"
#include "net/decoder.h"
#include "net/defrag.h"
#include "util/counters.h"

namespace rcds::nis {

struct SensorOptions {
  net::DecoderOptions decoder;
  net::DefragOptions defrag;
  flow::FlowOptions flow;
};

class Sensor {
 public:
  Sensor(const SensorOptions& options, const flow::ProtocolRegistry& registry,
         flow::StreamHandlerFactory& factory);

  void process(const capture::RawPacket& raw) {
    if (decode(raw, packet_)) deliver(packet_);
  }
  // The two halves of process(), for callers that decode ahead (run_source):
  // counts and decodes `raw` into `out`, false when there is nothing to
  // deliver; then defragments and hands the packet to the flow layer.
  bool decode(const capture::RawPacket& raw, net::Packet& out);
  // `hash` is flow::FlowTracker::hash_of(packet) when the caller has it.
  void deliver(net::Packet& packet, uint64_t hash);
  void deliver(net::Packet& packet) { deliver(packet, flow::FlowTracker::hash_of(packet)); }
  // Closes every flow at the time of the last packet.
  void finish();
  // Live capture with no traffic: lets timers run on wall-clock time.
  void idle(Timestamp now) {
    if (engine_ != nullptr) engine_->advance(now);
    tracker_.expire(now);
    defrag_.expire(now);
  }

  // Interception: the engine sees every packet's time (warrant changes take
  // effect on the next packet) and, when it has IP targets, the packet.
  void set_interception(intercept::InterceptEngine* engine) { engine_ = engine; }

  Counters& counters() { return counters_; }
  flow::FlowTracker& tracker() { return tracker_; }
  const net::Defragmenter& defragmenter() const { return defrag_; }
  Timestamp last_packet_time() const { return last_; }

 private:
  Counters counters_;
  net::PacketDecoder decoder_;
  net::Defragmenter defrag_;
  flow::FlowTracker tracker_;
  net::Packet packet_;
  Timestamp last_;
  intercept::InterceptEngine* engine_ = nullptr;
};

struct RunLimits {
  uint64_t max_packets = 0;  // 0 = no limit
  double max_seconds = 0;    // wall-clock; 0 = no limit
  // Called about once per wall-clock second (a reloaded warrant file).
  std::function<void()> every_second = {};
};

// Reads `source` to its end (or until stopped, or a limit) through `sensor`.
// While a live source is silent, timers run on wall-clock time. Returns
// false with `error` set when the source failed part-way.
bool run_source(capture::PacketSource& source, Sensor& sensor, std::string& error,
                const RunLimits& limits = {});

}  // namespace rcds::nis
