// IP targets: every packet to or from a target address is CC (IPCC); each
// communication (a TCP/UDP flow, or one protocol between two addresses for
// packets without ports) gets an IRI-BEGIN at its first packet and an IRI-END
// when the flow tracker closes it or it idles out.
#include <algorithm>
#include <cstring>

#include "intercept/engine.h"
#include "intercept/engine_state.h"

namespace rcds::intercept {

namespace {

bool contains(const IpAddress& network, uint8_t bits, const IpAddress& address) {
  return address.version == network.version && mask_address(address, bits) == network;
}

std::string_view protocol_name(uint8_t protocol) {
  switch (protocol) {
    case 1:
      return "icmp";
    case 6:
      return "tcp";
    case 17:
      return "udp";
    case 58:
      return "icmpv6";
    default:
      return "ip";
  }
}

}  // namespace

size_t InterceptEngine::IpCommKeyHash::operator()(const IpCommKey& key) const {
  uint64_t h = key.protocol;
  for (const IpAddress* a : {&key.low, &key.high}) {
    uint64_t lo, hi;
    std::memcpy(&lo, a->bytes.data(), 8);
    std::memcpy(&hi, a->bytes.data() + 8, 8);
    h = (h ^ lo) * 0x9E3779B97F4A7C15ull;
    h = (h ^ hi) * 0x9E3779B97F4A7C15ull;
  }
  h ^= (static_cast<uint64_t>(key.low_port) << 16) | key.high_port;
  return std::hash<uint64_t>{}(h);
}

void InterceptEngine::on_ip_packet(const IpPacketView& packet) {
  advance(packet.time);
  refs_.clear();
  index_.match_ip(packet.source, refs_);
  index_.match_ip(packet.destination, refs_);
  if (refs_.empty()) return;

  Endpoint a{packet.source, packet.source_port};
  Endpoint b{packet.destination, packet.destination_port};
  if (b < a) std::swap(a, b);
  const IpCommKey key{a.address, b.address, a.port, b.port, packet.protocol};
  auto it = ip_comms_.find(key);
  if (it == ip_comms_.end()) {
    if (ip_comms_.size() >= options_.max_ip_communications) {
      ++stats_.ip_communications_refused;
      return;
    }
    auto comm = std::make_unique<IpCommunication>();
    comm->key = key;
    comm->client = {packet.source, packet.source_port};
    comm->server = {packet.destination, packet.destination_port};
    comm->first = packet.time;
    comm->flow = packet.has_ports;
    it = ip_comms_.emplace(key, std::move(comm)).first;
    if (next_ip_expiry_.ns > now_.ns + kNanosPerSecond) {
      next_ip_expiry_ = Timestamp{now_.ns + kNanosPerSecond};
      next_edge_ = std::min(next_edge_, next_ip_expiry_);
    }
  }
  IpCommunication& comm = *it->second;
  comm.last = packet.time;
  ++comm.packets;
  comm.bytes += packet.ip.size();
  if (Endpoint{packet.source, packet.source_port} == comm.client) {
    comm.bytes_from_client += packet.ip.size();
  }

  for (const TargetRef& ref : refs_) {
    if (!covers(ref, packet.time)) continue;
    const Warrant& warrant = (*warrants_)[ref.warrant];
    // One interception per warrant, whichever of its targets matched first.
    const bool present = std::any_of(comm.active.begin(), comm.active.end(),
                                     [&](const auto& in) { return in.liid == warrant.liid; });
    if (present) continue;
    Interception in = start(ref, "");
    in.basis = Basis::kAddress;
    in.network = warrant.targets[ref.target].address;
    in.bits = warrant.targets[ref.target].prefix_bits;
    comm.active.push_back(std::move(in));
  }

  for (Interception& in : comm.active) {
    if (!covers(in, packet.time)) continue;
    Record& record = scratch_;
    record.time = packet.time;
    record.protocol = "ip";
    record.connection = protocol_name(packet.protocol);
    record.client = comm.client;
    record.server = comm.server;
    record.direction = contains(in.network, in.bits, packet.source) ? PayloadDirection::kFromTarget
                                                                    : PayloadDirection::kToTarget;
    record.parties.clear();
    record.details.clear();
    record.content_kind = ContentKind::kNone;
    record.content_offset = 0;
    record.content.clear();
    if (!in.begun) {
      in.begun = true;
      record.event = "ip_begin";
      record.parties.push_back({Party::Role::kOriginator, comm.client.address.to_string()});
      record.parties.push_back({Party::Role::kRecipient, comm.server.address.to_string()});
      record.details.emplace_back("protocol", std::to_string(packet.protocol));
      emit(in, record, RecordKind::kIriBegin);
      record.parties.clear();
      record.details.clear();
    }
    record.event = "ip_packet";
    record.content_kind = ContentKind::kIpPacket;
    record.content.assign(reinterpret_cast<const char*>(packet.ip.data()), packet.ip.size());
    emit_cc(in, record);
  }
}

void InterceptEngine::end_ip(IpCommunication& comm, std::string_view reason, Timestamp time) {
  for (Interception& in : comm.active) {
    // Nothing after the window or a revocation, not even the end.
    if (!in.begun || !covers(in, time)) continue;
    Record record;
    record.time = time;
    record.protocol = "ip";
    record.event = "ip_end";
    record.connection = protocol_name(comm.key.protocol);
    record.client = comm.client;
    record.server = comm.server;
    record.parties.push_back({Party::Role::kOriginator, comm.client.address.to_string()});
    record.parties.push_back({Party::Role::kRecipient, comm.server.address.to_string()});
    record.details.emplace_back("reason", std::string(reason));
    record.details.emplace_back("packets", std::to_string(comm.packets));
    record.details.emplace_back("bytes", std::to_string(comm.bytes));
    // Per direction relative to the target (IPIRI octetsTransmitted/Received).
    const bool target_is_client = contains(in.network, in.bits, comm.client.address);
    const uint64_t from_client = comm.bytes_from_client;
    const uint64_t from_server = comm.bytes - comm.bytes_from_client;
    record.details.emplace_back("bytes_from_target",
                                std::to_string(target_is_client ? from_client : from_server));
    record.details.emplace_back("bytes_to_target",
                                std::to_string(target_is_client ? from_server : from_client));
    record.details.emplace_back("first", std::to_string(comm.first.micros()));
    emit(in, record, RecordKind::kIriEnd);
  }
}

void InterceptEngine::close_ip_flow(const FlowKey& key, std::string_view reason, Timestamp time) {
  if (ip_comms_.empty()) return;
  Endpoint a = key.source;
  Endpoint b = key.destination;
  if (b < a) std::swap(a, b);
  const uint8_t protocol = key.transport == Transport::kUdp ? 17 : 6;
  const auto it = ip_comms_.find(IpCommKey{a.address, b.address, a.port, b.port, protocol});
  if (it == ip_comms_.end()) return;
  end_ip(*it->second, reason, time);
  ip_comms_.erase(it);
}

void InterceptEngine::expire_ip(Timestamp now) {
  for (auto it = ip_comms_.begin(); it != ip_comms_.end();) {
    IpCommunication& comm = *it->second;
    // Flows are normally ended by the flow tracker first; the longer timeout
    // catches packets of a flow it never tracked (a stray ACK after close).
    const int64_t timeout =
        comm.flow ? options_.ip_flow_idle_timeout_ns : options_.ip_idle_timeout_ns;
    if (comm.last.ns + timeout <= now.ns) {
      end_ip(comm, "timeout", now);
      it = ip_comms_.erase(it);
      continue;
    }
    ++it;
  }
  next_ip_expiry_ = ip_comms_.empty() ? Timestamp{std::numeric_limits<int64_t>::max()}
                                      : Timestamp{now.ns + kNanosPerSecond};
}

void InterceptEngine::finish(Timestamp time) {
  for (auto& [key, comm] : ip_comms_) end_ip(*comm, "capture_end", time);
  ip_comms_.clear();
}

}  // namespace rcds::intercept
