#include "proto/msnp/p2p_direct.h"

#include <algorithm>

#include "proto/msnp/mime.h"

namespace rcds::proto::msnp {

using flow::Direction;

namespace {
constexpr size_t kHeader = 48;
constexpr uint32_t kFlagAck = 0x02;
constexpr uint32_t kFlagFile = 0x10;
constexpr uint32_t kFlagObject = 0x20;
constexpr uint32_t kFlagHandshake = 0x100;
constexpr std::string_view kFoo("foo\0", 4);

}  // namespace

flow::ProbeResult p2p_direct_probe(ByteView first_bytes, Direction /*direction*/) {
  const size_t n = first_bytes.size();
  // The first packet's length: 4 ("foo\0") or 48 (a handshake).
  if (n == 0) return flow::ProbeResult::kNeedMore;
  if (first_bytes[0] != 4 && first_bytes[0] != kHeader) return flow::ProbeResult::kNoMatch;
  for (size_t i = 1; i < 4 && i < n; ++i) {
    if (first_bytes[i] != 0) return flow::ProbeResult::kNoMatch;
  }
  if (first_bytes[0] == 4) {
    for (size_t i = 4; i < 8 && i < n; ++i) {
      if (first_bytes[i] != static_cast<uint8_t>(kFoo[i - 4])) return flow::ProbeResult::kNoMatch;
    }
    return n >= 8 ? flow::ProbeResult::kMatch : flow::ProbeResult::kNeedMore;
  }
  if (n < 4 + kHeader) return flow::ProbeResult::kNeedMore;
  const P2pHeader h = read_p2p_v1_header(first_bytes.data() + 4);
  return h.flags == kFlagHandshake && h.length == 0 && h.session_id == 0
             ? flow::ProbeResult::kMatch
             : flow::ProbeResult::kNoMatch;
}

flow::ProtocolSpec p2p_direct_protocol_spec() {
  return flow::ProtocolSpec{kP2pDirectProtocol, Transport::kTcp, {}, &p2p_direct_probe};
}

// Adds the connection's context to what a FileAssembly hands out.
struct P2pDirectDecoder::FileOut final : FileAssembly::Output {
  FileOut(P2pDirectDecoder& d, Timestamp t, Direction dir) : decoder(d), time(t), direction(dir) {}
  void on_piece(const FileAssembly& file, uint64_t offset, std::string_view bytes) override {
    decoder.emit(time, direction,
                 FileData{file.transport(), file.id(), file.sender(), file.name(), offset, bytes,
                          file.purpose()});
  }
  void on_anomaly(const FileAssembly& file, TransferAnomaly::Kind kind, uint64_t bytes) override {
    decoder.emit(time, direction, TransferAnomaly{kind, file.id(), bytes});
  }
  P2pDirectDecoder& decoder;
  Timestamp time;
  Direction direction;
};

P2pDirectDecoder::P2pDirectDecoder(const flow::StreamInfo& info, MsnpEventSink& sink,
                                   MsnpSession* session, P2pDirectLimits limits)
    : info_(info), sink_(sink), session_(session), limits_(limits) {
  // A static name rather than a view of the registry: the sink may ask
  // which kind of connection this is (wants_content) at any time.
  info_.protocol = kP2pDirectProtocol;
  // Picked up mid-stream: the packet boundaries are unknown.
  if (!info.saw_handshake) {
    for (Side& side : sides_) side.state = State::kStopped;
  }
}

bool P2pDirectDecoder::content_wanted() {
  if (!content_ || content_generation_ != sink_.content_generation()) {
    content_ = sink_.wants_content(owner_, info_);
    content_generation_ = sink_.content_generation();
  }
  return *content_;
}

void P2pDirectDecoder::on_data(Direction direction, ByteView bytes, Timestamp time) {
  feed(sides_[flow::index_of(direction)], direction, as_chars(bytes), time);
}

void P2pDirectDecoder::feed(Side& side, Direction direction, std::string_view bytes,
                            Timestamp time) {
  size_t i = 0;
  while (i < bytes.size()) {
    switch (side.state) {
      case State::kStopped:
        return;
      case State::kLength: {
        while (side.have < 4 && i < bytes.size()) {
          side.head[side.have++] = static_cast<uint8_t>(bytes[i++]);
        }
        if (side.have < 4) return;
        side.have = 0;
        side.packet = load_le32(side.head);
        if (side.packet > limits_.max_packet) {
          // No markers to find the next packet in binary data: this
          // direction is given up.
          emit(time, direction,
               TransferAnomaly{TransferAnomaly::Kind::kP2pPacketTooLarge, nonce_, side.packet});
          side.state = State::kStopped;
          return;
        }
        if (side.packet < kHeader) {
          // "foo\0" (or another short packet): nothing to decode in it.
          side.left = side.packet;
          side.data = 0;
          side.body = Side::Body::kSkip;
          side.state = State::kBody;
        } else {
          side.state = State::kHeader;
        }
        break;
      }
      case State::kHeader: {
        const size_t take = std::min(kHeader - side.have, bytes.size() - i);
        std::copy_n(bytes.data() + i, take, reinterpret_cast<char*>(side.head) + side.have);
        side.have += take;
        i += take;
        if (side.have < kHeader) return;
        side.have = 0;
        on_header(side, direction, time);
        break;
      }
      case State::kBody: {
        const size_t take = std::min<size_t>(side.left, bytes.size() - i);
        const std::string_view piece = bytes.substr(i, take);
        i += take;
        // kData bodies follow a full header: packet >= 48.
        const uint32_t consumed =
            side.body == Side::Body::kData ? side.packet - kHeader - side.left : 0;
        side.left -= static_cast<uint32_t>(take);
        if (side.body == Side::Body::kData && consumed < side.data) {
          const std::string_view data = piece.substr(0, side.data - consumed);
          if (Transfer* t = transfer(side.header, direction, time)) {
            FileOut out(*this, time, direction);
            t->file.add(side.at, data, out);
            side.at += data.size();
          }
        } else if (side.body == Side::Body::kSlp) {
          side.slp.append(piece);
        }
        if (side.left == 0) on_packet_end(side, direction, time);
        break;
      }
    }
  }
  // A packet with an empty body ends as soon as its header is complete.
  if (side.state == State::kBody && side.left == 0) on_packet_end(side, direction, time);
}

void P2pDirectDecoder::on_header(Side& side, Direction direction, Timestamp time) {
  side.header = read_p2p_v1_header(side.head);
  const P2pHeader& h = side.header;
  side.left = side.packet - static_cast<uint32_t>(kHeader);
  side.data = 0;
  side.body = Side::Body::kSkip;
  side.slp.clear();
  side.state = State::kBody;
  if ((h.flags & kFlagHandshake) != 0) {
    handshake(side.head + 32, direction, time);
  } else if ((h.flags & kFlagAck) != 0) {
    // Acknowledgements carry no data.
  } else if (h.session_id == 0) {
    if (side.left <= limits_.max_slp) side.body = Side::Body::kSlp;
  } else if (h.total_size == 4 && h.length == 4 && (h.flags & kFlagFile) == 0) {
    // An object's data-preparation message (§9.1): no data.
  } else {
    side.body = Side::Body::kData;
    side.data = std::min(h.length, side.left);
    side.at = h.offset;
  }
  if (side.left == 0) on_packet_end(side, direction, time);
}

void P2pDirectDecoder::on_packet_end(Side& side, Direction direction, Timestamp time) {
  side.state = State::kLength;
  if (side.body == Side::Body::kSlp) {
    handle_slp(side.slp, direction, time);
    side.slp.clear();
  } else if (side.body == Side::Body::kData) {
    for (Transfer& t : files_) {
      if (t.session_id == side.header.session_id && t.file.done()) {
        finish(t, "data", direction, time);
      }
    }
  }
  side.body = Side::Body::kSkip;
}

void P2pDirectDecoder::handshake(const uint8_t* nonce16, Direction direction, Timestamp time) {
  const std::string nonce = guid_from_bytes(nonce16);
  if (nonce == nonce_) return;  // the other side's reply repeats it
  nonce_ = nonce;
  Sha256 sha1(Sha256::Algorithm::kSha1);
  sha1.update(std::string_view(reinterpret_cast<const char*>(nonce16), 16));
  const std::string digest = sha1.digest();
  P2pDirectHandshake event;
  event.nonce = nonce;
  if (digest.size() >= 16) {
    event.hashed_nonce = guid_from_bytes(reinterpret_cast<const uint8_t*>(digest.data()));
  }
  const MsnpSession::P2pNonce* known = nullptr;
  if (session_ != nullptr) {
    known = session_->use_nonce(event.nonce, info_.flow_id);
    if (known == nullptr) known = session_->use_nonce(event.hashed_nonce, info_.flow_id);
  }
  if (known != nullptr) {
    event.matched = true;
    event.sb_flow_id = known->sb_flow_id;
    event.session_id = known->session_id;
    event.call_id = known->call_id;
    event.sender = known->sender;
    event.file_name = known->file_name;
    owner_ = known->owner;
    session_id_ = known->session_id;
    sender_ = known->sender;
    file_name_ = known->file_name;
    file_size_ = known->file_size;
  }
  emit(time, direction, std::move(event));
}

void P2pDirectDecoder::handle_slp(std::string_view text, Direction direction, Timestamp time) {
  SlpMessage slp;
  if (!parse_slp(text, slp)) return;
  P2pSignal signal;
  signal.method = slp.method;
  signal.status = slp.status;
  // The event's views must not point into the event itself: it is moved.
  const std::string to = normalize_address(slp.to);
  const std::string from = normalize_address(slp.from);
  signal.to = to;
  signal.from = from;
  signal.sender = from;
  const std::string_view recipient = to;
  if (!to.empty()) signal.recipients = AccountList(&recipient, 1);
  signal.call_id = slp.call_id;
  signal.session_id = header_value(slp.body, "SessionID");
  const std::string session = signal.session_id;
  emit(time, direction, std::move(signal));
  if (slp.method != "BYE") return;
  for (Transfer& t : files_) {
    if (session.empty() || t.file.id() == session) {
      finish(t, "slp_bye", direction, time);
    }
  }
}

P2pDirectDecoder::Transfer* P2pDirectDecoder::transfer(const P2pHeader& h, Direction direction,
                                                       Timestamp time) {
  for (Transfer& t : files_) {
    if (t.session_id == h.session_id) return t.file.finished() ? nullptr : &t;
  }
  if (files_.size() >= limits_.max_files) {
    Transfer& oldest = files_.front();
    emit(time, direction,
         TransferAnomaly{TransferAnomaly::Kind::kTooManyFiles, oldest.file.id(), 0});
    finish(oldest, "evicted", direction, time);
    files_.erase(files_.begin());
  }
  const std::string id = std::to_string(h.session_id);
  const bool negotiated = id == session_id_;
  FileAssembly file("p2p_direct", id, negotiated ? sender_ : std::string(),
                    negotiated ? file_name_ : std::string(),
                    negotiated && file_size_ != 0 ? file_size_ : h.total_size, content_wanted(),
                    limits_.files);
  if ((h.flags & kFlagObject) != 0 && (h.flags & kFlagFile) == 0) {
    file.set_object(ObjectInfo{"object", "", 0, 0, ""});
  }
  files_.push_back(Transfer{h.session_id, std::move(file)});
  return &files_.back();
}

void P2pDirectDecoder::finish(Transfer& t, std::string_view end, Direction direction,
                              Timestamp time) {
  if (t.file.finished()) return;
  FileOut out(*this, time, direction);
  emit(time, direction, t.file.finish(end, out));
}

void P2pDirectDecoder::on_gap(Direction direction, uint64_t length, Timestamp time) {
  emit(time, direction, DecoderAnomaly{MsnpAnomaly::kStreamGap, length});
  Side& side = sides_[flow::index_of(direction)];
  if (side.state == State::kBody && length <= side.left) {
    // Inside one packet: its length still frames the next one. Lost file
    // bytes are found missing when the following ones arrive.
    const uint32_t consumed = side.body == Side::Body::kData
                                  ? side.packet - static_cast<uint32_t>(kHeader) - side.left
                                  : 0;
    if (side.body == Side::Body::kData && consumed < side.data) {
      side.at += std::min<uint64_t>(length, side.data - consumed);
    }
    if (side.body == Side::Body::kSlp) side.body = Side::Body::kSkip;
    side.left -= static_cast<uint32_t>(length);
    if (side.left == 0) on_packet_end(side, direction, time);
    return;
  }
  side.state = State::kStopped;
}

void P2pDirectDecoder::on_close(flow::CloseReason /*reason*/, Timestamp time) {
  for (Transfer& t : files_) finish(t, "closed", Direction::kClientToServer, time);
}

}  // namespace rcds::proto::msnp
