// A BPF filter expression applied to packets of any link type.
//
// A pcapng file may mix link types, and a BPF program is only meaningful for
// the link type it was compiled for, so the expression is compiled once per
// link type, on the first packet of that type, with a dead pcap handle.
#pragma once

#include <pcap/pcap.h>

#include <cstdint>
#include <string>
#include <vector>

#include "capture/source.h"

namespace rcds::capture {

class BpfFilter {
 public:
  enum class Verdict { kAccept, kReject, kError };

  // An empty expression accepts every packet without any work.
  BpfFilter(std::string expression, int snaplen);
  ~BpfFilter();
  BpfFilter(const BpfFilter&) = delete;
  BpfFilter& operator=(const BpfFilter&) = delete;

  bool enabled() const { return !expression_.empty(); }
  const std::string& expression() const { return expression_; }

  // Compiles the expression for `link_type` unless already done. On failure
  // `error` says which filter and link type, and why.
  bool prepare(uint32_t link_type, std::string& error);

  // kError only when the expression does not compile for the packet's link type.
  Verdict check(const RawPacket& packet, std::string& error);

 private:
  struct Program {
    uint32_t link_type;
    bpf_program code;
  };
  const Program* find_or_compile(uint32_t link_type, std::string& error);

  std::string expression_;
  int snaplen_;
  // Few link types per file: a vector scanned linearly, with the last hit
  // remembered because consecutive packets almost always share a link type.
  std::vector<Program> programs_;
  size_t last_ = 0;
};

}  // namespace rcds::capture
