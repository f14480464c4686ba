// Records from MSNP events (ETSI_HANDOVER.md §7 mapping, docs/interception.md).
#include <algorithm>

#include "intercept/engine.h"
#include "intercept/engine_state.h"
#include "proto/msnp/event_fields.h"

namespace rcds::intercept {

namespace msnp = proto::msnp;
using nlohmann::json;

namespace {

bool is_content_field(std::string_view key) {
  return std::find(std::begin(msnp::kContentFields), std::end(msnp::kContentFields), key) !=
         std::end(msnp::kContentFields);
}

std::string value_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_array()) {
    std::string out;
    for (const json& item : value) {
      if (!out.empty()) out += ",";
      out += value_text(item);
    }
    return out;
  }
  return value.dump();
}

std::string msn_identity(std::string_view account) { return "msn:" + std::string(account); }

// Who takes part: sender and recipients where the event has them, the
// roster for joins and leaves, else the account it is about.
void add_parties(const json& fields, const msnp::EventContext& c, Record& record) {
  auto party = [&](Party::Role role, const std::string& account) {
    if (!account.empty()) record.parties.push_back({role, msn_identity(account)});
  };
  if (fields.contains("sender")) {
    party(Party::Role::kOriginator, fields["sender"].get<std::string>());
    if (fields.contains("recipients")) {
      for (const json& r : fields["recipients"])
        party(Party::Role::kRecipient, r.get<std::string>());
    }
    return;
  }
  if (fields.contains("account")) party(Party::Role::kParticipant, fields["account"]);
  if (fields.contains("roster")) {
    for (const json& member : fields["roster"]) {
      if (member != fields.value("account", "")) party(Party::Role::kParticipant, member);
    }
  }
  if (record.parties.empty()) party(Party::Role::kParticipant, std::string(c.owner));
}

PayloadDirection direction_for(const Record& record, const std::string& account) {
  const std::string identity = msn_identity(account);
  for (const Party& p : record.parties) {
    if (p.identity != identity) continue;
    if (p.role == Party::Role::kOriginator) return PayloadDirection::kFromTarget;
    if (p.role == Party::Role::kRecipient) return PayloadDirection::kToTarget;
  }
  return PayloadDirection::kUnknown;
}

// IRI-REPORT events: not part of a communication's course (ETSI §7: failed
// logins), or facts about the interception itself (anomalies).
bool is_report(const msnp::EventBody& body) {
  if (const auto* result = std::get_if<msnp::LoginResult>(&body)) return !result->success;
  // A refused request (ADD of a contact, XFR while hidden, ...) is a fact
  // about the account, not a step of a communication.
  return std::holds_alternative<msnp::LoginAttempt>(body) ||
         std::holds_alternative<msnp::Redirect>(body) ||
         std::holds_alternative<msnp::CommandError>(body) ||
         std::holds_alternative<msnp::DecoderAnomaly>(body) ||
         std::holds_alternative<msnp::TransferAnomaly>(body);
}

}  // namespace

void InterceptEngine::record_msn(const msnp::MsnpEvent& event, Connection& connection) {
  const msnp::EventContext& c = event.context;
  const msnp::EventBody& body = event.body;
  const auto* left = std::get_if<msnp::ParticipantLeft>(&body);
  const auto* message = std::get_if<msnp::InstantMessage>(&body);
  const auto* pager = std::get_if<msnp::PagerMessage>(&body);  // IPG: text is content
  const auto* file_data = std::get_if<msnp::FileData>(&body);
  const auto* invitation = std::get_if<msnp::FileInvitation>(&body);
  const bool logout = std::holds_alternative<msnp::Logout>(body);
  const bool report = is_report(body);

  // Built once, for the first interception that covers the event.
  Record base;
  bool built = false;
  auto build = [&] {
    if (built) return;
    built = true;
    base.time = c.time;
    base.protocol = "msnp";
    base.event = msnp::event_name(body);
    base.connection = msnp::name_of(c.connection);
    base.client = c.client;
    base.server = c.server;
    const json fields = msnp::event_fields(body);
    add_parties(fields, c, base);
    base.details.emplace_back("flow", std::to_string(c.flow_id));
    base.details.emplace_back("wire_direction", std::string(flow::name_of(c.direction)));
    if (!c.owner.empty()) base.details.emplace_back("owner", std::string(c.owner));
    if (c.version != 0) base.details.emplace_back("version", std::to_string(c.version));
    if (c.tunnelled) {
      base.details.emplace_back("gateway_session", c.gateway_session);
      base.details.emplace_back("tunnel_server", c.tunnel_server);
      if (!c.proxy.empty()) base.details.emplace_back("proxy", c.proxy);
    }
    for (const auto& [key, value] : fields.items()) {
      if (is_content_field(key)) continue;
      std::string text = value_text(value);
      if (!text.empty()) base.details.emplace_back(key, std::move(text));
    }
  };

  for (auto it = connection.active.begin(); it != connection.active.end();) {
    Interception& in = *it;
    if (!covers(in, c.time)) {
      ++it;
      continue;
    }
    build();
    Record record = base;
    record.direction = direction_for(record, in.account);
    bool ends = false;
    if (file_data != nullptr) {
      // File bytes are content only; the offer and the completion are IRI.
      record.content_kind = ContentKind::kFile;
      record.content_offset = file_data->offset;
      record.content.assign(file_data->bytes);
      emit_cc(in, record);
      ++it;
      continue;
    }
    if (report) {
      emit(in, record, RecordKind::kIriReport);
    } else {
      // This viewpoint of the communication ends: the target logged out,
      // the connection's owner left the switchboard, or the target did.
      ends = (logout && in.basis == Basis::kOwner) ||
             (left != nullptr && (left->account == c.owner ||
                                  (in.basis == Basis::kRoster && left->account == in.account)));
      RecordKind kind = RecordKind::kIriContinue;
      if (ends) {
        kind = in.begun ? RecordKind::kIriEnd : RecordKind::kIriReport;
      } else if (!in.begun) {
        kind = RecordKind::kIriBegin;
        in.begun = true;
      }
      emit(in, record, kind);
    }
    if (message != nullptr) {
      record.content_kind = ContentKind::kMessage;
      record.content.assign(message->text);
      emit_cc(in, record);
    }
    if (pager != nullptr && !pager->text.empty()) {
      record.content_kind = ContentKind::kMessage;
      record.content.assign(pager->text);
      emit_cc(in, record);
    }
    if (invitation != nullptr && invitation->command == "ACCEPT") {
      remember_transfer(invitation->auth_cookie, in);
    }
    if (const auto* transport = std::get_if<msnp::P2pTransport>(&body)) {
      // The direct connection's handshake presents this nonce (or the
      // nonce whose SHA-1 is the Hashed-Nonce): see on_event.
      if (!transport->nonce.empty()) remember_transfer("p2p:" + transport->nonce, in);
      if (!transport->hashed_nonce.empty()) {
        remember_transfer("p2p:" + transport->hashed_nonce, in);
      }
    }
    if ((logout && in.basis == Basis::kOwner) || (left != nullptr && left->account == c.owner)) {
      connection.owner_session_over = true;
    }
    it = ends ? connection.active.erase(it) : it + 1;
  }
}

}  // namespace rcds::intercept
