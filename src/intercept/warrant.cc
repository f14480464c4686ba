#include "intercept/warrant.h"

#include <charconv>

#include "intercept/structured_text.h"

namespace rcds::intercept {

std::string_view name_of(TargetKind kind) {
  switch (kind) {
    case TargetKind::kMsnAccount:
      return "msn";
    case TargetKind::kIpAddress:
      return "ip";
    case TargetKind::kIpPrefix:
      return "ip-prefix";
    case TargetKind::kEmail:
      return "email";
    case TargetKind::kSipUri:
      return "sip";
    case TargetKind::kXmppJid:
      return "xmpp";
  }
  return "?";
}

std::string_view name_of(CollectScope scope) {
  switch (scope) {
    case CollectScope::kIriOnly:
      return "iri";
    case CollectScope::kIriAndCc:
      return "iri+cc";
  }
  return "?";
}

std::string TargetId::to_string() const {
  // Both IP kinds share the "ip:" prefix in text; the '/' tells them apart.
  const bool ip = kind == TargetKind::kIpAddress || kind == TargetKind::kIpPrefix;
  std::string s(ip ? std::string_view("ip") : name_of(kind));
  s += ':';
  s += value;
  return s;
}

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Control characters and spaces never belong inside an identifier.
bool is_forbidden(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f;
}

char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool fail(std::string& error, std::string_view text, std::string_view reason) {
  error = "target " + in_quotes(text) + ": " + std::string(reason);
  return false;
}

// "user@domain" identifiers (msn, email, sip, xmpp). A bare domain is
// rejected on purpose: it would target a whole service, not a subscriber.
bool check_account(std::string_view text, std::string_view value, std::string& error) {
  const size_t at = value.find('@');
  if (at == std::string_view::npos) return fail(error, text, "expected user@domain (no '@')");
  if (at == 0) return fail(error, text, "empty user part before '@'");
  if (at + 1 == value.size()) return fail(error, text, "empty domain after '@'");
  if (value.find('@', at + 1) != std::string_view::npos)
    return fail(error, text, "more than one '@'");
  return true;
}

bool parse_ip(std::string_view text, std::string_view value, TargetId& out, std::string& error) {
  const size_t slash = value.find('/');
  const std::string address_text(value.substr(0, slash));
  IpAddress address;
  if (!IpAddress::parse(address_text, address)) {
    return fail(error, text, "not an IPv4 or IPv6 address: " + in_quotes(address_text));
  }
  const unsigned max_bits = address.version == 4 ? 32 : 128;
  unsigned bits = max_bits;
  if (slash != std::string_view::npos) {
    const std::string_view len = value.substr(slash + 1);
    const char* end = len.data() + len.size();
    auto [ptr, ec] = std::from_chars(len.data(), end, bits);
    if (len.empty() || len.size() > 3 || ec != std::errc() || ptr != end) {
      return fail(error, text, "prefix length " + in_quotes(len) + " is not a number");
    }
    if (bits > max_bits) {
      return fail(error, text,
                  "prefix length /" + std::to_string(bits) + " out of range for IPv" +
                      std::to_string(address.version) + " (1.." + std::to_string(max_bits) + ")");
    }
    if (bits == 0) {
      return fail(error, text, "prefix length /0 matches every address; not a target");
    }
  }
  // Host bits: the address bits past the prefix must all be zero.
  const unsigned offset = address.version == 4 ? 96 : 0;
  IpAddress network = address;
  for (unsigned i = bits; i < max_bits; ++i) {
    const unsigned bit = offset + i;
    network.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  }
  if (!(network == address)) {
    error = in_quotes(text) + " has host bits set beyond /" + std::to_string(bits) +
            " (the network is ip:" + network.to_string() + "/" + std::to_string(bits) + ")";
    return false;
  }
  out.address = network;
  out.prefix_bits = static_cast<uint8_t>(bits);
  if (bits == max_bits) {
    out.kind = TargetKind::kIpAddress;
    out.value = network.to_string();
  } else {
    out.kind = TargetKind::kIpPrefix;
    out.value = network.to_string() + "/" + std::to_string(bits);
  }
  return true;
}

}  // namespace

bool TargetId::parse(std::string_view text, TargetId& out, std::string& error) {
  std::string_view trimmed = text;
  while (!trimmed.empty() && is_space(trimmed.front())) trimmed.remove_prefix(1);
  while (!trimmed.empty() && is_space(trimmed.back())) trimmed.remove_suffix(1);
  if (trimmed.empty()) return fail(error, text, "empty target");

  std::string lower(trimmed);
  for (char& c : lower) c = to_lower(c);
  for (char c : lower) {
    if (is_forbidden(c)) return fail(error, text, "space or control character inside the target");
  }
  const size_t colon = lower.find(':');
  if (colon == std::string::npos) {
    return fail(error, text, "expected kind:value (kinds: msn, ip, email, sip, xmpp)");
  }
  const std::string_view kind = std::string_view(lower).substr(0, colon);
  const std::string_view value = std::string_view(lower).substr(colon + 1);
  if (value.empty()) return fail(error, text, "empty value after '" + std::string(kind) + ":'");

  TargetId result;
  if (kind == "ip") {
    if (!parse_ip(text, value, result, error)) return false;
    out = std::move(result);
    return true;
  }
  if (kind == "msn") {
    result.kind = TargetKind::kMsnAccount;
  } else if (kind == "email") {
    result.kind = TargetKind::kEmail;
  } else if (kind == "sip") {
    result.kind = TargetKind::kSipUri;
  } else if (kind == "xmpp") {
    result.kind = TargetKind::kXmppJid;
  } else {
    return fail(error, text,
                "unknown kind " + in_quotes(kind) + " (kinds: msn, ip, email, sip, xmpp)");
  }
  if (!check_account(text, value, error)) return false;
  result.value = std::string(value);
  out = std::move(result);
  return true;
}

}  // namespace rcds::intercept
