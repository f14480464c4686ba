#include "proto/msnp/event_fields.h"

#include "util/base64.h"
#include "util/overloaded.h"

namespace rcds::proto::msnp {

using nlohmann::json;

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
            if (!e.object_purpose.empty()) {
              j["object_purpose"] = e.object_purpose;
              j["object_creator"] = e.object_creator;
              j["object_size"] = e.object_size;
              j["object_sha1d"] = e.object_sha1d;
            }
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
                 {"purpose", std::string(e.purpose)},
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
                 {"end", e.end},
                 {"purpose", e.purpose}};
            if (!e.object_sha1d.empty() || !e.object_creator.empty()) {
              j["object_creator"] = e.object_creator;
              j["object_type"] = e.object_type;
              j["object_size"] = e.object_size;
              j["object_sha1d"] = e.object_sha1d;
              j["sha1_base64"] = e.sha1_base64;
              j["sha1d_match"] = e.sha1d_match;
            }
          },
          [&](const TransferAnomaly& e) {
            j = {{"anomaly", std::string(name_of(e.kind))},
                 {"transfer_id", e.transfer_id},
                 {"bytes", e.bytes}};
          },
          [&](const P2pTransport& e) {
            j = {{"sender", e.sender},
                 {"recipients", e.recipients},
                 {"method", e.method},
                 {"status", e.status},
                 {"body_type", e.body_type},
                 {"call_id", e.call_id},
                 {"session_id", e.session_id},
                 {"bridges", e.bridges},
                 {"conn_type", e.conn_type},
                 {"net_id", e.net_id},
                 {"upnp_nat", e.upnp_nat},
                 {"icf", e.icf},
                 {"listening", e.listening},
                 {"external_addrs", e.external_addrs},
                 {"external_port", e.external_port},
                 {"internal_addrs", e.internal_addrs},
                 {"internal_port", e.internal_port},
                 {"nonce", e.nonce},
                 {"hashed_nonce", e.hashed_nonce},
                 {"reversed", e.reversed}};
          },
          [&](const P2pDirectHandshake& e) {
            j = {{"nonce", e.nonce},           {"hashed_nonce", e.hashed_nonce},
                 {"matched", e.matched},       {"sb_flow_id", e.sb_flow_id},
                 {"session_id", e.session_id}, {"call_id", e.call_id},
                 {"sender", e.sender},         {"file_name", e.file_name}};
          },
          [&](const CommandError& e) {
            j = {{"command", e.command},
                 {"code", e.code},
                 {"key", e.key},
                 {"trid", e.trid},
                 {"payload_size", e.payload_size}};
          },
          [&](const DeliveryReport& e) {
            j = {{"account", e.account}, {"trid", e.trid}, {"acked", e.acked}};
          },
          [&](const Alert& e) {
            j = {{"account", e.account},       {"id", e.id},
                 {"site_id", e.site_id},       {"site_url", e.site_url},
                 {"action_url", e.action_url}, {"subscription_url", e.subscription_url},
                 {"alert_text", e.alert_text}};
          },
          [&](const PagerMessage& e) {
            j = {{"sender", e.sender},
                 {"recipients", e.recipients},
                 {"text", std::string(e.text)},
                 {"size", e.size}};
          },
          [&](const MailNotification& e) {
            j = {{"kind", std::string(name_of(e.kind))}, {"account", e.account}};
            auto put = [&](const char* key, const std::string& value) {
              if (!value.empty()) j[key] = value;
            };
            put("inbox_unread", e.inbox_unread);
            put("folders_unread", e.folders_unread);
            put("from", e.from);
            put("from_address", e.from_address);
            put("subject", e.subject);
            put("dest_folder", e.dest_folder);
            put("src_folder", e.src_folder);
            put("message_delta", e.message_delta);
          },
          [&](const OfflineMessage& e) {
            j = {{"sender", e.sender},     {"recipients", e.recipients}, {"nick", e.nick},
                 {"received", e.received}, {"message_id", e.message_id}, {"size", e.size}};
          },
          [&](const SystemMessage& e) {
            j = {{"system_type", e.type}, {"arg", e.arg}};
          },
          [&](const ContactGroup& e) {
            j = {{"op", std::string(name_of(e.op))}, {"group_id", e.group_id}, {"name", e.name}};
          },
          [&](const ContactProperty& e) {
            j = {{"account", e.account},
                 {"property", e.property},
                 {"value", e.value},
                 {"self", e.self},
                 {"via", e.via}};
            if (!e.contact_id.empty()) j["contact_id"] = e.contact_id;
          },
          [&](const NetworkLookup& e) {
            j = {{"answer", e.answer}, {"account", e.account}, {"network_id", e.network_id}};
          },
          [&](const UserNotification& e) {
            j = {{"incoming", e.incoming},
                 {"account", e.account},
                 {"notification_type", e.type},
                 {"size", e.size},
                 {"data", std::string(e.data)}};
          },
      },
      body);
  return j;
}

}  // namespace rcds::proto::msnp
