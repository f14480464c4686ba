#include "handover/cin_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace rcds::handover {

std::unique_ptr<PersistentCinAllocator> PersistentCinAllocator::open(const std::string& path,
                                                                     std::string& error) {
  std::unique_ptr<PersistentCinAllocator> allocator(new PersistentCinAllocator(path));
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return allocator;
    error = "cannot read " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  std::ostringstream text;
  text << in.rdbuf();
  try {
    const nlohmann::json state = nlohmann::json::parse(text.str());
    for (const auto& [liid, reserved] : state.at("reserved").items()) {
      const uint64_t value = reserved.get<uint64_t>();
      if (value == 0 || value > UINT32_MAX) throw std::out_of_range("CIN out of range");
      // Everything below the saved reservation may have been used.
      allocator->ranges_[liid] = Range{static_cast<uint32_t>(value), static_cast<uint32_t>(value)};
    }
  } catch (const std::exception& e) {
    error = path + ": not a CIN state file (" + e.what() + ")";
    return nullptr;
  }
  return allocator;
}

uint32_t PersistentCinAllocator::next(const std::string& liid) {
  Range& range = ranges_[liid];
  if (range.next >= range.reserved) {
    const uint64_t reserved = uint64_t{range.next} + kBlock;
    // CIN is an unsigned 32-bit number on the wire; wrapping would reuse.
    range.reserved = reserved > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(reserved);
    save();
  }
  return range.next++;
}

bool PersistentCinAllocator::save() {
  nlohmann::json state;
  state["reserved"] = nlohmann::json::object();
  for (const auto& [liid, range] : ranges_) state["reserved"][liid] = range.reserved;
  const std::string text = state.dump() + "\n";
  const std::string temporary = path_ + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0;
  ok = ok && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ok && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  ok = ok && ::rename(temporary.c_str(), path_.c_str()) == 0;
  if (!ok) error_ = "cannot save " + path_ + ": " + std::strerror(errno);
  return ok;
}

}  // namespace rcds::handover
