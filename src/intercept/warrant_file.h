// Warrant files: the JSON or YAML text that lists the warrants a sensor
// enforces (format and rules in docs/warrants.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "intercept/warrant.h"

namespace rcds::intercept {

// Parses and validates a whole warrant file. Text whose first non-space
// character is '{' or '[' is JSON, anything else YAML. All or nothing: on
// success `out` is replaced by the file's warrants (in file order); on any
// error `out` is left unchanged and `error` names the warrant and field.
// Never throws.
bool parse_warrants(std::string_view text, std::vector<Warrant>& out, std::string& error);

// One RFC 3339 timestamp ("2005-01-01T00:00:00Z", "2005-01-01T01:00:00.5+01:00")
// to nanoseconds since the epoch, UTC. False with `error` set when malformed.
bool parse_timestamp(std::string_view text, Timestamp& out, std::string& error);

}  // namespace rcds::intercept
