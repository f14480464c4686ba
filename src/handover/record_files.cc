#include "handover/record_files.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "handover/record_json.h"

namespace rcds::handover {

void RecordFileSink::FileCloser::operator()(std::FILE* f) const { std::fclose(f); }

RecordFileSink::~RecordFileSink() { flush(); }

std::string file_name_for(std::string_view text) {
  std::string out;
  for (char ch : text) {
    const bool safe = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_' || ch == '@';
    out += safe ? ch : '_';
  }
  if (out.empty() || out[0] == '.') out.insert(0, "_");
  return out;
}

std::FILE* RecordFileSink::open(const std::string& dir, const std::string& path) {
  const auto it = files_.find(path);
  if (it != files_.end()) return it->second.get();
  if (!error_.empty()) return nullptr;
  for (const std::string& d : {directory_, dir}) {
    if (mkdir(d.c_str(), 0700) != 0 && errno != EEXIST) {
      error_ = "cannot create " + d + ": " + std::strerror(errno);
      return nullptr;
    }
  }
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) {
    error_ = "cannot open " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  files_.emplace(path, File(file));
  return file;
}

void RecordFileSink::write_line(std::FILE* file, const std::string& line) {
  if (file == nullptr) return;
  if (std::fwrite(line.data(), 1, line.size(), file) != line.size() ||
      std::fputc('\n', file) == EOF) {
    if (error_.empty()) error_ = std::string("write failed: ") + std::strerror(errno);
  }
}

void RecordFileSink::on_record(const intercept::Record& record) {
  const std::string dir = directory_ + "/" + file_name_for(record.liid);
  write_line(open(dir, dir + "/records.jsonl"), record_json(record));
  write_line(open(dir, dir + "/" + file_name_for(record.target) + ".txt"),
             record_transcript_line(record));
  ++counts_[record.liid];
}

void RecordFileSink::on_notice(const intercept::WarrantNotice& notice) {
  write_line(open(directory_, directory_ + "/audit.jsonl"), notice_json(notice));
}

bool RecordFileSink::flush() {
  for (auto& [path, file] : files_) {
    if (std::fflush(file.get()) != 0 && error_.empty()) {
      error_ = "cannot write " + path + ": " + std::strerror(errno);
    }
  }
  return error_.empty();
}

}  // namespace rcds::handover
