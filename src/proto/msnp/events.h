// The typed events of the MSNP decoder: what the interception layer learns
// from an MSN Messenger connection. Each event is a plain struct; an
// MsnpEvent pairs one of them with the context every event shares.
//
// Accounts are normalised (MSNP.md §2.3: lower case, without "N:" prefix or
// ";{GUID}" suffix). Strings are owned by the event except where a field is
// a std::string_view: those point into the decoder's buffers and are valid
// only during MsnpEventSink::on_event (copy what you keep).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "flow/stream.h"
#include "proto/msnp/command.h"
#include "proto/msnp/framer.h"
#include "util/address.h"
#include "util/timestamp.h"

namespace rcds::proto::msnp {

// Shared by every event.
struct EventContext {
  Timestamp time;        // capture time of the packet that completed the command
  uint64_t flow_id = 0;  // the connection (flow::StreamInfo::flow_id)
  Endpoint client;       // connection's client side (initiator)
  Endpoint server;       // connection's server side
  ConnectionType connection = ConnectionType::kUnknown;  // type known when the event was built
  flow::Direction direction = flow::Direction::kClientToServer;  // of the command behind it
  // Account this connection belongs to (NS: USR; SB: USR/ANS), "" if unknown.
  // A view of the decoder's state, valid during on_event only (view!).
  std::string_view owner;
  int version = 0;  // MSNP version negotiated by VER (0 = not seen; SBs never carry one)
  // HTTP gateway (MSNP.md §12): the stable part of the tunnel's SessionID
  // ("" = direct TCP) and the MSNP server named by the open request's IP=.
  // client/server above are then the HTTP connection's endpoints.
  bool tunnelled = false;
  std::string gateway_session = {};
  std::string tunnel_server = {};
};

// Client → NS/DS `USR trid <scheme> I <account>` (MSNP.md §4): someone tries to log in.
struct LoginAttempt {
  std::string account;           // claimed account
  std::string auth_scheme;       // "TWN", "SSO", "MD5", ...
  std::string offered_versions;  // the client's VER list, e.g. "MSNP8 CVR0"
  std::string client_name;       // from CVR: e.g. "MSNMSGR" ("" when no CVR was seen)
  std::string client_version;    // from CVR: e.g. "6.0.0602"
  std::string os;                // from CVR: e.g. "winnt 5.1 i386"
  std::string locale;            // from CVR: e.g. "0x0409"
};

// Server → client `USR trid OK <account> ...` or an error answering USR (§4, §14).
struct LoginResult {
  bool success = false;
  std::string account;        // authenticated (success) or claimed (failure) account
  std::string friendly_name;  // URL-decoded UTF-8 (MSNP8-9 NS, and SB USR OK), "" if none
  std::string auth_scheme;    // scheme of the attempt, "" on a switchboard
  int error_code = 0;         // the 3-digit error on failure (911 = bad credentials)
};

// The DS sent the client on to a notification server (`XFR trid NS addr`).
struct Redirect {
  std::string account;  // who is being redirected ("" if USR was not seen)
  std::string target;   // "ip:port" of the notification server
};

// The session behind a connection ended.
struct Logout {
  enum class Reason : uint8_t {
    kClientOut,         // the client sent OUT
    kOtherLocation,     // server OUT OTH: signed in elsewhere
    kServerShutdown,    // server OUT SSD
    kServerOut,         // server OUT with another or no reason
    kConnectionClosed,  // FIN without OUT
    kConnectionLost,    // RST, timeout, eviction or capture end without OUT
  };
  std::string account;  // the connection owner
  Reason reason = Reason::kConnectionClosed;
};
std::string_view name_of(Logout::Reason reason);

// Presence of the owner (CHG) or of a contact (ILN, NLN, FLN), §5.
struct Presence {
  std::string account;        // whose presence; the owner for CHG
  std::string status;         // NLN BSY IDL BRB AWY PHN LUN HDN FLN
  std::string friendly_name;  // URL-decoded, "" when the command has none
  std::string client_id;      // capability mask as written ("268435492", "2789003324:48")
  bool self = false;          // true for the owner's own CHG
};

// Personal message / friendly name published by the owner (UUX, PRP MFN,
// REA) or received about a contact (UBX), §5.
struct PersonalMessage {
  std::string account;        // whose
  std::string text;           // <PSM> text (URL/XML escapes left as sent); "" when not a PSM
  std::string friendly_name;  // new friendly name for PRP MFN / REA, "" otherwise
};

// Contact-list snapshot entries and changes, §6.
struct ContactChange {
  enum class Op : uint8_t {
    kListed,   // LST during SYN (snapshot)
    kAdded,    // client ADD/ADC/ADL, or its server echo
    kRemoved,  // REM/RML
    kAddedBy,  // server-pushed reverse-list add: someone added the owner
  };
  Op op = Op::kListed;
  std::string contact;        // the contact's account
  std::string friendly_name;  // URL-decoded, "" if none
  std::string lists;          // list name ("FL", "AL", "BL", "RL") or list bit mask ("11")
};
std::string_view name_of(ContactChange::Op op);

// NS `XFR trid SB addr CKI cookie` (§7.1): the owner may now open a switchboard.
struct SwitchboardReferral {
  std::string account;  // the owner who asked
  std::string address;  // "ip:port" of the switchboard
  std::string cookie;   // the single-use CKI cookie its USR will present
};

// NS `RNG sessionid addr CKI cookie inviter friendly` (§7.1): the owner is
// invited into a switchboard session.
struct SwitchboardInvitation {
  std::string invitee;  // the owner of the NS connection ("" if unknown)
  std::string inviter;
  std::string inviter_friendly_name;
  std::string address;     // "ip:port" of the switchboard
  std::string cookie;      // what the invitee's ANS will present
  std::string session_id;  // equals the inviter's CAL ... RINGING session id
};

// SB `CAL trid invitee` answered by `CAL trid RINGING sessionid` or an error.
struct SwitchboardCall {
  std::string inviter;  // the connection owner
  std::string invitee;
  std::string session_id;  // "" on error
  int error_code = 0;      // 217 = invitee offline, ...; 0 = ringing
};

// A participant is in the switchboard: the owner itself (USR OK / ANS OK),
// a member already there (IRO) or a newcomer (JOI).
struct ParticipantJoined {
  enum class How : uint8_t { kCaller, kAnswered, kAlreadyPresent, kJoined };
  How how = How::kJoined;
  std::string account;
  std::string device_id;  // MPOP ";{GUID}" when present (ANS OK: from the ANS request)
  std::string friendly_name;
  std::string cookie;      // USR/ANS only: the cookie presented
  std::string session_id;  // ANS only
  // Correlation (USR/ANS only): the NS connection whose XFR/RNG handed out
  // the cookie, if this worker saw it; 0 otherwise.
  uint64_t ns_flow_id = 0;
  Endpoint ns_client;               // that NS connection's client address
  std::vector<std::string> roster;  // member accounts after the change (owner included),
                                    // each once however many endpoints it has
};
std::string_view name_of(ParticipantJoined::How how);

// A participant left: BYE from the server, the owner's OUT, or the
// connection closing.
struct ParticipantLeft {
  std::string account;
  std::string reason;               // "bye", "bye-idle" (BYE acct 1), "out", "closed"
  std::vector<std::string> roster;  // members after the change: an account stays while
                                    // any of its MPOP endpoints is in the switchboard
  std::string device_id = {};       // MPOP ";{GUID}" of the endpoint that left, "" if none
};

// An instant message (text/plain, §8.1): SB MSG, MSNP21 SDG, or a Yahoo!
// interop UUM (owner → peer) / UBM (peer → owner) on the NS.
struct InstantMessage {
  std::string sender;
  std::vector<std::string> recipients;  // roster minus sender (SDG: To, or group members seen)
  std::string_view text;                // UTF-8 body as sent (view!)
  std::string_view format;              // X-MMS-IM-Format value, "" if absent (view!)
  std::string_view message_id;          // Message-ID header for chunked messages (view!)
  uint32_t chunk = 0;                   // Chunk: n (0 = first or unchunked)
  uint32_t chunks = 0;                  // Chunks: N on the first chunk, else 0
  std::string trid;                     // client MSG TrID ("" when relayed by the server)
  char ack_mode = 0;                    // U N A D for client MSG, 0 when relayed
  uint64_t size = 0;                    // payload bytes
  std::string conversation = {};        // MSNP21 group ("10:{guid}@live.com"), "" if 1:1
  int network_id = 0;                   // UUM/UBM: the peer's network (32 Yahoo!), else 0
};

// Typing notification (text/x-msmsgscontrol, §8.2).
struct Typing {
  std::string sender;  // TypingUser header (else the MSG sender)
  std::vector<std::string> recipients;
  // MSNP21 group address ("10:{guid}@live.com"), "" otherwise.
  std::string conversation = {};
  int network_id = 0;  // UUM/UBM: the peer's network (32 Yahoo!), else 0
};

// Datacast (text/x-msnmsgr-datacast, §8.3): 1 nudge, 2 wink, 3 voice clip, 4 action.
struct Datacast {
  std::string sender;
  std::vector<std::string> recipients;
  int id = 0;
  std::string_view data;  // the Data: value (msnobj or action text), view!
  // MSNP21 group address ("10:{guid}@live.com"), "" otherwise.
  std::string conversation = {};
  int network_id = 0;  // UUM/UBM: the peer's network (32 Yahoo!), else 0
};

// An MSNFTP (or other text/x-msmsgsinvite) invitation message, §10.1.
struct FileInvitation {
  std::string sender;
  std::vector<std::string> recipients;
  std::string command;  // INVITE, ACCEPT, CANCEL
  std::string cookie;   // Invitation-Cookie: ties the messages of one invitation
  std::string application_name;
  std::string application_guid;
  std::string file_name;   // Application-File (INVITE)
  uint64_t file_size = 0;  // Application-FileSize (INVITE)
  std::string ip_address;  // IP-Address advertised by the listening side
  std::string ip_address_internal;
  uint16_t port = 0;
  std::string auth_cookie;
  std::string cancel_code;  // REJECT, TIMEOUT, ...
};

// An MSNSLP message of a P2P session carried in a switchboard MSG
// (application/x-msnmsgrp2p with a v1 header, §9): offers (INVITE), answers
// (200 OK, 603 Decline) and ends (BYE). Only single-chunk SLP messages are
// decoded; data chunks (the file or object bytes) are not.
struct P2pSignal {
  std::string sender;
  std::vector<std::string> recipients;
  std::string method;      // INVITE, BYE, ... ("" for responses)
  int status = 0;          // 200, 603, ... for responses, 0 for requests
  std::string to;          // SLP To: account
  std::string from;        // SLP From: account
  std::string call_id;     // Call-ID: ties INVITE, answer and BYE together
  std::string session_id;  // SessionID: of the P2P session ("" when absent)
  std::string euf_guid;    // purpose: {5D3E02AB-...} file transfer, {A4268EEC-...} MSN object
  std::string app_id;      // AppID: (2 = file transfer)
  std::string file_name;   // from the file-transfer Context, UTF-8; "" otherwise
  uint64_t file_size = 0;  // from the file-transfer Context
};

// NS login profile (`MSG Hotmail Hotmail` text/x-msmsgsprofile, §4.2).
struct LoginProfile {
  std::string account;    // owner
  std::string client_ip;  // ClientIP as seen by the server
  std::string client_port;
  std::string login_time;  // LoginTime (unix seconds)
  std::string country;
};

// A step of an MSNFTP transfer connection (§10.2); the file bytes are not
// decoded yet. `auth_cookie` matches the AuthCookie of a FileInvitation.
struct MsnftpTransfer {
  enum class Stage : uint8_t {
    kAuth,    // receiver's USR <account> <AuthCookie>
    kSize,    // sender's FIL <size>
    kEnd,     // receiver's BYE <code> (16777989 = received OK)
    kCancel,  // CCL
  };
  Stage stage = Stage::kAuth;
  std::string account;      // receiver (kAuth)
  std::string auth_cookie;  // kAuth
  uint64_t file_size = 0;   // kSize
  uint64_t code = 0;        // kEnd
};
std::string_view name_of(MsnftpTransfer::Stage stage);

// A piece of a reconstructed file, in file order (MSNFTP blocks §10.2, P2P
// data messages §9.1/§9.2). Only emitted when the sink wants content; the
// views are valid during on_event only.
struct FileData {
  std::string_view transport;    // "msnftp", "p2p_v1", "p2p_v2"
  std::string_view transfer_id;  // MSNFTP AuthCookie, P2P SessionID (view!)
  std::string_view sender;       // account sending the file, "" if unknown (view!)
  std::string_view file_name;    // "" when unknown on this connection (view!)
  uint64_t offset = 0;           // of bytes[0] in the file
  std::string_view bytes;        // file content (view!)
};

// The end of a reconstructed file: what arrived and its SHA-256.
struct FileComplete {
  std::string transport;    // as FileData
  std::string transfer_id;  // as FileData
  std::string sender;
  std::string file_name;
  uint64_t declared_size = 0;  // FIL / Context / P2P TotalSize, 0 if unknown
  uint64_t received = 0;       // bytes delivered in order (duplicates not counted)
  uint64_t missing = 0;        // bytes lost in holes (gaps, chunks never seen)
  bool complete = false;       // every declared byte received, no hole
  std::string sha256;          // hex of the received bytes in order; "" without content
  std::string end;             // "data" (all bytes seen), "bye", "cancel", "slp_bye", "closed"
};

// A problem with a file or chunked message; facts about the input, not fatal.
struct TransferAnomaly {
  enum class Kind : uint8_t {
    kOverlap,         // a piece repeats bytes already delivered (dropped)
    kHole,            // bytes never seen; the file continues after them
    kTooManyFiles,    // per-connection transfer table full; oldest dropped
    kBadBlock,        // MSNFTP block with an unknown flag: rest of the stream ignored
    kSlpDropped,      // a multi-chunk SLP message could not be joined
    kChunkedDropped,  // a chunked MSG (§8.5) could not be joined
  };
  Kind kind = Kind::kHole;
  std::string transfer_id;  // file transfer id or Message-ID
  uint64_t bytes = 0;       // bytes involved
};
std::string_view name_of(TransferAnomaly::Kind kind);

// A decoder anomaly on this connection.
struct DecoderAnomaly {
  MsnpAnomaly kind = MsnpAnomaly::kBadLine;
  uint64_t bytes = 0;  // bytes involved (skipped, missing, declared length)
};

using EventBody =
    std::variant<LoginAttempt, LoginResult, Redirect, Logout, Presence, PersonalMessage,
                 ContactChange, SwitchboardReferral, SwitchboardInvitation, SwitchboardCall,
                 ParticipantJoined, ParticipantLeft, InstantMessage, Typing, Datacast,
                 FileInvitation, P2pSignal, LoginProfile, MsnftpTransfer, DecoderAnomaly, FileData,
                 FileComplete, TransferAnomaly>;

// Stable event names ("login_attempt", "message", ...), indexed like EventBody.
std::string_view event_name(const EventBody& body);

struct MsnpEvent {
  EventContext context;
  EventBody body;
};

// Receives events, one virtual call per event.
class MsnpEventSink {
 public:
  MsnpEventSink() = default;
  MsnpEventSink(const MsnpEventSink&) = delete;  // generation_ may point at itself
  MsnpEventSink& operator=(const MsnpEventSink&) = delete;
  virtual ~MsnpEventSink() = default;
  virtual void on_event(const MsnpEvent& event) = 0;
  // Asked when a connection's owner becomes known ("" while unknown): false
  // means the decoder need not parse or copy message content on it (no
  // InstantMessage/Typing/Datacast/FileInvitation/PersonalMessage events);
  // identity events (login, roster, referrals) still flow.
  virtual bool wants_content(std::string_view owner, const flow::StreamInfo& info) {
    (void)owner;
    (void)info;
    return true;
  }
  // Decoders cache wants_content() per owner; when this value changes (a
  // warrant was activated, a target joined a switchboard) they ask again
  // before the next content-carrying command. Not virtual: read per command.
  uint64_t content_generation() const { return *generation_; }

 protected:
  void content_decisions_changed() { ++own_generation_; }
  // A sink that forwards to `outer` (a gateway tunnel) follows its generation.
  void follow_generation_of(const MsnpEventSink& outer) { generation_ = outer.generation_; }

 private:
  uint64_t own_generation_ = 0;
  const uint64_t* generation_ = &own_generation_;
};

}  // namespace rcds::proto::msnp
