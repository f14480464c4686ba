// libFuzzer harness for the MSNP decoder (proto/msnp): framer, command
// parser, payload table, MIME and invitation parsing, rosters, the shared
// cookie/login registry, on arbitrary bytes in both directions with gaps.
//
// Layout: one header byte, then a script.
//   header bit 0     the flow was picked up mid-stream (starts resynchronising)
//   header bit 1     the sink wants content (else payloads are skipped uncopied)
//   header bit 2     go through MsnpConnection, which turns into the HTTP
//                    gateway handler when the client starts with "POST "
//   header bit 3     a direct P2P connection (P2pDirectDecoder, TCPv1 packets)
//   header bits 4-7  split every chunk into pieces of this size (0 = whole)
//   script           bytes up to a 0xFF are one chunk in the current direction;
//                    0xFF c: c == 0xFF is a literal 0xFF byte; else bit 0 switches
//                    direction and bit 1 reports a gap of (c >> 2) * 13 + 1 bytes.
// Plain text therefore is a client-to-server stream, so MSNP transcripts make
// good seeds (fuzz/msnp_fuzz.dict holds the command words).
//
// Small limits (256-byte lines, 4 KiB payloads, 4 roster members, 2 pending
// calls, 8 cookies, 4 logins) make the bounds reachable. Invariants:
//   - buffered bytes never exceed line bound + payload bound per direction;
//   - every string view in an event is readable (ASan checks the bytes);
//   - rosters and recipient lists stay within the roster bound.
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <variant>
#include <vector>

#include "fuzz_check.h"
#include "proto/msnp/decoder.h"
#include "proto/msnp/gateway.h"
#include "proto/msnp/p2p_direct.h"

namespace {

namespace msnp = rcds::proto::msnp;
namespace flow = rcds::flow;

constexpr size_t kMaxRoster = 4;

class CheckingSink final : public msnp::MsnpEventSink {
 public:
  explicit CheckingSink(bool content) : content_(content) {}
  void on_event(const msnp::MsnpEvent& event) override {
    touch(event.context.owner);
    std::visit(
        [&](const auto& body) {
          using T = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<T, msnp::InstantMessage>) {
            touch(body.text);
            touch(body.format);
            touch(body.message_id);
            RCDS_FUZZ_CHECK("msnp_recipients_bounded", body.recipients.size() <= kMaxRoster);
          } else if constexpr (std::is_same_v<T, msnp::Datacast>) {
            touch(body.data);
            RCDS_FUZZ_CHECK("msnp_recipients_bounded", body.recipients.size() <= kMaxRoster);
          } else if constexpr (std::is_same_v<T, msnp::ParticipantJoined> ||
                               std::is_same_v<T, msnp::ParticipantLeft>) {
            RCDS_FUZZ_CHECK("msnp_roster_bounded", body.roster.size() <= kMaxRoster);
          }
        },
        event.body);
  }
  bool wants_content(std::string_view owner, const flow::StreamInfo&) override {
    touch(owner);
    return content_;
  }
  uint64_t sum = 0;

 private:
  // Reads every byte so ASan reports a dangling or out-of-range view.
  void touch(std::string_view s) {
    for (char c : s) sum += static_cast<unsigned char>(c);
  }
  bool content_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t header = data[0];
  flow::StreamInfo info;
  info.flow_id = 1;
  info.key.source.port = 40000;
  info.key.destination.port = 1863;
  info.saw_handshake = (header & 1) == 0;
  info.protocol = "msnp";
  CheckingSink sink((header & 2) != 0);
  msnp::MsnpSession session(8, 4);
  msnp::DecoderLimits limits;
  limits.framer.max_line = 256;
  limits.framer.max_payload = 4096;
  limits.max_roster = kMaxRoster;
  limits.max_pending = 2;
  const size_t piece = header >> 4;
  const size_t bound = limits.framer.max_line + limits.framer.max_payload;

  // The gateway's bodies go to inner decoders with the same limits; its own
  // buffers are bounded by the small head/body limits below.
  msnp::GatewayLimits gateway_limits;
  gateway_limits.max_head = 512;
  gateway_limits.max_body = 4096;
  gateway_limits.max_sessions = 2;
  gateway_limits.max_pending = 4;
  gateway_limits.decoder = limits;
  msnp::MsnpDecoder* decoder = nullptr;
  flow::StreamHandler* handler = nullptr;
  if ((header & 8) != 0) {
    // Small bounds: a packet cap the fuzzer can cross, few sessions.
    msnp::P2pDirectLimits direct;
    direct.max_packet = 8192;
    direct.max_slp = 1024;
    direct.max_files = 2;
    handler = new msnp::P2pDirectDecoder(info, sink, &session, direct);
  } else if ((header & 4) != 0) {
    handler = new msnp::MsnpConnection(info, sink, &session, gateway_limits);
  } else {
    decoder = new msnp::MsnpDecoder(info, sink, &session, limits);
    handler = decoder;
  }
  // Per direction: one partial command line kept while its payload is
  // collected (framer.cc), so both directions together hold up to twice that.
  auto buffered_ok = [&] { return decoder == nullptr || decoder->buffered() <= 2 * bound; };
  flow::Direction direction = flow::Direction::kClientToServer;
  rcds::Timestamp time{1'000'000'000};
  std::vector<uint8_t> chunk;
  auto flush = [&] {
    size_t pos = 0;
    while (pos < chunk.size()) {
      const size_t n = piece == 0 ? chunk.size() - pos : std::min(piece, chunk.size() - pos);
      // An exact-size copy so reading past the piece is an ASan error.
      std::vector<uint8_t> exact(chunk.begin() + static_cast<std::ptrdiff_t>(pos),
                                 chunk.begin() + static_cast<std::ptrdiff_t>(pos + n));
      handler->on_data(direction, rcds::ByteView(exact.data(), exact.size()), time);
      RCDS_FUZZ_CHECK("msnp_buffer_bounded", buffered_ok());
      pos += n;
    }
    chunk.clear();
    time.ns += 1'000'000;
  };
  for (size_t i = 1; i < size; ++i) {
    if (data[i] != 0xFF) {
      chunk.push_back(data[i]);
      continue;
    }
    if (i + 1 >= size) break;
    const uint8_t c = data[++i];
    if (c == 0xFF) {
      chunk.push_back(0xFF);
      continue;
    }
    flush();
    if ((c & 2) != 0) handler->on_gap(direction, (c >> 2) * 13u + 1, time);
    if ((c & 1) != 0) direction = flow::opposite(direction);
  }
  flush();
  handler->on_close(flow::CloseReason::kFin, time);
  RCDS_FUZZ_CHECK("msnp_buffer_bounded", buffered_ok());
  delete handler;
  return 0;
}
