#include "nis/msnp_report.h"

#include <new>
#include <nlohmann/json.hpp>
#include <type_traits>
#include <typeinfo>

#include "proto/msnp/event_fields.h"
#include "proto/msnp/gateway.h"
#include "proto/msnp/p2p_direct.h"
#include "util/overloaded.h"

namespace rcds::nis {

namespace msnp = proto::msnp;
using nlohmann::json;

namespace {

// User text may be invalid UTF-8: replace rather than throw.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string join(msnp::AccountList items) {
  std::string out;
  for (const std::string_view item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out.empty() ? "-" : out;
}

std::string quote_text(std::string_view text) { return dump(json(std::string(text))); }

// " in 10:{guid}@live.com" for MSNP21 group conversations, "" otherwise.
std::string in_group(std::string_view conversation) {
  return conversation.empty() ? "" : " in " + std::string(conversation);
}

// The "what happened" part of a transcript line.
std::string describe(const msnp::EventBody& body) {
  return std::visit(
      Overloaded{
          [](const msnp::InstantMessage& e) {
            return std::string(e.sender) + " -> " + join(e.recipients) + in_group(e.conversation) +
                   (e.network_id == 32 ? " (Yahoo!)" : "") + ": " + quote_text(e.text);
          },
          [](const msnp::Typing& e) {
            return std::string(e.sender) + " is typing to " + join(e.recipients) +
                   in_group(e.conversation);
          },
          [](const msnp::Datacast& e) {
            return std::string(e.sender) +
                   (e.id == 1 ? " nudges " : " datacast " + std::to_string(e.id) + " to ") +
                   join(e.recipients) + in_group(e.conversation);
          },
          [](const msnp::ParticipantJoined& e) {
            return std::string(e.account) + " joined (" + std::string(msnp::name_of(e.how)) +
                   "), roster: " + join(e.roster);
          },
          [](const msnp::ParticipantLeft& e) {
            const std::string who = std::string(e.account) + (e.device_id.empty() ? "" : ";") +
                                    std::string(e.device_id);
            return who + " left (" + std::string(e.reason) + "), roster: " + join(e.roster);
          },
          [](const msnp::FileInvitation& e) {
            std::string s = std::string(e.sender) + " file " + e.command + " cookie " + e.cookie;
            if (!e.file_name.empty()) {
              s += " " + quote_text(e.file_name) + " " + std::to_string(e.file_size) + " bytes";
            }
            if (!e.ip_address.empty()) s += " at " + e.ip_address + ":" + std::to_string(e.port);
            return s + " -> " + join(e.recipients);
          },
          [](const msnp::P2pSignal& e) {
            std::string s = std::string(e.sender) + " p2p " +
                            (e.method.empty() ? std::to_string(e.status) : e.method);
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
            return dump(msnp::event_fields(body));
          },
      },
      body);
}

}  // namespace

std::string format_msnp_text(const msnp::MsnpEvent& event) {
  const msnp::EventContext& c = event.context;
  return format_iso8601(c.time) + " #" + std::to_string(c.flow_id) + " " +
         std::string(msnp::name_of(c.connection)) +
         (c.tunnelled ? " via gateway " + std::string(c.gateway_session) : std::string()) + " " +
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
    if (!c.proxy.empty()) j["proxy"] = c.proxy;
  }
  const json fields = msnp::event_fields(event.body);  // items() must not outlive it
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
  if (info.protocol == msnp::kP2pDirectProtocol) {
    // A direct P2P connection between two clients (TCPv1 bridge, MSNP.md §9.3).
    ++opened_;
    return new msnp::P2pDirectDecoder(info, sink_, &session_);
  }
  if (info.protocol != "msnp") return fallback_.open(info);
  ++opened_;
  void* storage = connections_.allocate();
  try {
    // A direct MSNP connection or the HTTP gateway, told apart by its first bytes.
    return new (storage) msnp::MsnpConnection(info, sink_, &session_);
  } catch (...) {
    connections_.release(storage);
    throw;
  }
}

namespace {
// Whether `handler` is exactly a T (T is final). Compared by type_info
// address: T has a key function, so its type_info exists once in the
// program. std::type_info::operator== would strcmp the mangled names of
// two different types, and release() runs that test for every flow.
template <class T>
bool is_exactly(const flow::StreamHandler& handler) {
  static_assert(std::is_final_v<T>);
  return &typeid(handler) == &typeid(T);
}
}  // namespace

void MsnpFactory::release(flow::StreamHandler* handler) {
  if (handler != nullptr && is_exactly<msnp::P2pDirectDecoder>(*handler)) {
    delete static_cast<msnp::P2pDirectDecoder*>(handler);
    return;
  }
  if (handler == nullptr || !is_exactly<msnp::MsnpConnection>(*handler)) {
    fallback_.release(handler);
    return;
  }
  auto* connection = static_cast<msnp::MsnpConnection*>(handler);
  connection->~MsnpConnection();
  connections_.release(connection);
}

}  // namespace rcds::nis
