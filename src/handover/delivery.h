// Delivery of one spool to one LEMF connection (issue 5): one thread per
// (destination, interface) — HI2 and HI3 are separate TCP connections
// (ETSI_HANDOVER.md §2).
//
// The thread connects (getaddrinfo, non-blocking connect with a timeout,
// optional TLS >= 1.2 verifying the server against a CA file and its name,
// optional client certificate), then sends the spool from its confirmed
// position. After every batch it sends a keep-alive; the LEMF answers a
// keep-alive only after it has stored everything before it (TCP keeps the
// order), so a response with the matching sequence number confirms the spool
// up to the position before that keep-alive. While idle it sends one every
// keepalive_interval_ms to notice a dead peer. No matching response within
// response_timeout_ms, a closed connection or a stream it cannot frame: the
// connection is dropped and re-established with exponential backoff
// (reconnect_min_ms .. reconnect_max_ms), and everything unconfirmed is sent
// again (the receiver drops duplicates by LIID, CIN and sequence number).
//
// Memory is bounded: at most kChunkBytes of spool data (plus one PDU) is
// queued for the socket at a time, and the receive buffer holds at most one
// PDU of ber::kMaxPduSize.
//
// The thread never spins: it waits in poll(2) on the socket and an eventfd
// that notify() and stop() signal, with a timeout for the next keep-alive,
// response deadline or batch.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include "handover/destination.h"
#include "handover/pdu_codec.h"
#include "handover/spool.h"
#include "util/bytes.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX, kept out of this header

namespace rcds::handover {

struct DeliveryStats {
  bool connected = false;
  uint64_t pdus_sent = 0;  // handed to the connection (resends included)
  uint64_t keepalives_sent = 0;
  uint64_t confirmed = 0;         // keep-alive responses that confirmed spool data
  uint64_t reconnects = 0;        // connections lost after being established
  uint64_t connect_failures = 0;  // attempts that failed (TCP or TLS)
  std::string last_error;
};

class Deliverer {
 public:
  // Called from the delivery thread (connection lost, dead peer, TLS or
  // connect failure, spool read errors) and from the enqueue() caller (spool
  // full, disk error). It must not block for long or call back into us.
  using Alarm = std::function<void(std::string_view)>;

  // Bytes of spool data queued for the socket at a time.
  static constexpr size_t kChunkBytes = 256 * 1024;

  // `codec` is used by the delivery thread only (keep-alives and framing of
  // the responses), so give each Deliverer its own instance.
  Deliverer(const Destination& destination, HandoverInterface interface, Spool& spool,
            std::unique_ptr<PduCodec> codec, Alarm alarm);
  ~Deliverer();  // stop(false, 0)
  Deliverer(const Deliverer&) = delete;
  Deliverer& operator=(const Deliverer&) = delete;

  // Sets up TLS (a CA, certificate or key that cannot be loaded is a
  // configuration error, reported here) and starts the thread.
  bool start(std::string& error);
  // Appends to the spool; raises the alarm when the spool starts refusing
  // records (full) or fails (disk error), and again when that changes. Call
  // notify() after a batch.
  Spool::Status enqueue(ByteView pdu);
  // New data was appended: the thread syncs the spool and sends it.
  void notify();
  // Stops the thread. With `drain`, first waits (at most timeout_ms) until
  // everything appended so far is confirmed by the receiver; returns whether
  // that happened (always true without `drain`).
  bool stop(bool drain, int timeout_ms);

  DeliveryStats stats() const;
  const std::string& address() const { return address_; }

 private:
  class Connection;
  void run();
  bool connect(Connection& connection, std::string& error);
  // One connected session; returns why it ended ("" when stopping).
  std::string session(Connection& connection);
  bool wait_wake(int timeout_ms);  // false when stopping
  void drain_wake();
  void fail(const std::string& error);  // last_error + alarm (deduplicated)

  const Destination destination_;
  const HandoverInterface interface_;
  const std::string address_;
  Spool& spool_;
  std::unique_ptr<PduCodec> codec_;
  Alarm alarm_;
  ssl_ctx_st* tls_ = nullptr;
  int wake_fd_ = -1;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  uint64_t keepalive_sequence_ = 0;  // per connection direction, never reset
  std::set<std::string> alarmed_;    // delivery thread only: failures already raised

  mutable std::mutex mutex_;  // guards stats_ and enqueue_state_
  std::condition_variable confirmed_cv_;
  DeliveryStats stats_;
  Spool::Status enqueue_state_ = Spool::Status::kOk;
};

}  // namespace rcds::handover
