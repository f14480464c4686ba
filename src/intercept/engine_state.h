// The engine's per-communication state (private to intercept/engine*.cc).
#pragma once

#include <string>
#include <vector>

#include "intercept/engine.h"

namespace rcds::intercept {

// An MSN connection (NS, SB, MSNFTP) on which at least one warrant intercepts
// or a target is in the switchboard roster.
struct InterceptEngine::Connection {
  std::vector<Interception> active;
  std::vector<std::string> roster_targets;  // target accounts in the roster now
  // The owner logged out or left: later events on the connection (the
  // server's last presence updates) belong to no communication any more.
  bool owner_session_over = false;
};

// Traffic between two addresses (one TCP/UDP flow, or one protocol between
// the two addresses for packets without ports) of which one is a target.
struct InterceptEngine::IpCommunication {
  IpCommKey key;
  std::vector<Interception> active;
  Endpoint client;  // the first packet's source
  Endpoint server;
  Timestamp first;
  Timestamp last;
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t bytes_from_client = 0;  // IP bytes sent by `client` (the rest came from `server`)
  bool flow = false;               // TCP/UDP with ports: the flow tracker ends it
};

// An MSNFTP invitation accepted on an intercepted switchboard: its transfer
// connection will present `auth_cookie`.
struct InterceptEngine::TransferCookie {
  std::string auth_cookie;
  std::string liid;
  uint32_t warrant = kNoWarrant;
  std::string target;
  std::string account;
};

}  // namespace rcds::intercept
