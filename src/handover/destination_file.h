// Destination files: the LEMFs (or mediation functions) records are
// delivered to, in JSON or YAML (format in docs/handover.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "handover/destination.h"

namespace rcds::handover {

// All or nothing: on success `out` holds the file's destinations in order;
// on error `out` is unchanged and `error` names the destination and field.
bool parse_destinations(std::string_view text, std::vector<Destination>& out, std::string& error);

}  // namespace rcds::handover
