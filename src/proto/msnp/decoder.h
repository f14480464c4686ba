// The MSNP decoder: one flow::StreamHandler per MSN Messenger connection
// (DS/NS, SB caller or invited side, MSNFTP), turning its two byte streams
// into the events of events.h (MSNP.md §1-§10).
//
// Per connection it keeps: the connection type (from the first command), the
// negotiated version (VER), the owner account (USR/ANS), the switchboard
// roster (IRO/JOI/BYE) and outstanding CAL requests. Cookies and logins that
// link connections go to the shared MsnpSession.
//
// Cheap for non-targets: a MSG payload is parsed (and buffered across
// chunks) only when the sink's wants_content() says yes for the owner;
// otherwise its bytes are skipped by count.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "flow/detect.h"
#include "flow/stream.h"
#include "proto/msnp/events.h"
#include "proto/msnp/framer.h"
#include "proto/msnp/session.h"

namespace rcds::proto::msnp {

// Probe for flow::ProtocolRegistry: kMatch on a plausible first MSNP line
// in either direction, kNeedMore until a line ending (bounded), else kNoMatch.
flow::ProbeResult msnp_probe(ByteView first_bytes, flow::Direction direction);
// {"msnp", TCP, port 1863, msnp_probe}.
flow::ProtocolSpec msnp_protocol_spec();

struct DecoderLimits {
  FramerLimits framer;
  size_t max_roster = 64;   // switchboard members tracked per connection
  size_t max_pending = 16;  // outstanding CAL requests per connection
};

class MsnpDecoder final : public flow::StreamHandler {
 public:
  MsnpDecoder(const flow::StreamInfo& info, MsnpEventSink& sink, MsnpSession* session = nullptr,
              DecoderLimits limits = {});

  void on_data(flow::Direction direction, ByteView bytes, Timestamp time) override;
  void on_gap(flow::Direction direction, uint64_t length, Timestamp time) override;
  void on_close(flow::CloseReason reason, Timestamp time) override;

  ConnectionType type() const { return type_; }
  int version() const { return version_; }
  const std::string& owner() const { return owner_; }
  const std::vector<std::string>& roster() const { return roster_; }
  uint64_t anomalies(MsnpAnomaly a) const { return anomalies_[static_cast<size_t>(a)]; }
  size_t buffered() const { return sides_[0].framer.buffered() + sides_[1].framer.buffered(); }

 private:
  // Adapts one direction's framer callbacks to the decoder.
  struct Side final : FramerClient {
    Side(MsnpDecoder& d, flow::Direction dir, FramerLimits limits)
        : decoder(d), direction(dir), framer(*this, limits) {}
    PayloadPlan plan_payload(const Command& cmd) override;
    void on_command(const Command& cmd, ByteView payload, Timestamp time) override;
    bool plausible(const Command& cmd) override;
    void on_framer_anomaly(MsnpAnomaly anomaly, uint64_t bytes, Timestamp time) override;

    MsnpDecoder& decoder;
    flow::Direction direction;
    Framer framer;
    bool raw = false;  // MSNFTP file blocks follow: not framed (file data out of scope)
  };
  struct PendingCall {
    std::string trid;
    std::string invitee;
  };

  void classify(flow::Direction direction, const Command& cmd);
  void handle_client(const Command& cmd, ByteView payload, Timestamp time);
  void handle_server(const Command& cmd, ByteView payload, Timestamp time);
  void handle_switchboard_server(const Command& cmd, Timestamp time);
  void handle_contacts(flow::Direction direction, const Command& cmd, ByteView payload,
                       Timestamp time);
  void handle_msg(flow::Direction direction, const Command& cmd, ByteView payload, Timestamp time);
  void handle_invite(const std::string& sender, std::string_view body, Timestamp time,
                     flow::Direction direction);
  void handle_p2p(const std::string& sender, std::string_view body, Timestamp time,
                  flow::Direction direction);
  void handle_error(const Command& cmd, Timestamp time);
  void handle_msnftp(flow::Direction direction, const Command& cmd, Timestamp time);
  bool content_wanted();
  std::vector<std::string> recipients_except(const std::string& sender) const;
  void roster_add(const std::string& account, Timestamp time);
  bool roster_remove(const std::string& account);
  void anomaly(MsnpAnomaly kind, uint64_t bytes, Timestamp time,
               flow::Direction direction = flow::Direction::kClientToServer);
  void logout(Logout::Reason reason, Timestamp time);

  template <class T>
  void emit(Timestamp time, flow::Direction direction, T&& body) {
    MsnpEvent event{EventContext{time, info_.flow_id, info_.key.source, info_.key.destination,
                                 type_, direction, owner_, version_},
                    EventBody(std::forward<T>(body))};
    sink_.on_event(event);
  }

  flow::StreamInfo info_;
  MsnpEventSink& sink_;
  MsnpSession* session_;
  DecoderLimits limits_;
  std::array<Side, 2> sides_;
  std::array<uint64_t, static_cast<size_t>(MsnpAnomaly::kCount)> anomalies_{};

  ConnectionType type_ = ConnectionType::kUnknown;
  int version_ = 0;
  std::string owner_;
  std::string offered_versions_;
  std::string client_name_, client_version_, os_, locale_;  // from CVR
  std::string auth_scheme_;
  std::string attempt_account_;         // USR ... I <account>
  std::string usr_trid_;                // TrID of the pending login / SB USR / ANS
  std::string sb_cookie_, sb_session_;  // presented by the SB USR/ANS
  bool logged_in_ = false;
  bool session_ended_ = false;  // OUT seen (either side)
  std::vector<std::string> roster_;
  std::vector<PendingCall> pending_calls_;
  std::optional<bool> content_;  // wants_content() answer for content_owner_
  std::string content_owner_;
};

}  // namespace rcds::proto::msnp
