// The named anomalies and counters of the sensor, declared in one place so the
// list is reviewable and its names are stable (they appear in `rcds analyze`
// output, in metrics and in tests). docs/anomalies.md explains each one.
//
// Anomalies are facts about hostile or broken input; they are counted, never
// fatal. Counters are normal activity. Both are plain uint64 arrays so a
// worker can bump them without atomics (one Counters per worker).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace rcds {

// X(name, description)
#define RCDS_ANOMALIES(X)                                                                       \
  X(capture_truncated_packet, "captured length shorter than the wire length (snaplen cut)")     \
  X(capture_unknown_linktype, "packet of a link type the sensor does not decode")               \
  X(link_truncated, "link-layer header longer than the captured bytes")                         \
  X(vlan_too_deep, "more than four stacked 802.1Q/802.1ad tags")                                \
  X(ipv4_truncated, "IPv4 header longer than the captured bytes")                               \
  X(ipv4_bad_header_length, "IPv4 IHL below 5 or beyond the packet")                            \
  X(ipv4_bad_total_length, "IPv4 total length smaller than the header or larger than captured") \
  X(ipv4_bad_checksum, "IPv4 header checksum wrong (only when verification is on)")             \
  X(ipv6_truncated, "IPv6 header or extension header beyond the captured bytes")                \
  X(ipv6_bad_payload_length, "IPv6 payload length larger than the captured bytes")              \
  X(ipv6_too_many_extensions, "IPv6 extension-header chain longer than the sensor follows")     \
  X(frag_overlap, "IP fragment overlapping an earlier one with identical bytes")                \
  X(frag_overlap_conflict, "IP fragment overlapping an earlier one with different bytes")       \
  X(frag_too_large, "reassembled IP datagram would exceed 65535 bytes")                         \
  X(frag_timeout, "IP datagram never completed within the fragment timeout")                    \
  X(frag_memory_cap, "fragment dropped because the fragment memory cap was reached")            \
  X(frag_bad_length,                                                                            \
    "empty fragment (dropped), or non-final one not a multiple of 8 bytes (odd tail cut)")      \
  X(tcp_truncated, "TCP header beyond the captured bytes")                                      \
  X(tcp_bad_header_length, "TCP data offset below 5 or beyond the segment")                     \
  X(tcp_bad_checksum, "TCP checksum wrong (only when verification is on)")                      \
  X(udp_truncated, "UDP header beyond the captured bytes")                                      \
  X(udp_bad_length, "UDP length field smaller than 8 or larger than the datagram")              \
  X(udp_bad_checksum, "UDP checksum wrong (only when verification is on)")                      \
  X(tcp_overlap_conflict, "retransmitted TCP bytes differ from the bytes already seen")         \
  X(tcp_rst_in_handshake, "RST before the three-way handshake finished; ignored")               \
  X(tcp_rst_out_of_window, "RST whose sequence number is outside the window; ignored")          \
  X(tcp_fin_in_handshake, "FIN before the three-way handshake finished; ignored")               \
  X(tcp_segment_out_of_window, "segment more than 64 MiB ahead of the stream; dropped")         \
  X(tcp_data_after_close, "data beyond the FIN sequence number")                                \
  X(tcp_flow_memory_cap, "per-direction out-of-order budget hit: holes turned into gaps")       \
  X(tcp_global_memory_cap, "global reassembly budget hit: holes turned into gaps")              \
  X(flow_table_full, "flow table at its limit: the least recently seen flow was evicted")       \
  X(probe_buffer_full, "protocol probe still undecided after its byte budget")

// X(name, description)
#define RCDS_COUNTERS(X)                                                     \
  X(packets, "packets read from the source")                                 \
  X(bytes, "bytes on the wire of those packets")                             \
  X(filtered, "packets rejected by the BPF filter")                          \
  X(ipv4_packets, "IPv4 packets")                                            \
  X(ipv6_packets, "IPv6 packets")                                            \
  X(non_ip_packets, "packets that carry neither IPv4 nor IPv6")              \
  X(fragments, "IP fragments received")                                      \
  X(datagrams_reassembled, "IP datagrams rebuilt from fragments")            \
  X(tcp_segments, "TCP segments")                                            \
  X(udp_datagrams, "UDP datagrams")                                          \
  X(other_l4_packets, "IP packets of another transport (ICMP, ESP, ...)")    \
  X(tcp_retransmissions, "TCP segments wholly made of bytes seen before")    \
  X(tcp_out_of_order, "TCP segments buffered ahead of a hole")               \
  X(tcp_gaps, "holes in a TCP direction reported to the decoder as a gap")   \
  X(tcp_gap_bytes, "bytes missing in those gaps")                            \
  X(tcp_stream_bytes, "TCP payload bytes delivered in order to decoders")    \
  X(tcp_pure_acks_without_flow, "payload-less TCP packets of no known flow") \
  X(flows_created, "flows created")                                          \
  X(flows_closed, "flows closed by FIN/RST")                                 \
  X(flows_timed_out, "flows closed by the idle timeout")                     \
  X(flows_evicted, "flows closed to make room")                              \
  X(flows_claimed, "flows a protocol decoder claimed")

enum class Anomaly : uint16_t {
#define RCDS_X(name, doc) name,
  RCDS_ANOMALIES(RCDS_X)
#undef RCDS_X
      kCount
};

enum class Counter : uint16_t {
#define RCDS_X(name, doc) name,
  RCDS_COUNTERS(RCDS_X)
#undef RCDS_X
      kCount
};

std::string_view name_of(Anomaly a);
std::string_view description_of(Anomaly a);
std::string_view name_of(Counter c);
std::string_view description_of(Counter c);

struct Counters {
  std::array<uint64_t, static_cast<size_t>(Anomaly::kCount)> anomalies{};
  std::array<uint64_t, static_cast<size_t>(Counter::kCount)> counters{};

  void add(Anomaly a, uint64_t n = 1) { anomalies[static_cast<size_t>(a)] += n; }
  void add(Counter c, uint64_t n = 1) { counters[static_cast<size_t>(c)] += n; }
  uint64_t get(Anomaly a) const { return anomalies[static_cast<size_t>(a)]; }
  uint64_t get(Counter c) const { return counters[static_cast<size_t>(c)]; }
  uint64_t total_anomalies() const;
  void merge(const Counters& other);
};

}  // namespace rcds
