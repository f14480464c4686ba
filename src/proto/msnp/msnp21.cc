// MSNP21 messaging and presence on the notification connection (MSNP.md
// §11): SDG carries instant messages, typing, nudges and P2P (signalling and
// file data, handed to the switchboard's P2P code); NFY PUT/DEL and the
// client's PUT carry presence, friendly names and personal messages.
#include "proto/msnp/msnp21.h"

#include <algorithm>
#include <array>

#include "proto/msnp/decoder.h"
#include "proto/msnp/mime.h"
#include "proto/msnp/slp.h"

namespace rcds::proto::msnp {

using flow::Direction;

namespace {

// Temporary groups tracked per connection; beyond this the oldest goes.
constexpr size_t kMaxGroups = 16;

// Splits off one header block; false when there is no blank line within
// the bound (a header block must end before kMaxMsnp21Block bytes).
bool next_block(std::string_view& rest, std::string_view& block) {
  MimeMessage split;
  if (!split_mime(rest, split) || split.headers.size() > kMaxMsnp21Block) return false;
  block = split.headers;
  rest = split.body;
  return true;
}

}  // namespace

bool parse_msnp21(std::string_view payload, Msnp21Payload& out) {
  out = Msnp21Payload{};
  std::string_view rest = payload;
  if (!next_block(rest, out.routing) || !next_block(rest, out.reliability) ||
      !next_block(rest, out.content)) {
    return false;
  }
  out.to = header_value(out.routing, "To");
  out.from = header_value(out.routing, "From");
  out.message_type = header_value(out.content, "Message-Type");
  out.content_type = media_type(header_value(out.content, "Content-Type"));
  // The body is what Content-Length says, never more than the payload holds;
  // without the header the rest of the payload is the body.
  uint64_t length = rest.size();
  const std::string_view declared = header_value(out.content, "Content-Length");
  if (!declared.empty() && parse_u64(declared, length) && length > rest.size()) {
    out.body_truncated = true;
    length = rest.size();
  }
  out.body = rest.substr(0, static_cast<size_t>(length));
  return true;
}

std::string_view msnp21_address(std::string_view to) {
  const size_t semi = to.find(';');
  to = to.substr(0, semi);
  while (!to.empty() && (to.back() == ' ' || to.back() == '\r')) to.remove_suffix(1);
  return to;
}

bool msnp21_is_group(std::string_view address) {
  return address.substr(0, 2) == "9:" || address.substr(0, 3) == "10:";
}

std::string_view msnp21_xml_element(std::string_view xml, std::string_view tag) {
  // Built without allocation: look for "<tag>" then "</tag>".
  size_t pos = 0;
  while ((pos = xml.find('<', pos)) != std::string_view::npos) {
    const size_t name = pos + 1;
    if (xml.substr(name, tag.size()) == tag && name + tag.size() < xml.size() &&
        xml[name + tag.size()] == '>') {
      const size_t from = name + tag.size() + 1;
      size_t end = from;
      while ((end = xml.find("</", end)) != std::string_view::npos) {
        if (xml.substr(end + 2, tag.size()) == tag) return xml.substr(from, end - from);
        end += 2;
      }
      return {};
    }
    pos = name;
  }
  return {};
}

bool MsnpDecoder::msnp21_keep(flow::Direction direction, const Command& cmd) {
  if (cmd.is("SDG")) return content_wanted();
  // The server's "PUT trid OK len" / "DEL trid OK len" only acknowledge.
  if (direction == Direction::kServerToClient && cmd.param(1) == "OK") return false;
  // Presence is identity data, kept for every connection (the personal
  // message inside it is reported only when content is wanted).
  return cmd.is("NFY") || cmd.is("PUT") || cmd.is("DEL");
}

void MsnpDecoder::handle_msnp21(Direction direction, const Command& cmd, ByteView payload,
                                Timestamp time) {
  const bool c2s = direction == Direction::kClientToServer;
  if (payload.empty()) return;  // skipped uncopied, or an acknowledgement
  if (!c2s && cmd.param(1) == "OK") return;
  Msnp21Payload m;
  if (!parse_msnp21(as_chars(payload), m)) {
    anomaly(MsnpAnomaly::kBadMime, payload.size(), time, direction);
    return;
  }

  if (!cmd.is("SDG")) {
    // NFY PUT/DEL and PUT/DEL: presence documents (application/user+xml).
    // Other publications (circles, conversation state) are not described
    // precisely enough in the reference to decode.
    if (!iequals(m.content_type, "application/user+xml")) return;
    const bool removed = cmd.is("DEL") || (cmd.is("NFY") && cmd.param(0) == "DEL");
    // The client publishes about itself; a notification is about From.
    std::string account = c2s && !owner_.empty() ? owner_ : normalize_address(m.from);
    if (account.empty()) return;
    Presence presence;
    presence.status = msnp21_xml_element(m.body, "Status");
    if (presence.status.empty() && removed) presence.status = "FLN";
    presence.friendly_name = msnp21_xml_element(m.body, "FriendlyName");
    presence.client_id = msnp21_xml_element(m.body, "Capabilities");
    presence.self = account == owner_;
    presence.account = account;
    if (!presence.status.empty()) emit(time, direction, std::move(presence));
    const std::string_view psm = msnp21_xml_element(m.body, "PSM");
    if (!psm.empty() && content_wanted()) {
      emit(time, direction, PersonalMessage{std::move(account), std::string(psm), ""});
    }
    return;
  }

  // SDG: the author is in From (a group's address is in To, §11).
  const std::string sender = normalize_address(m.from);
  const std::string_view to = msnp21_address(m.to);
  std::string conversation;
  std::string to_account;                    // a 1:1 message's recipient
  std::vector<std::string_view> recipients;  // views of to_account or the group's members
  if (msnp21_is_group(to)) {
    conversation = to;
    // Members are learned from the authors seen in the group (and the
    // owner): the reference names no membership message to learn them from.
    auto it = std::find_if(ns().groups.begin(), ns().groups.end(),
                           [&](const auto& g) { return g.first == conversation; });
    if (it == ns().groups.end()) {
      if (ns().groups.size() >= kMaxGroups) ns().groups.erase(ns().groups.begin());
      ns().groups.push_back({conversation, {}});
      it = ns().groups.end() - 1;
    }
    auto& members = it->second;
    const std::string* const authors[] = {&owner_, &sender};
    for (const std::string* who : authors) {
      if (who->empty() || std::find(members.begin(), members.end(), *who) != members.end()) {
        continue;
      }
      if (members.size() >= limits_.max_roster) {
        anomaly(MsnpAnomaly::kRosterFull, 0, time, direction);
        continue;
      }
      members.push_back(*who);
    }
    for (const std::string& member : members) {
      if (member != sender) recipients.push_back(member);
    }
  } else if (!to.empty()) {
    to_account = normalize_address(to);
    recipients.push_back(to_account);
  }

  const std::string_view type = m.message_type;
  if (iequals(type, "Text")) {
    InstantMessage message;
    message.sender = sender;
    message.recipients = recipients;
    message.text = m.body;
    message.format = header_value(m.content, "X-MMS-IM-Format");
    message.message_id = header_value(m.content, "Message-ID");
    if (c2s) message.trid = cmd.param(0);
    message.size = payload.size();
    message.conversation = conversation;
    emit(time, direction, message);
  } else if (iequals(type, "Control/Typing")) {
    emit(time, direction, Typing{sender, recipients, conversation});
  } else if (iequals(type, "Nudge") || iequals(type, "Wink")) {
    // Same ids as the switchboard datacasts (§8.3): 1 nudge, 2 wink.
    Datacast datacast{sender, recipients, iequals(type, "Nudge") ? 1 : 2, {}, conversation};
    if (datacast.id == 2) datacast.data = m.body;
    emit(time, direction, datacast);
  } else if (iequals(type, "Data") || iequals(type, "Signal/P2P")) {
    handle_msnp21_p2p(direction, sender, recipients, type, m.routing, m.content, m.body, time);
  }
  // CustomEmoticon, ...: not decoded.
}

void MsnpDecoder::handle_msnp21_p2p(Direction direction, std::string_view sender,
                                    const std::vector<std::string_view>& recipients,
                                    std::string_view type, std::string_view routing,
                                    std::string_view content, std::string_view body,
                                    Timestamp time) {
  // A P2P v2 peer is addressed by endpoint (";epid=" on To/From), a v1 peer
  // by account only; handle_p2p() reads the same hint from P2P-Src ";{GUID}".
  const bool v2 = header_value(routing, "To").find(";epid=") != std::string_view::npos ||
                  header_value(routing, "From").find(";epid=") != std::string_view::npos;
  constexpr std::string_view kV2Headers = "P2P-Src: sdg;{epid}";
  // The SLP and data code name the SDG's recipients instead of a roster.
  sdg_recipients_ = &recipients;
  if (iequals(type, "Signal/P2P")) {
    // Signalling: the MSNSLP message itself is the body (§9.3), no binary header.
    handle_slp(sender, body, v2, time, direction);
    sdg_recipients_ = nullptr;
    return;
  }
  // Data: P2P packets (binary header, data, footer as on the switchboard,
  // §9) back to back; Bridging-Offsets lists where each starts ("0" or
  // absent: one packet). MSNP.md names the header without its layout; a
  // comma-separated list of ascending byte offsets into the body is what the
  // P2P packets framed this way need, and is assumed (docs/msnp.md).
  constexpr size_t kMaxBridged = 64;  // packets per SDG; real ones carry a few
  std::string_view offsets = header_value(content, "Bridging-Offsets");
  if (offsets.empty()) offsets = "0";
  std::array<size_t, kMaxBridged + 1> starts{};
  size_t count = 0;
  bool ok = true;
  while (ok && !offsets.empty()) {
    const size_t comma = std::min(offsets.find(','), offsets.size());
    uint64_t at = 0;
    std::string_view item = offsets.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    ok = count < kMaxBridged && parse_u64(item, at) && at < body.size() &&
         (count == 0 ? at == 0 : at > starts[count - 1]);
    if (ok) starts[count++] = static_cast<size_t>(at);
    offsets.remove_prefix(std::min(comma + 1, offsets.size()));
  }
  if (!ok || count == 0) {
    anomaly(MsnpAnomaly::kBadMime, body.size(), time, direction);
    sdg_recipients_ = nullptr;
    return;
  }
  starts[count] = body.size();
  const std::string_view hint = v2 ? kV2Headers : std::string_view();
  for (size_t i = 0; i < count; ++i) {
    const std::string_view packet = body.substr(starts[i], starts[i + 1] - starts[i]);
    P2pHeader h1;
    P2pV2Header h2;
    std::string_view data;
    uint32_t footer = 0;
    if (parse_p2p_v2(packet, h2, data, footer) || parse_p2p_v1(packet, h1, data, footer)) {
      handle_p2p(sender, MimeMessage{hint, packet}, time, direction);
      continue;
    }
    // Without the 4-byte footer (it only names the application): padded
    // with footer 0 so the switchboard parsers frame it.
    std::string padded(packet);
    padded.append(4, '\0');
    if (parse_p2p_v2(padded, h2, data, footer) || parse_p2p_v1(padded, h1, data, footer)) {
      handle_p2p(sender, MimeMessage{hint, padded}, time, direction);
    } else {
      anomaly(MsnpAnomaly::kBadMime, packet.size(), time, direction);
    }
  }
  sdg_recipients_ = nullptr;
}

}  // namespace rcds::proto::msnp
