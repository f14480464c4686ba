// RFC 4648 base64 (with padding), for binary content in JSON output.
#pragma once

#include <string>
#include <string_view>

namespace rcds {

std::string base64(std::string_view bytes);

}  // namespace rcds
