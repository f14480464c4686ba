// MSNP command lines: a pure, bounds-checked parser (MSNP.md §2), the table
// of payload-carrying commands per version, direction and connection type
// (§2.1), and the identifier helpers (§2.3).
//
// Everything here works on views into the caller's buffer: parsing a line
// allocates nothing, so identity tracking of a non-target connection costs a
// scan of its bytes and no more.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "flow/stream.h"

namespace rcds::proto::msnp {

// What a connection is, decided from its first command (MSNP.md §1 table).
enum class ConnectionType : uint8_t {
  kUnknown,       // not decided yet (or mid-stream with nothing telling)
  kNotification,  // dispatch or notification server (VER MSNPx ...)
  kDispatch,      // a notification-type connection the server redirected with XFR NS
  kSwitchboard,   // SB, caller (USR account cookie) or invited side (ANS)
  kMsnftp,        // MSNFTP file-transfer connection (VER MSNFTP)
  kP2pDirect,     // direct P2P connection (TCPv1 bridge, §9.3): length-prefixed P2P packets
};
// "unknown", "ns", "ds", "sb", "msnftp", "p2p_direct"
std::string_view name_of(ConnectionType type);

// One parsed command line. Views point into the line given to
// parse_command() and are valid as long as that buffer is.
struct Command {
  static constexpr size_t kMaxParams = 24;

  std::string_view name;  // "MSG", "USR", or a three-digit error code "911"
  bool is_error = false;  // name is three digits
  // Every token after the name, TrID included when the command has one
  // (whether a token is a TrID depends on the command, see MSNP.md §2).
  std::array<std::string_view, kMaxParams> params{};
  uint8_t count = 0;         // tokens stored in params
  bool more_params = false;  // the line had more than kMaxParams tokens
  std::string_view last;     // the line's last token (may lie beyond params), "" if none

  std::string_view param(size_t i) const { return i < count ? params[i] : std::string_view{}; }
  bool is(std::string_view n) const { return name == n; }
};

// Parses `line` (without its line ending; a trailing CR and trailing or
// repeated spaces are tolerated). Returns false when the line does not have
// the shape of an MSNP command: the name must be three upper-case ASCII
// letters or three digits, followed by a space or the end of the line.
bool parse_command(std::string_view line, Command& out);

bool all_digits(std::string_view s);  // non-empty and only 0-9
// Parses a decimal of at most 19 digits; false otherwise.
bool parse_u64(std::string_view s, uint64_t& out);

// Whether `cmd` carries a payload on a connection of `type` speaking MSNP
// version `version` (0 = unknown: every version is allowed), sent in
// `direction`; if so its byte length is stored in `length` (MSNP.md §2.1:
// whitelisted command, last token all digits).
bool payload_length(const Command& cmd, flow::Direction direction, ConnectionType type, int version,
                    uint64_t& length);

// True when `cmd` is a command a server or client of that connection type
// sends (used to accept a line as a resynchronisation point, §2.2, and by
// the probe). Commands that have a TrID must have a numeric one.
bool plausible_command(const Command& cmd, flow::Direction direction, ConnectionType type);

// Whether `name` (three characters) is a command of the MSNP.md tables: the
// probe's cheap first test before it parses a line.
bool known_command(std::string_view name);

// Decodes %XX escapes (friendly names, group names, §2). Malformed escapes
// are kept as written; the result is the raw UTF-8 bytes.
std::string url_decode(std::string_view text);
// The same as a view: `text` itself when it has no escape (no copy), else
// the decoded bytes in `scratch`.
std::string_view url_decode(std::string_view text, std::string& scratch);

// An account as written on the wire, split per MSNP.md §2.3.
struct Account {
  std::string address;    // lower-cased e-mail address, without prefix or suffix
  std::string device_id;  // the "{GUID}" of an "account;{GUID}" endpoint suffix, or ""
  int network_id = 0;     // N of an "N:account" prefix (1 = Windows Live), 0 = none
};
Account normalize_account(std::string_view raw);
// The same parts as views, for an account used during one call (a member
// joining or leaving): `address` is `raw`'s own bytes when they are already
// lower case (the usual case, no copy), else the lower-cased copy in
// `scratch`; `device_id` is a view of `raw`.
struct AccountRef {
  std::string_view address;
  std::string_view device_id;
  int network_id = 0;
};
AccountRef split_account(std::string_view raw, std::string& scratch);
// Only the lower-cased address (the common case: no need for the other parts).
std::string normalize_address(std::string_view raw);

}  // namespace rcds::proto::msnp
