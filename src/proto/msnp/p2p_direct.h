// Direct P2P connections between two Messenger clients (the TCPv1 bridge of
// MSNP.md §9.3, negotiated by an SLP transreq/transresp on a switchboard).
//
// Every packet in either direction is a 4-byte little-endian length and a
// P2P v1 packet (the 48-byte header of §9.1 and its data, no footer). The
// connecting side opens with the 4-byte packet "foo\0"; then each side sends
// a handshake packet with flags 0x100 whose 16 ack bytes (AckIdentifier,
// AckUniqueID, AckDataSize: offsets 32..47) carry the nonce of the
// transreq/transresp. The reference does not give that layout; we assume
// the nonce GUID in the Windows in-memory order (LE u32, LE u16, LE u16, 8
// bytes as they are), which is how libpurple's directconn.c copies its
// nonce into those fields, and match both the nonce and its SHA-1
// (Hashed-Nonce). Then the same data packets as on the switchboard follow.
//
// The nonce ties the connection to the switchboard's P2P session through
// MsnpSession (file name, sender, session id, owner), and it is what the
// interception engine matches to intercept a target's direct transfer.
// Content (file bytes) is delivered only when the sink wants it for the
// connection; otherwise the bytes are counted, never copied or hashed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "flow/detect.h"
#include "flow/stream.h"
#include "proto/msnp/events.h"
#include "proto/msnp/file_transfer.h"
#include "proto/msnp/session.h"
#include "proto/msnp/slp.h"

namespace rcds::proto::msnp {

// kMatch on a first packet "04 00 00 00 'foo\0'" or a 48-byte packet with
// flags 0x100 (a handshake without foo); kNeedMore while the bytes so far
// could still be one; else kNoMatch. Any port.
flow::ProbeResult p2p_direct_probe(ByteView first_bytes, flow::Direction direction);
// {"msnp_p2p", TCP, no ports, p2p_direct_probe}.
flow::ProtocolSpec p2p_direct_protocol_spec();

struct P2pDirectLimits {
  uint32_t max_packet = 256 * 1024;  // a longer packet stops that direction (p2p_packet_too_large)
  size_t max_slp = 8 * 1024;         // SLP text (SessionID 0) read to find a BYE
  size_t max_files = 8;              // P2P sessions tracked per connection
  FileAssemblyLimits files;
};

class P2pDirectDecoder final : public flow::StreamHandler {
 public:
  P2pDirectDecoder(const flow::StreamInfo& info, MsnpEventSink& sink, MsnpSession* session,
                   P2pDirectLimits limits = {});

  void on_data(flow::Direction direction, ByteView bytes, Timestamp time) override;
  void on_gap(flow::Direction direction, uint64_t length, Timestamp time) override;
  void on_close(flow::CloseReason reason, Timestamp time) override;

  const std::string& nonce() const { return nonce_; }
  const std::string& owner() const { return owner_; }

 private:
  struct FileOut;
  enum class State : uint8_t { kLength, kHeader, kBody, kStopped };
  struct Side {
    State state = State::kLength;
    uint8_t head[48] = {};
    size_t have = 0;      // bytes of head (length or header) collected
    uint32_t packet = 0;  // length of the current packet
    uint32_t left = 0;    // body bytes of the current packet still to come
    uint32_t data = 0;    // of which file data (the rest is skipped)
    uint64_t at = 0;      // file offset of the next data byte
    P2pHeader header;
    enum class Body : uint8_t { kSkip, kData, kSlp } body = Body::kSkip;
    std::string slp;  // SLP text of the current packet (bounded)
  };
  struct Transfer {
    uint32_t session_id = 0;
    FileAssembly file;
  };

  void feed(Side& side, flow::Direction direction, std::string_view bytes, Timestamp time);
  void on_header(Side& side, flow::Direction direction, Timestamp time);
  void on_packet_end(Side& side, flow::Direction direction, Timestamp time);
  void handshake(const uint8_t* nonce16, flow::Direction direction, Timestamp time);
  void handle_slp(std::string_view text, flow::Direction direction, Timestamp time);
  Transfer* transfer(const P2pHeader& header, flow::Direction direction, Timestamp time);
  void finish(Transfer& t, std::string_view end, flow::Direction direction, Timestamp time);
  bool content_wanted();

  template <class T>
  void emit(Timestamp time, flow::Direction direction, T&& body) {
    MsnpEvent event{EventContext{time, info_.flow_id, info_.key.source, info_.key.destination,
                                 ConnectionType::kP2pDirect, direction, owner_, 0},
                    EventBody(std::forward<T>(body))};
    sink_.on_event(event);
  }

  flow::StreamInfo info_;
  MsnpEventSink& sink_;
  MsnpSession* session_;
  P2pDirectLimits limits_;
  Side sides_[2];
  std::string owner_;  // the negotiating switchboard's owner, "" while unknown
  std::string nonce_;
  // From the switchboard's P2P session (MsnpSession), when the nonce matched.
  std::string session_id_, sender_, file_name_;
  uint64_t file_size_ = 0;
  std::optional<bool> content_;
  uint64_t content_generation_ = 0;
  std::vector<Transfer> files_;
};

}  // namespace rcds::proto::msnp
