#include "handover/handover_sink.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace rcds::handover {

namespace {

bool make_directory(const std::string& path, std::string& error) {
  if (mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) return true;
  error = "cannot create " + path + ": " + std::strerror(errno);
  return false;
}

size_t index_of(HandoverInterface interface) {
  return interface == HandoverInterface::kHi2 ? 0 : 1;
}

}  // namespace

std::unique_ptr<HandoverSink> HandoverSink::open(const std::vector<Destination>& destinations,
                                                 const std::string& spool_root, Alarm alarm,
                                                 std::string& error) {
  std::unique_ptr<HandoverSink> sink(new HandoverSink(std::move(alarm)));
  if (!make_directory(spool_root, error)) return nullptr;
  for (const Destination& destination : destinations) {
    auto route = std::make_unique<Route>();
    route->destination = destination;
    route->codec = make_codec(destination);
    const std::string dir = spool_root + "/" + destination.name;
    if (!make_directory(dir, error)) return nullptr;
    for (HandoverInterface interface : {HandoverInterface::kHi2, HandoverInterface::kHi3}) {
      const size_t i = index_of(interface);
      route->spools[i] = Spool::open(dir + "/" + std::string(name_of(interface)),
                                     destination.spool_limit_bytes, error);
      if (!route->spools[i]) return nullptr;
      route->deliverers[i] = std::make_unique<Deliverer>(destination, interface, *route->spools[i],
                                                         make_codec(destination), sink->alarm_);
      if (!route->deliverers[i]->start(error)) {
        error.insert(0, destination.name + " " + std::string(name_of(interface)) + ": ");
        return nullptr;
      }
    }
    sink->routes_.push_back(std::move(route));
  }
  return sink;
}

HandoverSink::~HandoverSink() { stop(false, 0); }

HandoverSink::Route* HandoverSink::route(const std::string& name) {
  for (auto& r : routes_) {
    if (r->destination.name == name) return r.get();
  }
  return nullptr;
}

void HandoverSink::enqueue(Route& route, HandoverInterface interface) {
  Deliverer& deliverer = *route.deliverers[index_of(interface)];
  // The deliverer raises the alarm when the spool starts refusing.
  if (deliverer.enqueue(as_bytes(pdu_)) == Spool::Status::kOk) {
    ++stats_.spooled;
    deliverer.notify();
  } else {
    ++stats_.refused;
  }
}

void HandoverSink::on_record(const intercept::Record& record) {
  if (record.destination.empty() || stopped_) return;
  Route* r = route(record.destination);
  if (r == nullptr) {
    if (stats_.unknown_destination++ == 0 && alarm_) {
      alarm_("records name destination \"" + record.destination + "\" which is not configured");
    }
    return;
  }
  const HandoverInterface interface = r->codec->encode(record, pdu_);
  enqueue(*r, interface);
}

void HandoverSink::on_notice(const intercept::WarrantNotice& notice) {
  if (notice.destination.empty() || stopped_) return;
  Route* r = route(notice.destination);
  if (r == nullptr) return;
  if (r->codec->encode_notice(notice, pdu_)) enqueue(*r, HandoverInterface::kHi2);
}

bool HandoverSink::stop(bool drain, int timeout_ms) {
  if (stopped_) return true;
  stopped_ = true;
  bool all = true;
  for (auto& r : routes_) {
    for (auto& deliverer : r->deliverers) {
      if (deliverer && !deliverer->stop(drain, timeout_ms)) all = false;
    }
  }
  return all;
}

std::map<std::string, DeliveryStats> HandoverSink::delivery_stats() const {
  std::map<std::string, DeliveryStats> out;
  for (const auto& r : routes_) {
    for (HandoverInterface interface : {HandoverInterface::kHi2, HandoverInterface::kHi3}) {
      out[r->destination.name + "/" + std::string(name_of(interface))] =
          r->deliverers[index_of(interface)]->stats();
    }
  }
  return out;
}

}  // namespace rcds::handover
