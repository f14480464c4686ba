#include "proto/msnp/event_fields.h"

#include "util/base64.h"

namespace rcds::proto::msnp {

using nlohmann::json;

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

json event_fields(const EventBody& body) {
  json j = json::object();
  std::visit(
      Overloaded{
          [&](const LoginAttempt& e) {
            j = {{"account", e.account},
                 {"auth_scheme", e.auth_scheme},
                 {"versions", e.offered_versions},
                 {"client_name", e.client_name},
                 {"client_version", e.client_version},
                 {"os", e.os},
                 {"locale", e.locale}};
          },
          [&](const LoginResult& e) {
            j = {{"success", e.success},
                 {"account", e.account},
                 {"friendly_name", e.friendly_name},
                 {"auth_scheme", e.auth_scheme},
                 {"error_code", e.error_code}};
          },
          [&](const Redirect& e) {
            j = {{"account", e.account}, {"target", e.target}};
          },
          [&](const Logout& e) {
            j = {{"account", e.account}, {"reason", std::string(name_of(e.reason))}};
          },
          [&](const Presence& e) {
            j = {{"account", e.account},
                 {"status", e.status},
                 {"friendly_name", e.friendly_name},
                 {"client_id", e.client_id},
                 {"self", e.self}};
          },
          [&](const PersonalMessage& e) {
            j = {{"account", e.account}, {"text", e.text}, {"friendly_name", e.friendly_name}};
          },
          [&](const ContactChange& e) {
            j = {{"op", std::string(name_of(e.op))},
                 {"contact", e.contact},
                 {"friendly_name", e.friendly_name},
                 {"lists", e.lists}};
          },
          [&](const SwitchboardReferral& e) {
            j = {{"account", e.account}, {"address", e.address}, {"cookie", e.cookie}};
          },
          [&](const SwitchboardInvitation& e) {
            j = {{"invitee", e.invitee},
                 {"inviter", e.inviter},
                 {"inviter_friendly_name", e.inviter_friendly_name},
                 {"address", e.address},
                 {"cookie", e.cookie},
                 {"session_id", e.session_id}};
          },
          [&](const SwitchboardCall& e) {
            j = {{"inviter", e.inviter},
                 {"invitee", e.invitee},
                 {"session_id", e.session_id},
                 {"error_code", e.error_code}};
          },
          [&](const ParticipantJoined& e) {
            j = {{"how", std::string(name_of(e.how))},
                 {"account", e.account},
                 {"device_id", e.device_id},
                 {"friendly_name", e.friendly_name},
                 {"cookie", e.cookie},
                 {"session_id", e.session_id},
                 {"ns_flow", e.ns_flow_id},
                 {"roster", e.roster}};
            if (e.ns_flow_id != 0) j["ns_client"] = e.ns_client.to_string();
          },
          [&](const ParticipantLeft& e) {
            j = {{"account", e.account}, {"reason", e.reason}, {"roster", e.roster}};
            if (!e.device_id.empty()) j["device_id"] = e.device_id;
          },
          [&](const InstantMessage& e) {
            j = {{"sender", e.sender},
                 {"recipients", e.recipients},
                 {"text", std::string(e.text)},
                 {"format", std::string(e.format)},
                 {"size", e.size}};
            if (e.network_id != 0) j["network_id"] = e.network_id;
            if (!e.message_id.empty()) {
              j["message_id"] = std::string(e.message_id);
              j["chunk"] = e.chunk;
              j["chunks"] = e.chunks;
            }
            if (e.ack_mode != 0) j["ack_mode"] = std::string(1, e.ack_mode);
            if (!e.conversation.empty()) j["conversation"] = e.conversation;
          },
          [&](const Typing& e) {
            j = {{"sender", e.sender}, {"recipients", e.recipients}};
            if (!e.conversation.empty()) j["conversation"] = e.conversation;
          },
          [&](const Datacast& e) {
            j = {{"sender", e.sender},
                 {"recipients", e.recipients},
                 {"id", e.id},
                 {"data", std::string(e.data)}};
            if (!e.conversation.empty()) j["conversation"] = e.conversation;
          },
          [&](const FileInvitation& e) {
            j = {{"sender", e.sender},
                 {"recipients", e.recipients},
                 {"command", e.command},
                 {"cookie", e.cookie},
                 {"application", e.application_name},
                 {"application_guid", e.application_guid},
                 {"file_name", e.file_name},
                 {"file_size", e.file_size},
                 {"ip_address", e.ip_address},
                 {"ip_address_internal", e.ip_address_internal},
                 {"port", e.port},
                 {"auth_cookie", e.auth_cookie},
                 {"cancel_code", e.cancel_code}};
          },
          [&](const P2pSignal& e) {
            j = {{"sender", e.sender},
                 {"recipients", e.recipients},
                 {"method", e.method},
                 {"status", e.status},
                 {"to", e.to},
                 {"from", e.from},
                 {"call_id", e.call_id},
                 {"session_id", e.session_id},
                 {"euf_guid", e.euf_guid},
                 {"app_id", e.app_id},
                 {"file_name", e.file_name},
                 {"file_size", e.file_size}};
          },
          [&](const LoginProfile& e) {
            j = {{"account", e.account},
                 {"client_ip", e.client_ip},
                 {"client_port", e.client_port},
                 {"login_time", e.login_time},
                 {"country", e.country}};
          },
          [&](const MsnftpTransfer& e) {
            j = {{"stage", std::string(name_of(e.stage))},
                 {"account", e.account},
                 {"auth_cookie", e.auth_cookie},
                 {"file_size", e.file_size},
                 {"code", e.code}};
          },
          [&](const DecoderAnomaly& e) {
            j = {{"anomaly", std::string(name_of(e.kind))}, {"bytes", e.bytes}};
          },
          [&](const FileData& e) {
            // Content of the intercepted file: carried as base64.
            j = {{"transport", std::string(e.transport)},
                 {"transfer_id", std::string(e.transfer_id)},
                 {"sender", std::string(e.sender)},
                 {"file_name", std::string(e.file_name)},
                 {"offset", e.offset},
                 {"length", e.bytes.size()},
                 {"data_base64", base64(e.bytes)}};
          },
          [&](const FileComplete& e) {
            j = {{"transport", e.transport},
                 {"transfer_id", e.transfer_id},
                 {"sender", e.sender},
                 {"file_name", e.file_name},
                 {"declared_size", e.declared_size},
                 {"received", e.received},
                 {"missing", e.missing},
                 {"complete", e.complete},
                 {"sha256", e.sha256},
                 {"end", e.end}};
          },
          [&](const TransferAnomaly& e) {
            j = {{"anomaly", std::string(name_of(e.kind))},
                 {"transfer_id", e.transfer_id},
                 {"bytes", e.bytes}};
          },
      },
      body);
  return j;
}

}  // namespace rcds::proto::msnp
