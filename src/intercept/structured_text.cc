#include "intercept/structured_text.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>
#include <vector>

namespace rcds::intercept {

using json = nlohmann::json;

// Quoted text for error messages, control characters escaped.
std::string in_quotes(std::string_view text) {
  std::string s = "\"";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '"' || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      s += buf;
    } else {
      s += c;
    }
  }
  s += '"';
  return s;
}

// A JSON value as shown in an error: strings quoted, everything else dumped
// (invalid UTF-8 replaced, never thrown on).
std::string shown(const json& value) {
  if (value.is_string()) return in_quotes(value.get_ref<const std::string&>());
  std::string s = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

const char* type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "number";
    case json::value_t::string:
      return "string";
    case json::value_t::array:
      return "list";
    case json::value_t::object:
      return "object";
    default:
      return "unsupported value";
  }
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// ---------------------------------------------------------------------------
// YAML to the JSON tree. Plain scalars resolve like the YAML 1.2 core schema
// (so `liid: 0001` is the number 1, not the string "0001", exactly as any
// YAML tool reads it); quoted scalars are strings. Validation then runs on
// the one tree type for both formats.

constexpr int kMaxDepth = 64;
constexpr size_t kMaxNodes = 1'000'000;  // aliases can expand exponentially

bool all_of(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}
bool is_octal(char c) { return c >= '0' && c <= '7'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+
bool yaml_int(std::string_view s) {
  if (s.size() > 2 && s[0] == '0' && s[1] == 'o') return all_of(s.substr(2), is_octal);
  if (s.size() > 2 && s[0] == '0' && s[1] == 'x') return all_of(s.substr(2), is_hex);
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return all_of(s, is_digit);
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)
bool yaml_float(std::string_view s) {
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return true;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s == ".inf" || s == ".Inf" || s == ".INF") return true;
  size_t pos = 0;
  size_t int_digits = 0;
  while (pos < s.size() && is_digit(s[pos])) ++pos, ++int_digits;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t frac_digits = 0;
    while (pos < s.size() && is_digit(s[pos])) ++pos, ++frac_digits;
    if (int_digits == 0 && frac_digits == 0) return false;
  } else if (int_digits == 0) {
    return false;
  }
  if (pos < s.size() && (s[pos] == 'e' || s[pos] == 'E')) {
    ++pos;
    if (pos < s.size() && (s[pos] == '-' || s[pos] == '+')) ++pos;
    return all_of(s.substr(pos), is_digit);
  }
  return pos == s.size();
}

json yaml_number(const std::string& s, bool integer) {
  if (integer) {
    int base = 10;
    std::string_view digits = s;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'o' || digits[1] == 'x')) {
      base = digits[1] == 'o' ? 8 : 16;
      digits.remove_prefix(2);
    }
    if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
    if (ec == std::errc() && ptr == digits.data() + digits.size()) return json(v);
  }
  // Floats, and integers too large for int64: the value only ever shows up
  // in a type error, so a double is precise enough.
  return json(std::strtod(s.c_str(), nullptr));
}

class YamlToJson {
 public:
  bool convert(const YAML::Node& node, json& out, int depth) {
    if (++nodes_ > kMaxNodes) return fail(node, "document too large (alias expansion?)");
    if (depth > kMaxDepth) return fail(node, "nested too deeply");
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out = nullptr;
        return true;
      case YAML::NodeType::Scalar:
        return scalar(node, out);
      case YAML::NodeType::Sequence:
        out = json::array();
        for (const YAML::Node& item : node) {
          json value;
          if (!convert(item, value, depth + 1)) return false;
          out.push_back(std::move(value));
        }
        return true;
      case YAML::NodeType::Map:
        out = json::object();
        for (const auto& pair : node) {
          if (!pair.first.IsScalar()) return fail(pair.first, "mapping keys must be plain text");
          const std::string& key = pair.first.Scalar();
          if (out.contains(key)) return fail(pair.first, "duplicate key " + in_quotes(key));
          json value;
          if (!convert(pair.second, value, depth + 1)) return false;
          out[key] = std::move(value);
        }
        return true;
    }
    return fail(node, "unsupported node");
  }

  const std::string& error() const { return error_; }

 private:
  bool scalar(const YAML::Node& node, json& out) {
    const std::string& s = node.Scalar();
    const std::string& tag = node.Tag();
    if (tag == "!" || tag == "tag:yaml.org,2002:str") {  // quoted, block or !!str
      out = s;
      return true;
    }
    const bool plain = tag == "?" || tag.empty();
    if ((plain || tag == "tag:yaml.org,2002:null") &&
        (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL")) {
      out = nullptr;
      return true;
    }
    if (plain || tag == "tag:yaml.org,2002:bool") {
      if (s == "true" || s == "True" || s == "TRUE") {
        out = true;
        return true;
      }
      if (s == "false" || s == "False" || s == "FALSE") {
        out = false;
        return true;
      }
    }
    if ((plain || tag == "tag:yaml.org,2002:int") && yaml_int(s)) {
      out = yaml_number(s, true);
      return true;
    }
    if ((plain || tag == "tag:yaml.org,2002:float" || tag == "tag:yaml.org,2002:int") &&
        yaml_float(s)) {
      out = yaml_number(s, false);
      return true;
    }
    if (plain) {
      out = s;
      return true;
    }
    return fail(node, "unsupported or mismatched tag " + in_quotes(tag) + " on " + in_quotes(s));
  }

  bool fail(const YAML::Node& node, const std::string& reason) {
    const YAML::Mark mark = node.Mark();
    error_ = "YAML";
    if (!mark.is_null()) error_ += " line " + std::to_string(mark.line + 1);
    error_ += ": " + reason;
    return false;
  }

  size_t nodes_ = 0;
  std::string error_;
};

bool parse_json(std::string_view text, json& root, std::string& error) {
  // nlohmann keeps the last of duplicate keys silently; a duplicated
  // "targets" would drop targets without a word, so duplicates are errors.
  std::vector<std::set<std::string>> open;
  std::string duplicate;
  const json::parser_callback_t callback = [&](int /*depth*/, json::parse_event_t event,
                                               json& parsed) {
    if (event == json::parse_event_t::object_start) {
      open.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      if (!open.empty()) open.pop_back();
    } else if (event == json::parse_event_t::key && !open.empty() && parsed.is_string()) {
      if (!open.back().insert(parsed.get<std::string>()).second && duplicate.empty()) {
        duplicate = parsed.get<std::string>();
      }
    }
    return true;
  };
  try {
    root = json::parse(text.begin(), text.end(), callback);
  } catch (const json::exception& e) {
    error = std::string("JSON: ") + e.what();
    return false;
  }
  if (!duplicate.empty()) {
    error = "JSON: duplicate key " + in_quotes(duplicate);
    return false;
  }
  return true;
}

// Counts nothing; lets the parser walk one document without building it.
class DiscardEvents final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

bool parse_yaml(std::string_view text, json& root, std::string& error) {
  // Count the documents with a bounded loop rather than YAML::LoadAll: in
  // yaml-cpp 0.7 a stream starting with a stray ',' makes the parser report
  // a new empty document forever without consuming anything, and LoadAll
  // then grows without bound (fuzz/crashes/warrant_fuzz/yaml-loadall-comma-runaway,
  // upstream jbeder/yaml-cpp#1040). Two documents are enough to refuse.
  size_t documents = 0;
  YAML::Node document;
  try {
    std::istringstream stream{std::string(text)};
    YAML::Parser parser(stream);
    DiscardEvents discard;
    while (documents < 2 && parser.HandleNextDocument(discard)) ++documents;
    if (documents == 1) document = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    error = std::string("YAML: ") + e.what();
    return false;
  }
  if (documents == 0) {
    error = "empty warrant file";
    return false;
  }
  if (documents > 1) {
    error = "YAML: more than one document; a warrant file holds exactly one";
    return false;
  }
  YamlToJson converter;
  if (!converter.convert(document, root, 0)) {
    error = converter.error();
    return false;
  }
  return true;
}

}  // namespace

bool parse_structured_text(std::string_view text, std::string_view what, json& root,
                           TextFormat& format, std::string& error) {
  // A UTF-8 byte order mark is not part of either format's content.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    error = "empty " + std::string(what);
    return false;
  }
  format = text[first] == '{' || text[first] == '[' ? TextFormat::kJson : TextFormat::kYaml;
  if (format == TextFormat::kJson ? !parse_json(text, root, error)
                                  : !parse_yaml(text, root, error)) {
    return false;
  }
  if (root.is_null()) {
    error = "empty " + std::string(what);
    return false;
  }
  return true;
}

}  // namespace rcds::intercept
