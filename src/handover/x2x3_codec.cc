// TS 103 221-2 X2/X3 encoder (ETSI_HANDOVER.md §13) and make_codec().
#include "handover/x2x3_codec.h"

#include <openssl/evp.h>

#include <cstring>

#include "handover/pspdu_fields.h"

namespace rcds::handover {

namespace {

using intercept::ContentKind;
using intercept::Record;

// uuid5(NAMESPACE_URL, "urn:rcds:x2x3:liid"), see x2x3_codec.h.
constexpr Uuid kLiidNamespace = {0x71, 0xe5, 0xb8, 0x66, 0x94, 0x35, 0x5f, 0x36,
                                 0x96, 0x2c, 0xad, 0xd7, 0xe7, 0x1d, 0xcd, 0x71};

void put16(std::string& out, uint16_t value) {
  const char bytes[2] = {static_cast<char>(value >> 8), static_cast<char>(value)};
  out.append(bytes, 2);
}

void put32(std::string& out, uint32_t value) {
  const char bytes[4] = {static_cast<char>(value >> 24), static_cast<char>(value >> 16),
                         static_cast<char>(value >> 8), static_cast<char>(value)};
  out.append(bytes, 4);
}

void put64(std::string& out, uint64_t value) {
  put32(out, static_cast<uint32_t>(value >> 32));
  put32(out, static_cast<uint32_t>(value));
}

void patch32(std::string& out, size_t offset, uint32_t value) {
  out[offset] = static_cast<char>(value >> 24);
  out[offset + 1] = static_cast<char>(value >> 16);
  out[offset + 2] = static_cast<char>(value >> 8);
  out[offset + 3] = static_cast<char>(value);
}

void attribute(std::string& out, uint16_t type, std::string_view value) {
  put16(out, type);
  put16(out, static_cast<uint16_t>(value.size()));
  out.append(value);
}

void attribute32(std::string& out, uint16_t type, uint32_t value) {
  put16(out, type);
  put16(out, 4);
  put32(out, value);
}

void attribute16(std::string& out, uint16_t type, uint16_t value) {
  put16(out, type);
  put16(out, 2);
  put16(out, value);
}

void address_attribute(std::string& out, bool source, const IpAddress& address) {
  const auto* bytes = reinterpret_cast<const char*>(address.bytes.data());
  if (address.version == 4) {
    attribute(out, source ? x2x3::kSourceIpv4 : x2x3::kDestinationIpv4,
              std::string_view(bytes + 12, 4));
  } else if (address.version == 6) {
    attribute(out, source ? x2x3::kSourceIpv6 : x2x3::kDestinationIpv6,
              std::string_view(bytes, 16));
  }
}

uint16_t x_direction(intercept::PayloadDirection direction) {
  switch (direction) {
    case intercept::PayloadDirection::kFromTarget:
      return x2x3::kFromTarget;
    case intercept::PayloadDirection::kToTarget:
      return x2x3::kToTarget;
    default:
      return x2x3::kDirectionUnknown;
  }
}

// True when the IP packet in `packet` was sent by `address`.
bool packet_from(std::string_view packet, const IpAddress& address) {
  const auto* p = reinterpret_cast<const uint8_t*>(packet.data());
  if (packet.size() >= 20 && (p[0] >> 4) == 4 && address.version == 4) {
    return std::memcmp(p + 12, address.bytes.data() + 12, 4) == 0;
  }
  if (packet.size() >= 40 && (p[0] >> 4) == 6 && address.version == 6) {
    return std::memcmp(p + 8, address.bytes.data(), 16) == 0;
  }
  return false;
}

// Fixed header with zero lengths; the caller patches them at offsets 4, 8.
void fixed_header(std::string& out, uint16_t type, uint16_t format, uint16_t direction,
                  const Uuid& xid, uint64_t correlation) {
  put16(out, x2x3::kVersion);
  put16(out, type);
  put32(out, 0);
  put32(out, 0);
  put16(out, format);
  put16(out, direction);
  out.append(reinterpret_cast<const char*>(xid.data()), xid.size());
  put64(out, correlation);
}

}  // namespace

Uuid uuid_v5(const Uuid& name_space, std::string_view name) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  EVP_DigestInit_ex(context, EVP_sha1(), nullptr);
  EVP_DigestUpdate(context, name_space.data(), name_space.size());
  EVP_DigestUpdate(context, name.data(), name.size());
  EVP_DigestFinal_ex(context, digest, &size);
  EVP_MD_CTX_free(context);
  Uuid uuid{};
  std::memcpy(uuid.data(), digest, uuid.size());
  uuid[6] = static_cast<uint8_t>((uuid[6] & 0x0F) | 0x50);  // version 5
  uuid[8] = static_cast<uint8_t>((uuid[8] & 0x3F) | 0x80);  // RFC 4122 variant
  return uuid;
}

Uuid xid_of_liid(std::string_view liid) { return uuid_v5(kLiidNamespace, liid); }

std::string uuid_text(const Uuid& uuid) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  for (size_t i = 0; i < uuid.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text.push_back('-');
    text.push_back(kHex[uuid[i] >> 4]);
    text.push_back(kHex[uuid[i] & 0x0F]);
  }
  return text;
}

X2X3Codec::X2X3Codec(const Destination& /*destination*/) {}

const Uuid& X2X3Codec::xid_for(std::string_view liid) {
  if (last_xid_ != nullptr && liid == last_liid_) return *last_xid_;
  auto it = xids_.find(liid);
  if (it == xids_.end()) {
    if (xids_.size() >= kMaxXids) xids_.clear();
    it = xids_.emplace(std::string(liid), xid_of_liid(liid)).first;
  }
  last_liid_.assign(liid);
  last_xid_ = &it->second;
  return *last_xid_;
}

HandoverInterface X2X3Codec::encode(const Record& record, std::string& out) {
  out.clear();
  const bool iri = intercept::is_iri(record.kind);
  const bool packet = !iri && record.content_kind == ContentKind::kIpPacket;
  uint16_t format = x2x3::kUnstructured;
  if (iri) {
    format = x2x3::kEtsi102232;
  } else if (packet && !record.content.empty()) {
    const auto version = static_cast<uint8_t>(record.content[0]) >> 4;
    if (version == 4) format = x2x3::kIpv4Packet;
    if (version == 6) format = x2x3::kIpv6Packet;
  }
  fixed_header(out, iri ? x2x3::kX2 : x2x3::kX3, format, x_direction(record.direction),
               xid_for(record.liid), record.cin);

  attribute32(out, x2x3::kSequenceNumber, static_cast<uint32_t>(record.sequence));
  const MicroTimestamp time = micro_timestamp_of(record.time);
  put16(out, x2x3::kTimestamp);
  put16(out, 8);
  put32(out, static_cast<uint32_t>(time.seconds));
  put32(out, static_cast<uint32_t>(record.time.ns - time.seconds * kNanosPerSecond));
  const Endpoint* source = &record.client;
  const Endpoint* destination = &record.server;
  if (packet && !packet_from(record.content, record.client.address) &&
      packet_from(record.content, record.server.address)) {
    std::swap(source, destination);
  }
  address_attribute(out, true, source->address);
  address_attribute(out, false, destination->address);
  if (source->port != 0) attribute16(out, x2x3::kSourcePort, source->port);
  if (destination->port != 0) attribute16(out, x2x3::kDestinationPort, destination->port);
  if (!record.target.empty()) attribute(out, x2x3::kMatchedTarget, record.target);
  if (record.content_kind == ContentKind::kMessage && !iri) {
    attribute(out, x2x3::kMimeContentType, "text/plain; charset=UTF-8");
  }
  const size_t header = out.size();

  if (iri) {
    const Payload& payload = mapper_.map(record);
    ber::Writer writer(out);
    detail::encode_iri_payload(writer, std::get<IriSequence>(payload)[0]);
  } else {
    out.append(record.content);
  }
  patch32(out, 4, static_cast<uint32_t>(header));
  patch32(out, 8, static_cast<uint32_t>(out.size() - header));
  return iri ? HandoverInterface::kHi2 : HandoverInterface::kHi3;
}

bool X2X3Codec::encode_notice(const intercept::WarrantNotice& /*notice*/, std::string& out) {
  out.clear();
  return false;
}

void X2X3Codec::encode_keepalive(uint64_t sequence, Timestamp /*now*/, std::string& out) {
  out.clear();
  fixed_header(out, x2x3::kKeepalive, 0, x2x3::kDirectionReserved, Uuid{}, 0);
  attribute32(out, x2x3::kSequenceNumber, static_cast<uint32_t>(sequence));
  patch32(out, 4, static_cast<uint32_t>(out.size()));
}

ber::FrameStatus X2X3Codec::frame(ByteView buffered, size_t& length, std::string& error) const {
  if (buffered.size() < 12) return ber::FrameStatus::kNeedMore;
  if (buffered[0] != 0) {
    error = "offset 0: X2/X3 major version " + std::to_string(buffered[0]) + ", expected 0";
    return ber::FrameStatus::kError;
  }
  const uint32_t header = load_be32(buffered.data() + 4);
  const uint32_t payload = load_be32(buffered.data() + 8);
  if (header < x2x3::kFixedHeader || header > x2x3::kMaxHeader) {
    error = "offset 4: X2/X3 header length " + std::to_string(header) + " out of range";
    return ber::FrameStatus::kError;
  }
  if (payload > ber::kMaxPduSize) {
    error = "offset 8: pdu-too-large (" + std::to_string(payload) + " byte payload)";
    return ber::FrameStatus::kError;
  }
  const size_t total = size_t{header} + payload;
  if (buffered.size() < total) return ber::FrameStatus::kNeedMore;
  length = total;
  return ber::FrameStatus::kComplete;
}

bool X2X3Codec::keepalive_response(ByteView pdu, uint64_t& sequence) const {
  if (pdu.size() < x2x3::kFixedHeader || load_be16(pdu.data() + 2) != x2x3::kKeepaliveAck) {
    return false;
  }
  const size_t header = load_be32(pdu.data() + 4);
  if (header > pdu.size()) return false;
  // Walk the attributes for the sequence number; OpenLI ignores keep-alives
  // without one, so a response without one answers nothing we sent.
  size_t at = x2x3::kFixedHeader;
  while (at + 4 <= header) {
    const uint16_t type = load_be16(pdu.data() + at);
    const uint16_t size = load_be16(pdu.data() + at + 2);
    if (at + 4 + size > header) return false;
    if (type == x2x3::kSequenceNumber && size == 4) {
      sequence = load_be32(pdu.data() + at + 4);
      return true;
    }
    at += 4 + size;
  }
  return false;
}

std::unique_ptr<PduCodec> make_codec(const Destination& destination) {
  if (destination.encoding == Encoding::kX2X3) return std::make_unique<X2X3Codec>(destination);
  return std::make_unique<EtsiCodec>(destination);
}

}  // namespace rcds::handover
