// Records as JSON lines (for debugging and for offline runs; the ETSI BER
// encoding is the handover format) and as readable transcript lines.
#pragma once

#include <string>

#include "intercept/record.h"

namespace rcds::handover {

// One JSON object on one line. CC content is carried losslessly as base64;
// message text is also given as "text" (invalid UTF-8 replaced) to read.
std::string record_json(const intercept::Record& record);
std::string notice_json(const intercept::WarrantNotice& notice);
// "2005-05-06T09:17:57.123456Z CIN 3 #0 iri-continue message alice -> bob"
// (+ ": \"text\"" on a message's CC line). Control characters in user text
// are escaped so a message cannot forge transcript lines.
std::string record_transcript_line(const intercept::Record& record);

}  // namespace rcds::handover
