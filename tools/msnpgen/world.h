// The shared state of a scenario run: the capture, the truth log, the
// well-known servers, and helpers that open connections and start truth
// lines with the fields every event carries.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tools/msnpgen/model.h"
#include "tools/msnpgen/net.h"

namespace rcds::msnpgen {

class World {
 public:
  World(Capture& cap, Truth& truth) : cap(cap), truth(truth) {}

  // Opens a connection from `who`'s address to `server` (through the HTTP
  // gateway when `who.via_gateway`, except for peer-to-peer `kind`s) and
  // records it in the truth.
  std::unique_ptr<Link> connect(const Account& who, std::string_view kind, const Host& server);
  void close(Link& link, Side closer);

  // A truth line with the common fields; the caller adds its own and calls record().
  Json event(std::string_view name, const Link& link, Side from, int64_t time_us) const;
  void record(int64_t time_us, const Json& line) { truth.add(time_us, line); }
  // Each scripted action gets a number; every truth line it causes (e.g. the
  // copies of one message seen on several connections) carries it.
  int64_t begin_action() {
    cap.pause_ms(150, 1500);
    return ++action_;
  }
  int64_t action() const { return action_; }

  Capture& cap;
  Truth& truth;
  std::string scenario;
  Host ds{"198.51.100.1", 1863};
  Host ns{"198.51.100.20", 1863};
  Host sb{"198.51.100.30", 1863};
  Host gateway{"198.51.100.80", 80};
  // Every file a transfer sent, as "<scenario>.<file name>" and its bytes,
  // for --files: the originals a checker compares reassembled data with.
  std::vector<std::pair<std::string, Bytes>> files;

 private:
  int64_t action_ = 0;
};

}  // namespace rcds::msnpgen
