// The LEMF receiver (issue 5, ETSI_HANDOVER.md §10): listens on the HI2 and
// HI3 addresses (plain TCP or TLS), accepts any number of sender connections
// (reconnects at any time), and runs one StreamHandler per connection, all in
// one poll() loop on the calling thread: the store is single-writer anyway,
// and a LEMF is bound by disk syncs, not by CPU.
//
// Stored-but-unacknowledged PDUs are committed at least once a second even
// without keep-alives, so an idle receiver does not sit on an open
// transaction; the keep-alive path commits (durably) before it answers.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cib/lemf/store.h"
#include "cib/lemf/stream_handler.h"

namespace rcds::cib::lemf {

struct TlsServerOptions {
  std::string cert_file;  // PEM; empty: plain TCP
  std::string key_file;   // PEM
  // When set, senders must present a certificate issued by this CA (PEM).
  std::string client_ca_file;
};

struct ReceiverOptions {
  std::string hi2_address;  // "host:port", "[v6]:port"; port 0 = ephemeral
  std::string hi3_address;  // empty: no listener for it
  TlsServerOptions tls;
  size_t max_connections = 256;
  StreamLimits limits;
  // Where each closed connection's reason is written (nullptr: nowhere).
  FILE* log = nullptr;
};

class LemfReceiver {
 public:
  // `store` must outlive the receiver; only run()'s thread touches it.
  LemfReceiver(LemfStore& store, ReceiverOptions options);
  ~LemfReceiver();
  LemfReceiver(const LemfReceiver&) = delete;
  LemfReceiver& operator=(const LemfReceiver&) = delete;

  // Binds both listeners (and loads the TLS context). The bound ports are
  // known afterwards.
  bool listen(std::string& error);
  uint16_t hi2_port() const;
  uint16_t hi3_port() const;

  // Serves until stop(); commits what was stored before returning.
  void run();
  // Thread- and async-signal-safe.
  void stop();

  const LemfCounters& counters() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rcds::cib::lemf
