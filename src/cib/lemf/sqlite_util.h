// Small helpers shared by the LEMF store's translation units (not API).
#pragma once

#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace rcds::cib::lemf::sqlite_util {

inline void bind_text(sqlite3_stmt* s, int i, std::string_view text) {
  sqlite3_bind_text(s, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}
template <typename T>
inline void bind_optional(sqlite3_stmt* s, int i, const std::optional<T>& value) {
  if (!value) {
    sqlite3_bind_null(s, i);
  } else if constexpr (std::is_same_v<T, std::string>) {
    bind_text(s, i, *value);
  } else {
    sqlite3_bind_int64(s, i, static_cast<int64_t>(*value));
  }
}
inline std::string column_text(sqlite3_stmt* s, int i) {
  const auto* text = sqlite3_column_text(s, i);
  return text != nullptr ? std::string(reinterpret_cast<const char*>(text),
                                       static_cast<size_t>(sqlite3_column_bytes(s, i)))
                         : std::string();
}

// Resets a cached statement when the scope ends, whatever path it takes.
struct Reset {
  sqlite3_stmt* s;
  ~Reset() {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
  }
};

inline std::string errno_text(const char* what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}

}  // namespace rcds::cib::lemf::sqlite_util
