// libFuzzer harness for the LEMF's connection-level stream handler
// (cib/lemf/stream_handler.h): arbitrary bytes delivered in arbitrary chunks
// are buffered, framed, decoded, stored into a real LemfStore (in-memory
// SQLite index, raw files in a scratch directory, non-durable for speed) and
// answered.
//
// Input: byte 0 picks the chunking (0..63: fixed chunks of 1..64 bytes;
// otherwise pseudo-random chunks of 1..256 seeded by it), the rest is the
// TCP byte stream.
//
// Invariants:
//   - a closed stream says why, and stays closed;
//   - what the handler sends back is a sequence of keep-alive responses that
//     frame and decode;
//   - no PDU fails to store (the store copes with any LIID the decoder lets
//     through);
//   - counts add up: every received PDU was stored, dropped as a duplicate,
//     answered, or ignored; nothing buffered beyond the size bound;
//   - chunking does not matter: the same stream in one piece gives the same
//     responses, the same stored count and the same open/closed outcome.
// Seeds (fuzz/corpus/lemf_fuzz): valid PDU streams, written by
// `RCDS_LEMF_SEED_DIR=fuzz/corpus/lemf_fuzz build/dev/tests/cib/lemf_receiver_test`.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <variant>

#include "cib/lemf/store.h"
#include "cib/lemf/stream_handler.h"
#include "fuzz_check.h"
#include "handover/ber.h"
#include "handover/pspdu.h"

namespace {

namespace ho = rcds::handover;
namespace lemf = rcds::cib::lemf;

// Small, so the oversize path is reachable by short inputs.
constexpr size_t kMaxPdu = 4096;

std::string scratch_root() {
  std::error_code ec;
  const std::filesystem::path shm = "/dev/shm";
  return (std::filesystem::is_directory(shm, ec) ? shm : std::filesystem::temp_directory_path())
      .string();
}

struct Outcome {
  bool open = true;
  std::string responses;
  uint64_t stored = 0;
  uint64_t received = 0;
};

template <typename NextChunk>
Outcome feed(rcds::ByteView stream, NextChunk&& next_chunk) {
  static const std::string root = scratch_root();
  std::string dir = root + "/rcds-lemf-fuzz-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) __builtin_trap();
  Outcome outcome;
  {
    std::string error;
    auto store = lemf::LemfStore::open(dir, lemf::StoreOptions{false, true}, error);
    RCDS_FUZZ_CHECK("store_opens", store != nullptr);
    lemf::LemfCounters counters;
    lemf::StreamHandler handler(*store, counters, 0, lemf::StreamLimits{kMaxPdu});
    size_t at = 0;
    while (at < stream.size()) {
      const size_t size = std::min(next_chunk(), stream.size() - at);
      const bool ok = handler.feed(stream.subspan(at, size), rcds::Timestamp{}, outcome.responses);
      at += size;
      if (!ok) {
        RCDS_FUZZ_CHECK("close_says_why", !handler.close_reason().empty());
        RCDS_FUZZ_CHECK("closed_stays_closed",
                        !handler.feed(stream.subspan(at), rcds::Timestamp{}, outcome.responses));
        outcome.open = false;
        break;
      }
      RCDS_FUZZ_CHECK("buffer_bounded", handler.buffered() <= kMaxPdu + size);
    }
    RCDS_FUZZ_CHECK("no_store_error", counters.store_errors.load() == 0);
    RCDS_FUZZ_CHECK(
        "counts_add_up",
        counters.pdus_stored + counters.duplicates + counters.keepalives <= counters.pdus_received);
    RCDS_FUZZ_CHECK("every_keepalive_answered",
                    outcome.responses.empty() == (counters.keepalives.load() == 0));
    std::string commit_error;
    RCDS_FUZZ_CHECK("commit_succeeds", store->commit(commit_error));
    outcome.stored = counters.pdus_stored.load();
    outcome.received = counters.pdus_received.load();
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return outcome;
}

void check_responses(const std::string& responses) {
  rcds::ByteView rest = rcds::as_bytes(responses);
  while (!rest.empty()) {
    size_t length = 0;
    std::string error;
    const bool framed = ho::ber::frame_pdu(rest, length, error) == ho::ber::FrameStatus::kComplete;
    RCDS_FUZZ_CHECK("response_frames", framed);
    if (!framed) return;
    ho::PsPdu pdu;
    const bool decoded = ho::decode(rest.first(length), pdu, error);
    if (rcds::fuzz::tracing() && !decoded) std::fprintf(stderr, "response: %s\n", error.c_str());
    RCDS_FUZZ_CHECK("response_decodes", decoded);
    const auto* tri = std::get_if<ho::TriPayload>(&pdu.payload);
    RCDS_FUZZ_CHECK("response_is_keepalive_response",
                    !decoded || (tri != nullptr && tri->kind == ho::TriKind::kKeepAliveResponse));
    rest = rest.subspan(length);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const rcds::ByteView stream(data + 1, size - 1);
  uint32_t state = mode * 2654435761u + 1;
  const Outcome chunked = feed(stream, [&]() -> size_t {
    if (mode < 64) return mode + 1u;
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return 1 + state % 256;
  });
  check_responses(chunked.responses);
  const Outcome whole = feed(stream, [&]() -> size_t { return stream.size() + 1; });
  if (rcds::fuzz::tracing()) {
    std::fprintf(stderr, "chunked: open %d stored %llu received %llu; whole: open %d stored %llu\n",
                 chunked.open, static_cast<unsigned long long>(chunked.stored),
                 static_cast<unsigned long long>(chunked.received), whole.open,
                 static_cast<unsigned long long>(whole.stored));
  }
  RCDS_FUZZ_CHECK("chunking_same_outcome", chunked.open == whole.open);
  RCDS_FUZZ_CHECK("chunking_same_responses", chunked.responses == whole.responses);
  RCDS_FUZZ_CHECK("chunking_same_stored", chunked.stored == whole.stored);
  return 0;
}
