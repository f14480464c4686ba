// Where a warrant's records are delivered (issue 5): one LEMF destination
// with an HI2 (IRI, plus HI1 notifications) and an HI3 (CC) connection, the
// encoding it expects, TLS, keep-alive timing and the spool bound. Read from
// the destinations file by the app; nothing below apps reads files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rcds::handover {

enum class HandoverInterface : uint8_t { kHi2, kHi3 };
std::string_view name_of(HandoverInterface interface);  // "hi2", "hi3"

// ETSI TS 102 232 PS-PDUs to a LEMF, or TS 103 221-2 X2/X3 to a mediation
// function (X2 carries IRI, X3 carries CC).
enum class Encoding : uint8_t { kEtsi, kX2X3 };

struct TlsOptions {
  bool enabled = false;
  std::string ca_file;      // verifies the server; required when enabled
  std::string cert_file;    // optional client certificate (PEM)
  std::string key_file;     // its key
  std::string server_name;  // expected name in the server certificate ("" = host of the address)
};

struct Destination {
  std::string name;
  std::string hi2_address;  // "host:port" (X2 for kX2X3)
  std::string hi3_address;  // "host:port" (X3 for kX2X3)
  Encoding encoding = Encoding::kEtsi;
  TlsOptions tls;
  // PSHeader constants (ETSI_HANDOVER.md §3, §9).
  std::string operator_id = "RCDS";          // <= 16 characters
  std::string network_element_id = "nis-1";  // <= 16 characters
  std::string authorisation_country = "--";
  std::string delivery_country = "--";
  // A keep-alive goes out after this long without traffic and after every
  // batch (its response confirms the batch); no response within the timeout
  // means a dead peer: reconnect.
  int keepalive_interval_ms = 300'000;
  int keepalive_batch_ms = 200;  // a batch is confirmed at most this long after it is sent
  int response_timeout_ms = 30'000;
  int reconnect_min_ms = 100;  // exponential backoff between attempts
  int reconnect_max_ms = 10'000;
  uint64_t spool_limit_bytes = uint64_t{1} << 30;  // per interface
};

}  // namespace rcds::handover
