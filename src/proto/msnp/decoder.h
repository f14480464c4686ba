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
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "flow/detect.h"
#include "flow/stream.h"
#include "proto/msnp/events.h"
#include "proto/msnp/file_transfer.h"
#include "proto/msnp/framer.h"
#include "proto/msnp/mime.h"
#include "proto/msnp/roster.h"
#include "proto/msnp/session.h"

namespace rcds::proto::msnp {

// Probe for flow::ProtocolRegistry: kMatch on a plausible first MSNP line
// in either direction, kNeedMore until a line ending (bounded), else kNoMatch.
flow::ProbeResult msnp_probe(ByteView first_bytes, flow::Direction direction);
// {"msnp", TCP, port 1863, msnp_probe}.
flow::ProtocolSpec msnp_protocol_spec();

struct DecoderLimits {
  FramerLimits framer;
  size_t max_roster = 64;              // switchboard endpoints tracked per connection
  size_t max_roster_text = 16 * 1024;  // bytes of their accounts and device ids together
  size_t max_pending = 16;             // outstanding CAL requests per connection
  FileAssemblyLimits files;
  size_t max_files = 8;        // P2P file sessions tracked per connection
  size_t max_slp_pending = 4;  // multi-chunk SLP messages being joined
  size_t max_slp = 64 * 1024;  // bytes of one joined SLP message
  ChunkLimits chunked;         // chunked MSGs (§8.5)
  size_t max_requests = 64;    // outstanding client requests by TrID (command errors)
};
// What a decoder uses when given no limits.
inline constexpr DecoderLimits kDefaultDecoderLimits{};

class MsnpDecoder final : public flow::StreamHandler {
 public:
  // `limits` is referenced, not copied (every connection would carry its
  // own copy): it must outlive the decoder.
  MsnpDecoder(const flow::StreamInfo& info, MsnpEventSink& sink, MsnpSession* session = nullptr,
              const DecoderLimits& limits = kDefaultDecoderLimits);
  MsnpDecoder(const flow::StreamInfo& info, MsnpEventSink& sink, MsnpSession* session,
              const DecoderLimits&& limits) = delete;

  void on_data(flow::Direction direction, ByteView bytes, Timestamp time) override;
  void on_gap(flow::Direction direction, uint64_t length, Timestamp time) override;
  void on_close(flow::CloseReason reason, Timestamp time) override;

  ConnectionType type() const { return type_; }
  int version() const { return version_; }
  const std::string& owner() const { return owner_; }
  // Accounts with at least one endpoint in the switchboard, in order of arrival.
  AccountList roster() const { return roster_.accounts(); }
  // The switchboard's endpoints: an account and, from MSNP16 (MPOP), the
  // ";{GUID}" of the signed-in device ("" for a bare account).
  size_t endpoints() const { return roster_.endpoints(); }
  uint32_t anomalies(MsnpAnomaly a) const { return anomalies_[static_cast<size_t>(a)]; }
  size_t buffered() const { return sides_[0].buffered() + sides_[1].buffered(); }

 private:
  // One direction: its framer, whose callbacks it hands to the decoder.
  struct Side final : Framer<Side> {
    Side(MsnpDecoder& d, flow::Direction dir, const FramerLimits& limits)
        : Framer<Side>(limits), decoder(d), direction(dir) {}
    PayloadPlan plan_payload(const Command& cmd);
    void on_command(const Command& cmd, ByteView payload, Timestamp time);
    bool plausible(const Command& cmd);
    void on_framer_anomaly(MsnpAnomaly anomaly, uint64_t bytes, Timestamp time);

    MsnpDecoder& decoder;
    flow::Direction direction;
    bool raw = false;  // MSNFTP file blocks follow (after TFR): not framed
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
  void handle_invite(std::string_view sender, std::string_view body, Timestamp time,
                     flow::Direction direction);
  // decoder_files.cc: file content (§9, §10.2) and chunked messages (§8.5).
  struct FileOut;
  struct P2pFile {
    uint32_t session_id = 0;
    FileAssembly file;
    uint64_t v2_next = 0;  // v2 running offset while the file size is unknown
    std::string call_id;   // of the INVITE: a decline names it
    bool direct = false;   // a transresp moved its data to a direct connection
  };
  struct SlpPending {
    uint8_t direction = 0;
    uint32_t key = 0;  // v1 Identifier, v2 package number
    bool v2 = false;
    uint64_t total = 0;
    std::string text;
  };
  // Yahoo! interop (UUM/UBM): the one recipient named by the command line
  // instead of the switchboard roster, and the network id.
  struct Interop {
    std::string recipient;
    int network_id = 0;
  };
  void dispatch_msg(flow::Direction direction, std::string_view sender, std::string_view trid,
                    char ack_mode, const MimeMessage& mime, uint64_t size, Timestamp time,
                    const Interop* interop = nullptr);
  void handle_interop(flow::Direction direction, const Command& cmd, ByteView payload,
                      Timestamp time);
  bool handle_chunk(flow::Direction direction, std::string_view sender, const Command& cmd,
                    const MimeMessage& mime, uint64_t size, Timestamp time);
  void handle_p2p(std::string_view sender, const MimeMessage& mime, Timestamp time,
                  flow::Direction direction);
  void handle_slp(std::string_view sender, std::string_view text, bool v2, Timestamp time,
                  flow::Direction direction);
  void join_slp(std::string_view sender, uint32_t key, bool v2, uint64_t offset, uint64_t total,
                std::string_view data, Timestamp time, flow::Direction direction);
  // `file_hint`: flagged as file data; `object_hint`: flagged as MSN object
  // data (its purpose from the footer), "" otherwise.
  void p2p_data(std::string_view sender, uint32_t session, bool v2, uint64_t where, uint64_t total,
                bool file_hint, std::string_view object_hint, std::string_view data, Timestamp time,
                flow::Direction direction);
  // transreq/transresp bodies (§9.3): the P2pTransport event and the nonce
  // noted in MsnpSession for the direct connection.
  void handle_transport(std::string_view sender, std::string_view method, int status,
                        std::string_view call_id, std::string_view content_type,
                        std::string_view body, Timestamp time, flow::Direction direction);
  // A P2P v2 data packet whose transport sequence number was seen lately
  // from the same sender in the same direction: a retransmission.
  bool v2_duplicate(std::string_view sender, uint32_t base_id, size_t length,
                    flow::Direction direction);
  P2pFile* p2p_file(uint32_t session_id);
  P2pFile& p2p_open(uint32_t session_id, std::string_view transport, std::string_view sender,
                    std::string name, uint64_t size, Timestamp time, flow::Direction direction);
  void note_msnftp_offer(const FileInvitation& invite, Timestamp time);
  void on_raw(flow::Direction direction, ByteView bytes, Timestamp time);
  void raw_gap(uint64_t length, Timestamp time, flow::Direction direction);
  void finish_file(FileAssembly& file, std::string_view end, Timestamp time,
                   flow::Direction direction);
  void finish_all_files(std::string_view end, Timestamp time);
  void transfer_anomaly(TransferAnomaly::Kind kind, std::string_view id, uint64_t bytes,
                        Timestamp time, flow::Direction direction);
  void handle_error(const Command& cmd, Timestamp time);
  // decoder_notices.cc: the TrID -> request map and command errors, SB
  // ACK/NAK, NOT/IPG/UUN/UBN/FQY, groups and contact properties, the NS
  // mail/OIM/system messages (MSNP.md §2.1, §5, §6, §7.2, §8.4, §14).
  void track_request(const Command& cmd, ByteView payload, Timestamp time);
  void answer_request(const Command& cmd);
  void command_error(const Command& cmd, int code, Timestamp time);
  void handle_delivery(const Command& cmd, Timestamp time);
  bool notice_keep(flow::Direction direction, const Command& cmd);
  bool handle_notice(flow::Direction direction, const Command& cmd, ByteView payload,
                     Timestamp time);
  bool handle_groups(flow::Direction direction, const Command& cmd, Timestamp time);
  void handle_hotmail(const MimeMessage& mime, Timestamp time);
  // MSNP21 SDG/NFY/PUT/DEL (msnp21.cc, MSNP.md §11).
  bool msnp21_keep(flow::Direction direction, const Command& cmd);
  void handle_msnp21(flow::Direction direction, const Command& cmd, ByteView payload,
                     Timestamp time);
  // SDG Message-Type Data / Signal/P2P: P2P over the NS (msnp21.cc).
  void handle_msnp21_p2p(flow::Direction direction, std::string_view sender,
                         const std::vector<std::string_view>& recipients, std::string_view type,
                         std::string_view routing, std::string_view content, std::string_view body,
                         Timestamp time);
  void handle_msnftp(flow::Direction direction, const Command& cmd, Timestamp time);
  bool content_wanted();
  void set_owner(std::string account) {
    owner_ = std::move(account);
    ++owner_changes_;
  }
  // The roster minus `sender` (valid until the next call or roster change).
  AccountList recipients_except(std::string_view sender);
  // roster_.add(), and the kRosterFull anomaly when it is full.
  void roster_add(std::string_view account, std::string_view device_id, Timestamp time);
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

  // Members in order of use by a chat message (MSG on a switchboard), so
  // the message path touches few of the object's cache lines: with 10k chats
  // open at once, each message finds its connection cold (bench/README.md).
  flow::StreamInfo info_;
  MsnpEventSink& sink_;
  MsnpSession* session_;
  const DecoderLimits& limits_;
  ConnectionType type_ = ConnectionType::kUnknown;
  bool logged_in_ = false;
  bool session_ended_ = false;  // OUT seen (either side)
  int version_ = 0;
  uint32_t owner_changes_ = 0;  // set_owner() calls so far
  // wants_content()'s answer, asked when owner_changes_ was content_owner_changes_
  // and the sink's content_generation() was content_generation_.
  std::optional<bool> content_;
  uint32_t content_owner_changes_ = 0;
  uint64_t content_generation_ = 0;
  // While an SDG's P2P is handled: its recipients, which recipients_except()
  // returns instead of the (switchboard-only) roster.
  const std::vector<std::string_view>* sdg_recipients_ = nullptr;
  // Assigned only through set_owner(), which content_wanted() relies on.
  std::string owner_;
  std::array<Side, 2> sides_;
  Roster roster_;  // SB endpoints, stored inside the decoder for a few members
  std::array<uint32_t, static_cast<size_t>(MsnpAnomaly::kCount)> anomalies_{};  // saturating
  std::string owner_device_;  // SB: the owner's own MPOP device id, "" if none
  // A login (NS USR) or a switchboard entry (SB USR/ANS) until it is
  // answered: what the answer, or an error, reports. The fields share one
  // string, emptied and freed with the answer: a chat needs them for its
  // first exchange only, and then as one heap block, not one per field.
  class Request {
   public:
    enum Field : uint8_t {
      kTrid,
      kAuthScheme,  // NS: USR trid scheme I account
      kAccount,     // normal form
      kDeviceId,    // SB: the account's ";{GUID}", if any
      kCookie,      // SB: USR/ANS
      kSessionId,   // SB: ANS
      kFields
    };
    // "" when not set. Valid until the next set() or clear().
    std::string_view get(Field field) const;
    // Values are cut at kMaxField bytes (an account is at most 254 bytes,
    // a cookie a few dozen), which keeps the bounds in 16 bits.
    void set(Field field, std::string_view value);
    // A new request: `values` for the first fields in order, the rest "".
    // One allocation for them all (set() one by one would grow the string).
    // `values` must not view the request itself.
    void assign(std::initializer_list<std::string_view> values);
    void clear() {
      std::string().swap(text_);  // frees the block (assigning "" would keep it)
      ends_ = {};
    }
    static constexpr size_t kMaxField = 4096;

   private:
    std::string text_;
    std::array<uint16_t, kFields> ends_{};  // field i is text_[ends_[i-1], ends_[i])
  };
  Request request_;
  std::vector<PendingCall> pending_calls_;
  struct MsnftpOffer {
    std::string cookie, name;  // Invitation-Cookie, Application-File
    uint64_t size = 0;         // Application-FileSize
    std::string sender;        // inviter
  };
  // Recent P2P v2 data packets (sender, direction, sequence, length): a
  // small ring, enough to spot a retransmission of the last few packets.
  struct V2Seen {
    size_t sender = 0;  // hash of the sender account
    uint32_t base_id = 0;
    uint32_t length = 0;
    uint8_t direction = 0;
    bool used = false;
  };
  // Outstanding client requests by TrID (decoder_notices.cc): fixed-size
  // entries, freed entries reused, at most max_requests.
  struct PendingRequest {
    bool used = false;
    uint32_t trid = 0;
    std::array<char, 3> command{};
    uint8_t key_size = 0;
    std::array<char, 64> key{};  // longer keys are cut
  };
  // State only some connections need lives behind pointers, allocated on
  // first use: a plain switchboard chat (most MSN flows) then carries none
  // of it. Per-connection size is what the decoder costs at 100k flows
  // (bench/README.md, decoder cost).
  //
  // Notification-server state (decoder_ns.cc, decoder_notices.cc, msnp21.cc).
  struct NsState {
    std::string offered_versions;                         // the client's VER list
    std::string client_name, client_version, os, locale;  // from CVR
    std::vector<PendingRequest> requests;
    size_t requests_next = 0;  // the entry replaced next when all are in use
    std::string last_listed;   // the contact of the last LST: a BPR after it is about it
    // MSNP21 temporary groups (address, members seen), bounded in msnp21.cc.
    std::vector<std::pair<std::string, std::vector<std::string>>> groups;
  };
  // File transfers, P2P sessions and chunked messages (decoder_files.cc).
  struct Transfers {
    // MSNFTP transfer connection: FIL size, the file and the block parser.
    uint64_t msnftp_size = 0;
    std::string msnftp_cookie;
    std::optional<FileAssembly> msnftp_file;
    uint8_t block_head[3] = {};
    uint8_t block_head_have = 0;
    uint32_t block_left = 0;
    bool blocks_stopped = false;             // cancel block, bad flag or lost framing
    std::vector<MsnftpOffer> msnftp_offers;  // SB: INVITEs awaiting the AuthCookie
    std::vector<P2pFile> p2p_files;
    std::array<V2Seen, 16> v2_seen{};
    size_t v2_seen_next = 0;
    std::vector<SlpPending> slp_pending;
    std::vector<ChunkedMessage> chunked;
  };
  NsState& ns() {
    if (!ns_) ns_ = std::make_unique<NsState>();
    return *ns_;
  }
  Transfers& transfers() {
    if (!transfers_) transfers_ = std::make_unique<Transfers>();
    return *transfers_;
  }
  std::unique_ptr<NsState> ns_;
  std::unique_ptr<Transfers> transfers_;
};

}  // namespace rcds::proto::msnp
