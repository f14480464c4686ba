// A whole capture file mapped read-only into memory.
//
// Packets handed out by the pcapng reader are views into this mapping, so the
// hot path never copies or allocates. Regular files only: a pipe cannot be
// mapped. If another process truncates the file while it is mapped, reading
// the vanished pages raises SIGBUS; capture files are not edited in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "util/bytes.h"

namespace rcds::capture {

class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // On failure returns false and sets `error` (prefixed with the path).
  bool open(const std::string& path, std::string& error);

  ByteView bytes() const { return {data_, size_}; }

  // Tells the kernel the bytes before `offset` will not be read again, so
  // their pages leave the process's resident set: without this a 1 GB
  // capture would count 1 GB of RSS by its end. Cheap to call per packet.
  void release_before(size_t offset);

 private:
  static constexpr size_t kReleaseStep = 8u << 20;

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t released_ = 0;
};

}  // namespace rcds::capture
