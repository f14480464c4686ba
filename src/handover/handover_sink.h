// The handover of records to their warrants' destinations (issue 5): each
// record is encoded for its destination (ETSI PS-PDU or X2/X3), appended to
// that destination's durable spool for its interface (HI2 for IRI and HI1
// notifications, HI3 for CC) and delivered by one thread per interface,
// which removes it from the spool only once the receiver confirmed it.
// Records of warrants without a destination stay local (the JSON files).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "handover/delivery.h"
#include "handover/destination.h"
#include "handover/pdu_codec.h"
#include "handover/spool.h"
#include "intercept/record.h"

namespace rcds::handover {

struct HandoverStats {
  uint64_t spooled = 0;              // PDUs appended to a spool
  uint64_t refused = 0;              // spool full or disk error: an alarm was raised
  uint64_t unknown_destination = 0;  // record named a destination that is not configured
};

class HandoverSink final : public intercept::RecordSink {
 public:
  using Alarm = Deliverer::Alarm;

  // Opens DIR/<destination>/hi2 and .../hi3 spools (recovering what a
  // previous run left unconfirmed: it is sent first) and starts delivery.
  static std::unique_ptr<HandoverSink> open(const std::vector<Destination>& destinations,
                                            const std::string& spool_root, Alarm alarm,
                                            std::string& error);
  ~HandoverSink() override;

  void on_record(const intercept::Record& record) override;
  void on_notice(const intercept::WarrantNotice& notice) override;

  // Stops delivery; with `drain` first waits (at most timeout_ms) until every
  // spooled PDU is confirmed. Returns whether everything was confirmed.
  bool stop(bool drain, int timeout_ms);

  const HandoverStats& stats() const { return stats_; }
  // Per destination and interface: "lemf-1/hi2" -> delivery statistics.
  std::map<std::string, DeliveryStats> delivery_stats() const;

 private:
  struct Route {
    Destination destination;
    std::unique_ptr<PduCodec> codec;  // packet thread: records and notices
    std::unique_ptr<Spool> spools[2];
    std::unique_ptr<Deliverer> deliverers[2];
  };
  explicit HandoverSink(Alarm alarm) : alarm_(std::move(alarm)) {}
  Route* route(const std::string& name);
  void enqueue(Route& route, HandoverInterface interface);

  Alarm alarm_;
  std::vector<std::unique_ptr<Route>> routes_;
  std::string pdu_;  // reused encoding buffer
  HandoverStats stats_;
  bool stopped_ = false;
};

}  // namespace rcds::handover
