// PS-PDUs for the LEMF tests, built with the tested encoder
// (handover::encode), plus a scratch directory that removes itself.
#pragma once

#include <cstdint>
#include <string>

#include "handover/pspdu.h"

namespace rcds::cib::lemf::testing {

inline constexpr int64_t kBaseSeconds = 1104577323;  // ETSI_HANDOVER.md §11 time

handover::PsHeader header(const std::string& liid, int64_t cin, uint64_t sequence,
                          uint32_t micros = 250000);
handover::PsPdu iri_pdu(const std::string& liid, int64_t cin, uint64_t sequence);
handover::PsPdu cc_pdu(const std::string& liid, int64_t cin, uint64_t sequence,
                       const std::string& ip_packet, int64_t seconds = kBaseSeconds);
handover::PsPdu keepalive(uint64_t sequence);
handover::PsPdu hi1(const std::string& liid, handover::Hi1Kind kind, uint64_t sequence);
handover::PsPdu cin_reset(const std::string& liid, int64_t cin, uint64_t sequence);
std::string encode(const handover::PsPdu& pdu);

// An IPv4/UDP packet "a.b.c.d" -> "e.f.g.h" with `payload` (checksums valid
// enough for Wireshark: IP header checksum computed, UDP checksum 0).
std::string ipv4_udp(const std::string& source, const std::string& destination,
                     const std::string& payload);

// The same BER with every constructed element re-encoded with an indefinite
// length (nested end-of-contents), as libwandder's encoder can send.
std::string to_indefinite(const std::string& ber);

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace rcds::cib::lemf::testing
