// The typed events of the MSNP decoder: what the interception layer learns
// from an MSN Messenger connection. Each event is a plain struct; an
// MsnpEvent pairs one of them with the context every event shares.
//
// Accounts are normalised (MSNP.md §2.3: lower case, without "N:" prefix or
// ";{GUID}" suffix). Strings are owned by the event except where a field is
// a std::string_view or an AccountList: those point into the decoder's
// buffers and are valid only during MsnpEventSink::on_event (copy what you
// keep). Views spare the allocations that copying a sender and a roster into
// every message would cost (bench/README.md, decoder cost).
#pragma once

#include <cstdint>
#include <span>
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

// Accounts named by an event: a switchboard roster, a message's recipients.
// A view of the decoder's state (view!): views of the accounts it holds, so
// that listing them copies no string.
using AccountList = std::span<const std::string_view>;

// Shared by every event.
struct EventContext {
  Timestamp time;        // capture time of the packet that completed the command
  uint64_t flow_id = 0;  // the connection (flow::StreamInfo::flow_id)
  Endpoint client;       // connection's client side (initiator)
  Endpoint server;       // connection's server side
  ConnectionType connection = ConnectionType::kUnknown;  // type known when the event was built
  flow::Direction direction = flow::Direction::kClientToServer;  // of the command behind it
  // Account this connection belongs to (NS: USR; SB: USR/ANS), "" if unknown.
  // Like every string of the context, a view valid during on_event only: the
  // context is built for every event, and views keep it free of allocation
  // and destruction code.
  std::string_view owner;
  int version = 0;  // MSNP version negotiated by VER (0 = not seen; SBs never carry one)
  // HTTP gateway (MSNP.md §12): the stable part of the tunnel's SessionID
  // ("" = direct TCP) and the MSNP server named by the open request's IP=.
  // client/server above are then the HTTP connection's endpoints.
  bool tunnelled = false;
  std::string_view gateway_session = {};
  std::string_view tunnel_server = {};
  // HTTP proxy headers of the tunnel's requests (§12 IRI), first seen per
  // tunnel: "Via: v; X-Forwarded-For: x; Forwarded: f" (those present, at
  // most 512 bytes), "" when none.
  std::string_view proxy = {};
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
  std::string_view account;
  std::string_view device_id;  // MPOP ";{GUID}" when present (ANS OK: from the ANS request)
  std::string_view friendly_name;
  std::string_view cookie;      // USR/ANS only: the cookie presented
  std::string_view session_id;  // ANS only
  // Correlation (USR/ANS only): the NS connection whose XFR/RNG handed out
  // the cookie, if this worker saw it; 0 otherwise.
  uint64_t ns_flow_id = 0;
  Endpoint ns_client;  // that NS connection's client address
  AccountList roster;  // member accounts after the change (owner included),
                       // each once however many endpoints it has
};
std::string_view name_of(ParticipantJoined::How how);

// A participant left: BYE from the server, the owner's OUT, or the
// connection closing.
struct ParticipantLeft {
  std::string_view account;
  std::string_view reason;          // "bye", "bye-idle" (BYE acct 1), "out", "closed"
  AccountList roster;               // members after the change: an account stays while
                                    // any of its MPOP endpoints is in the switchboard
  std::string_view device_id = {};  // MPOP ";{GUID}" of the endpoint that left, "" if none
};

// An instant message (text/plain, §8.1): SB MSG, MSNP21 SDG, or a Yahoo!
// interop UUM (owner → peer) / UBM (peer → owner) on the NS.
struct InstantMessage {
  std::string_view sender;
  AccountList recipients;              // roster minus sender (SDG: To, or group members seen)
  std::string_view text;               // UTF-8 body as sent (view!)
  std::string_view format;             // X-MMS-IM-Format value, "" if absent (view!)
  std::string_view message_id;         // Message-ID header for chunked messages (view!)
  uint32_t chunk = 0;                  // Chunk: n (0 = first or unchunked)
  uint32_t chunks = 0;                 // Chunks: N on the first chunk, else 0
  std::string_view trid;               // client MSG TrID ("" when relayed by the server)
  char ack_mode = 0;                   // U N A D for client MSG, 0 when relayed
  uint64_t size = 0;                   // payload bytes
  std::string_view conversation = {};  // MSNP21 group ("10:{guid}@live.com"), "" if 1:1
  int network_id = 0;                  // UUM/UBM: the peer's network (32 Yahoo!), else 0
};

// Typing notification (text/x-msmsgscontrol, §8.2).
struct Typing {
  std::string_view sender;  // TypingUser header (else the MSG sender)
  AccountList recipients;
  // MSNP21 group address ("10:{guid}@live.com"), "" otherwise.
  std::string_view conversation = {};
  int network_id = 0;  // UUM/UBM: the peer's network (32 Yahoo!), else 0
};

// Datacast (text/x-msnmsgr-datacast, §8.3): 1 nudge, 2 wink, 3 voice clip, 4 action.
struct Datacast {
  std::string_view sender;
  AccountList recipients;
  int id = 0;
  std::string_view data;  // the Data: value (msnobj or action text), view!
  // MSNP21 group address ("10:{guid}@live.com"), "" otherwise.
  std::string_view conversation = {};
  int network_id = 0;  // UUM/UBM: the peer's network (32 Yahoo!), else 0
};

// An MSNFTP (or other text/x-msmsgsinvite) invitation message, §10.1.
struct FileInvitation {
  std::string_view sender;
  AccountList recipients;
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
  std::string_view sender;
  AccountList recipients;
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
  // MSN object INVITE ({A4268EEC-...}): the <msnobj/> of its Context (IRI:
  // what is fetched, from whom); "" / 0 otherwise.
  std::string object_purpose = {};  // display_picture, emoticon, wink, voice_clip, object
  std::string object_creator = {};
  uint64_t object_size = 0;
  std::string object_sha1d = {};
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
  // What the bytes are: "file", or an MSN object from its msnobj Type
  // (§9.3): "display_picture", "emoticon", "wink", "voice_clip", "object".
  std::string_view purpose = "file";
};

// The end of a reconstructed file: what arrived and its SHA-256.
struct FileComplete {
  std::string transport;    // as FileData
  std::string transfer_id;  // as FileData
  std::string sender;
  std::string file_name;
  uint64_t declared_size = 0;    // FIL / Context / P2P TotalSize, 0 if unknown
  uint64_t received = 0;         // bytes delivered in order (duplicates not counted)
  uint64_t missing = 0;          // bytes lost in holes (gaps, chunks never seen)
  bool complete = false;         // every declared byte received, no hole
  std::string sha256;            // hex of the received bytes in order; "" without content
  std::string end;               // "data" (all bytes seen), "bye", "cancel", "slp_bye", "closed"
  std::string purpose = "file";  // as FileData
  // MSN objects (§9.3 EUF-GUID {A4268EEC-...}): the <msnobj/> descriptor of
  // the INVITE's Context, and whether its SHA1D is base64(SHA-1(received
  // bytes)). Empty/0/false for files and when the descriptor was not seen.
  std::string object_creator = {};
  int object_type = 0;       // msnobj Type: 2 emoticon, 3 display picture, 8 wink, 11 voice clip
  uint64_t object_size = 0;  // msnobj Size
  std::string object_sha1d = {};  // msnobj SHA1D (base64 SHA-1 of the data)
  std::string sha1_base64 = {};   // base64 SHA-1 of the received bytes ("" without content)
  bool sha1d_match = false;       // object_sha1d == sha1_base64 (content seen, descriptor known)
};

// A problem with a file or chunked message; facts about the input, not fatal.
struct TransferAnomaly {
  enum class Kind : uint8_t {
    kOverlap,            // a piece repeats bytes already delivered (dropped)
    kHole,               // bytes never seen; the file continues after them
    kTooManyFiles,       // per-connection transfer table full; oldest dropped
    kBadBlock,           // MSNFTP block with an unknown flag: rest of the stream ignored
    kSlpDropped,         // a multi-chunk SLP message could not be joined
    kChunkedDropped,     // a chunked MSG (§8.5) could not be joined
    kP2pPacketTooLarge,  // a direct-connection packet length beyond the bound: stream ignored
    kP2pDuplicate,       // a P2P v2 packet repeating a transport sequence number (dropped)
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

// An MSNSLP transreq/transresp (§9.3): one side proposes a direct TCP
// connection (application/x-msnmsgr-transreqbody) or answers where it
// listens (transrespbody). Identity data (advertised addresses, NAT): it is
// emitted whether or not content is wanted on the connection.
struct P2pTransport {
  std::string_view sender;
  AccountList recipients;
  std::string method;      // INVITE, ... ("" for responses)
  int status = 0;          // 200, ... for responses, 0 for requests
  std::string body_type;   // "transreq" or "transresp"
  std::string call_id;     // Call-ID: of the P2P session it belongs to
  std::string session_id;  // SessionID of that session when known on this connection, else ""
  std::string bridges;     // Bridges: "TCPv1", "TRUDPv1 TCPv1", ...
  std::string conn_type;   // Conn-Type: "Direct-Connect", "IP-Restrict-NAT", ...
  std::string net_id;      // NetID:
  std::string upnp_nat;    // UPnPNat: "true"/"false"
  std::string icf;         // ICF: "true"/"false"
  std::string listening;   // Listening: "true"/"false" (transresp)
  std::vector<std::string> external_addrs;  // IPv4External-Addrs (space-separated list)
  uint16_t external_port = 0;               // IPv4External-Port
  std::vector<std::string> internal_addrs;  // IPv4Internal-Addrs
  uint16_t internal_port = 0;               // IPv4Internal-Port
  std::string nonce;                        // Nonce: "{GUID}" (upper case)
  std::string hashed_nonce;                 // Hashed-Nonce: "{GUID}" of SHA-1(nonce bytes)
  bool reversed = false;                    // WLM 2009 sent reversed names (srddA-lanretxE4vPI)
};

// The nonce handshake opening a direct P2P connection (TCPv1 bridge, §9.3):
// a flags-0x100 packet whose 16 ack bytes carry the nonce GUID.
struct P2pDirectHandshake {
  std::string nonce;         // "{GUID}" as it would appear in Nonce:
  std::string hashed_nonce;  // "{GUID}" of SHA-1 of the 16 nonce bytes (Hashed-Nonce:)
  bool matched = false;      // a switchboard transreq/transresp on this worker named it
  uint64_t sb_flow_id = 0;   // that switchboard connection
  std::string session_id;    // the P2P session negotiated there ("" if unknown)
  std::string call_id;
  std::string sender;     // who sends the session's data (the INVITE's sender for files)
  std::string file_name;  // from the session's Context
};

// An error `nnn trid [len]` (§14) answering a client request other than the
// login's USR (LoginResult) and a switchboard CAL (SwitchboardCall). The
// request comes from the connection's TrID map (bounded, see DecoderLimits).
struct CommandError {
  std::string command;        // the request ("ADC", "XFR", ...); "" when it was not seen
  int code = 0;               // the three-digit error
  std::string key;            // the request's key parameter: an account (ADD/ADC/ADL/FQY/...),
                              // a group name or id (ADG/RMG/REG), else its first parameter
  std::string trid;           // as written on the wire
  uint64_t payload_size = 0;  // bytes of the XML payload (MSNP13+ `nnn trid len`), 0 if none
};

// SB `ACK trid` / `NAK trid` answering the client's `MSG trid A|N|D len`
// (§7.2): the server's delivery result for the owner's message.
struct DeliveryReport {
  std::string account;  // the connection owner (the message's sender)
  std::string trid;     // of the acknowledged MSG
  bool acked = false;   // ACK (delivered) or NAK (not delivered)
};

// NS `NOT len` (§2.1): an XML alert pushed by the server (MSN Alerts, site
// notices). Not user-authored: identity-level IRI, reported for every owner.
struct Alert {
  std::string account;           // the owner it was sent to
  std::string id;                // <NOTIFICATION id=...>
  std::string site_id;           // siteid=
  std::string site_url;          // siteurl=
  std::string action_url;        // <ACTION url=...>
  std::string subscription_url;  // <SUBSCR url=...>
  std::string alert_text;        // <TEXT>...</TEXT> as sent (XML escapes kept)
};

// NS `IPG len` (§2.1): a pager / mobile message to the owner. Content: the
// payload is parsed only when wanted; otherwise only its size is known.
struct PagerMessage {
  std::string_view sender;  // <FROM name=...> ("" when not parsed)
  AccountList recipients;   // the owner
  std::string_view text;    // <TEXT> as sent, "" unless wanted (view!)
  uint64_t size = 0;        // payload bytes
};

// NS `MSG Hotmail Hotmail` e-mail notifications (§8.4): Hotmail counters and
// new-mail headers. The subject is content-like: only when content is wanted.
struct MailNotification {
  enum class Kind : uint8_t {
    kInitial,   // text/x-msmsgsinitialemailnotification: Inbox-Unread, Folders-Unread
    kNew,       // text/x-msmsgsemailnotification: From, From-Addr, Subject, Dest-Folder
    kActivity,  // text/x-msmsgsactivemailnotification: Src-/Dest-Folder, Message-Delta
  };
  Kind kind = Kind::kInitial;
  std::string account;         // the owner
  std::string inbox_unread;    // Inbox-Unread (initial), "" if absent
  std::string folders_unread;  // Folders-Unread (initial)
  std::string from;            // From: display name (new mail)
  std::string from_address;    // From-Addr (new mail)
  std::string subject;         // Subject as sent (often RFC 2047), "" unless content wanted
  std::string dest_folder;     // Dest-Folder (new mail, activity)
  std::string src_folder;      // Src-Folder (activity)
  std::string message_delta;   // Message-Delta (activity)
};
std::string_view name_of(MailNotification::Kind kind);

// One offline IM waiting for the owner: an <M> of the `Mail-Data:` XML of a
// text/x-msmsgsinitialmdatanotification or text/x-msmsgsoimnotification
// (§8.4). The OIM body is fetched over HTTPS (not visible).
struct OfflineMessage {
  std::string_view sender;  // <E> (lower-cased)
  AccountList recipients;   // the owner
  std::string nick;         // <N> as sent (RFC 2047 encoded-word kept)
  std::string received;     // <RT> (time the server received it)
  std::string message_id;   // <I>
  std::string size;         // <SZ>, "" if absent
};

// NS application/x-msmsgssystemmessage (§8.4): e.g. Type 1 = the server goes
// down for maintenance in Arg1 minutes.
struct SystemMessage {
  std::string type;  // Type:
  std::string arg;   // Arg1:
};

// Contact groups (§6): LSG snapshot lines, and the server's answers to the
// owner's ADG (added), RMG (removed) and REG (renamed).
struct ContactGroup {
  enum class Op : uint8_t { kListed, kAdded, kRemoved, kRenamed };
  Op op = Op::kListed;
  std::string group_id;  // number (MSNP2-9) or GUID (MSNP10+)
  std::string name;      // URL-decoded, "" for a removal
};
std::string_view name_of(ContactGroup::Op op);

// Contact properties (§5, §6): phone numbers of contacts (BPR), of the owner
// (PRP PHH/PHW/PHM), and the owner's local renames of contacts (SBP).
struct ContactProperty {
  std::string account;     // whose: a contact's account, the owner for PRP; "" for SBP by GUID
  std::string contact_id;  // SBP: the contact GUID, "" otherwise
  std::string property;    // PHH PHW PHM MOB MBE MFN ...
  std::string value;       // URL-decoded
  bool self = false;       // the owner's own property (PRP)
  std::string via;         // "BPR", "PRP", "SBP"
};

// FQY (MSNP13-18, §2.1): a federated/network lookup of an account, by the
// client (query) or answered by the server with the account's network.
struct NetworkLookup {
  bool answer = false;  // server FQY
  std::string account;  // <c n> @ <d n>, lower-cased
  int network_id = 0;   // t= (1 Windows Live, 32 Yahoo!, ...), 0 if absent
};

// UUN (client → a contact) / UBN (a contact → client), MSNP13+ (§2.1): a
// notification payload between endpoints (e.g. shared-folder or P2P hints).
// The payload is content: only when wanted.
struct UserNotification {
  bool incoming = false;  // UBN
  std::string account;    // the peer: UUN target, UBN sender (lower-cased)
  std::string type;       // the command's type token
  uint64_t size = 0;      // payload bytes (known even when skipped)
  std::string_view data;  // the payload, "" unless content wanted (view!)
};

using EventBody =
    std::variant<LoginAttempt, LoginResult, Redirect, Logout, Presence, PersonalMessage,
                 ContactChange, SwitchboardReferral, SwitchboardInvitation, SwitchboardCall,
                 ParticipantJoined, ParticipantLeft, InstantMessage, Typing, Datacast,
                 FileInvitation, P2pSignal, LoginProfile, MsnftpTransfer, DecoderAnomaly, FileData,
                 FileComplete, TransferAnomaly, P2pTransport, P2pDirectHandshake, CommandError,
                 DeliveryReport, Alert, PagerMessage, MailNotification, OfflineMessage,
                 SystemMessage, ContactGroup, ContactProperty, NetworkLookup, UserNotification>;

// Stable event names ("login_attempt", "message", ...), indexed like EventBody.
std::string_view event_name(const EventBody& body);

struct MsnpEvent {
  EventContext context;
  EventBody body;
};

// flow::StreamInfo::protocol of direct P2P connections (p2p_direct.h): a
// sink asked wants_content() for one whose owner is unknown knows that its
// nonce matched no switchboard negotiation.
inline constexpr std::string_view kP2pDirectProtocol = "msnp_p2p";

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
