// The fields of each MSNP event as a JSON object, named as in events.h: one
// definition shared by `rcds analyze --json` and the details of interception
// records, so both name a field the same way.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "proto/msnp/events.h"

namespace rcds::proto::msnp {

// The body's fields; content (message text, datacast data, file bytes) is
// included, under the keys listed in kContentFields.
nlohmann::json event_fields(const EventBody& body);

// Keys of event_fields() that carry content of the communication rather than
// information about it.
inline constexpr std::string_view kContentFields[] = {"text", "data", "data_base64", "subject"};

}  // namespace rcds::proto::msnp
