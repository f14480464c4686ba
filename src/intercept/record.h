// Interception records (DESIGN.md "Records", ETSI_HANDOVER.md §7, §9): what
// the engine hands to handover. A record is self-contained: it owns its
// strings, so sinks may keep or queue it after on_record returns.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "intercept/warrant.h"
#include "util/address.h"
#include "util/timestamp.h"

namespace rcds::intercept {

enum class RecordKind : uint8_t { kIriBegin, kIriContinue, kIriEnd, kIriReport, kCc };
std::string_view name_of(RecordKind kind);  // "iri-begin", ..., "cc"
inline bool is_iri(RecordKind kind) { return kind != RecordKind::kCc; }

// Direction of content relative to the target (ETSI payloadDirection).
enum class PayloadDirection : uint8_t { kUnknown, kFromTarget, kToTarget };
std::string_view name_of(PayloadDirection direction);

// What CC content is.
enum class ContentKind : uint8_t { kNone, kMessage, kFile, kIpPacket };
std::string_view name_of(ContentKind kind);

struct Party {
  enum class Role : uint8_t { kOriginator, kRecipient, kParticipant };
  Role role = Role::kParticipant;
  std::string identity;  // "msn:bob@hotmail.com", or an address for IP records
};
std::string_view name_of(Party::Role role);

struct Record {
  std::string liid;
  uint32_t cin = 0;       // communication identity number, unique per LIID
  uint64_t sequence = 0;  // gapless from 0 per (LIID, CIN, IRI or CC)
  RecordKind kind = RecordKind::kIriReport;
  Timestamp time;           // the event's own timestamp
  std::string sensor_id;    // network element identifier
  std::string destination;  // the warrant's delivery destination ("" = local files only)
  std::string target;       // the identifier that matched, "msn:alice@..."
  std::string protocol;     // "msnp", "ip"
  std::string event;        // "login_ok", "message", "ip_flow_begin", ...
  std::string connection;   // "notification", "switchboard", "msnftp", "tcp", "udp", ...
  Endpoint client;          // connection initiator
  Endpoint server;
  PayloadDirection direction = PayloadDirection::kUnknown;
  std::vector<Party> parties;
  // Further typed details of the event as (name, value) pairs, in a stable
  // order (ETSI nationalParameter key=value, our convention §7).
  std::vector<std::pair<std::string, std::string>> details;
  // CC only.
  ContentKind content_kind = ContentKind::kNone;
  uint64_t content_offset = 0;  // files: offset of `content` in the file
  std::string content;          // message text (UTF-8 as sent), file bytes, IP packet
};

// A change in the warrants the sensor enforces, stamped with the packet time
// at which it took effect (the audit trail; HI1 notifications in handover).
struct WarrantNotice {
  enum class Kind : uint8_t { kActivated, kModified, kDeactivated };
  Kind kind = Kind::kActivated;
  std::string liid;
  Timestamp time;
  std::string detail;       // what changed: "revoked", "removed", "targets", "window", ...
  std::string destination;  // the warrant's delivery destination ("" = local files only)
};
std::string_view name_of(WarrantNotice::Kind kind);

// Where records go: JSON files today, the ETSI handover spool later.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void on_record(const Record& record) = 0;
  virtual void on_notice(const WarrantNotice& notice) { (void)notice; }
};

}  // namespace rcds::intercept
