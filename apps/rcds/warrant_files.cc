#include "warrant_files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "handover/destination_file.h"
#include "intercept/warrant_file.h"

namespace rcds::app {

namespace {

bool read_file(const std::string& path, std::string& text, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  text = buffer.str();
  return true;
}

}  // namespace

bool load_warrant_files(const std::vector<std::string>& paths, std::vector<intercept::Warrant>& out,
                        std::string& error) {
  std::vector<intercept::Warrant> all;
  std::set<std::string> liids;
  for (const std::string& path : paths) {
    std::string text;
    if (!read_file(path, text, error)) return false;
    std::vector<intercept::Warrant> warrants;
    if (!intercept::parse_warrants(text, warrants, error)) {
      error.insert(0, path + ": ");
      return false;
    }
    for (intercept::Warrant& w : warrants) {
      if (!liids.insert(w.liid).second) {
        error = path + ": LIID " + w.liid + " is already defined in another warrant file";
        return false;
      }
      all.push_back(std::move(w));
    }
  }
  out = std::move(all);
  return true;
}

bool load_destination_file(const std::string& path, std::vector<handover::Destination>& out,
                           std::string& error) {
  std::string text;
  if (!read_file(path, text, error)) return false;
  if (!handover::parse_destinations(text, out, error)) {
    error.insert(0, path + ": ");
    return false;
  }
  return true;
}

WarrantFileWatch::WarrantFileWatch(std::string path, intercept::WarrantStore& store)
    : path_(std::move(path)), store_(store) {
  struct stat st {};
  if (stat(path_.c_str(), &st) == 0) {
    mtime_ = st.st_mtim;
    size_ = st.st_size;
    inode_ = st.st_ino;
  }
}

void WarrantFileWatch::poll() {
  struct stat st {};
  if (stat(path_.c_str(), &st) != 0) return;  // being replaced; look again next time
  if (st.st_mtim.tv_sec == mtime_.tv_sec && st.st_mtim.tv_nsec == mtime_.tv_nsec &&
      st.st_size == size_ && st.st_ino == inode_) {
    return;
  }
  mtime_ = st.st_mtim;
  size_ = st.st_size;
  inode_ = st.st_ino;
  std::vector<intercept::Warrant> warrants;
  std::string error;
  if (!load_warrant_files({path_}, warrants, error)) {
    std::fprintf(stderr, "rcds: warrant file not reloaded, previous warrants stay in force: %s\n",
                 error.c_str());
    return;
  }
  store_.replace_all(std::move(warrants));
  std::fprintf(stderr, "rcds: warrant file %s reloaded\n", path_.c_str());
}

}  // namespace rcds::app
