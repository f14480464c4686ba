#include "nis/msnp_report.h"

#include <nlohmann/json.hpp>

#include "proto/msnp/gateway.h"

namespace rcds::nis {

namespace msnp = proto::msnp;
using nlohmann::json;

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// User text may be invalid UTF-8: replace rather than throw.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out.empty() ? "-" : out;
}

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) |
                       (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out.push_back(kAlphabet[(v >> k) & 0x3F]);
  }
  if (i < bytes.size()) {
    uint32_t v = static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8;
    out.push_back(kAlphabet[(v >> 18) & 0x3F]);
    out.push_back(kAlphabet[(v >> 12) & 0x3F]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 0x3F] : '=');
    out.push_back('=');
  }
  return out;
}

// The fields of each event body, named as in events.h.
json body_fields(const msnp::EventBody& body) {
  json j = json::object();
  std::visit(
      Overloaded{
          [&](const msnp::LoginAttempt& e) {
            j = {{"account", e.account},
                 {"auth_scheme", e.auth_scheme},
                 {"versions", e.offered_versions},
                 {"client_name", e.client_name},
                 {"client_version", e.client_version},
                 {"os", e.os},
                 {"locale", e.locale}};
          },
          [&](const msnp::LoginResult& e) {
            j = {{"success", e.success},
                 {"account", e.account},
                 {"friendly_name", e.friendly_name},
                 {"auth_scheme", e.auth_scheme},
                 {"error_code", e.error_code}};
          },
          [&](const msnp::Redirect& e) {
            j = {{"account", e.account}, {"target", e.target}};
          },
          [&](const msnp::Logout& e) {
            j = {{"account", e.account}, {"reason", std::string(msnp::name_of(e.reason))}};
          },
          [&](const msnp::Presence& e) {
            j = {{"account", e.account},
                 {"status", e.status},
                 {"friendly_name", e.friendly_name},
                 {"client_id", e.client_id},
                 {"self", e.self}};
          },
          [&](const msnp::PersonalMessage& e) {
            j = {{"account", e.account}, {"text", e.text}, {"friendly_name", e.friendly_name}};
          },
          [&](const msnp::ContactChange& e) {
            j = {{"op", std::string(msnp::name_of(e.op))},
                 {"contact", e.contact},
                 {"friendly_name", e.friendly_name},
                 {"lists", e.lists}};
          },
          [&](const msnp::SwitchboardReferral& e) {
            j = {{"account", e.account}, {"address", e.address}, {"cookie", e.cookie}};
          },
          [&](const msnp::SwitchboardInvitation& e) {
            j = {{"invitee", e.invitee},
                 {"inviter", e.inviter},
                 {"inviter_friendly_name", e.inviter_friendly_name},
                 {"address", e.address},
                 {"cookie", e.cookie},
                 {"session_id", e.session_id}};
          },
          [&](const msnp::SwitchboardCall& e) {
            j = {{"inviter", e.inviter},
                 {"invitee", e.invitee},
                 {"session_id", e.session_id},
                 {"error_code", e.error_code}};
          },
          [&](const msnp::ParticipantJoined& e) {
            j = {{"how", std::string(msnp::name_of(e.how))},
                 {"account", e.account},
                 {"device_id", e.device_id},
                 {"friendly_name", e.friendly_name},
                 {"cookie", e.cookie},
                 {"session_id", e.session_id},
                 {"ns_flow", e.ns_flow_id},
                 {"roster", e.roster}};
            if (e.ns_flow_id != 0) j["ns_client"] = e.ns_client.to_string();
          },
          [&](const msnp::ParticipantLeft& e) {
            j = {{"account", e.account}, {"reason", e.reason}, {"roster", e.roster}};
            if (!e.device_id.empty()) j["device_id"] = e.device_id;
          },
          [&](const msnp::InstantMessage& e) {
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
          [&](const msnp::Typing& e) {
            j = {{"sender", e.sender}, {"recipients", e.recipients}};
            if (!e.conversation.empty()) j["conversation"] = e.conversation;
          },
          [&](const msnp::Datacast& e) {
            j = {{"sender", e.sender},
                 {"recipients", e.recipients},
                 {"id", e.id},
                 {"data", std::string(e.data)}};
            if (!e.conversation.empty()) j["conversation"] = e.conversation;
          },
          [&](const msnp::FileInvitation& e) {
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
          [&](const msnp::P2pSignal& e) {
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
          [&](const msnp::LoginProfile& e) {
            j = {{"account", e.account},
                 {"client_ip", e.client_ip},
                 {"client_port", e.client_port},
                 {"login_time", e.login_time},
                 {"country", e.country}};
          },
          [&](const msnp::MsnftpTransfer& e) {
            j = {{"stage", std::string(msnp::name_of(e.stage))},
                 {"account", e.account},
                 {"auth_cookie", e.auth_cookie},
                 {"file_size", e.file_size},
                 {"code", e.code}};
          },
          [&](const msnp::DecoderAnomaly& e) {
            j = {{"anomaly", std::string(msnp::name_of(e.kind))}, {"bytes", e.bytes}};
          },
          [&](const msnp::FileData& e) {
            // Content of the intercepted file: carried as base64.
            j = {{"transport", std::string(e.transport)},
                 {"transfer_id", std::string(e.transfer_id)},
                 {"sender", std::string(e.sender)},
                 {"file_name", std::string(e.file_name)},
                 {"offset", e.offset},
                 {"length", e.bytes.size()},
                 {"data_base64", base64(e.bytes)}};
          },
          [&](const msnp::FileComplete& e) {
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
          [&](const msnp::TransferAnomaly& e) {
            j = {{"anomaly", std::string(msnp::name_of(e.kind))},
                 {"transfer_id", e.transfer_id},
                 {"bytes", e.bytes}};
          },
      },
      body);
  return j;
}

std::string quote_text(std::string_view text) { return dump(json(std::string(text))); }

// " in 10:{guid}@live.com" for MSNP21 group conversations, "" otherwise.
std::string in_group(const std::string& conversation) {
  return conversation.empty() ? "" : " in " + conversation;
}

// The "what happened" part of a transcript line.
std::string describe(const msnp::EventBody& body) {
  return std::visit(
      Overloaded{
          [](const msnp::InstantMessage& e) {
            return e.sender + " -> " + join(e.recipients) + in_group(e.conversation) +
                   (e.network_id == 32 ? " (Yahoo!)" : "") + ": " + quote_text(e.text);
          },
          [](const msnp::Typing& e) {
            return e.sender + " is typing to " + join(e.recipients) + in_group(e.conversation);
          },
          [](const msnp::Datacast& e) {
            return e.sender +
                   (e.id == 1 ? " nudges " : " datacast " + std::to_string(e.id) + " to ") +
                   join(e.recipients) + in_group(e.conversation);
          },
          [](const msnp::ParticipantJoined& e) {
            return e.account + " joined (" + std::string(msnp::name_of(e.how)) +
                   "), roster: " + join(e.roster);
          },
          [](const msnp::ParticipantLeft& e) {
            const std::string who = e.device_id.empty() ? e.account : e.account + ";" + e.device_id;
            return who + " left (" + e.reason + "), roster: " + join(e.roster);
          },
          [](const msnp::FileInvitation& e) {
            std::string s = e.sender + " file " + e.command + " cookie " + e.cookie;
            if (!e.file_name.empty()) {
              s += " " + quote_text(e.file_name) + " " + std::to_string(e.file_size) + " bytes";
            }
            if (!e.ip_address.empty()) s += " at " + e.ip_address + ":" + std::to_string(e.port);
            return s + " -> " + join(e.recipients);
          },
          [](const msnp::P2pSignal& e) {
            std::string s =
                e.sender + " p2p " + (e.method.empty() ? std::to_string(e.status) : e.method);
            if (!e.file_name.empty()) {
              s +=
                  " file " + quote_text(e.file_name) + " " + std::to_string(e.file_size) + " bytes";
            }
            return s + " session " + e.session_id + " -> " + join(e.recipients);
          },
          [](const msnp::FileData& e) {
            return "file " + quote_text(e.file_name) + " " + std::string(e.transport) + " " +
                   std::string(e.transfer_id) + " at " + std::to_string(e.offset) + ": " +
                   std::to_string(e.bytes.size()) + " bytes";
          },
          [](const msnp::FileComplete& e) {
            std::string s = "file " + quote_text(e.file_name) + ": " + std::to_string(e.received) +
                            " bytes, sha256 " + (e.sha256.empty() ? "-" : e.sha256) + " (" +
                            (e.complete ? "complete" : "incomplete") + ", declared " +
                            std::to_string(e.declared_size);
            if (e.missing != 0) s += ", " + std::to_string(e.missing) + " missing";
            return s + ", " + e.transport + " " + e.transfer_id + ", end " + e.end + ")";
          },
          [&](const auto&) {
            // Everything else: its fields as compact JSON.
            return dump(body_fields(body));
          },
      },
      body);
}

}  // namespace

std::string format_msnp_text(const msnp::MsnpEvent& event) {
  const msnp::EventContext& c = event.context;
  return format_iso8601(c.time) + " #" + std::to_string(c.flow_id) + " " +
         std::string(msnp::name_of(c.connection)) +
         (c.tunnelled ? " via gateway " + c.gateway_session : std::string()) + " " +
         std::string(msnp::event_name(event.body)) + ": " + describe(event.body);
}

std::string format_msnp_json(const msnp::MsnpEvent& event) {
  const msnp::EventContext& c = event.context;
  json j;
  j["type"] = "msnp";
  j["event"] = std::string(msnp::event_name(event.body));
  j["time"] = format_iso8601(c.time);
  j["flow"] = c.flow_id;
  j["client"] = c.client.to_string();
  j["server"] = c.server.to_string();
  j["connection"] = std::string(msnp::name_of(c.connection));
  j["direction"] = std::string(flow::name_of(c.direction));
  j["owner"] = c.owner;
  if (c.version != 0) j["version"] = c.version;
  if (c.tunnelled) {
    j["gateway_session"] = c.gateway_session;
    j["tunnel_server"] = c.tunnel_server;
  }
  const json fields = body_fields(event.body);  // items() must not outlive it
  for (const auto& [key, value] : fields.items()) j[key] = value;
  return dump(j);
}

void MsnpReport::on_event(const msnp::MsnpEvent& event) {
  ++events_;
  if (keep_) lines_.push_back(json_ ? format_msnp_json(event) : format_msnp_text(event));
}

void print_msnp(std::FILE* out, const MsnpReport& report, bool json) {
  if (!json) {
    std::fprintf(out, "msn events: %llu\n", static_cast<unsigned long long>(report.events()));
  }
  for (const std::string& line : report.lines()) {
    std::fprintf(out, json ? "%s\n" : "  %s\n", line.c_str());
  }
}

flow::StreamHandler* MsnpFactory::open(const flow::StreamInfo& info) {
  if (info.protocol == "msnp") {
    ++opened_;
    // A direct MSNP connection or the HTTP gateway, told apart by its first bytes.
    return new msnp::MsnpConnection(info, sink_, &session_);
  }
  return fallback_.open(info);
}

void MsnpFactory::release(flow::StreamHandler* handler) {
  if (auto* decoder = dynamic_cast<msnp::MsnpConnection*>(handler)) {
    delete decoder;
    return;
  }
  fallback_.release(handler);
}

}  // namespace rcds::nis
