// The interception engine of one sensor worker: matches decoder events and
// IP packets against the active warrants at their own timestamps, keeps the
// identity state that needs (which connection belongs to a target, which
// switchboard a target is in), assigns CINs and gapless sequence numbers,
// and hands records to a RecordSink.
//
// Minimisation: an event that matches no warrant is dropped on arrival and
// leaves nothing behind; state is kept only for connections and IP
// communications that carry a target, and is bounded. The engine also tells
// the MSNP decoders which connections need their content parsed at all
// (wants_content), so a non-target's messages are never even copied.
//
// Record kinds (docs/interception.md): per CIN the first record is
// IRI-BEGIN, the communication's end IRI-END, everything between
// IRI-CONTINUE; login attempts, redirects, failed logins and decoder
// anomalies are IRI-REPORT. Messages give an IRI and, with an IRI+CC
// warrant, a CC record with the text; file data and IP packets are CC only.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "intercept/record.h"
#include "intercept/target_index.h"
#include "intercept/warrant_store.h"
#include "proto/msnp/events.h"
#include "util/address.h"
#include "util/bytes.h"
#include "util/timestamp.h"

namespace rcds::intercept {

// Hands out CINs per LIID. The default counts from 1 in memory; a sensor
// that delivers records keeps them unique across restarts with a persisted
// allocator (handover/cin_state.h), because the receiver drops a record
// whose (LIID, CIN, sequence) it already holds.
class CinAllocator {
 public:
  virtual ~CinAllocator() = default;
  virtual uint32_t next(const std::string& liid) = 0;
};

struct EngineOptions {
  std::string sensor_id = "rcds-nis";
  CinAllocator* cins = nullptr;  // nullptr: from 1 per LIID, in memory
  // Target connections (MSN) and target IP communications tracked at once;
  // beyond that new ones are refused and counted (records lost: an alarm).
  size_t max_connections = 65536;
  size_t max_ip_communications = 65536;
  // Accepted MSNFTP invitations of targets remembered to recognise their
  // transfer connections (FIFO).
  size_t max_transfer_cookies = 4096;
  // An IP communication that is not a TCP/UDP flow (ICMP, fragments) ends
  // after this long without packets.
  int64_t ip_idle_timeout_ns = 60 * kNanosPerSecond;
  // A TCP/UDP communication the flow tracker never closed (longer than its
  // idle timeouts).
  int64_t ip_flow_idle_timeout_ns = 900 * kNanosPerSecond;
};

// One IP packet as captured (before defragmentation).
struct IpPacketView {
  Timestamp time;
  IpAddress source;
  IpAddress destination;
  uint8_t protocol = 0;
  uint16_t source_port = 0;  // 0 for fragments and protocols without ports
  uint16_t destination_port = 0;
  bool has_ports = false;  // TCP/UDP and not a fragment: a flow the tracker will close
  ByteView ip;             // the IP packet, header included
};

struct EngineStats {
  uint64_t records_iri = 0;
  uint64_t records_cc = 0;
  uint64_t notices = 0;
  uint64_t connections_refused = 0;  // max_connections reached
  uint64_t ip_communications_refused = 0;
  uint64_t transfer_cookies_evicted = 0;
};

class InterceptEngine final : public proto::msnp::MsnpEventSink {
 public:
  InterceptEngine(const WarrantStore& store, RecordSink& sink, EngineOptions options = {});
  ~InterceptEngine() override;

  // Before every packet, with its timestamp: picks up warrant changes and
  // validity-window edges. Cheap when nothing changed.
  void advance(Timestamp now) {
    if (now > now_) now_ = now;
    if (store_.generation() != generation_ || now_ >= next_edge_) refresh();
  }
  // Whether on_ip_packet can match a packet between these addresses: a
  // bitmap test, so non-target packets cost next to nothing.
  bool may_intercept_ip(const IpAddress& source, const IpAddress& destination) const {
    return index_.has_ip_targets() && index_.may_match_ip(source, destination);
  }
  void on_ip_packet(const IpPacketView& packet);
  // A TCP/UDP flow ended (after its decoders closed): ends its IP
  // communication and forgets the connection's interception state.
  void on_flow_closed(uint64_t flow_id, const FlowKey& key, std::string_view reason,
                      Timestamp time);
  // End of input: ends every IP communication still open.
  void finish(Timestamp time);

  // proto::msnp::MsnpEventSink
  void on_event(const proto::msnp::MsnpEvent& event) override;
  bool wants_content(std::string_view owner, const flow::StreamInfo& info) override;

  const EngineStats& stats() const { return stats_; }
  // Connections / IP communications with interception state right now.
  size_t tracked_connections() const { return connections_.size(); }
  size_t tracked_ip_communications() const { return ip_comms_.size(); }

 private:
  // Why a connection is intercepted for a warrant.
  enum class Basis : uint8_t {
    kOwner,     // the connection belongs to the target (or it is logging in)
    kRoster,    // the target is in the switchboard
    kTransfer,  // MSNFTP connection of a target's accepted invitation
    kAddress,   // IP communication of a target address
  };
  // One warrant intercepting one communication (a connection or IP flow).
  struct Interception {
    std::string liid;
    uint32_t warrant = 0;  // index into *warrants_, kNoWarrant when it left the set
    std::string target;    // matched identifier, "msn:alice@..."
    std::string account;   // MSN target account ("" for IP)
    uint32_t cin = 0;
    uint64_t iri_sequence = 0;
    uint64_t cc_sequence = 0;
    bool begun = false;
    Basis basis = Basis::kOwner;
    IpAddress network;  // kAddress: the target address or prefix
    uint8_t bits = 0;
  };
  struct Want {
    TargetRef ref;
    std::string_view account;
    Basis basis;
  };
  struct Connection;
  struct IpCommunication;
  struct IpCommKey {
    IpAddress low, high;
    uint16_t low_port = 0, high_port = 0;
    uint8_t protocol = 0;
    friend bool operator==(const IpCommKey&, const IpCommKey&) = default;
  };
  struct IpCommKeyHash {
    size_t operator()(const IpCommKey& key) const;
  };
  static constexpr uint32_t kNoWarrant = ~0u;

  void refresh();
  void reload();
  bool covers(const Interception& interception, Timestamp time) const;
  bool covers(TargetRef ref, Timestamp time) const;
  bool any_covers(std::span<const TargetRef> refs, Timestamp time) const;
  Interception start(TargetRef ref, std::string account);
  void emit(Interception& interception, Record& record, RecordKind kind);
  void emit_cc(Interception& interception, Record& record);

  // MSN
  void collect_targets(const proto::msnp::MsnpEvent& event, Connection* connection);
  Connection* connection_for(uint64_t flow_id, bool create);
  void record_msn(const proto::msnp::MsnpEvent& event, Connection& connection);
  void remember_transfer(std::string_view auth_cookie, const Interception& interception);
  void match_transfer(std::string_view auth_cookie);

  // IP
  void end_ip(IpCommunication& comm, std::string_view reason, Timestamp time);
  void close_ip_flow(const FlowKey& key, std::string_view reason, Timestamp time);
  void expire_ip(Timestamp now);

  const WarrantStore& store_;
  RecordSink& sink_;
  EngineOptions options_;
  EngineStats stats_;

  std::shared_ptr<const WarrantSet> warrants_;
  TargetIndex index_;
  uint64_t generation_ = ~0ull;
  Timestamp now_{std::numeric_limits<int64_t>::min()};
  Timestamp next_edge_{std::numeric_limits<int64_t>::min()};
  Timestamp next_ip_expiry_{0};
  std::unordered_map<std::string, uint32_t> next_cin_;  // per LIID, kept across reloads

  std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections_;
  std::unordered_map<IpCommKey, std::unique_ptr<IpCommunication>, IpCommKeyHash> ip_comms_;
  struct TransferCookie;
  std::vector<TransferCookie> transfer_cookies_;  // FIFO of accepted MSNFTP invitations
  size_t transfer_cookie_next_ = 0;

  // Scratch, reused per event / packet so matching does not allocate.
  std::vector<TargetRef> refs_;
  std::vector<Want> wants_;
  Record scratch_;  // IP CC records reuse its buffers
};

}  // namespace rcds::intercept
