// Notification/dispatch server commands: version, login, redirects,
// switchboard referrals and invitations, presence, personal messages and the
// contact list (MSNP.md §3-§7).
#include <algorithm>

#include "proto/msnp/decoder.h"
#include "proto/msnp/xml_scan.h"

namespace rcds::proto::msnp {

using flow::Direction;

namespace {

bool is_account(std::string_view token) { return token.find('@') != std::string_view::npos; }

}  // namespace

void MsnpDecoder::handle_contacts(Direction direction, const Command& cmd, ByteView payload,
                                  Timestamp time) {
  const bool c2s = direction == Direction::kClientToServer;
  const std::string_view p0 = cmd.param(0);
  const std::string_view p1 = cmd.param(1);

  // Every numbered request waits for its answer (a reply with its TrID, or
  // an error: command_error); decoder_notices.cc.
  if (c2s) {
    track_request(cmd, payload, time);
  } else {
    answer_request(cmd);
  }
  if (cmd.is("SDG") || cmd.is("NFY") || cmd.is("PUT") || cmd.is("DEL")) {
    handle_msnp21(direction, cmd, payload, time);  // MSNP21 (§11), msnp21.cc
    return;
  }
  // NOT, IPG, UUN/UBN, FQY, BPR, PRP PHx, SBP and groups: decoder_notices.cc.
  if (handle_notice(direction, cmd, payload, time) || handle_groups(direction, cmd, time)) return;
  if (cmd.is("VER")) {
    if (c2s) {
      ns().offered_versions.clear();
      for (size_t i = 1; i < cmd.count; ++i) {
        if (!ns().offered_versions.empty()) ns().offered_versions += ' ';
        ns().offered_versions += cmd.params[i];
      }
    } else {
      int best = 0;
      for (size_t i = 1; i < cmd.count; ++i) {
        uint64_t v = 0;
        const std::string_view p = cmd.params[i];
        if (p.substr(0, 4) == "MSNP" && parse_u64(p.substr(4), v) && v < 100) {
          best = std::max(best, static_cast<int>(v));
        }
      }
      if (best != 0) version_ = best;
    }
  } else if (cmd.is("CVR") && c2s && cmd.count >= 7) {
    ns().locale = cmd.params[1];
    ns().os = std::string(cmd.params[2]) + " " + std::string(cmd.params[3]) + " " +
              std::string(cmd.params[4]);
    ns().client_name = cmd.params[5];
    ns().client_version = cmd.params[6];
  } else if (cmd.is("USR")) {
    if (c2s && cmd.count >= 4 && cmd.params[2] == "I") {
      request_.assign({p0, p1, normalize_address(cmd.params[3])});
      emit(time, direction,
           LoginAttempt{std::string(request_.get(Request::kAccount)),
                        std::string(request_.get(Request::kAuthScheme)), ns().offered_versions,
                        ns().client_name, ns().client_version, ns().os, ns().locale});
    } else if (c2s && cmd.count >= 2) {
      request_.set(Request::kTrid, p0);  // a later USR of the same login (S stage) or SHA A
    } else if (!c2s && p1 == "OK" && cmd.count >= 3 && !logged_in_) {
      LoginResult result;
      result.success = true;
      result.account = normalize_address(cmd.params[2]);
      // MSNP8-9: "OK account friendly 1 0"; MSNP10+: "OK account 1 0".
      const std::string_view fourth = cmd.param(3);
      if (!fourth.empty() && (version_ != 0 ? version_ < 10 : !all_digits(fourth))) {
        result.friendly_name = url_decode(fourth);
      }
      result.auth_scheme = request_.get(Request::kAuthScheme);
      set_owner(result.account);
      logged_in_ = true;
      request_.clear();  // answered
      if (session_ != nullptr &&
          !session_->note_login(owner_, info_.key.source, info_.flow_id, time)) {
        anomaly(MsnpAnomaly::kSessionTableFull, 0, time);
      }
      emit(time, direction, std::move(result));
    }
  } else if (cmd.is("XFR") && !c2s && cmd.count >= 3) {
    if (p1 == "NS") {
      type_ = ConnectionType::kDispatch;
      emit(time, direction,
           Redirect{std::string(owner_.empty() ? request_.get(Request::kAccount) : owner_),
                    std::string(cmd.params[2])});
    } else if (p1 == "SB" && cmd.count >= 5) {
      SwitchboardReferral referral{
          std::string(owner_.empty() ? request_.get(Request::kAccount) : owner_),
          std::string(cmd.params[2]), std::string(cmd.params[4])};
      if (session_ != nullptr) {
        MsnpSession::CookieGrant grant;
        grant.cookie = referral.cookie;
        grant.account = referral.account;
        grant.sb_address = referral.address;
        grant.ns_flow_id = info_.flow_id;
        grant.ns_client = info_.key.source;
        grant.time = time;
        if (!session_->note_cookie(std::move(grant))) {
          anomaly(MsnpAnomaly::kSessionTableFull, 0, time);
        }
      }
      emit(time, direction, std::move(referral));
    }
  } else if (cmd.is("RNG") && !c2s && cmd.count >= 5) {
    SwitchboardInvitation invitation;
    invitation.invitee = owner_;
    invitation.session_id = p0;
    invitation.address = p1;
    invitation.cookie = cmd.params[3];
    invitation.inviter = normalize_address(cmd.param(4));
    invitation.inviter_friendly_name = url_decode(cmd.param(5));
    if (session_ != nullptr) {
      MsnpSession::CookieGrant grant;
      grant.cookie = invitation.cookie;
      grant.account = owner_;
      grant.sb_address = invitation.address;
      grant.session_id = invitation.session_id;
      grant.from_rng = true;
      grant.ns_flow_id = info_.flow_id;
      grant.ns_client = info_.key.source;
      grant.time = time;
      if (!session_->note_cookie(std::move(grant))) {
        anomaly(MsnpAnomaly::kSessionTableFull, 0, time);
      }
    }
    emit(time, direction, std::move(invitation));
  } else if (cmd.is("CHG") && c2s && cmd.count >= 2) {
    emit(time, direction, Presence{owner_, std::string(p1), "", std::string(cmd.param(2)), true});
  } else if ((cmd.is("ILN") || cmd.is("NLN")) && !c2s) {
    // ILN trid status account [netid] friendly clientid / NLN without the TrID.
    size_t i = cmd.is("ILN") ? 1 : 0;
    if (cmd.count < i + 3) return;
    Presence presence;
    presence.status = cmd.params[i];
    presence.account = normalize_address(cmd.params[i + 1]);
    i += 2;
    if (version_ >= 14 && version_ <= 15 && all_digits(cmd.param(i)) && cmd.count > i + 2) ++i;
    presence.friendly_name = url_decode(cmd.param(i));
    presence.client_id = cmd.param(i + 1);
    emit(time, direction, std::move(presence));
  } else if (cmd.is("FLN") && !c2s && cmd.count >= 1) {
    emit(time, direction, Presence{normalize_address(p0), "FLN", "", "", false});
  } else if ((cmd.is("UUM") && c2s) || (cmd.is("UBM") && !c2s)) {
    handle_interop(direction, cmd, payload, time);  // Yahoo! interop, decoder.cc
  } else if ((cmd.is("UUX") && c2s) || (cmd.is("UBX") && !c2s)) {
    if (payload.empty()) return;
    const std::string_view xml = as_chars(payload);
    emit(time, direction,
         PersonalMessage{c2s ? owner_ : normalize_address(p0),
                         std::string(xml::element(xml, "PSM")), ""});
  } else if (c2s && ((cmd.is("PRP") && p1 == "MFN" && cmd.count >= 3) ||
                     (cmd.is("REA") && cmd.count >= 3))) {
    emit(time, direction, PersonalMessage{owner_, "", url_decode(cmd.params[2])});
  } else if (cmd.is("LST") && !c2s && cmd.count >= 1) {
    ContactChange change;
    change.op = ContactChange::Op::kListed;
    if (p0.substr(0, 2) == "N=") {
      // MSNP10+: LST N=account F=friendly C=guid bits [groups]
      for (size_t i = 0; i < cmd.count; ++i) {
        const std::string_view p = cmd.params[i];
        if (p.substr(0, 2) == "N=") change.contact = normalize_address(p.substr(2));
        if (p.substr(0, 2) == "F=") change.friendly_name = url_decode(p.substr(2));
        if (all_digits(p) && change.lists.empty()) change.lists = p;
      }
    } else if (is_account(p0) && cmd.count >= 3) {
      change.contact = normalize_address(p0);  // MSNP8-9: LST account friendly bits [groups]
      change.friendly_name = url_decode(p1);
      change.lists = cmd.params[2];
    }
    ns().last_listed = change.contact;  // a BPR line after it is about this contact
    if (!change.contact.empty()) emit(time, direction, std::move(change));
  } else if (cmd.is("ADD") || cmd.is("ADC") || cmd.is("REM")) {
    // ADD trid LIST [serial] account friendly; ADC trid LIST N=account [F=name];
    // the server's "ADD 0 RL" / "ADC 0 RL" means someone added the owner.
    if (cmd.count < 3) return;
    const bool pushed = !c2s && p0 == "0" && p1 == "RL";
    if (!c2s && !pushed) return;  // echo of a client request already reported
    ContactChange change;
    change.op = cmd.is("REM") ? ContactChange::Op::kRemoved
                : pushed      ? ContactChange::Op::kAddedBy
                              : ContactChange::Op::kAdded;
    change.lists = p1;
    for (size_t i = 2; i < cmd.count; ++i) {
      std::string_view p = cmd.params[i];
      if (p.substr(0, 2) == "N=") p.remove_prefix(2);
      if (p.substr(0, 2) == "F=") {
        change.friendly_name = url_decode(p.substr(2));
      } else if (change.contact.empty() && (is_account(p) || cmd.is("REM"))) {
        change.contact = normalize_address(p);
        if (i + 1 < cmd.count && !cmd.is("REM") && cmd.params[i + 1].substr(0, 2) != "C=") {
          change.friendly_name = url_decode(cmd.params[i + 1]);
        }
      }
    }
    if (!change.contact.empty()) emit(time, direction, std::move(change));
  } else if ((cmd.is("ADL") || cmd.is("RML")) && !payload.empty()) {
    // <ml><d n="domain"><c n="local" l="bits" t="netid" [f="name"]/></d></ml>
    const bool pushed = !c2s && p0 == "0";
    if (!c2s && !pushed) return;
    xml::for_each_ml_contact(as_chars(payload), [&](std::string_view local, std::string_view domain,
                                                    std::string_view tag) {
      ContactChange change;
      change.op = cmd.is("RML") ? ContactChange::Op::kRemoved
                  : pushed      ? ContactChange::Op::kAddedBy
                                : ContactChange::Op::kAdded;
      change.contact = normalize_address(std::string(local) + "@" + std::string(domain));
      change.lists = xml::attribute(tag, "l");
      change.friendly_name = url_decode(xml::attribute(tag, "f"));
      emit(time, direction, std::move(change));
      return true;
    });
  }
}

}  // namespace rcds::proto::msnp
