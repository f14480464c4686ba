#include "handover/record_json.h"

#include <nlohmann/json.hpp>

#include "util/base64.h"

namespace rcds::handover {

using intercept::ContentKind;
using intercept::Party;
using intercept::Record;
using intercept::RecordKind;
using nlohmann::json;

namespace {

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

const std::string* detail(const Record& record, std::string_view key) {
  for (const auto& [k, v] : record.details) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string parties_text(const Record& record) {
  std::string originator;
  std::string recipients;
  std::string participants;
  for (const Party& p : record.parties) {
    std::string& list = p.role == Party::Role::kOriginator  ? originator
                        : p.role == Party::Role::kRecipient ? recipients
                                                            : participants;
    if (!list.empty()) list += ", ";
    list += p.identity;
  }
  if (!originator.empty()) return originator + " -> " + (recipients.empty() ? "-" : recipients);
  return participants;
}

}  // namespace

std::string record_json(const Record& r) {
  json j;
  j["liid"] = r.liid;
  j["cin"] = r.cin;
  j["seq"] = r.sequence;
  j["kind"] = std::string(intercept::name_of(r.kind));
  j["time"] = format_iso8601(r.time);
  j["time_us"] = r.time.micros();
  j["sensor"] = r.sensor_id;
  j["target"] = r.target;
  j["protocol"] = r.protocol;
  j["event"] = r.event;
  j["connection"] = r.connection;
  j["client"] = r.client.to_string();
  j["server"] = r.server.to_string();
  j["direction"] = std::string(intercept::name_of(r.direction));
  json parties = json::array();
  for (const Party& p : r.parties) {
    parties.push_back({{"role", std::string(intercept::name_of(p.role))}, {"id", p.identity}});
  }
  j["parties"] = std::move(parties);
  json details = json::object();
  for (const auto& [key, value] : r.details) details[key] = value;
  j["details"] = std::move(details);
  if (r.kind == RecordKind::kCc) {
    j["content_kind"] = std::string(intercept::name_of(r.content_kind));
    j["content_offset"] = r.content_offset;
    j["content_length"] = r.content.size();
    j["content_base64"] = base64(r.content);
    if (r.content_kind == ContentKind::kMessage) j["text"] = r.content;
  }
  return dump(j);
}

std::string notice_json(const intercept::WarrantNotice& notice) {
  json j;
  j["notice"] = std::string(intercept::name_of(notice.kind));
  j["liid"] = notice.liid;
  j["time"] = format_iso8601(notice.time);
  j["detail"] = notice.detail;
  return dump(j);
}

std::string record_transcript_line(const Record& r) {
  std::string line = format_iso8601(r.time) + " CIN " + std::to_string(r.cin) + " #" +
                     std::to_string(r.sequence) + " " + std::string(intercept::name_of(r.kind)) +
                     " " + r.event;
  if (r.kind == RecordKind::kCc) {
    switch (r.content_kind) {
      case ContentKind::kMessage:
        return line + " " + parties_text(r) + ": " + dump(json(r.content));
      case ContentKind::kFile: {
        const std::string* name = detail(r, "file_name");
        return line + " " + (name ? dump(json(*name)) : std::string("\"\"")) + " at " +
               std::to_string(r.content_offset) + ": " + std::to_string(r.content.size()) +
               " bytes";
      }
      default:
        return line + " " + r.client.to_string() + " <-> " + r.server.to_string() + " " +
               std::string(intercept::name_of(r.direction)) + ": " +
               std::to_string(r.content.size()) + " bytes";
    }
  }
  line += " " + parties_text(r);
  // A few details that say what happened, where the event has them.
  for (const char* key : {"success", "op", "contact", "lists", "status", "reason", "how", "inviter",
                          "invitee", "address", "command", "method", "file_name", "file_size",
                          "sha256", "error_code", "anomaly"}) {
    const std::string* value = detail(r, key);
    if (value == nullptr || (*value == "0" && std::string_view(key) == "error_code")) continue;
    line += " " + std::string(key) + "=" + *value;
  }
  if (r.protocol == "ip") line += " " + r.client.to_string() + " <-> " + r.server.to_string();
  // Escape control characters (names and file names are user-chosen).
  std::string safe;
  for (char ch : line) {
    if (static_cast<unsigned char>(ch) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(ch));
      safe += buf;
    } else {
      safe += ch;
    }
  }
  return safe;
}

}  // namespace rcds::handover
