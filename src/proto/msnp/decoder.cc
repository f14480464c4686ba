// Connection plumbing, classification, switchboards and MSG payloads. The
// notification-server commands are in decoder_ns.cc.
#include "proto/msnp/decoder.h"

#include <algorithm>
#include <cstring>

#include "proto/msnp/mime.h"
#include "proto/msnp/slp.h"
#include "util/prefetch.h"

namespace rcds::proto::msnp {

using flow::Direction;

MsnpDecoder::MsnpDecoder(const flow::StreamInfo& info, MsnpEventSink& sink, MsnpSession* session,
                         const DecoderLimits& limits)
    : info_(info),
      sink_(sink),
      session_(session),
      limits_(limits),
      sides_{Side{*this, Direction::kClientToServer, limits.framer},
             Side{*this, Direction::kServerToClient, limits.framer}},
      roster_(limits.max_roster, limits.max_roster_text) {
  info_.protocol = {};  // views the registry; not needed after open
  // Picked up mid-stream: the first bytes may be the tail of a command.
  if (!info.saw_handshake) {
    for (Side& side : sides_) side.start_resync();
  }
}

void MsnpDecoder::on_data(Direction direction, ByteView bytes, Timestamp time) {
  Side& side = sides_[flow::index_of(direction)];
  // The flow layer fetched the first lines (info_ to owner_); a message
  // also reads its side's framer and the roster.
  prefetch(&side, sizeof(side));
  roster_.prefetch();
  if (side.raw) {
    on_raw(direction, bytes, time);
    return;
  }
  side.feed(bytes, time);
}

void MsnpDecoder::on_gap(Direction direction, uint64_t length, Timestamp time) {
  anomaly(MsnpAnomaly::kStreamGap, length, time, direction);
  Side& side = sides_[flow::index_of(direction)];
  if (side.raw) {
    raw_gap(length, time, direction);
  } else {
    side.on_gap(length, time);
  }
}

void MsnpDecoder::on_close(flow::CloseReason reason, Timestamp time) {
  finish_all_files("closed", time);
  if (session_ended_) return;
  const bool clean = reason == flow::CloseReason::kFin;
  if (type_ == ConnectionType::kSwitchboard && !owner_.empty()) {
    roster_.remove(owner_, owner_device_);
    emit(time, Direction::kClientToServer,
         ParticipantLeft{owner_, "closed", roster_.accounts(), owner_device_});
  } else if (logged_in_) {
    logout(clean ? Logout::Reason::kConnectionClosed : Logout::Reason::kConnectionLost, time);
  }
}

void MsnpDecoder::logout(Logout::Reason reason, Timestamp time) {
  // The first end wins: a client OUT is usually echoed by the server's OUT.
  if (session_ended_) return;
  session_ended_ = true;
  if (!logged_in_) return;
  if (session_ != nullptr) session_->note_logout(info_.flow_id, time);
  emit(time, Direction::kClientToServer, Logout{owner_, reason});
}

void MsnpDecoder::anomaly(MsnpAnomaly kind, uint64_t bytes, Timestamp time, Direction direction) {
  uint32_t& count = anomalies_[static_cast<size_t>(kind)];
  if (count != UINT32_MAX) ++count;
  emit(time, direction, DecoderAnomaly{kind, bytes});
}

bool MsnpDecoder::content_wanted() {
  if (!content_ || content_owner_changes_ != owner_changes_ ||
      content_generation_ != sink_.content_generation()) {
    content_ = sink_.wants_content(owner_, info_);
    content_owner_changes_ = owner_changes_;
    content_generation_ = sink_.content_generation();
  }
  return *content_;
}

// --- the pending request -----------------------------------------------------

std::string_view MsnpDecoder::Request::get(Field field) const {
  const size_t begin = field == 0 ? 0 : ends_[field - 1];
  return std::string_view(text_).substr(begin, ends_[field] - begin);
}

void MsnpDecoder::Request::set(Field field, std::string_view value) {
  value = value.substr(0, kMaxField);
  const size_t begin = field == 0 ? 0 : ends_[field - 1];
  const size_t old_size = ends_[field] - begin;
  text_.replace(begin, old_size, value);
  for (size_t i = field; i < kFields; ++i) {
    ends_[i] = static_cast<uint16_t>(ends_[i] - old_size + value.size());
  }
}

void MsnpDecoder::Request::assign(std::initializer_list<std::string_view> values) {
  // Sized once, then copied in: values view the command line, never text_.
  size_t size = 0;
  for (std::string_view value : values) size += std::min(value.size(), kMaxField);
  text_.resize(size);
  size_t at = 0;
  size_t field = 0;
  for (std::string_view value : values) {
    if (field == kFields) break;
    const size_t n = std::min(value.size(), kMaxField);
    if (n > 0) std::memcpy(text_.data() + at, value.data(), n);
    at += n;
    ends_[field++] = static_cast<uint16_t>(at);
  }
  for (; field < kFields; ++field) ends_[field] = static_cast<uint16_t>(at);
}

// --- framer callbacks -------------------------------------------------------

PayloadPlan MsnpDecoder::Side::plan_payload(const Command& cmd) {
  PayloadPlan plan;
  plan.has_payload = payload_length(cmd, direction, decoder.type_, decoder.version_, plan.length);
  if (!plan.has_payload) return plan;
  if (cmd.is("MSG")) {
    // The NS login profile ("MSG Hotmail Hotmail") is identity data; other
    // messages are content.
    const bool profile = direction == Direction::kServerToClient && cmd.param(0) == "Hotmail";
    plan.keep = profile || decoder.content_wanted();
  } else if (cmd.is("UUX") || cmd.is("UBX") || cmd.is("UUM") || cmd.is("UBM")) {
    // Personal messages and Yahoo! interop messages are content.
    plan.keep = decoder.content_wanted();
  } else {
    // Contact lists are identity data, MSNP21 payloads are decided in
    // msnp21.cc; everything else (NOT, GCF, QRY, ...) is skipped uncopied.
    plan.keep = cmd.is("ADL") || cmd.is("RML") || decoder.notice_keep(direction, cmd) ||
                decoder.msnp21_keep(direction, cmd);
  }
  return plan;
}

void MsnpDecoder::Side::on_command(const Command& cmd, ByteView payload, Timestamp time) {
  if (decoder.type_ == ConnectionType::kUnknown) decoder.classify(direction, cmd);
  if (cmd.is_error) {
    if (direction == Direction::kServerToClient) decoder.handle_error(cmd, time);
    return;
  }
  if (direction == Direction::kClientToServer) {
    decoder.handle_client(cmd, payload, time);
  } else {
    decoder.handle_server(cmd, payload, time);
  }
}

bool MsnpDecoder::Side::plausible(const Command& cmd) {
  return plausible_command(cmd, direction, decoder.type_);
}

void MsnpDecoder::Side::on_framer_anomaly(MsnpAnomaly anomaly, uint64_t bytes, Timestamp time) {
  decoder.anomaly(anomaly, bytes, time, direction);
}

// --- classification (MSNP.md §1) ---------------------------------------------

void MsnpDecoder::classify(Direction direction, const Command& cmd) {
  const bool c2s = direction == Direction::kClientToServer;
  auto has_param = [&](auto pred) {
    for (size_t i = 0; i < cmd.count; ++i) {
      if (pred(cmd.params[i])) return true;
    }
    return false;
  };
  if (cmd.is("VER")) {
    if (has_param([](std::string_view p) { return p == "MSNFTP"; })) {
      type_ = ConnectionType::kMsnftp;
    } else if (has_param([](std::string_view p) { return p.substr(0, 4) == "MSNP"; })) {
      type_ = ConnectionType::kNotification;
    }
    return;
  }
  static constexpr std::string_view kSbOnly[] = {"ANS", "IRO", "JOI", "CAL", "ACK", "NAK", "BYE"};
  static constexpr std::string_view kNsOnly[] = {
      "CVR", "CHG", "SYN", "PNG", "QNG", "NLN", "ILN", "FLN", "RNG", "XFR", "LST", "LSG",
      "GTC", "BLP", "UUX", "UBX", "CHL", "QRY", "ADL", "PRP", "SBS", "UUM", "UBM"};
  if (std::find(std::begin(kSbOnly), std::end(kSbOnly), cmd.name) != std::end(kSbOnly)) {
    type_ = ConnectionType::kSwitchboard;
  } else if (std::find(std::begin(kNsOnly), std::end(kNsOnly), cmd.name) != std::end(kNsOnly)) {
    type_ = ConnectionType::kNotification;
  } else if (cmd.is("USR") && cmd.count >= 2) {
    // NS: "USR trid TWN I acct"; SB caller: "USR trid acct cookie" / "USR trid OK acct name".
    const std::string_view p1 = cmd.param(1);
    if (p1 == "TWN" || p1 == "SSO" || p1 == "MD5" || p1 == "SHA") {
      type_ = ConnectionType::kNotification;
    } else if (c2s && cmd.count == 3 && p1.find('@') != std::string_view::npos) {
      type_ = ConnectionType::kSwitchboard;
    }
  } else if (cmd.is("MSG") && !c2s) {
    type_ =
        cmd.param(0) == "Hotmail" ? ConnectionType::kNotification : ConnectionType::kSwitchboard;
  } else if (cmd.is("MSG") && cmd.count == 3 && cmd.params[1].size() == 1) {
    // "MSG trid U|N|A|D len": clients send messages on switchboards (NS
    // client MSGs are rare and not acknowledged this way before MSNP9).
    type_ = ConnectionType::kSwitchboard;
  }
}

// --- client commands ---------------------------------------------------------

void MsnpDecoder::handle_client(const Command& cmd, ByteView payload, Timestamp time) {
  const Direction dir = Direction::kClientToServer;
  if (type_ == ConnectionType::kMsnftp) {
    handle_msnftp(dir, cmd, time);
    return;
  }
  if (cmd.is("MSG")) {
    handle_msg(dir, cmd, payload, time);
  } else if (cmd.is("OUT")) {
    if (type_ == ConnectionType::kSwitchboard) {
      session_ended_ = true;
      if (!owner_.empty()) {
        roster_.remove(owner_, owner_device_);
        emit(time, dir, ParticipantLeft{owner_, "out", roster_.accounts(), owner_device_});
      }
    } else {
      logout(Logout::Reason::kClientOut, time);
    }
  } else if (type_ == ConnectionType::kSwitchboard) {
    if ((cmd.is("USR") && cmd.count >= 3) || (cmd.is("ANS") && cmd.count >= 4)) {
      // USR trid account[;{GUID}] cookie / ANS trid account[;{GUID}] cookie sid
      std::string scratch;
      const AccountRef account = split_account(cmd.params[1], scratch);
      request_.assign({cmd.params[0], "", account.address, account.device_id, cmd.params[2],
                       cmd.is("ANS") ? cmd.params[3] : std::string_view{}});
    } else if (cmd.is("CAL") && cmd.count >= 2) {
      if (pending_calls_.size() >= limits_.max_pending) {
        pending_calls_.erase(pending_calls_.begin());
        anomaly(MsnpAnomaly::kPendingFull, 0, time);
      }
      pending_calls_.push_back({std::string(cmd.params[0]), normalize_address(cmd.params[1])});
    }
  } else {
    handle_contacts(dir, cmd, payload, time);
  }
}

// --- server commands ---------------------------------------------------------

void MsnpDecoder::handle_server(const Command& cmd, ByteView payload, Timestamp time) {
  const Direction dir = Direction::kServerToClient;
  if (type_ == ConnectionType::kMsnftp) {
    handle_msnftp(dir, cmd, time);
    return;
  }
  if (cmd.is("MSG")) {
    handle_msg(dir, cmd, payload, time);
  } else if (cmd.is("OUT")) {
    const std::string_view why = cmd.param(0);
    if (type_ == ConnectionType::kSwitchboard) {
      session_ended_ = true;
    } else {
      logout(why == "OTH"   ? Logout::Reason::kOtherLocation
             : why == "SSD" ? Logout::Reason::kServerShutdown
                            : Logout::Reason::kServerOut,
             time);
    }
  } else if (type_ == ConnectionType::kSwitchboard) {
    handle_switchboard_server(cmd, time);
  } else {
    handle_contacts(dir, cmd, payload, time);
  }
}

void MsnpDecoder::roster_add(std::string_view account, std::string_view device_id, Timestamp time) {
  if (!roster_.add(account, device_id)) anomaly(MsnpAnomaly::kRosterFull, 0, time);
}

AccountList MsnpDecoder::recipients_except(std::string_view sender) {
  if (sdg_recipients_ != nullptr) return *sdg_recipients_;  // MSNP21 P2P (msnp21.cc)
  return roster_.except(sender);
}

void MsnpDecoder::handle_switchboard_server(const Command& cmd, Timestamp time) {
  const Direction dir = Direction::kServerToClient;
  if ((cmd.is("USR") || cmd.is("ANS")) && cmd.param(1) == "OK") {
    // USR OK names the account; ANS OK does not, the ANS request did.
    const bool named = cmd.is("USR") && cmd.count >= 3 && !cmd.params[2].empty();
    std::string account_scratch, name_scratch;
    AccountRef account;
    std::string_view friendly_name;
    if (named) {
      account = split_account(cmd.params[2], account_scratch);
      friendly_name = url_decode(cmd.param(3), name_scratch);
    } else {
      account.address = request_.get(Request::kAccount);
    }
    if (account.address.empty()) return;
    // The request's ";{GUID}" when the answer names none (ANS OK never does).
    if (account.device_id.empty() &&
        (!named || account.address == request_.get(Request::kAccount))) {
      account.device_id = request_.get(Request::kDeviceId);
    }
    set_owner(std::string(account.address));
    owner_device_ = account.device_id;
    ParticipantJoined joined;
    joined.how =
        cmd.is("USR") ? ParticipantJoined::How::kCaller : ParticipantJoined::How::kAnswered;
    joined.account = owner_;
    joined.device_id = owner_device_;
    joined.friendly_name = friendly_name;
    joined.cookie = request_.get(Request::kCookie);
    joined.session_id = request_.get(Request::kSessionId);
    if (session_ != nullptr && !joined.cookie.empty()) {
      if (const auto* grant = session_->use_cookie(joined.cookie, info_.flow_id)) {
        joined.ns_flow_id = grant->ns_flow_id;
        joined.ns_client = grant->ns_client;
        if (joined.session_id.empty()) joined.session_id = grant->session_id;
      }
    }
    roster_add(owner_, owner_device_, time);
    joined.roster = roster_.accounts();
    emit(time, dir, joined);
    request_.clear();  // answered
  } else if ((cmd.is("IRO") && cmd.count >= 5) || (cmd.is("JOI") && cmd.count >= 1)) {
    const bool iro = cmd.is("IRO");
    // Views of the line; the scratch strings hold a copy only when an
    // account is not in lower case or a name has escapes.
    std::string account_scratch, name_scratch;
    const AccountRef account = split_account(iro ? cmd.params[3] : cmd.params[0], account_scratch);
    const std::string_view friendly_name =
        url_decode(iro ? cmd.params[4] : cmd.param(1), name_scratch);
    ParticipantJoined joined;
    joined.how = iro ? ParticipantJoined::How::kAlreadyPresent : ParticipantJoined::How::kJoined;
    joined.friendly_name = friendly_name;
    roster_add(account.address, account.device_id, time);
    joined.account = account.address;
    joined.device_id = account.device_id;
    joined.roster = roster_.accounts();
    emit(time, dir, joined);
  } else if (cmd.is("BYE") && cmd.count >= 1) {
    std::string scratch;
    const AccountRef account = split_account(cmd.params[0], scratch);
    roster_.remove(account.address, account.device_id);
    emit(time, dir,
         ParticipantLeft{account.address, cmd.param(1) == "1" ? "bye-idle" : "bye",
                         roster_.accounts(), account.device_id});
  } else if (cmd.is("CAL") && cmd.count >= 3 && cmd.params[1] == "RINGING") {
    for (auto it = pending_calls_.begin(); it != pending_calls_.end(); ++it) {
      if (it->trid != cmd.params[0]) continue;
      emit(time, dir,
           SwitchboardCall{owner_, std::move(it->invitee), std::string(cmd.params[2]), 0});
      pending_calls_.erase(it);
      return;
    }
    // The request was not seen (one-sided capture): report what is known.
    emit(time, dir, SwitchboardCall{owner_, "", std::string(cmd.params[2]), 0});
  } else if ((cmd.is("ACK") || cmd.is("NAK")) && cmd.count >= 1) {
    handle_delivery(cmd, time);  // decoder_notices.cc
  }
}

void MsnpDecoder::handle_error(const Command& cmd, Timestamp time) {
  int code = 0;
  for (char c : cmd.name) code = code * 10 + (c - '0');
  const std::string_view trid = cmd.param(0);
  for (auto it = pending_calls_.begin(); it != pending_calls_.end(); ++it) {
    if (it->trid != trid) continue;
    emit(time, Direction::kServerToClient,
         SwitchboardCall{owner_, std::move(it->invitee), "", code});
    pending_calls_.erase(it);
    return;
  }
  const std::string_view request_trid = request_.get(Request::kTrid);
  if (!request_trid.empty() && trid == request_trid && !logged_in_) {
    LoginResult result;
    result.account = request_.get(Request::kAccount);
    result.auth_scheme = request_.get(Request::kAuthScheme);
    result.error_code = code;
    request_.set(Request::kTrid, {});
    emit(time, Direction::kServerToClient, std::move(result));
    return;
  }
  command_error(cmd, code, time);  // any other request (decoder_notices.cc)
}

// --- MSG payloads (MSNP.md §8) -----------------------------------------------

void MsnpDecoder::handle_msg(Direction direction, const Command& cmd, ByteView payload,
                             Timestamp time) {
  const bool c2s = direction == Direction::kClientToServer;
  if (payload.empty()) return;  // skipped (no content wanted) or empty
  MimeMessage mime;
  if (!split_mime(as_chars(payload), mime)) {
    anomaly(MsnpAnomaly::kBadMime, payload.size(), time, direction);
    return;
  }
  const std::string_view type = media_type(mime.content_type);
  if (!c2s && cmd.param(0) == "Hotmail") {
    if (iequals(type, "text/x-msmsgsprofile")) {
      emit(time, direction,
           LoginProfile{owner_, std::string(header_value(mime.headers, "ClientIP")),
                        std::string(header_value(mime.headers, "ClientPort")),
                        std::string(header_value(mime.headers, "LoginTime")),
                        std::string(header_value(mime.headers, "country"))});
    } else {
      handle_hotmail(mime, time);  // mail, OIM and system notices (decoder_notices.cc)
    }
    return;
  }
  // A relayed message names its sender; usually already in normal form,
  // when the line's bytes serve as they are (valid during this call).
  std::string normalized;
  const std::string_view sender = c2s ? owner_ : split_account(cmd.param(0), normalized).address;
  if (handle_chunk(direction, sender, cmd, mime, payload.size(), time)) return;
  const std::string_view trid = c2s ? cmd.param(0) : std::string_view{};
  const char ack = !c2s ? 0 : cmd.param(1).size() == 1 ? cmd.param(1)[0] : '?';
  dispatch_msg(direction, sender, trid, ack, mime, payload.size(), time);
}

// Yahoo! interop (MSNP14+, §2.1): `UUM trid account netid type len` from the
// owner to a Yahoo! user, `UBM account netid type ... len` from one to the
// owner. The payload is MIME as in a switchboard MSG.
void MsnpDecoder::handle_interop(Direction direction, const Command& cmd, ByteView payload,
                                 Timestamp time) {
  const bool c2s = direction == Direction::kClientToServer;
  if (payload.empty()) return;  // skipped (no content wanted) or empty
  MimeMessage mime;
  if (!split_mime(as_chars(payload), mime)) {
    anomaly(MsnpAnomaly::kBadMime, payload.size(), time, direction);
    return;
  }
  const size_t at = c2s ? 1 : 0;  // the account; its network id follows
  Account peer = normalize_account(cmd.param(at));
  if (peer.address.empty()) return;
  Interop interop;
  uint64_t netid = 0;
  if (parse_u64(cmd.param(at + 1), netid) && netid <= 1000) {
    interop.network_id = static_cast<int>(netid);
  } else {
    interop.network_id = peer.network_id;
  }
  std::string sender = c2s ? owner_ : peer.address;
  interop.recipient = c2s ? std::move(peer.address) : owner_;
  dispatch_msg(direction, sender, c2s ? cmd.param(0) : std::string_view{}, 0, mime, payload.size(),
               time, &interop);
}

void MsnpDecoder::dispatch_msg(Direction direction, std::string_view sender, std::string_view trid,
                               char ack_mode, const MimeMessage& mime, uint64_t size,
                               Timestamp time, const Interop* interop) {
  const bool c2s = direction == Direction::kClientToServer;
  const std::string_view type = media_type(mime.content_type);
  // The switchboard roster minus `who`, or the interop message's one recipient.
  const std::string_view interop_recipient =
      interop != nullptr ? std::string_view(interop->recipient) : std::string_view{};
  auto recipients = [&](std::string_view who) {
    if (interop == nullptr) return recipients_except(who);
    if (interop_recipient.empty() || interop_recipient == who) return AccountList{};
    return AccountList(&interop_recipient, 1);
  };
  const int network = interop != nullptr ? interop->network_id : 0;
  if (iequals(type, "text/plain")) {
    InstantMessage message;
    message.sender = sender;
    message.recipients = recipients(sender);
    message.network_id = network;
    message.text = mime.body;
    message.format = mime.im_format;
    message.message_id = mime.message_id;
    uint64_t n = 0;
    if (parse_u64(mime.chunks, n)) message.chunks = static_cast<uint32_t>(n);
    if (parse_u64(mime.chunk, n)) message.chunk = static_cast<uint32_t>(n);
    message.trid = trid;
    message.ack_mode = ack_mode;
    message.size = size;
    emit(time, direction, message);
  } else if (iequals(type, "text/x-msmsgscontrol")) {
    const std::string_view user = header_value(mime.headers, "TypingUser");
    std::string typist = user.empty() ? std::string(sender) : normalize_address(user);
    if (c2s && owner_.empty() && !typist.empty() && type_ == ConnectionType::kSwitchboard) {
      // Picked up mid-stream without USR/ANS: the client names itself here.
      set_owner(typist);
      roster_add(owner_, owner_device_, time);
    }
    Typing typing{typist, recipients(typist)};
    typing.network_id = network;
    emit(time, direction, typing);
  } else if (iequals(type, "text/x-msnmsgr-datacast")) {
    uint64_t id = 0;
    parse_u64(header_value(mime.body, "ID"), id);
    Datacast datacast{sender, recipients(sender), static_cast<int>(std::min<uint64_t>(id, 1000)),
                      header_value(mime.body, "Data")};
    datacast.network_id = network;
    emit(time, direction, datacast);
  } else if (interop != nullptr) {
    return;  // invitations and P2P are switchboard-only
  } else if (iequals(type, "text/x-msmsgsinvite")) {
    handle_invite(sender, mime.body, time, direction);
  } else if (iequals(type, "application/x-msnmsgrp2p")) {
    handle_p2p(sender, mime, time, direction);
  }
}

void MsnpDecoder::handle_invite(std::string_view sender, std::string_view body, Timestamp time,
                                Direction direction) {
  auto field = [&](std::string_view name) { return std::string(header_value(body, name)); };
  FileInvitation invite;
  invite.sender = sender;
  invite.recipients = recipients_except(sender);
  invite.command = field("Invitation-Command");
  invite.cookie = field("Invitation-Cookie");
  invite.application_name = field("Application-Name");
  invite.application_guid = field("Application-GUID");
  invite.file_name = field("Application-File");
  parse_u64(header_value(body, "Application-FileSize"), invite.file_size);
  invite.ip_address = field("IP-Address");
  invite.ip_address_internal = field("IP-Address-Internal");
  uint64_t port = 0;
  if (parse_u64(header_value(body, "Port"), port) && port <= 65535) {
    invite.port = static_cast<uint16_t>(port);
  }
  invite.auth_cookie = field("AuthCookie");
  invite.cancel_code = field("Cancel-Code");
  note_msnftp_offer(invite, time);
  emit(time, direction, std::move(invite));
}

}  // namespace rcds::proto::msnp
