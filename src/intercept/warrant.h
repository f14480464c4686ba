// Warrants: what a lawful authorisation allows the sensor to collect.
//
// A warrant names its targets, a validity window and the scope (IRI only, or
// IRI and CC). The interception engine collects a target's events only while
// an active warrant covers the event's own timestamp. Warrants come from a
// JSON/YAML file today (apps read it, warrant_file.h parses it) and from the
// ISP over X1 later; both end up as these values in a WarrantStore.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/address.h"
#include "util/timestamp.h"

namespace rcds::intercept {

// Kinds of target identifiers. New protocols add a kind here and a matcher
// in the engine; nothing else changes.
enum class TargetKind : uint8_t {
  kMsnAccount,  // "msn:alice@hotmail.com" (normalised like MSNP accounts: lower case)
  kIpAddress,   // "ip:192.0.2.7", "ip:2001:db8::7"
  kIpPrefix,    // "ip:192.0.2.0/24", "ip:2001:db8::/32"
  kEmail,       // "email:alice@example.com"   (reserved: no decoder yet)
  kSipUri,      // "sip:alice@example.com"     (reserved: no decoder yet)
  kXmppJid,     // "xmpp:alice@example.com"    (reserved: no decoder yet)
};
std::string_view name_of(TargetKind kind);

struct TargetId {
  TargetKind kind = TargetKind::kMsnAccount;
  std::string value;        // normalised identifier without the kind prefix
  IpAddress address;        // kIpAddress / kIpPrefix: the (masked) address
  uint8_t prefix_bits = 0;  // kIpAddress: 32 or 128; kIpPrefix: the prefix length

  // "msn:alice@hotmail.com", "ip:192.0.2.0/24": the form used in files and records.
  std::string to_string() const;
  // Parses "kind:value"; false with `error` set when malformed.
  static bool parse(std::string_view text, TargetId& out, std::string& error);
  friend bool operator==(const TargetId& a, const TargetId& b) {
    return a.kind == b.kind && a.value == b.value;
  }
};

enum class CollectScope : uint8_t { kIriOnly, kIriAndCc };
std::string_view name_of(CollectScope scope);

struct Warrant {
  std::string liid;            // lawful interception identifier: unique per warrant
  std::string case_reference;  // the agency's case number
  std::string authority;       // issuing authority (court, judge)
  Timestamp valid_from;        // inclusive
  Timestamp valid_until;       // exclusive
  std::vector<TargetId> targets;
  CollectScope scope = CollectScope::kIriAndCc;
  std::string destination;  // delivery destination name (handover), "" = local files
  // A revoked warrant stays known (for audit) but matches nothing from
  // `revoked_at` on.
  bool revoked = false;
  Timestamp revoked_at;

  // True when events at `t` may be collected under this warrant.
  bool covers(Timestamp t) const {
    return t >= valid_from && t < valid_until && !(revoked && t >= revoked_at);
  }
};

}  // namespace rcds::intercept
