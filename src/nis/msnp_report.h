// MSN Messenger in `rcds analyze`/`rcds capture`: the factory that puts an
// MsnpDecoder on every flow detected as "msnp", and the transcript / JSON
// formatting of the events it produces.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "flow/stream.h"
#include "proto/msnp/decoder.h"
#include "proto/msnp/events.h"
#include "proto/msnp/gateway.h"
#include "proto/msnp/p2p_direct.h"
#include "proto/msnp/session.h"
#include "util/slab.h"

namespace rcds::nis {

// One line of text for a transcript: time, flow, connection type, then what
// happened (sender -> recipients: "text" for messages). Control characters
// in user text are escaped so a message cannot forge output lines.
std::string format_msnp_text(const proto::msnp::MsnpEvent& event);
// One JSON object: {"type":"msnp","event":"message","time":...,...}.
std::string format_msnp_json(const proto::msnp::MsnpEvent& event);

// Keeps the formatted events of a run, in the order they happened. With
// `content` false (the live sensor: minimisation, as for --dump-streams) the
// decoders skip message content and only identity events are kept.
class MsnpReport final : public proto::msnp::MsnpEventSink {
 public:
  // With `keep` false (`--quiet`) events are only counted: formatting every
  // event into a line nobody prints would dominate the decoder's cost.
  explicit MsnpReport(bool json, bool content = true, bool keep = true)
      : json_(json), content_(content), keep_(keep) {}
  void on_event(const proto::msnp::MsnpEvent& event) override;
  bool wants_content(std::string_view, const flow::StreamInfo&) override { return content_; }
  const std::vector<std::string>& lines() const { return lines_; }
  uint64_t events() const { return events_; }

 private:
  bool json_;
  bool content_;
  bool keep_;
  uint64_t events_ = 0;
  std::vector<std::string> lines_;
};

// Text: a "msn events: N" heading and one indented line per event.
// JSON: one object per line.
void print_msnp(std::FILE* out, const MsnpReport& report, bool json);

// Creates an MsnpDecoder for flows detected as "msnp" and hands every other
// flow to `fallback` (counting or dumping, as before). All decoders share one
// MsnpSession (one worker).
class MsnpFactory final : public flow::StreamHandlerFactory {
 public:
  MsnpFactory(flow::StreamHandlerFactory& fallback, proto::msnp::MsnpEventSink& sink)
      : fallback_(fallback), sink_(sink), connections_(sizeof(proto::msnp::MsnpConnection)) {}
  MsnpFactory(const MsnpFactory&) = delete;
  MsnpFactory& operator=(const MsnpFactory&) = delete;
  ~MsnpFactory() override = default;
  flow::StreamHandler* open(const flow::StreamInfo& info) override;
  void release(flow::StreamHandler* handler) override;
  proto::msnp::MsnpSession& session() { return session_; }
  uint64_t decoders_opened() const { return opened_; }

 private:
  flow::StreamHandlerFactory& fallback_;
  proto::msnp::MsnpEventSink& sink_;
  proto::msnp::MsnpSession session_;
  uint64_t opened_ = 0;
  // Connection objects (~1 KB each, one per MSN flow, ten thousand open at
  // once at 100k flows): from huge-page chunks, not glibc's heap, whose
  // 4 KiB pages cost the decoders a page fault per four new connections
  // (bench/README.md, decoder cost). Released storage is reused first.
  SlabPool connections_;
};

}  // namespace rcds::nis
