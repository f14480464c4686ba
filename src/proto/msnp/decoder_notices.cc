// The notification-server families beyond login, presence and the contact
// list: the TrID -> request map behind `command_error` (MSNP.md §2, §14), SB
// ACK/NAK delivery results (§7.2), server notices NOT/IPG, UUN/UBN, FQY
// lookups (§2.1), contact groups and contact properties (§5, §6), and the
// `MSG Hotmail Hotmail` e-mail, offline-message and system notices (§8.4).
//
// The XML shapes of NOT/IPG (`<NOTIFICATION>` with `<TO>`, `<FROM>`,
// `<ACTION>`, `<SUBSCR>`, `<TEXT>`) and the mail-notification header names are
// the community documentation's (hypothetic.org, cited by MSNP.md); MSNP.md
// itself only names the commands and the notice fields.
#include <algorithm>

#include "proto/msnp/decoder.h"
#include "proto/msnp/xml_scan.h"

namespace rcds::proto::msnp {

using flow::Direction;

namespace {

bool has_at(std::string_view s) { return s.find('@') != std::string_view::npos; }

// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", with or without braces: MSNP10+
// group and contact ids.
bool looks_like_guid(std::string_view s) {
  if (s.size() == 38 && s.front() == '{' && s.back() == '}') s = s.substr(1, 36);
  return s.size() == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-';
}

uint64_t last_number(const Command& cmd) {
  uint64_t n = 0;
  return parse_u64(cmd.last, n) ? n : 0;
}

// Copies `text` (lower-cased when it is an account) into a fixed key buffer.
template <size_t N>
uint8_t fill_key(std::array<char, N>& key, std::string_view text, bool lower) {
  const size_t n = std::min(text.size(), N);
  for (size_t i = 0; i < n; ++i) {
    const char c = text[i];
    key[i] = lower && c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
  }
  return static_cast<uint8_t>(n);
}

}  // namespace

// --- TrID -> request (§2: the reply carries the request's TrID) --------------

void MsnpDecoder::track_request(const Command& cmd, ByteView payload, Timestamp time) {
  uint64_t trid = 0;
  if (limits_.max_requests == 0 || cmd.count == 0 || !parse_u64(cmd.params[0], trid) || trid == 0 ||
      trid > UINT32_MAX) {
    return;
  }
  // The login's USR is LoginResult's, CAL is SwitchboardCall's; messages
  // (MSG, SDG, UUM) are not answered on success, so they would only fill
  // the map.
  if ((cmd.is("USR") && !logged_in_) || cmd.is("CAL") || cmd.is("MSG") || cmd.is("SDG") ||
      cmd.is("UUM")) {
    return;
  }
  std::vector<PendingRequest>& requests = ns().requests;
  PendingRequest* slot = nullptr;
  for (PendingRequest& r : requests) {
    if (r.used && r.trid == trid) slot = &r;  // a reused TrID replaces its entry
  }
  if (slot == nullptr) {
    for (PendingRequest& r : requests) {
      if (!r.used) {
        slot = &r;
        break;
      }
    }
  }
  if (slot == nullptr && requests.size() < limits_.max_requests) {
    slot = &requests.emplace_back();
  }
  if (slot == nullptr) {
    // All in use: the oldest-placed entry goes (its answer, if any, will
    // not be matched).
    slot = &requests[ns_->requests_next % requests.size()];
    ns_->requests_next = (ns_->requests_next + 1) % requests.size();
    anomaly(MsnpAnomaly::kPendingFull, 0, time);
  }
  slot->used = true;
  slot->trid = static_cast<uint32_t>(trid);
  std::copy_n(cmd.name.begin(), 3, slot->command.begin());
  slot->key_size = 0;
  // The key: the first account in an <ml> payload, else the first account
  // parameter (N=/N: prefixes and ;{GUID} suffixes dropped), else the first
  // parameter after the TrID (group name or id, list, property, ...).
  if (!payload.empty() && (cmd.is("ADL") || cmd.is("RML") || cmd.is("FQY"))) {
    xml::for_each_ml_contact(
        as_chars(payload), [&](std::string_view local, std::string_view domain, std::string_view) {
          std::array<char, 64>& key = slot->key;
          uint8_t n = fill_key(key, local, true);
          if (n < key.size()) key[n++] = '@';
          std::array<char, 64> rest{};
          const uint8_t m = fill_key(rest, domain, true);
          const size_t take = std::min<size_t>(m, key.size() - n);
          std::copy_n(rest.begin(), take, key.begin() + n);
          slot->key_size = static_cast<uint8_t>(n + take);
          return false;
        });
    return;
  }
  for (size_t i = 1; i < cmd.count; ++i) {
    std::string_view p = cmd.params[i];
    if (p.substr(0, 2) == "N=") p.remove_prefix(2);
    if (!has_at(p)) continue;
    const size_t colon = p.find(':');
    if (colon != std::string_view::npos && colon < p.find('@')) p.remove_prefix(colon + 1);
    p = p.substr(0, p.find(';'));
    slot->key_size = fill_key(slot->key, p, true);
    return;
  }
  slot->key_size = fill_key(slot->key, cmd.param(1), false);
}

void MsnpDecoder::answer_request(const Command& cmd) {
  if (cmd.is_error || cmd.count == 0 || !ns_ || ns_->requests.empty()) return;
  uint64_t trid = 0;
  if (!parse_u64(cmd.params[0], trid) || trid == 0) return;
  for (PendingRequest& r : ns().requests) {
    if (r.used && r.trid == trid && std::string_view(r.command.data(), 3) == cmd.name) {
      r.used = false;
      return;
    }
  }
}

void MsnpDecoder::command_error(const Command& cmd, int code, Timestamp time) {
  CommandError error;
  error.code = code;
  error.trid = cmd.param(0);
  uint64_t length = 0;
  // "nnn trid len" (MSNP13+): the framer read the XML payload (§2.1).
  if (cmd.count == 2 && (version_ == 0 || version_ >= 13) && parse_u64(cmd.params[1], length)) {
    error.payload_size = length;
  }
  uint64_t trid = 0;
  if (ns_ && parse_u64(error.trid, trid)) {
    for (PendingRequest& r : ns_->requests) {
      if (r.used && r.trid == trid) {
        error.command.assign(r.command.data(), 3);
        error.key.assign(r.key.data(), r.key_size);
        r.used = false;
        break;
      }
    }
  }
  emit(time, Direction::kServerToClient, std::move(error));
}

void MsnpDecoder::handle_delivery(const Command& cmd, Timestamp time) {
  emit(time, Direction::kServerToClient,
       DeliveryReport{owner_, std::string(cmd.params[0]), cmd.is("ACK")});
}

// --- payload commands: NOT, IPG, UUN/UBN, FQY; BPR, PRP, SBP -----------------

bool MsnpDecoder::notice_keep(Direction direction, const Command& cmd) {
  (void)direction;
  // Alerts, lookups and the XML of an error ("nnn trid len") are identity
  // data; keeping an error's payload also dates its command_error at the
  // payload's end, like every other event. Pager messages and UUN/UBN
  // payloads are content.
  if (cmd.is_error || cmd.is("NOT") || cmd.is("FQY")) return true;
  if (cmd.is("IPG") || cmd.is("UUN") || cmd.is("UBN")) return content_wanted();
  return false;
}

bool MsnpDecoder::handle_notice(Direction direction, const Command& cmd, ByteView payload,
                                Timestamp time) {
  const bool c2s = direction == Direction::kClientToServer;
  const std::string_view xml_text = as_chars(payload);
  if (cmd.is("NOT") && !c2s) {
    if (payload.empty()) return true;
    const std::string_view root = xml::open_tag(xml_text, "NOTIFICATION");
    Alert alert;
    alert.account = owner_;
    alert.id = xml::attribute(root, "id");
    alert.site_id = xml::attribute(root, "siteid");
    alert.site_url = xml::attribute(root, "siteurl");
    alert.action_url = xml::attribute(xml::open_tag(xml_text, "ACTION"), "url");
    alert.subscription_url = xml::attribute(xml::open_tag(xml_text, "SUBSCR"), "url");
    alert.alert_text = xml::element(xml_text, "TEXT");
    emit(time, direction, std::move(alert));
    return true;
  }
  if (cmd.is("IPG") && !c2s) {
    PagerMessage pager;
    pager.size = last_number(cmd);
    const std::string_view owner = owner_;
    if (!owner.empty()) pager.recipients = AccountList(&owner, 1);
    std::string sender;
    if (!payload.empty()) {  // kept only when content is wanted
      const std::string_view from = xml::attribute(xml::open_tag(xml_text, "FROM"), "name");
      sender = has_at(from) ? normalize_address(from) : std::string(from);
      pager.sender = sender;
      pager.text = xml::element(xml_text, "TEXT");
    }
    emit(time, direction, pager);
    return true;
  }
  if ((cmd.is("UUN") && c2s && cmd.count >= 4) || (cmd.is("UBN") && !c2s && cmd.count >= 3)) {
    // UUN trid account type len / UBN account type len
    const size_t at = c2s ? 1 : 0;
    UserNotification note;
    note.incoming = !c2s;
    note.account = normalize_address(cmd.params[at]);
    note.type = cmd.params[at + 1];
    note.size = last_number(cmd);
    note.data = xml_text;  // empty unless content is wanted
    emit(time, direction, std::move(note));
    return true;
  }
  if (cmd.is("FQY")) {
    xml::for_each_ml_contact(
        xml_text, [&](std::string_view local, std::string_view domain, std::string_view tag) {
          NetworkLookup lookup;
          lookup.answer = !c2s;
          lookup.account = normalize_address(std::string(local) + "@" + std::string(domain));
          uint64_t t = 0;
          if (parse_u64(xml::attribute(tag, "t"), t) && t <= 1000) {
            lookup.network_id = static_cast<int>(t);
          }
          emit(time, direction, std::move(lookup));
          return true;
        });
    return true;
  }
  if (cmd.is("BPR") && !c2s && cmd.count >= 1) {
    // MSNP8+ after an LST: "BPR PHH value" (about that contact); MSNP2-7 and
    // pushed changes: "BPR [serial] account PHH value".
    ContactProperty property;
    property.via = "BPR";
    size_t i = 0;
    if (has_at(cmd.param(0))) {
      i = 1;
    } else if (has_at(cmd.param(1))) {
      i = 2;
    }
    property.account = i == 0 ? ns().last_listed : normalize_address(cmd.params[i - 1]);
    property.property = cmd.param(i);
    property.value = url_decode(cmd.param(i + 1));
    if (!property.property.empty()) emit(time, direction, std::move(property));
    return true;
  }
  if (cmd.is("PRP") && cmd.count >= 1) {
    // Own properties other than the friendly name (decoder_ns.cc): the
    // client's "PRP trid PHH value" and the SYN list's "PRP PHH value"; the
    // server's echo of a request ("PRP trid ...") is not reported again.
    const bool numbered = all_digits(cmd.params[0]);
    const size_t i = numbered ? 1 : 0;
    const std::string_view name = cmd.param(i);
    if (name.empty() || name == "MFN" || (!c2s && numbered)) return name != "MFN";
    ContactProperty property{owner_, "",   std::string(name), url_decode(cmd.param(i + 1)),
                             true,   "PRP"};
    emit(time, direction, std::move(property));
    return true;
  }
  if (cmd.is("SBP") && c2s && cmd.count >= 3) {
    // SBP trid contact-guid PROPERTY value: the owner renames / annotates a contact.
    ContactProperty property{"",
                             std::string(cmd.params[1]),
                             std::string(cmd.params[2]),
                             url_decode(cmd.param(3)),
                             false,
                             "SBP"};
    emit(time, direction, std::move(property));
    return true;
  }
  return false;
}

// --- groups (§6) -------------------------------------------------------------

bool MsnpDecoder::handle_groups(Direction direction, const Command& cmd, Timestamp time) {
  if (direction != Direction::kServerToClient) return false;
  const std::string_view p0 = cmd.param(0);
  const std::string_view p1 = cmd.param(1);
  ContactGroup group;
  if (cmd.is("LSG")) {
    if (cmd.count >= 7 && all_digits(p0) && all_digits(p1)) {
      // MSNP2-7: LSG trid version index count id name 0
      group.group_id = cmd.params[4];
      group.name = url_decode(cmd.params[5]);
    } else if (cmd.count >= 2 && all_digits(p0) && !looks_like_guid(p1)) {
      group.group_id = p0;  // MSNP8-9: LSG id name 0
      group.name = url_decode(p1);
    } else if (cmd.count >= 2) {
      group.group_id = p1;  // MSNP10+: LSG name guid
      group.name = url_decode(p0);
    } else {
      return true;
    }
    group.op = ContactGroup::Op::kListed;
  } else if (!(cmd.is("ADG") || cmd.is("RMG") || cmd.is("REG")) || !all_digits(p0)) {
    return false;
  } else if (cmd.is("ADG")) {
    group.op = ContactGroup::Op::kAdded;
    if (cmd.count >= 5 && all_digits(p1)) {
      group.name = url_decode(cmd.params[2]);  // MSNP2-9: ADG trid version name id 0
      group.group_id = cmd.params[3];
    } else if (cmd.count >= 3) {
      group.name = url_decode(p1);  // MSNP10+: ADG trid name guid
      group.group_id = cmd.params[2];
    } else {
      return true;
    }
  } else if (cmd.is("RMG")) {
    group.op = ContactGroup::Op::kRemoved;
    if (cmd.count < 2) return true;
    // MSNP2-9: RMG trid version id; MSNP10+: RMG trid guid
    group.group_id = cmd.count >= 3 ? cmd.params[2] : cmd.params[1];
  } else {
    group.op = ContactGroup::Op::kRenamed;
    if (cmd.count >= 5 && all_digits(p1)) {
      group.group_id = cmd.params[2];  // MSNP2-9: REG trid version id name 0
      group.name = url_decode(cmd.params[3]);
    } else if (cmd.count >= 3) {
      group.group_id = p1;  // MSNP10+: REG trid guid name
      group.name = url_decode(cmd.params[2]);
    } else {
      return true;
    }
  }
  emit(time, direction, std::move(group));
  return true;
}

// --- MSG Hotmail Hotmail notices (§8.4) ----------------------------------------

void MsnpDecoder::handle_hotmail(const MimeMessage& mime, Timestamp time) {
  const Direction dir = Direction::kServerToClient;
  const std::string_view type = media_type(header_value(mime.headers, "Content-Type"));
  // The notice fields are "Name: value" lines of the body (some servers put
  // them with the headers).
  auto field = [&](std::string_view name) {
    std::string_view value = header_value(mime.body, name);
    if (value.empty()) value = header_value(mime.headers, name);
    return std::string(value);
  };
  if (iequals(type, "text/x-msmsgsinitialemailnotification") ||
      iequals(type, "text/x-msmsgsemailnotification") ||
      iequals(type, "text/x-msmsgsactivemailnotification")) {
    MailNotification mail;
    mail.account = owner_;
    if (iequals(type, "text/x-msmsgsinitialemailnotification")) {
      mail.kind = MailNotification::Kind::kInitial;
      mail.inbox_unread = field("Inbox-Unread");
      mail.folders_unread = field("Folders-Unread");
    } else if (iequals(type, "text/x-msmsgsemailnotification")) {
      mail.kind = MailNotification::Kind::kNew;
      mail.from = field("From");
      mail.from_address = normalize_address(field("From-Addr"));
      if (content_wanted()) mail.subject = field("Subject");
      mail.dest_folder = field("Dest-Folder");
    } else {
      mail.kind = MailNotification::Kind::kActivity;
      mail.src_folder = field("Src-Folder");
      mail.dest_folder = field("Dest-Folder");
      mail.message_delta = field("Message-Delta");
    }
    emit(time, dir, std::move(mail));
  } else if (iequals(type, "text/x-msmsgsinitialmdatanotification") ||
             iequals(type, "text/x-msmsgsoimnotification")) {
    // Mail-Data:
    // <MD>...<M><T>..</T><RT>time</RT><SZ>n</SZ><E>sender</E><I>id</I><N>nick</N></M>...</MD>
    std::string_view data = header_value(mime.body, "Mail-Data");
    if (data.empty()) data = header_value(mime.headers, "Mail-Data");
    const std::string_view owner = owner_;
    size_t pos = 0;
    while (true) {
      size_t at = 0;
      const std::string_view open = xml::open_tag(data, "M", pos, &at);
      if (open.empty()) break;
      const std::string_view m = xml::element(data, "M", at);
      pos = at + open.size() + 1 + m.size();
      if (m.empty()) continue;
      OfflineMessage oim;
      const std::string sender = normalize_address(xml::element(m, "E"));
      oim.sender = sender;
      if (!owner.empty()) oim.recipients = AccountList(&owner, 1);
      oim.nick = xml::element(m, "N");
      oim.received = xml::element(m, "RT");
      oim.message_id = xml::element(m, "I");
      oim.size = xml::element(m, "SZ");
      emit(time, dir, std::move(oim));
    }
  } else if (iequals(type, "application/x-msmsgssystemmessage")) {
    emit(time, dir, SystemMessage{field("Type"), field("Arg1")});
  }
}

}  // namespace rcds::proto::msnp
