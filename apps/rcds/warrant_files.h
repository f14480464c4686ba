// Reading warrant files for the command line (configuration is read by apps
// only; the parsing and rules live in intercept/warrant_file.h).
#pragma once

#include <sys/stat.h>

#include <string>
#include <vector>

#include "handover/destination.h"
#include "intercept/warrant.h"
#include "intercept/warrant_store.h"

namespace rcds::app {

// Reads and parses every file; LIIDs must be unique across all of them.
bool load_warrant_files(const std::vector<std::string>& paths, std::vector<intercept::Warrant>& out,
                        std::string& error);

// Reads and parses a destinations file (docs/handover.md).
bool load_destination_file(const std::string& path, std::vector<handover::Destination>& out,
                           std::string& error);

// Reloads a warrant file into a store when the file changes (checked by
// poll(), about once a second). A file that fails to read or parse leaves the
// enforced warrants as they were and is reported on stderr.
class WarrantFileWatch {
 public:
  WarrantFileWatch(std::string path, intercept::WarrantStore& store);
  void poll();

 private:
  std::string path_;
  intercept::WarrantStore& store_;
  struct timespec mtime_ {};
  off_t size_ = -1;
  ino_t inode_ = 0;
};

}  // namespace rcds::app
