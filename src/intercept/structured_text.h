// Configuration text (warrant files, destination files) in JSON or YAML,
// read into one JSON tree so that each file type is validated by one code
// path whatever its format. YAML plain scalars resolve as in the YAML 1.2
// core schema; duplicate keys are errors in both formats; documents that
// expand without bound (aliases) or hold more than one YAML document are
// refused.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace rcds::intercept {

enum class TextFormat : uint8_t { kJson, kYaml };

// Text whose first non-space character is '{' or '[' is JSON, anything else
// YAML. `what` names the file in errors ("empty warrant file"). Never throws.
bool parse_structured_text(std::string_view text, std::string_view what, nlohmann::json& root,
                           TextFormat& format, std::string& error);

// For validators' error messages: text quoted with control characters
// escaped, a JSON value shown briefly, and a value's type in plain words.
std::string in_quotes(std::string_view text);
std::string shown(const nlohmann::json& value);
const char* type_name(const nlohmann::json& value);

}  // namespace rcds::intercept
