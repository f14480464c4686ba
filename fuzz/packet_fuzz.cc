// libFuzzer harness for the packet decoder (link, IP, transport) and the IP
// defragmenter.
//
// Input: one byte choosing the link type (value % 9) and the defragmenter's
// memory cap (value / 9 even: small), then one or more frames separated
// by the 4-byte marker in kSeparator (packet_fuzz.dict teaches it to the
// fuzzer). Several frames per input are what lets fragments meet in the
// defragmenter; a seed made of a link byte and one frame is still valid.
//
// Each frame is copied into a heap block of exactly its size so ASan sees any
// read past its end. Every frame is decoded with checksum verification on and
// off; fragments go through a Defragmenter with small limits and completed
// datagrams are decoded again. Invariants that trap on violation:
//   - the ip/transport/payload views of a decoded packet lie inside the frame
//     (or inside the rebuilt datagram), nested ip > transport > payload;
//   - ports, TCP fields and payload are set only for unfragmented TCP/UDP;
//   - verification can only reject more: a packet accepted with checksums
//     verified decodes identically without verification;
//   - a rebuilt datagram is not a fragment and keeps the fragments' addresses;
//   - the defragmenter stays within its memory cap and datagram limit, and
//     gives all its memory back once everything has expired.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>

#include "capture/source.h"
#include "fuzz_check.h"
#include "net/decoder.h"
#include "net/defrag.h"

namespace {

using rcds::ByteView;
using rcds::Counters;
using rcds::Timestamp;
using rcds::net::DecodeResult;
using rcds::net::Packet;
namespace capture = rcds::capture;
namespace net = rcds::net;

constexpr uint8_t kSeparator[4] = {0xF7, 'R', 'C', 0xD5};

// The link types capture/source.h names, plus one it does not (USER0), so the
// unknown-link-type path is fuzzed too.
constexpr uint32_t kLinkTypes[] = {
    capture::kLinkEthernet, capture::kLinkNull,      capture::kLinkLoop,
    capture::kLinkRaw,      capture::kLinkIpv4,      capture::kLinkIpv6,
    capture::kLinkLinuxSll, capture::kLinkLinuxSll2, 147,
};

// Frames are 7 ms apart and fragments expire after 50 ms, so a datagram can
// be completed across a few frames but old ones do time out within one input.
constexpr int64_t kFrameSpacingNs = 7'000'000;
// A cap small enough to be hit by fuzzer-sized inputs, or (when the first
// byte says so) one that lets a maximum-size datagram complete.
constexpr size_t kSmallMemoryCap = 24 * 1024;
constexpr size_t kLargeMemoryCap = 160 * 1024;
constexpr size_t kMaxDatagrams = 4;

bool same_view(ByteView a, ByteView b) { return a.data() == b.data() && a.size() == b.size(); }

// Invariants of one decoded packet whose bytes all come from `buffer`.
void check_packet(DecodeResult result, const Packet& p, ByteView buffer) {
  if (result != DecodeResult::kOk) return;
  RCDS_FUZZ_CHECK("ip_version", p.ip_version == 4 || p.ip_version == 6);
  RCDS_FUZZ_CHECK("address_version",
                  p.source.version == p.ip_version && p.destination.version == p.ip_version);
  RCDS_FUZZ_CHECK("ip_in_buffer", !p.ip.empty() && rcds::fuzz::inside(p.ip, buffer));
  RCDS_FUZZ_CHECK("transport_in_ip", rcds::fuzz::inside(p.transport, p.ip));
  RCDS_FUZZ_CHECK("payload_in_transport", rcds::fuzz::inside(p.payload, p.transport));
  RCDS_FUZZ_CHECK("vlan_range", p.vlan_id <= 0x0FFF);

  const bool tcp = !p.is_fragment && p.protocol == net::kIpProtoTcp;
  const bool udp = !p.is_fragment && p.protocol == net::kIpProtoUdp;
  RCDS_FUZZ_CHECK("is_tcp_is_udp", p.is_tcp() == tcp && p.is_udp() == udp);
  if (!tcp && !udp) {
    RCDS_FUZZ_CHECK("ports_only_tcp_udp", p.source_port == 0 && p.destination_port == 0);
    RCDS_FUZZ_CHECK("payload_only_tcp_udp", p.payload.empty());
  }
  if (!tcp) {
    RCDS_FUZZ_CHECK("tcp_fields_only_tcp",
                    p.tcp.seq == 0 && p.tcp.ack == 0 && p.tcp.flags == 0 && p.tcp.window == 0);
  }
  if (p.is_fragment) {
    // The defragmenter copies header_length bytes from the front of `ip`.
    RCDS_FUZZ_CHECK("fragment_header_length",
                    p.transport.data() == p.ip.data() + p.fragment.header_length);
  }
  if (tcp) {
    RCDS_FUZZ_CHECK("tcp_header", p.transport.size() >= 20);
    const size_t header = size_t{static_cast<uint8_t>(p.transport[12] >> 4)} * 4;
    RCDS_FUZZ_CHECK("tcp_payload_position", p.payload.data() == p.transport.data() + header &&
                                                p.payload.size() == p.transport.size() - header);
  }
  if (udp) {
    RCDS_FUZZ_CHECK("udp_payload_position",
                    p.transport.size() >= 8 && p.payload.data() == p.transport.data() + 8);
  }
}

// Verification may turn kOk into kMalformed, nothing else.
void check_same_decode(DecodeResult verified, const Packet& a, DecodeResult plain,
                       const Packet& b) {
  if (verified != DecodeResult::kOk) return;
  RCDS_FUZZ_CHECK("verify_only_rejects", plain == DecodeResult::kOk);
  RCDS_FUZZ_CHECK("verify_same_packet",
                  same_view(a.ip, b.ip) && same_view(a.transport, b.transport) &&
                      same_view(a.payload, b.payload) && a.protocol == b.protocol &&
                      a.is_fragment == b.is_fragment && a.source_port == b.source_port &&
                      a.destination_port == b.destination_port && a.source == b.source &&
                      a.destination == b.destination && a.vlan_id == b.vlan_id);
}

// Decodes a datagram the defragmenter rebuilt from `fragment`: once in place
// (views must stay inside the defragmenter's buffer) and once from an exact
// copy, so ASan catches a read past its end.
void decode_rebuilt(net::PacketDecoder& decoder, ByteView datagram, const Packet& fragment) {
  // An IPv4 total length counts the header; an IPv6 payload length does not.
  RCDS_FUZZ_CHECK("rebuilt_size", datagram.size() <= (fragment.ip_version == 4 ? 65535u : 65575u));
  Packet in_place;
  const DecodeResult result = decoder.decode_ip(datagram, in_place);
  check_packet(result, in_place, datagram);

  std::unique_ptr<uint8_t[]> copy(new uint8_t[datagram.size()]);
  std::memcpy(copy.get(), datagram.data(), datagram.size());
  const ByteView exact(copy.get(), datagram.size());
  Packet copied;
  const DecodeResult copy_result = decoder.decode_ip(exact, copied);
  check_packet(copy_result, copied, exact);
  RCDS_FUZZ_CHECK("rebuilt_deterministic", result == copy_result);
  if (result == DecodeResult::kOk) {
    RCDS_FUZZ_CHECK("rebuilt_not_fragment", !in_place.is_fragment);
    RCDS_FUZZ_CHECK("rebuilt_addresses", in_place.source == fragment.source &&
                                             in_place.destination == fragment.destination);
  }
}

void process_frame(uint32_t link_type, ByteView input, Timestamp time,
                   net::PacketDecoder& plain_decoder, net::PacketDecoder& verifying_decoder,
                   net::PacketDecoder& rebuilt_decoder, net::Defragmenter& defrag,
                   size_t memory_cap) {
  std::unique_ptr<uint8_t[]> owned(new uint8_t[input.size()]);
  if (!input.empty()) std::memcpy(owned.get(), input.data(), input.size());
  const ByteView frame(owned.get(), input.size());

  Packet plain;
  const DecodeResult plain_result = plain_decoder.decode(link_type, frame, time, plain);
  check_packet(plain_result, plain, frame);
  Packet verified;
  const DecodeResult verified_result = verifying_decoder.decode(link_type, frame, time, verified);
  check_packet(verified_result, verified, frame);
  check_same_decode(verified_result, verified, plain_result, plain);

  if (plain_result == DecodeResult::kOk && plain.is_fragment) {
    ByteView datagram;
    const bool complete = defrag.add(plain, datagram);
    if (rcds::fuzz::tracing()) {
      std::fprintf(stderr, "fragment id %u offset %u length %zu%s: %s, %zu bytes in use\n",
                   plain.fragment.id, plain.fragment.offset, plain.transport.size(),
                   plain.fragment.more ? " MF" : "", complete ? "complete" : "pending",
                   defrag.memory_in_use());
    }
    if (complete) decode_rebuilt(rebuilt_decoder, datagram, plain);
  }
  RCDS_FUZZ_CHECK("defrag_memory_cap", defrag.memory_in_use() <= memory_cap);
  RCDS_FUZZ_CHECK("defrag_datagram_limit", defrag.datagrams_in_progress() <= kMaxDatagrams);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint32_t link_type = kLinkTypes[data[0] % std::size(kLinkTypes)];
  const size_t memory_cap =
      (data[0] / std::size(kLinkTypes)) % 2 == 0 ? kSmallMemoryCap : kLargeMemoryCap;

  Counters counters;
  net::PacketDecoder plain_decoder(net::DecoderOptions{.verify_checksums = false}, counters);
  net::PacketDecoder verifying_decoder(net::DecoderOptions{.verify_checksums = true}, counters);
  net::PacketDecoder rebuilt_decoder(net::DecoderOptions{.verify_checksums = false}, counters);
  net::DefragOptions defrag_options;
  defrag_options.timeout_ns = 50'000'000;
  defrag_options.memory_cap_bytes = memory_cap;
  defrag_options.max_datagrams = kMaxDatagrams;
  net::Defragmenter defrag(defrag_options, counters);

  const uint8_t* cursor = data + 1;
  const uint8_t* const end = data + size;
  Timestamp time{1'000'000'000};
  for (;;) {
    const uint8_t* next = std::search(cursor, end, std::begin(kSeparator), std::end(kSeparator));
    process_frame(link_type, ByteView(cursor, static_cast<size_t>(next - cursor)), time,
                  plain_decoder, verifying_decoder, rebuilt_decoder, defrag, memory_cap);
    if (next == end) break;
    cursor = next + sizeof(kSeparator);
    time.ns += kFrameSpacingNs;
  }

  // Everything pending must expire and hand its memory back.
  defrag.expire(Timestamp{time.ns + 3'600 * rcds::kNanosPerSecond});
  RCDS_FUZZ_CHECK("defrag_memory_returned", defrag.memory_in_use() == 0);
  RCDS_FUZZ_CHECK("defrag_all_expired", defrag.datagrams_in_progress() == 0);
  return 0;
}
