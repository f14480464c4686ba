#include "intercept/warrant_file.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <exception>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <utility>

#include "intercept/structured_text.h"

namespace rcds::intercept {

namespace {

using json = nlohmann::json;

// ---------------------------------------------------------------------------
// Small text helpers.

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at `pos`.
bool read_digits(std::string_view s, size_t& pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (!is_digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  pos += n;
  out = v;
  return true;
}

bool expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

bool is_leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && is_leap(year)) return 29;
  return kDays[static_cast<size_t>(month - 1)];
}

// ---------------------------------------------------------------------------
// Validation: one path for both formats.

constexpr std::array<std::string_view, 9> kWarrantFields = {
    "liid",        "case_reference", "authority", "valid_from", "valid_until",
    "destination", "scope",          "targets",   "revoked_at",
};

constexpr size_t kMaxLiid = 25;  // ETSI TS 102 232-1: LIID is an OCTET STRING (SIZE (1..25))

bool valid_liid_char(char c) {
  return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.' || c == '_' ||
         c == '-';
}

class Validator {
 public:
  explicit Validator(bool yaml) : yaml_(yaml) {}

  bool file(const json& root, std::vector<Warrant>& out) {
    const json* list = &root;
    if (root.is_object()) {
      for (const auto& [key, value] : root.items()) {
        if (key != "warrants") {
          return fail("top level: unknown field " + in_quotes(key) +
                      " (expected only \"warrants\")");
        }
      }
      const auto it = root.find("warrants");
      if (it == root.end()) return fail("top level: missing field \"warrants\"");
      if (!it->is_array()) {
        return fail("top level: field \"warrants\": expected a list, got " +
                    std::string(type_name(*it)));
      }
      list = &*it;
    } else if (!root.is_array()) {
      return fail(std::string("top level: expected an object with \"warrants\" or a list of ") +
                  "warrants, got " + type_name(root));
    }

    std::vector<Warrant> warrants;
    std::map<std::string, size_t> liids;  // liid -> 1-based warrant number
    size_t number = 0;
    for (const json& entry : *list) {
      ++number;
      Warrant w;
      if (!warrant(entry, number, w)) return false;
      const auto [it, inserted] = liids.emplace(w.liid, number);
      if (!inserted) {
        return fail(where_ + ": field \"liid\": " + in_quotes(w.liid) +
                    " already used by warrant " + std::to_string(it->second));
      }
      warrants.push_back(std::move(w));
    }
    out = std::move(warrants);
    return true;
  }

  const std::string& error() const { return error_; }

 private:
  bool warrant(const json& entry, size_t number, Warrant& w) {
    where_ = "warrant " + std::to_string(number);
    if (!entry.is_object()) {
      return fail(where_ + ": expected an object, got " + std::string(type_name(entry)));
    }
    // Name the warrant by its LIID as soon as there is a usable one.
    const auto liid_it = entry.find("liid");
    if (liid_it != entry.end() && liid_it->is_string()) {
      const std::string& liid = liid_it->get_ref<const std::string&>();
      if (!liid.empty() && liid.size() <= kMaxLiid) where_ += " (" + in_quotes(liid) + ")";
    }

    for (const auto& [key, value] : entry.items()) {
      bool known = false;
      for (std::string_view f : kWarrantFields) known = known || key == f;
      if (!known) {
        return fail(where_ + ": unknown field " + in_quotes(key) +
                    " (fields: liid, case_reference, authority, valid_from, valid_until, " +
                    "destination, scope, targets, revoked_at)");
      }
    }

    if (!string_field(entry, "liid", true, w.liid)) return false;
    if (w.liid.empty() || w.liid.size() > kMaxLiid) {
      return field_error("liid", in_quotes(w.liid) + " must be 1 to 25 characters");
    }
    for (char c : w.liid) {
      if (!valid_liid_char(c)) {
        return field_error("liid", in_quotes(w.liid) + " may only use A-Z a-z 0-9 . _ -");
      }
    }
    if (!string_field(entry, "case_reference", false, w.case_reference)) return false;
    if (!string_field(entry, "authority", false, w.authority)) return false;
    if (!string_field(entry, "destination", false, w.destination)) return false;

    if (!time_field(entry, "valid_from", true, w.valid_from)) return false;
    if (!time_field(entry, "valid_until", true, w.valid_until)) return false;
    if (!(w.valid_from < w.valid_until)) {
      return field_error("valid_until", in_quotes(entry.at("valid_until").get<std::string>()) +
                                            " is not after valid_from " +
                                            in_quotes(entry.at("valid_from").get<std::string>()));
    }
    w.revoked = entry.contains("revoked_at");
    if (!time_field(entry, "revoked_at", false, w.revoked_at)) return false;

    std::string scope;
    if (!string_field(entry, "scope", false, scope)) return false;
    if (!entry.contains("scope") || scope == "iri+cc") {
      w.scope = CollectScope::kIriAndCc;
    } else if (scope == "iri") {
      w.scope = CollectScope::kIriOnly;
    } else {
      return field_error("scope", "expected \"iri\" or \"iri+cc\", got " + in_quotes(scope));
    }

    const auto targets = entry.find("targets");
    if (targets == entry.end()) return field_error("targets", "missing");
    if (!targets->is_array()) return type_error("targets", "a list of target strings", *targets);
    if (targets->empty()) return field_error("targets", "empty list; a warrant needs a target");
    for (size_t i = 0; i < targets->size(); ++i) {
      const json& t = (*targets)[i];
      const std::string name = "targets[" + std::to_string(i) + "]";
      if (!t.is_string()) return type_error(name, "a string", t);
      TargetId id;
      std::string why;
      if (!TargetId::parse(t.get_ref<const std::string&>(), id, why)) return field_error(name, why);
      for (size_t j = 0; j < w.targets.size(); ++j) {
        if (w.targets[j] == id) {
          return field_error(name, in_quotes(t.get_ref<const std::string&>()) +
                                       " duplicates targets[" + std::to_string(j) + "] (" +
                                       id.to_string() + ")");
        }
      }
      w.targets.push_back(std::move(id));
    }
    return true;
  }

  bool string_field(const json& entry, const char* name, bool required, std::string& out) {
    const auto it = entry.find(name);
    if (it == entry.end()) return required ? field_error(name, "missing") : true;
    if (!it->is_string()) return type_error(name, "a string", *it);
    out = it->get<std::string>();
    return true;
  }

  bool time_field(const json& entry, const char* name, bool required, Timestamp& out) {
    std::string text;
    if (!string_field(entry, name, required, text)) return false;
    if (!entry.contains(name)) return true;
    std::string why;
    if (!parse_timestamp(text, out, why)) return field_error(name, why);
    return true;
  }

  bool type_error(const std::string& name, const char* expected, const json& got) {
    std::string msg = std::string("expected ") + expected + ", got " + type_name(got);
    if (!got.is_array() && !got.is_object()) msg += " " + shown(got);
    if (yaml_ && (got.is_number() || got.is_boolean() || got.is_null())) {
      msg += " (in YAML, quote values that look like numbers, booleans or null)";
    }
    return field_error(name, msg);
  }

  bool field_error(const std::string& name, const std::string& msg) {
    return fail(where_ + ": field " + in_quotes(name) + ": " + msg);
  }

  bool fail(std::string msg) {
    error_ = std::move(msg);
    return false;
  }

  bool yaml_;
  std::string where_;
  std::string error_;
};

}  // namespace

bool parse_timestamp(std::string_view text, Timestamp& out, std::string& error) {
  auto bad = [&](const std::string& why) {
    error = in_quotes(text) + " is not an RFC 3339 timestamp (like 2005-01-01T00:00:00Z): " + why;
    return false;
  };
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(text, pos, 4, year) || !expect(text, pos, '-') ||
      !read_digits(text, pos, 2, month) || !expect(text, pos, '-') ||
      !read_digits(text, pos, 2, day)) {
    return bad("expected the date as YYYY-MM-DD");
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't')) {
    return bad("expected 'T' and a time after the date");
  }
  ++pos;
  if (!read_digits(text, pos, 2, hour) || !expect(text, pos, ':') ||
      !read_digits(text, pos, 2, minute) || !expect(text, pos, ':') ||
      !read_digits(text, pos, 2, second)) {
    return bad("expected the time as hh:mm:ss");
  }
  int64_t fraction = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t digits = 0;
    int64_t scale = kNanosPerSecond;
    while (pos < text.size() && is_digit(text[pos])) {
      if (++digits > 9) return bad("more than 9 fractional digits");
      scale /= 10;
      fraction += (text[pos] - '0') * scale;
      ++pos;
    }
    if (digits == 0) return bad("no digits after '.'");
  }
  int offset_seconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh = 0, om = 0;
    if (!read_digits(text, pos, 2, oh) || !expect(text, pos, ':') ||
        !read_digits(text, pos, 2, om)) {
      return bad("expected the UTC offset as +hh:mm or -hh:mm");
    }
    if (oh > 23 || om > 59) return bad("UTC offset out of range");
    offset_seconds = sign * (oh * 3600 + om * 60);
  } else {
    return bad("missing the UTC offset ('Z' or +hh:mm)");
  }
  if (pos != text.size()) return bad("unexpected text after the offset");

  if (month < 1 || month > 12) return bad("month out of range");
  if (day < 1 || day > days_in_month(year, month)) return bad("day out of range");
  if (hour > 23) return bad("hour out of range");
  if (minute > 59) return bad("minute out of range");
  if (second > 59) return bad("second out of range (leap seconds are not supported)");

  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const int64_t local = static_cast<int64_t>(timegm(&tm));
  const int64_t seconds = local - offset_seconds;
  int64_t ns = 0;
  if (__builtin_mul_overflow(seconds, kNanosPerSecond, &ns) ||
      __builtin_add_overflow(ns, fraction, &ns)) {
    return bad("outside the representable range (years 1678 to 2262)");
  }
  out = Timestamp{ns};
  return true;
}

bool parse_warrants(std::string_view text, std::vector<Warrant>& out, std::string& error) {
  try {
    json root;
    TextFormat format = TextFormat::kJson;
    if (!parse_structured_text(text, "warrant file", root, format, error)) return false;
    Validator validator(format == TextFormat::kYaml);
    if (!validator.file(root, out)) {
      error = validator.error();
      return false;
    }
    return true;
  } catch (const std::exception& e) {
    error = std::string("warrant file: ") + e.what();
  } catch (...) {
    error = "warrant file: unexpected error";
  }
  return false;
}

}  // namespace rcds::intercept
