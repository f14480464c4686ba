// CINs that stay unique per LIID across restarts of the sensor: the LEMF
// deduplicates by (LIID, CIN, IRI|CC, sequence), so a restarted sensor that
// counted CINs from 1 again would have its new records dropped as
// duplicates of old ones. The allocator reserves blocks of CINs in a small
// state file (written to a temporary name, fsynced, renamed) and after a
// restart continues above the last reservation; at most one block per LIID
// is skipped by a crash.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "intercept/engine.h"

namespace rcds::handover {

class PersistentCinAllocator final : public intercept::CinAllocator {
 public:
  // Reads `path` if it exists; false with `error` when it is unreadable or
  // malformed (a sensor must not silently reuse CINs).
  static std::unique_ptr<PersistentCinAllocator> open(const std::string& path, std::string& error);

  uint32_t next(const std::string& liid) override;
  // The last write failure ("" if none): CINs then still come out unique for
  // this run, but a restart could reuse them, so it is reported as an alarm.
  const std::string& error() const { return error_; }

  static constexpr uint32_t kBlock = 4096;

 private:
  explicit PersistentCinAllocator(std::string path) : path_(std::move(path)) {}
  bool save();

  struct Range {
    uint32_t next = 1;      // next CIN to hand out
    uint32_t reserved = 1;  // first CIN not covered by the saved reservation
  };
  std::string path_;
  std::map<std::string, Range> ranges_;
  std::string error_;
};

}  // namespace rcds::handover
