#include "handover/destination_file.h"

#include <limits>
#include <set>

#include "intercept/structured_text.h"

namespace rcds::handover {

using intercept::in_quotes;
using intercept::shown;
using intercept::type_name;
using json = nlohmann::json;

std::string_view name_of(HandoverInterface interface) {
  return interface == HandoverInterface::kHi2 ? "hi2" : "hi3";
}

namespace {

class Reader {
 public:
  bool file(const json& root, std::vector<Destination>& out) {
    const json* list = &root;
    if (root.is_object()) {
      for (const auto& [key, value] : root.items()) {
        if (key != "destinations") return fail("unknown top-level key " + in_quotes(key));
      }
      if (!root.contains("destinations")) return fail("missing \"destinations\"");
      list = &root["destinations"];
    }
    if (!list->is_array()) return fail("\"destinations\" must be a list");
    std::set<std::string> names;
    for (size_t i = 0; i < list->size(); ++i) {
      Destination d;
      where_ = "destination " + std::to_string(i + 1);
      if (!destination((*list)[i], d)) return false;
      if (!names.insert(d.name).second) return fail("name " + in_quotes(d.name) + " repeats");
      out.push_back(std::move(d));
    }
    return true;
  }
  const std::string& error() const { return error_; }

 private:
  bool fail(const std::string& message) {
    error_ = where_.empty() ? message : where_ + ": " + message;
    return false;
  }
  bool field_fail(std::string_view field, const std::string& message) {
    return fail("field " + in_quotes(field) + ": " + message);
  }

  bool text(const json& entry, std::string_view field, bool required, size_t max_length,
            std::string& out) {
    if (!entry.contains(field)) return !required || field_fail(field, "missing");
    const json& value = entry[std::string(field)];
    if (!value.is_string()) {
      return field_fail(field, std::string("must be a string, not ") + type_name(value));
    }
    out = value.get<std::string>();
    if (out.empty() && required) return field_fail(field, "empty");
    if (out.size() > max_length) {
      return field_fail(field, shown(value) + " is longer than " + std::to_string(max_length));
    }
    return true;
  }

  bool number(const json& entry, std::string_view field, int64_t min, int64_t max, int64_t& out) {
    if (!entry.contains(field)) return true;
    const json& value = entry[std::string(field)];
    if (!value.is_number_integer()) {
      return field_fail(field, std::string("must be a whole number, not ") + type_name(value));
    }
    const int64_t v = value.get<int64_t>();
    if (v < min || v > max) {
      return field_fail(field, std::to_string(v) + " is outside " + std::to_string(min) + ".." +
                                   std::to_string(max));
    }
    out = v;
    return true;
  }

  bool address(const json& entry, std::string_view field, std::string& out) {
    if (!text(entry, field, true, 300, out)) return false;
    const size_t colon = out.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == out.size()) {
      return field_fail(field, in_quotes(out) + " is not HOST:PORT");
    }
    int64_t port = 0;
    for (char c : out.substr(colon + 1)) {
      if (c < '0' || c > '9' || port > 65535)
        return field_fail(field, "bad port in " + in_quotes(out));
      port = port * 10 + (c - '0');
    }
    if (port == 0 || port > 65535) return field_fail(field, "bad port in " + in_quotes(out));
    return true;
  }

  bool destination(const json& entry, Destination& d) {
    static constexpr std::string_view kFields[] = {"name",
                                                   "hi2",
                                                   "hi3",
                                                   "encoding",
                                                   "tls",
                                                   "operator_id",
                                                   "network_element_id",
                                                   "authorisation_country",
                                                   "delivery_country",
                                                   "keepalive_interval_ms",
                                                   "keepalive_batch_ms",
                                                   "response_timeout_ms",
                                                   "reconnect_min_ms",
                                                   "reconnect_max_ms",
                                                   "spool_limit_mib"};
    if (!entry.is_object()) return fail(std::string("must be an object, not ") + type_name(entry));
    for (const auto& [key, value] : entry.items()) {
      bool known = false;
      for (std::string_view f : kFields) known = known || key == f;
      if (!known) return fail("unknown field " + in_quotes(key));
    }
    if (!text(entry, "name", true, 64, d.name)) return false;
    where_ += " (" + in_quotes(d.name) + ")";
    if (!address(entry, "hi2", d.hi2_address) || !address(entry, "hi3", d.hi3_address)) {
      return false;
    }
    std::string encoding = "etsi";
    if (!text(entry, "encoding", false, 16, encoding)) return false;
    if (encoding == "etsi") {
      d.encoding = Encoding::kEtsi;
    } else if (encoding == "x2x3") {
      d.encoding = Encoding::kX2X3;
    } else {
      return field_fail("encoding", in_quotes(encoding) + " is not \"etsi\" or \"x2x3\"");
    }
    // ETSI_HANDOVER.md §3: operator and network element ids are short octet strings.
    if (!text(entry, "operator_id", false, 16, d.operator_id) ||
        !text(entry, "network_element_id", false, 16, d.network_element_id) ||
        !text(entry, "authorisation_country", false, 2, d.authorisation_country) ||
        !text(entry, "delivery_country", false, 2, d.delivery_country)) {
      return false;
    }
    int64_t v = d.keepalive_interval_ms;
    if (!number(entry, "keepalive_interval_ms", 10, 3'600'000, v)) return false;
    d.keepalive_interval_ms = static_cast<int>(v);
    v = d.keepalive_batch_ms;
    if (!number(entry, "keepalive_batch_ms", 1, 60'000, v)) return false;
    d.keepalive_batch_ms = static_cast<int>(v);
    v = d.response_timeout_ms;
    if (!number(entry, "response_timeout_ms", 10, 600'000, v)) return false;
    d.response_timeout_ms = static_cast<int>(v);
    v = d.reconnect_min_ms;
    if (!number(entry, "reconnect_min_ms", 1, 600'000, v)) return false;
    d.reconnect_min_ms = static_cast<int>(v);
    v = d.reconnect_max_ms;
    if (!number(entry, "reconnect_max_ms", d.reconnect_min_ms, 3'600'000, v)) return false;
    d.reconnect_max_ms = static_cast<int>(v);
    v = static_cast<int64_t>(d.spool_limit_bytes >> 20);
    if (!number(entry, "spool_limit_mib", 1, int64_t{1} << 30, v)) return false;
    d.spool_limit_bytes = static_cast<uint64_t>(v) << 20;
    if (entry.contains("tls")) {
      const json& tls = entry["tls"];
      if (!tls.is_object()) return field_fail("tls", "must be an object");
      for (const auto& [key, value] : tls.items()) {
        if (key != "ca" && key != "cert" && key != "key" && key != "server_name") {
          return field_fail("tls", "unknown field " + in_quotes(key));
        }
      }
      d.tls.enabled = true;
      if (!text(tls, "ca", true, 4096, d.tls.ca_file) ||
          !text(tls, "cert", false, 4096, d.tls.cert_file) ||
          !text(tls, "key", false, 4096, d.tls.key_file) ||
          !text(tls, "server_name", false, 255, d.tls.server_name)) {
        return false;
      }
      if (d.tls.cert_file.empty() != d.tls.key_file.empty()) {
        return field_fail("tls", "a client certificate needs both \"cert\" and \"key\"");
      }
    }
    return true;
  }

  std::string where_;
  std::string error_;
};

}  // namespace

bool parse_destinations(std::string_view text, std::vector<Destination>& out, std::string& error) {
  try {
    json root;
    intercept::TextFormat format{};
    if (!intercept::parse_structured_text(text, "destination file", root, format, error)) {
      return false;
    }
    Reader reader;
    std::vector<Destination> parsed;
    if (!reader.file(root, parsed)) {
      error = reader.error();
      return false;
    }
    out = std::move(parsed);
    return true;
  } catch (const std::exception& e) {
    error = std::string("destination file: ") + e.what();
  }
  return false;
}

}  // namespace rcds::handover
