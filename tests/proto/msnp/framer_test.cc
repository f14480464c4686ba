// The framer: lines and payloads whatever the chunking, bounds with named
// anomalies, resynchronisation after gaps and garbage, skipping unwanted
// payloads without buffering them.
#include "proto/msnp/framer.h"

#include <gtest/gtest.h>

#include <random>

namespace rcds::proto::msnp {
namespace {

class Recorder final : public Framer<Recorder> {
 public:
  explicit Recorder(const FramerLimits& limits) : Framer<Recorder>(limits) {}
  PayloadPlan plan_payload(const Command& cmd) {
    PayloadPlan plan;
    plan.has_payload = payload_length(cmd, flow::Direction::kClientToServer,
                                      ConnectionType::kUnknown, 0, plan.length);
    plan.keep = keep;
    return plan;
  }
  void on_command(const Command& cmd, ByteView payload, Timestamp) {
    std::string s(cmd.name);
    for (size_t i = 0; i < cmd.count; ++i) s += " " + std::string(cmd.params[i]);
    if (!payload.empty()) s += " |" + std::string(as_chars(payload)) + "|";
    out.push_back(s);
  }
  bool plausible(const Command& cmd) {
    return plausible_command(cmd, flow::Direction::kClientToServer, ConnectionType::kUnknown);
  }
  void on_framer_anomaly(MsnpAnomaly a, uint64_t bytes, Timestamp) {
    out.push_back("!" + std::string(name_of(a)) + " " + std::to_string(bytes));
  }
  std::vector<std::string> out;
  bool keep = true;
};

using Lines = std::vector<std::string>;

// Feeds `parts` (a string, or a gap when it starts with "\x01GAP" + length)
// with the given chunking; returns what the client saw.
Lines run(const std::vector<std::string>& parts, int chunking, uint32_t seed = 1,
          FramerLimits limits = {}, bool keep = true, size_t* max_buffered = nullptr) {
  Recorder framer(limits);
  framer.keep = keep;
  std::mt19937 rng(seed);
  for (const std::string& part : parts) {
    if (part.rfind("\x01GAP", 0) == 0) {
      framer.on_gap(std::stoull(part.substr(4)), {});
      continue;
    }
    size_t pos = 0;
    while (pos < part.size()) {
      size_t n = part.size() - pos;
      if (chunking == 1) n = 1;
      if (chunking == 2) n = std::min<size_t>(n, 1 + rng() % 17);
      std::vector<uint8_t> chunk(part.begin() + static_cast<std::ptrdiff_t>(pos),
                                 part.begin() + static_cast<std::ptrdiff_t>(pos + n));
      framer.feed(ByteView(chunk.data(), chunk.size()), {});
      if (max_buffered != nullptr) *max_buffered = std::max(*max_buffered, framer.buffered());
      pos += n;
    }
  }
  return framer.out;
}

// Same result fed whole, byte by byte and in ten random chunkings.
Lines run_all(const std::vector<std::string>& parts, FramerLimits limits = {}) {
  const Lines whole = run(parts, 0, 1, limits);
  EXPECT_EQ(run(parts, 1, 1, limits), whole);
  for (uint32_t seed = 1; seed <= 10; ++seed) EXPECT_EQ(run(parts, 2, seed, limits), whole);
  return whole;
}

std::string gap(uint64_t n) { return "\x01GAP" + std::to_string(n); }

TEST(MsnpFramer, LinesAndPayloadsWhateverTheChunking) {
  const Lines out = run_all({"VER 1 MSNP8 CVR0\r\nMSG 4 A 12\r\nline1\r\nMSG 5\r\nPNG\n",
                             "MSG 5 U 0\r\nCHG 9 NLN 0\r\n"});
  EXPECT_EQ(out, (Lines{"VER 1 MSNP8 CVR0", "MSG 4 A 12 |line1\r\nMSG 5|", "PNG", "MSG 5 U 0",
                        "CHG 9 NLN 0"}));
}

TEST(MsnpFramer, BlankLinesAreIgnoredQuietly) {
  EXPECT_EQ(run_all({"PNG\r\n\r\n\nQNG 50\r\n"}), (Lines{"PNG", "QNG 50"}));
}

TEST(MsnpFramer, OverlongLineIsSkippedThenFramingResumes) {
  FramerLimits limits;
  limits.max_line = 64;
  const Lines out = run_all({"CHG 1 " + std::string(100, 'x') + "\r\nPNG\r\n"}, limits);
  EXPECT_EQ(out, (Lines{"!msnp_line_too_long 108", "!msnp_resync 108", "PNG"}));
}

TEST(MsnpFramer, OversizePayloadIsTreatedAsDesync) {
  FramerLimits limits;
  limits.max_payload = 100;
  const Lines out = run_all({"MSG 4 A 5000\r\nHello\r\nPNG\r\n"}, limits);
  EXPECT_EQ(out, (Lines{"!msnp_payload_too_large 5000", "MSG 4 A 5000", "!msnp_resync 7", "PNG"}));
}

TEST(MsnpFramer, GapInLineModeResynchronisesAtNextPlausibleLine) {
  const Lines out = run_all(
      {"PNG\r\nMSG 4 A 20\r\nHi B", gap(10), "lunch?\r\nSure thing\r\nMSG 5 N 3\r\nabcQNG 5\r\n"});
  // The gap falls inside the payload of known length: framing is kept.
  EXPECT_EQ(out, (Lines{"PNG", "!msnp_payload_lost 15", "!msnp_bad_line 12", "!msnp_resync 12",
                        "MSG 5 N 3 |abc|", "QNG 5"}));
  const Lines lost = run_all({"PNG\r\nCHG 9 N", gap(40), "ext\r\nMIME-Version: 1.0\r\n\r\nBYE\r\n",
                              "some text\r\nMSG 6 U 2\r\nxyPNG\r\n"});
  EXPECT_EQ(lost, (Lines{"PNG", "!msnp_resync 42", "MSG 6 U 2 |xy|", "PNG"}));
}

TEST(MsnpFramer, GapEndingExactlyAtAPayloadEndKeepsFraming) {
  const Lines out = run_all({"MSG 4 A 10\r\n01234", gap(5), "PNG\r\n"});
  EXPECT_EQ(out, (Lines{"!msnp_payload_lost 16", "PNG"}));
}

TEST(MsnpFramer, GapRightAfterALineIsStillReported) {
  const Lines out = run_all({"PNG\r\n", gap(100), "CHG 9 NLN 0\r\n"});
  EXPECT_EQ(out, (Lines{"PNG", "!msnp_resync 0", "CHG 9 NLN 0"}));
}

TEST(MsnpFramer, UnwantedPayloadsAreSkippedUnbuffered) {
  size_t max_buffered = 0;
  const std::string text(3000, 'z');
  const Lines out =
      run({"MSG 4 A 3000\r\n" + text + "PNG\r\n"}, 1, 1, {}, /*keep=*/false, &max_buffered);
  EXPECT_EQ(out, (Lines{"MSG 4 A 3000", "PNG"}));
  EXPECT_LE(max_buffered, 16u);  // only pieces of command lines
  size_t kept = 0;
  run({"MSG 4 A 3000\r\n" + text + "PNG\r\n"}, 1, 1, {}, true, &kept);
  EXPECT_GE(kept, 3000u);
}

TEST(MsnpFramer, GarbageNeverEscapesTheBounds) {
  FramerLimits limits;
  limits.max_line = 128;
  limits.max_payload = 1024;
  std::mt19937 rng(3);
  std::string junk;
  for (int i = 0; i < 20000; ++i) junk.push_back(static_cast<char>(rng() % 7 == 0 ? '\n' : rng()));
  size_t max_buffered = 0;
  run({junk}, 2, 3, limits, true, &max_buffered);
  EXPECT_LE(max_buffered, limits.max_line + limits.max_payload);
}

}  // namespace
}  // namespace rcds::proto::msnp
