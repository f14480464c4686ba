#include "proto/msnp/command.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "util/swar.h"

namespace rcds::proto::msnp {

std::string_view name_of(ConnectionType type) {
  switch (type) {
    case ConnectionType::kUnknown:
      return "unknown";
    case ConnectionType::kNotification:
      return "ns";
    case ConnectionType::kDispatch:
      return "ds";
    case ConnectionType::kSwitchboard:
      return "sb";
    case ConnectionType::kMsnftp:
      return "msnftp";
    case ConnectionType::kP2pDirect:
      return "p2p_direct";
  }
  return "unknown";
}

namespace {

constexpr bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Where a command may appear and whether it carries a TrID (so a
// resynchronisation candidate can be checked strictly: a line of prose that
// happens to start with "BYE " is not accepted as "BYE <account>" unless its
// shape fits).
enum Flags : uint16_t {
  kNs = 1 << 0,          // notification / dispatch connection
  kSb = 1 << 1,          // switchboard
  kFtp = 1 << 2,         // MSNFTP transfer connection
  kC2S = 1 << 3,         // sent by clients
  kS2C = 1 << 4,         // sent by servers
  kTridC2S = 1 << 5,     // the client form starts with a numeric TrID
  kTridS2C = 1 << 6,     // the server form starts with a numeric TrID
  kPayloadC2S = 1 << 7,  // may carry a payload client to server (§2.1)
  kPayloadS2C = 1 << 8,  // may carry a payload server to client (§2.1)
};

struct Known {
  std::string_view name;
  uint16_t flags;
  uint8_t min_version;  // payload rule applies from this MSNP version on
};

constexpr uint16_t kBoth = kC2S | kS2C;
constexpr uint16_t kTrid = kTridC2S | kTridS2C;

// Sorted by name (for the reader; lookups go through kKnownSlots).
constexpr Known kKnown[] = {
    {"ACK", kSb | kS2C | kTridS2C, 0},
    {"ADC", kNs | kBoth | kTrid, 0},
    {"ADD", kNs | kBoth | kTrid, 0},
    {"ADG", kNs | kBoth | kTrid, 0},
    {"ADL", kNs | kBoth | kTrid | kPayloadC2S | kPayloadS2C, 13},
    {"ANS", kSb | kBoth | kTrid, 0},
    {"BLP", kNs | kBoth | kTridC2S, 0},
    {"BPR", kNs | kS2C, 0},
    {"BYE", kSb | kFtp | kBoth, 0},
    {"CAL", kSb | kBoth | kTrid, 0},
    {"CCL", kFtp | kBoth, 0},
    {"CHG", kNs | kBoth | kTrid, 0},
    {"CHL", kNs | kS2C | kTridS2C, 0},
    {"CVR", kNs | kBoth | kTrid, 0},
    {"DEL", kNs | kBoth | kTrid | kPayloadC2S, 21},
    {"FIL", kFtp | kBoth, 0},
    {"FLN", kNs | kS2C, 0},
    {"FQY", kNs | kBoth | kTrid | kPayloadC2S | kPayloadS2C, 13},
    {"GCF", kNs | kBoth | kTrid | kPayloadS2C, 11},
    {"GTC", kNs | kBoth | kTridC2S, 0},
    {"ILN", kNs | kS2C | kTridS2C, 0},
    {"INF", kNs | kBoth | kTrid, 0},
    {"IPG", kNs | kS2C | kPayloadS2C, 0},
    {"IRO", kSb | kS2C | kTridS2C, 0},
    {"JOI", kSb | kS2C, 0},
    {"LSG", kNs | kS2C, 0},
    {"LST", kNs | kBoth, 0},
    {"MSG", kNs | kSb | kBoth | kTridC2S | kPayloadC2S | kPayloadS2C, 0},
    {"NAK", kSb | kS2C | kTridS2C, 0},
    {"NFY", kNs | kS2C | kPayloadS2C, 21},
    {"NLN", kNs | kS2C, 0},
    {"NOT", kNs | kS2C | kPayloadS2C, 8},  // MSNP8+ (§2.1: lower bound unverified)
    {"OUT", kNs | kSb | kBoth, 0},
    {"PNG", kNs | kC2S, 0},
    {"PRP", kNs | kBoth, 0},
    {"PUT", kNs | kBoth | kTrid | kPayloadC2S | kPayloadS2C, 21},
    {"QNG", kNs | kS2C, 0},
    {"QRY", kNs | kBoth | kTrid | kPayloadC2S, 0},
    {"REA", kNs | kBoth | kTrid, 0},
    {"REG", kNs | kBoth | kTrid, 0},
    {"REM", kNs | kBoth | kTrid, 0},
    {"RMG", kNs | kBoth | kTrid, 0},
    {"RML", kNs | kBoth | kTrid | kPayloadC2S, 13},
    {"RNG", kNs | kS2C, 0},
    {"SBP", kNs | kBoth | kTrid, 0},
    {"SBS", kNs | kS2C | kTridS2C, 0},
    {"SDC", kNs | kBoth | kTrid | kPayloadC2S, 0},
    {"SDG", kNs | kBoth | kTrid | kPayloadC2S | kPayloadS2C, 21},
    {"SYN", kNs | kBoth | kTrid, 0},
    {"TFR", kFtp | kBoth, 0},
    {"UBM", kNs | kS2C | kPayloadS2C, 14},
    {"UBN", kNs | kS2C | kPayloadS2C, 13},
    {"UBX", kNs | kS2C | kPayloadS2C, 11},
    {"URL", kNs | kBoth | kTrid, 0},
    {"USR", kNs | kSb | kFtp | kBoth | kTrid, 0},
    {"UUM", kNs | kC2S | kTridC2S | kPayloadC2S, 14},
    {"UUN", kNs | kC2S | kTridC2S | kPayloadC2S, 13},
    {"UUX", kNs | kBoth | kTrid | kPayloadC2S, 11},
    {"VER", kNs | kFtp | kBoth | kTrid, 0},
    {"XFR", kNs | kBoth | kTrid, 0},
};

// Strictly sorted: no name twice.
static_assert(std::adjacent_find(std::begin(kKnown), std::end(kKnown),
                                 [](const Known& a, const Known& b) { return a.name >= b.name; }) ==
              std::end(kKnown));

// Command names packed into an integer and found in an open-addressing
// table built at compile time: the lookup runs on every command line and on
// every new flow's first bytes (the probe, mostly to reject "GET"), where a
// binary search over string_views cost ~300 instructions a call and one over
// packed keys ~80 (cachegrind, 100k-flow benchmark); a table probe is ~10.
constexpr uint32_t pack_name(std::string_view name) {
  return static_cast<uint32_t>(static_cast<uint8_t>(name[0])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(name[1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(name[2]));
}
static_assert(std::all_of(std::begin(kKnown), std::end(kKnown),
                          [](const Known& k) { return k.name.size() == 3; }));

constexpr size_t kSlotBits = 7;  // 128 slots for ~60 names: short probe runs
static_assert(std::size(kKnown) < (size_t{1} << kSlotBits) / 2);
constexpr size_t slot_of(uint32_t key) {
  return static_cast<size_t>((key * 2654435761u) >> (32 - kSlotBits));
}
struct KnownSlot {
  uint32_t key = 0;   // 0: empty (no name packs to 0)
  uint8_t index = 0;  // into kKnown
};
constexpr auto kKnownSlots = [] {
  std::array<KnownSlot, size_t{1} << kSlotBits> slots{};
  for (size_t i = 0; i < std::size(kKnown); ++i) {
    const uint32_t key = pack_name(kKnown[i].name);
    size_t at = slot_of(key);
    while (slots[at].key != 0) at = (at + 1) % slots.size();
    slots[at] = {key, static_cast<uint8_t>(i)};
  }
  return slots;
}();

const Known* find_known(std::string_view name) {
  if (name.size() != 3) return nullptr;
  const uint32_t key = pack_name(name);
  for (size_t at = slot_of(key);; at = (at + 1) % kKnownSlots.size()) {
    const KnownSlot& slot = kKnownSlots[at];
    if (slot.key == key) return &kKnown[slot.index];
    if (slot.key == 0) return nullptr;
  }
}

uint16_t type_mask(ConnectionType type) {
  switch (type) {
    case ConnectionType::kNotification:
    case ConnectionType::kDispatch:
      return kNs;
    case ConnectionType::kSwitchboard:
      return kSb;
    case ConnectionType::kMsnftp:
      return kFtp;
    case ConnectionType::kP2pDirect:
      return 0;  // binary packets: no command fits
    case ConnectionType::kUnknown:
      break;
  }
  return kNs | kSb | kFtp;
}

}  // namespace

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  // A lambda, not the function: std::all_of then inlines the test (given
  // the function it called it per byte, cachegrind).
  return std::all_of(s.begin(), s.end(), [](char c) { return is_digit(c); });
}

bool parse_u64(std::string_view s, uint64_t& out) {
  // One pass: checked and converted together (every payload length).
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  out = v;
  return true;
}

namespace {
bool parse_tokens(std::string_view line, Command& out) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  if (line.size() < 3) return false;
  const bool letters = is_upper(line[0]) && is_upper(line[1]) && is_upper(line[2]);
  const bool digits = is_digit(line[0]) && is_digit(line[1]) && is_digit(line[2]);
  if (!letters && !digits) return false;
  if (line.size() > 3 && line[3] != ' ') return false;
  out.name = line.substr(0, 3);
  out.is_error = digits;
  size_t pos = 3;
  while (pos < line.size()) {
    while (pos < line.size() && line[pos] == ' ') ++pos;
    if (pos >= line.size()) break;
    const size_t end = swar::find(line, pos, ' ');
    const std::string_view token = line.substr(pos, end - pos);
    if (out.count < Command::kMaxParams) {
      out.params[out.count++] = token;
    } else {
      out.more_params = true;
    }
    out.last = token;
    pos = end;
  }
  return true;
}
}  // namespace

bool parse_command(std::string_view line, Command& out) {
  // Reset without rewriting all of params (a fresh Command is all empty):
  // only the slots the previous parse filled are cleared, at the end.
  const uint8_t filled = out.count;
  out.name = {};
  out.is_error = false;
  out.count = 0;
  out.more_params = false;
  out.last = {};
  const bool parsed = parse_tokens(line, out);
  for (size_t i = out.count; i < filled; ++i) out.params[i] = {};
  return parsed;
}

bool payload_length(const Command& cmd, flow::Direction direction, ConnectionType type, int version,
                    uint64_t& length) {
  const bool c2s = direction == flow::Direction::kClientToServer;
  if (cmd.count == 0) return false;
  if (cmd.is_error) {
    // "nnn trid len" (MSNP13+ errors with an XML body); plain "nnn trid" has
    // its TrID as the last token and no payload.
    return !c2s && cmd.count == 2 && all_digits(cmd.params[0]) && type != ConnectionType::kMsnftp &&
           (version == 0 || version >= 13) && parse_u64(cmd.last, length);
  }
  // Every command line comes here, most without a payload: the length is
  // parsed last, once the command is known to carry one.
  const Known* known = find_known(cmd.name);
  if (known == nullptr || (known->flags & type_mask(type)) == 0) return false;
  if ((known->flags & (c2s ? kPayloadC2S : kPayloadS2C)) == 0) return false;
  // On a switchboard only MSG carries a payload.
  if (type == ConnectionType::kSwitchboard && !cmd.is("MSG")) return false;
  if (version != 0 && version < known->min_version) return false;
  // FQY is the one payload command with an upper bound (MSNP13-18, §2.1).
  if (cmd.is("FQY") && version > 18) return false;
  // The length is never the only token except in "NOT len" / "IPG len";
  // a server "QRY trid" or "UUX trid" ack must not read as a length.
  if (cmd.count < 2 && !(cmd.is("NOT") || cmd.is("IPG"))) return false;
  if (cmd.is("MSG") && cmd.count < 3) return false;
  if (cmd.is("QRY") && cmd.count < 3) return false;
  return parse_u64(cmd.last, length);
}

bool known_command(std::string_view name) { return find_known(name) != nullptr; }

bool plausible_command(const Command& cmd, flow::Direction direction, ConnectionType type) {
  const bool c2s = direction == flow::Direction::kClientToServer;
  if (cmd.is_error) return !c2s && cmd.count >= 1 && all_digits(cmd.params[0]);
  const Known* known = find_known(cmd.name);
  if (known == nullptr || (known->flags & type_mask(type)) == 0) return false;
  if ((known->flags & (c2s ? kC2S : kS2C)) == 0) return false;
  // Only keep-alives and a few bare verbs stand alone; "BYE" on its own line
  // is as likely to be prose as a command.
  if (cmd.count == 0 && !(cmd.is("PNG") || cmd.is("QNG") || cmd.is("OUT") || cmd.is("TFR"))) {
    return false;
  }
  // MSNFTP lines have no TrIDs.
  const bool ftp_only = type == ConnectionType::kMsnftp;
  if (!ftp_only && (known->flags & (c2s ? kTridC2S : kTridS2C)) != 0) {
    if (cmd.count == 0 || !all_digits(cmd.params[0])) return false;
  }
  uint64_t unused = 0;
  const bool may_carry = (known->flags & (c2s ? kPayloadC2S : kPayloadS2C)) != 0;
  if (cmd.is("MSG") && may_carry && !payload_length(cmd, direction, type, 0, unused)) return false;
  return true;
}

std::string url_decode(std::string_view text) {
  std::string out;
  const std::string_view decoded = url_decode(text, out);
  if (decoded.data() != out.data()) out.assign(decoded);
  return out;
}

std::string_view url_decode(std::string_view text, std::string& scratch) {
  if (text.find('%') == std::string_view::npos) return text;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  scratch.clear();
  scratch.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      scratch.push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      scratch.push_back(text[i]);
    }
  }
  return scratch;
}

namespace {
// Runs for every account on the wire (a relayed message's sender, each
// joining member): copied into the reused buffer, then lowered a word at a
// time (resize + a per-byte transform cost ~5x more, cachegrind).
void lower_into(std::string_view in, std::string& out) {
  out.assign(in);
  char* p = out.data();
  size_t i = 0;
  for (; i + 8 <= out.size(); i += 8) {
    const uint64_t word = swar::lower(swar::load(p + i));
    std::memcpy(p + i, &word, 8);
  }
  for (; i < out.size(); ++i)
    p[i] = static_cast<char>(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
}

bool has_upper(std::string_view text) {
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    const uint64_t word = swar::load(text.data() + i);
    if (swar::lower(word) != word) return true;
  }
  for (; i < text.size(); ++i) {
    if (text[i] >= 'A' && text[i] <= 'Z') return true;
  }
  return false;
}

// Splits "N:" off the front; returns the network id or 0. The colon of a
// prefix is within the first four bytes: no need to search the address.
int strip_network(std::string_view& raw) {
  size_t colon = 1;
  while (colon < 4 && colon < raw.size() && raw[colon] != ':') ++colon;
  if (colon >= 4 || colon >= raw.size()) return 0;
  uint64_t id = 0;
  if (!parse_u64(raw.substr(0, colon), id)) return 0;
  raw.remove_prefix(colon + 1);
  return static_cast<int>(id);
}
}  // namespace

AccountRef split_account(std::string_view raw, std::string& scratch) {
  AccountRef account;
  account.network_id = strip_network(raw);
  const size_t semi = raw.find(';');
  if (semi != std::string_view::npos) {
    std::string_view suffix = raw.substr(semi + 1);
    // MSNP21 writes ";epid={GUID}", MSNP16-18 ";{GUID}".
    if (suffix.substr(0, 5) == "epid=") suffix.remove_prefix(5);
    account.device_id = suffix;
    raw = raw.substr(0, semi);
  }
  if (has_upper(raw)) {
    lower_into(raw, scratch);
    account.address = scratch;
  } else {
    account.address = raw;
  }
  return account;
}

namespace {
// split_account(), with the address kept in `address`: a lowered address is
// there already, one in normal form is copied from the wire's bytes.
AccountRef split_account_into(std::string_view raw, std::string& address) {
  const AccountRef parts = split_account(raw, address);
  if (parts.address.data() != address.data()) address.assign(parts.address);
  return parts;
}
}  // namespace

Account normalize_account(std::string_view raw) {
  Account account;
  const AccountRef parts = split_account_into(raw, account.address);
  account.device_id = parts.device_id;
  account.network_id = parts.network_id;
  return account;
}

std::string normalize_address(std::string_view raw) {
  std::string out;
  split_account_into(raw, out);
  return out;
}

}  // namespace rcds::proto::msnp
