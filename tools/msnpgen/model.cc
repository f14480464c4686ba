#include "tools/msnpgen/model.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>

namespace rcds::msnpgen {

std::string Rng::guid() {
  char text[40];
  const uint64_t a = next();
  const uint64_t b = next();
  std::snprintf(text, sizeof text, "{%08X-%04X-4%03X-8%03X-%012llX}",
                static_cast<unsigned>(a >> 32), static_cast<unsigned>((a >> 16) & 0xFFFF),
                static_cast<unsigned>(a & 0xFFF), static_cast<unsigned>((b >> 48) & 0xFFF),
                static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFULL));
  return text;
}

std::string host_text(const Host& h) { return h.address + ":" + std::to_string(h.port); }

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", u);
      out += esc;
    } else {
      out += c;  // UTF-8 passes through unchanged
    }
  }
  return out + "\"";
}

void Json::key(std::string_view k) {
  if (!body_.empty()) body_ += ",";
  body_ += json_quote(k) + ":";
}

Json& Json::str(std::string_view k, std::string_view value) {
  key(k);
  body_ += json_quote(value);
  return *this;
}

Json& Json::num(std::string_view k, int64_t value) {
  key(k);
  body_ += std::to_string(value);
  return *this;
}

Json& Json::list(std::string_view k, const std::vector<std::string>& values) {
  key(k);
  body_ += "[";
  for (size_t i = 0; i < values.size(); ++i) body_ += (i ? "," : "") + json_quote(values[i]);
  body_ += "]";
  return *this;
}

bool Truth::write(const std::string& path) {
  std::stable_sort(lines_.begin(), lines_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  bool ok = true;
  for (const auto& [time, line] : lines_) {
    ok = ok && std::fputs(line.c_str(), f) >= 0 && std::fputc('\n', f) != EOF;
  }
  return std::fclose(f) == 0 && ok;
}

namespace {
std::string digest_hex(const EVP_MD* md, const void* data, size_t size) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data, size, out, &n, md, nullptr);
  std::string hex;
  char two[3];
  for (unsigned i = 0; i < n; ++i) {
    std::snprintf(two, sizeof two, "%02x", out[i]);
    hex += two;
  }
  return hex;
}
}  // namespace

std::string sha256_hex(const Bytes& data) {
  return digest_hex(EVP_sha256(), data.data(), data.size());
}
std::string md5_hex(std::string_view data) {
  return digest_hex(EVP_md5(), data.data(), data.size());
}

}  // namespace rcds::msnpgen
