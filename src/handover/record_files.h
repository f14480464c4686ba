// A RecordSink that writes each warrant's records under one directory:
//   DIR/<LIID>/records.jsonl        every IRI and CC record, in order
//   DIR/<LIID>/<target>.txt         readable transcript per matched target
//   DIR/audit.jsonl                 warrant notices (activated, modified, ...)
// Only records and notices reach these files: nothing of non-targets.
#pragma once

#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "intercept/record.h"

namespace rcds::handover {

class RecordFileSink final : public intercept::RecordSink {
 public:
  explicit RecordFileSink(std::string directory) : directory_(std::move(directory)) {}
  ~RecordFileSink() override;

  void on_record(const intercept::Record& record) override;
  void on_notice(const intercept::WarrantNotice& notice) override;

  // Flushes every file; false with error() set when a write failed.
  bool flush();
  const std::string& error() const { return error_; }
  // Records written per LIID.
  const std::map<std::string, uint64_t>& counts() const { return counts_; }

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const;
  };
  using File = std::unique_ptr<std::FILE, FileCloser>;
  std::FILE* open(const std::string& key, const std::string& path);
  void write_line(std::FILE* file, const std::string& line);

  std::string directory_;
  std::map<std::string, File> files_;  // by path
  std::map<std::string, uint64_t> counts_;
  std::string error_;
};

// A file-name-safe form of a target or LIID ("msn_alice@example.com").
std::string file_name_for(std::string_view text);

}  // namespace rcds::handover
