// Reconstructed file content and chunked messages: FileAssembly on its own;
// the MSNP.md §13.4 (MSNFTP) and §13.5 (P2P v1) exchanges extended with
// their data phase, a P2P v2 transfer (§9.2), and a chunked message (§8.5),
// all built by hand from the reference and fed whole, byte by byte and in
// random chunks.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "event_text.h"
#include "proto/msnp/file_transfer.h"

namespace rcds::proto::msnp::testing {
namespace {

using Lines = std::vector<std::string>;

std::string file_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng() & 0xFF);
  return out;
}
std::string sha256_of(const std::string& bytes) {
  Sha256 h;
  h.update(bytes);
  return h.hex();
}

// Collects event lines, except file_data, whose bytes are joined per
// transfer (checking they arrive in file order) since their cut depends on
// how the stream was chunked.
class ContentSink final : public MsnpEventSink {
 public:
  void on_event(const MsnpEvent& event) override {
    if (const auto* d = std::get_if<FileData>(&event.body)) {
      // Offsets only move forward; they jump over holes.
      uint64_t& next = next_offset[std::string(d->transfer_id)];
      EXPECT_GE(d->offset, next);
      next = d->offset + d->bytes.size();
      files[std::string(d->transfer_id)].append(d->bytes);
      return;
    }
    lines.push_back(describe(event));
  }
  bool wants_content(std::string_view, const flow::StreamInfo&) override { return content; }
  Lines lines;
  std::map<std::string, std::string> files;
  std::map<std::string, uint64_t> next_offset;
  bool content = true;
};

struct Result {
  Lines lines;
  std::map<std::string, std::string> files;
};

Result decode_content(const std::vector<Step>& steps, bool content = true) {
  Result first;
  for (auto chunking : {Chunking::kWhole, Chunking::kByteByByte, Chunking::kRandom}) {
    for (uint32_t seed = 1; seed <= (chunking == Chunking::kRandom ? 4u : 1u); ++seed) {
      ContentSink sink;
      sink.content = content;
      MsnpSession session;
      MsnpDecoder decoder(stream_info(), sink, &session);
      drive(decoder, steps, chunking, seed);
      decoder.on_close(flow::CloseReason::kFin, Timestamp{2'000'000'000'000'000'000});
      if (chunking == Chunking::kWhole) {
        first = {sink.lines, sink.files};
      } else {
        EXPECT_EQ(sink.lines, first.lines) << static_cast<int>(chunking) << " seed " << seed;
        EXPECT_TRUE(sink.files == first.files) << static_cast<int>(chunking) << " seed " << seed;
      }
    }
  }
  return first;
}

// --- FileAssembly ---------------------------------------------------------------

struct PieceLog final : FileAssembly::Output {
  void on_piece(const FileAssembly&, uint64_t offset, std::string_view bytes) override {
    EXPECT_GE(offset, next);  // forward only, jumping over holes
    next = offset + bytes.size();
    content.append(bytes);
  }
  void on_anomaly(const FileAssembly&, TransferAnomaly::Kind kind, uint64_t bytes) override {
    anomalies.push_back(std::string(name_of(kind)) + " " + std::to_string(bytes));
  }
  std::string content;
  uint64_t next = 0;
  Lines anomalies;
};

TEST(MsnpFileAssembly, Sha256KnownVectors) {
  EXPECT_EQ(sha256_of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(MsnpFileAssembly, ReordersWithinTheAllowanceAndReportsOverlaps) {
  PieceLog log;
  FileAssembly f("p2p_v1", "7", "a", "x", 10, true);
  f.add(4, "efgh", log);  // early: held back
  f.add(0, "abcd", log);  // fills the gap, releases "efgh"
  f.add(2, "cd", log);    // a repeat
  f.add(6, "ghij", log);  // half a repeat
  EXPECT_TRUE(f.done());
  const FileComplete done = f.finish("data", log);
  EXPECT_EQ(log.content, "abcdefghij");
  EXPECT_EQ(log.anomalies, (Lines{"file_overlap 2", "file_overlap 2"}));
  EXPECT_TRUE(done.complete);
  EXPECT_EQ(done.received, 10u);
  EXPECT_EQ(done.sha256, sha256_of("abcdefghij"));
}

TEST(MsnpFileAssembly, BoundedHoldBackTurnsGapsIntoHoles) {
  PieceLog log;
  FileAssemblyLimits limits;
  limits.max_early_pieces = 2;
  FileAssembly f("p2p_v1", "7", "a", "x", 12, true, limits);
  f.add(4, "ef", log);
  f.add(6, "gh", log);
  f.add(8, "ij", log);  // third early piece: the gap 0..4 is given up
  EXPECT_EQ(log.content, "efghij");
  EXPECT_EQ(log.anomalies, (Lines{"file_hole 4"}));
  f.add(0, "abcd", log);  // too late
  const FileComplete done = f.finish("closed", log);
  EXPECT_FALSE(done.complete);
  EXPECT_EQ(done.received, 6u);
  EXPECT_EQ(done.missing, 6u);  // 4 never placed + 2 never sent
  EXPECT_EQ(done.sha256, sha256_of("efghij"));
}

TEST(MsnpFileAssembly, WithoutContentOnlyCounts) {
  PieceLog log;
  FileAssembly f("msnftp", "1", "", "", 4, false);
  f.add(0, "abcd", log);
  const FileComplete done = f.finish("bye", log);
  EXPECT_EQ(log.content, "");
  EXPECT_TRUE(done.complete);
  EXPECT_EQ(done.sha256, "");
}

// --- §13.4 with the data phase ------------------------------------------------

std::string msnftp_blocks(const std::string& file) {
  // §10.2: [flag 0][len LE16][data], at most 2045 data bytes per block.
  std::string out;
  for (size_t off = 0; off < file.size(); off += 2045) {
    const size_t n = std::min<size_t>(2045, file.size() - off);
    out += std::string(1, '\0') + le(n, 2) + file.substr(off, n);
  }
  return out;
}

TEST(MsnpFileContent, Msnftp_13_4_DataPhase) {
  const std::string file = file_bytes(5000, 13);
  const std::string blocks = msnftp_blocks(file);
  // §13.4's headers: 00 FD 07, 00 FD 07, 00 8E 03.
  ASSERT_EQ(blocks.substr(0, 3), std::string("\x00\xFD\x07", 3));
  ASSERT_EQ(blocks.substr(2 * 2048, 3), std::string("\x00\x8E\x03", 3));
  const Result r =
      decode_content({c2s(line("VER MSNFTP")), s2c(line("VER MSNFTP")),
                      c2s(line("USR bob@example.net 1357924680")), s2c(line("FIL 5000")),
                      c2s(line("TFR")), s2c(blocks), c2s(line("BYE 16777989"))});
  EXPECT_EQ(r.lines,
            (Lines{"msnftp auth bob@example.net 1357924680 0 0", "msnftp size   5000 0",
                   "file_complete msnftp 1357924680 '' 5000/5000 complete data " + sha256_of(file),
                   "msnftp end   0 16777989"}));
  ASSERT_EQ(r.files.count("1357924680"), 1u);
  EXPECT_TRUE(r.files.at("1357924680") == file);

  // Without content: counted, not delivered, not hashed.
  const Result quiet = decode_content(
      {c2s(line("VER MSNFTP")), s2c(line("VER MSNFTP")), c2s(line("USR bob@example.net 1")),
       s2c(line("FIL 5000")), c2s(line("TFR")), s2c(blocks), c2s(line("BYE 16777989"))},
      false);
  EXPECT_TRUE(quiet.files.empty());
  EXPECT_EQ(quiet.lines[2], "file_complete msnftp 1 '' 5000/5000 complete data ");
}

TEST(MsnpFileContent, MsnftpSenderCancelAndGap) {
  const std::string file = file_bytes(3000, 5);
  const std::string blocks = msnftp_blocks(file).substr(0, 2048) + std::string("\x01\x00\x00", 3);
  const Result r = decode_content({c2s(line("VER MSNFTP")), s2c(line("VER MSNFTP")),
                                   c2s(line("USR bob@example.net 42")), s2c(line("FIL 3000")),
                                   c2s(line("TFR")), s2c(blocks), c2s(line("CCL"))});
  EXPECT_EQ(r.lines.back(), "msnftp cancel   0 0");
  EXPECT_EQ(r.lines[2], "file_complete msnftp 42 '' 2045/3000 incomplete cancel " +
                            sha256_of(file.substr(0, 2045)));

  // A gap inside a block's data: the block lengths still frame the rest.
  ContentSink sink;
  MsnpDecoder d(stream_info(), sink);
  const std::string all = msnftp_blocks(file);
  drive(d,
        {c2s(line("VER MSNFTP")), s2c(line("VER MSNFTP")), c2s(line("USR bob@example.net 42")),
         s2c(line("FIL 3000")), c2s(line("TFR")), s2c(all.substr(0, 1000))},
        Chunking::kWhole);
  d.on_gap(flow::Direction::kServerToClient, 500, Timestamp{1});
  const std::vector<uint8_t> rest(all.begin() + 1500, all.end());
  d.on_data(flow::Direction::kServerToClient, ByteView(rest.data(), rest.size()), Timestamp{2});
  d.on_close(flow::CloseReason::kFin, Timestamp{3});
  EXPECT_EQ(sink.files["42"], file.substr(0, 997) + file.substr(1497));
  EXPECT_EQ(sink.lines.back(), "file_complete msnftp 42 '' 2500/3000 incomplete data " +
                                   sha256_of(file.substr(0, 997) + file.substr(1497)));
}

// --- §13.5 with the data phase -------------------------------------------------

std::string p2p_v1(uint32_t session, uint32_t id, uint64_t offset, uint64_t total,
                   const std::string& data, uint32_t flags, uint32_t footer, uint32_t ack_id = 0,
                   uint32_t ack_unique = 0, uint64_t ack_size = 0) {
  return le(session, 4) + le(id, 4) + le(offset, 8) + le(total, 8) + le(data.size(), 4) +
         le(flags, 4) + le(ack_id, 4) + le(ack_unique, 4) + le(ack_size, 8) + data + be(footer, 4);
}

const std::string kToBob =
    "MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\nP2P-Dest: "
    "bob@example.net\r\n\r\n";
const std::string kToAlice =
    "MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\nP2P-Dest: "
    "alice@example.com\r\n\r\n";
const std::string kCallId = "{7B3C7C2D-1F2A-4E3B-9C7D-5E6F708192A3}";

std::string file_context(const std::string& name, uint64_t size) {
  std::string context = le(574, 4) + le(2, 4) + le(size, 8) + le(1, 4);
  for (char c : name) context += std::string{c, '\0'};
  context.resize(20 + 520, '\0');
  return context + std::string(30, '\0') + le(0xFFFFFFFF, 4);
}

std::string slp(const std::string& start, const std::string& to, const std::string& from,
                const std::string& type, const std::string& body_text) {
  const std::string body = body_text + std::string(1, '\0');
  return start + "\r\nTo: <msnmsgr:" + to + ">\r\nFrom: <msnmsgr:" + from +
         ">\r\nVia: MSNSLP/1.0/TLP ;branch={A0D624A6-6C0C-4283-A9E0-BC97B4B46D32}\r\nCSeq: "
         "0\r\nCall-ID: " +
         kCallId + "\r\nMax-Forwards: 0\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::vector<Step> switchboard() {
  return {c2s(line("USR 1 alice@example.com 1104577300.12345.678901")),
          s2c(line("USR 1 OK alice@example.com Alice%20A.")), s2c(line("JOI bob@example.net Bob"))};
}

std::vector<std::string> p2p_v1_chunks(const std::string& file, uint32_t session) {
  std::vector<std::string> out;
  for (size_t off = 0; off < file.size(); off += 1202) {
    const std::string piece = file.substr(off, 1202);
    out.push_back(kToBob +
                  p2p_v1(session, 0x0001A2B5, off, file.size(), piece, 0x01000030, 2, 0x2468ACE0));
  }
  return out;
}

std::vector<Step> p2p_v1_session(const std::string& file, const std::vector<std::string>& chunks) {
  const std::string invite =
      slp("INVITE MSNMSGR:bob@example.net MSNSLP/1.0", "bob@example.net", "alice@example.com",
          "application/x-msnmsgr-sessionreqbody",
          "EUF-GUID: {5D3E02AB-6190-11D3-BBBB-00C04F795683}\r\nSessionID: 94573\r\nAppID: "
          "2\r\nContext: " +
              base64(file_context("plans.txt", file.size())) + "\r\n\r\n");
  EXPECT_EQ(invite.size(), 1187u);  // as in §13.5
  const std::string ok = slp("MSNSLP/1.0 200 OK", "alice@example.com", "bob@example.net",
                             "application/x-msnmsgr-sessionreqbody", "SessionID: 94573\r\n\r\n");
  const std::string bye =
      slp("BYE MSNMSGR:bob@example.net MSNSLP/1.0", "bob@example.net", "alice@example.com",
          "application/x-msnmsgr-sessionclosebody", "SessionID: 94573\r\n\r\n");
  std::vector<Step> steps = switchboard();
  steps.push_back(c2s(with_payload(
      "MSG 7 D", kToBob + p2p_v1(0, 0x0001A2B3, 0, invite.size(), invite, 0, 0, 0x12345678))));
  steps.push_back(s2c(with_payload(
      "MSG bob@example.net Bob",
      kToAlice + p2p_v1(0, 0x0006F1C0, 0, 1187, "", 2, 0, 0x0001A2B3, 0x12345678, 1187))));
  steps.push_back(s2c(with_payload("MSG bob@example.net Bob",
                                   kToAlice + p2p_v1(0, 0x0006F1C1, 0, ok.size(), ok, 0, 0))));
  int trid = 8;
  for (const std::string& chunk : chunks) {
    steps.push_back(c2s(with_payload("MSG " + std::to_string(trid++) + " D", chunk)));
  }
  steps.push_back(s2c(with_payload(
      "MSG bob@example.net Bob",
      kToAlice + p2p_v1(0, 0x0006F1C2, 0, 5000, "", 2, 0, 0x0001A2B5, 0x2468ACE0, 5000))));
  steps.push_back(
      c2s(with_payload("MSG 20 D", kToBob + p2p_v1(0, 0x0001A2B6, 0, bye.size(), bye, 0, 0))));
  return steps;
}

TEST(MsnpFileContent, P2pV1_13_5_DataPhase) {
  const std::string file = file_bytes(5000, 135);
  const auto chunks = p2p_v1_chunks(file, 94573);
  ASSERT_EQ(chunks.size(), 5u);
  ASSERT_EQ(chunks[4].size(), 88u + 48 + 192 + 4);  // MSG n D 332
  ASSERT_EQ(chunks[0].size(), 1342u);               // MSG n D 1342
  const Result r = decode_content(p2p_v1_session(file, chunks));
  ASSERT_EQ(r.lines.size(), 7u);
  EXPECT_EQ(r.lines[2].substr(0, 10), "p2p INVITE");
  EXPECT_EQ(r.lines[3].substr(0, 7), "p2p 200");
  EXPECT_EQ(r.lines[4],
            "file_complete p2p_v1 94573 'plans.txt' 5000/5000 complete data " + sha256_of(file));
  EXPECT_EQ(r.lines[5].substr(0, 7), "p2p BYE");
  EXPECT_EQ(r.lines[6], "left alice@example.com closed [bob@example.net]");
  EXPECT_TRUE(r.files.at("94573") == file);
}

TEST(MsnpFileContent, P2pV1ReorderedAndMissingChunks) {
  const std::string file = file_bytes(5000, 7);
  auto chunks = p2p_v1_chunks(file, 94573);
  std::swap(chunks[1], chunks[2]);  // within the hold-back allowance
  const Result swapped = decode_content(p2p_v1_session(file, chunks));
  EXPECT_EQ(swapped.lines[4],
            "file_complete p2p_v1 94573 'plans.txt' 5000/5000 complete data " + sha256_of(file));
  EXPECT_TRUE(swapped.files.at("94573") == file);

  chunks = p2p_v1_chunks(file, 94573);
  chunks.erase(chunks.begin() + 1);  // 1202 bytes never sent: a hole, found at the BYE
  const Result holed = decode_content(p2p_v1_session(file, chunks));
  const std::string got = file.substr(0, 1202) + file.substr(2404);
  EXPECT_EQ(holed.lines[4], "transfer_anomaly file_hole 94573 1202");
  EXPECT_EQ(holed.lines[5], "file_complete p2p_v1 94573 'plans.txt' 3798/5000 incomplete slp_bye " +
                                sha256_of(got));
  EXPECT_TRUE(holed.files.at("94573") == got);
}

// --- P2P v2 (§9.2) ----------------------------------------------------------------

TEST(MsnpFileContent, P2pV2SplitInviteAndFileData) {
  const std::string a = "alice@example.com;{11111111-2222-3333-4444-555555555555}";
  const std::string b = "bob@example.net;{66666666-7777-8888-9999-AAAAAAAAAAAA}";
  const std::string to_bob = p2p_v2_mime(a, b);
  const std::string to_alice = p2p_v2_mime(b, a);
  const std::string file = file_bytes(6500, 92);
  const std::string invite =
      slp("INVITE MSNMSGR:" + b + " MSNSLP/1.0", b, a, "application/x-msnmsgr-sessionreqbody",
          "EUF-GUID: {5D3E02AB-6190-11D3-BBBB-00C04F795683}\r\nSessionID: 777\r\nAppID: "
          "2\r\nContext: " +
              base64(file_context("holiday.jpg", file.size())) + "\r\n\r\n");
  ASSERT_GT(invite.size(), 1200u);  // two chunks: TF 0x01 then 0x00
  const std::string peer_info = std::string("\x01\x0c", 2) + std::string(12, '\x01');
  std::vector<Step> steps = switchboard();
  steps.push_back(c2s(
      with_payload("MSG 2 D", to_bob + p2p_v2(1, 100, peer_info, 0x01, 1, 0, invite.size() - 1200,
                                              invite.substr(0, 1200), 0))));
  steps.push_back(c2s(with_payload(
      "MSG 3 D", to_bob + p2p_v2(0, 1300, "", 0x00, 1, 0, 0, invite.substr(1200), 0))));
  steps.push_back(
      s2c(with_payload("MSG bob@example.net Bob",
                       to_alice + p2p_v2(0, 500, std::string("\x02\x04", 2) + be(1300 + 100, 4), 0,
                                         0, 0, 0, "", 0))));
  uint32_t base = 2000;
  for (size_t off = 0; off < file.size(); off += 1200) {
    const std::string piece = file.substr(off, 1200);
    steps.push_back(
        c2s(with_payload("MSG 4 D", to_bob + p2p_v2(0, base, "", 0x06, 2, 777,
                                                    file.size() - off - piece.size(), piece, 2))));
    base += static_cast<uint32_t>(piece.size());
  }
  const Result r = decode_content(steps);
  ASSERT_EQ(r.lines.size(), 5u);
  EXPECT_EQ(r.lines[2],
            "p2p INVITE alice@example.com->bob@example.net alice@example.com->bob@example.net " +
                kCallId + " 777 2 'holiday.jpg' 6500");
  EXPECT_EQ(r.lines[3],
            "file_complete p2p_v2 777 'holiday.jpg' 6500/6500 complete data " + sha256_of(file));
  EXPECT_TRUE(r.files.at("777") == file);
}

// --- chunked messages (§8.5) ---------------------------------------------------------

TEST(MsnpChunkedMessages, ThreeChunksMakeOneMessage) {
  const std::string id = "Message-ID: {F2A1B0C3-0000-4000-8000-000000000001}\r\n";
  const std::string first = "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n" +
                            id + "Chunks: 3\r\n\r\nAlpha ";
  std::vector<Step> steps = switchboard();
  steps.push_back(c2s(with_payload("MSG 2 N", first)));
  steps.push_back(c2s(with_payload("MSG 3 N", id + "Chunk: 1\r\n\r\nBeta ")));
  steps.push_back(c2s(with_payload("MSG 4 N", id + "Chunk: 2\r\n\r\nGamma")));
  // A second message whose middle chunk is missing is dropped and reported.
  const std::string id2 = "Message-ID: {F2A1B0C3-0000-4000-8000-000000000002}\r\n";
  steps.push_back(
      c2s(with_payload("MSG 5 N", "Content-Type: text/plain\r\n" + id2 + "Chunks: 3\r\n\r\nOne ")));
  steps.push_back(c2s(with_payload("MSG 6 N", id2 + "Chunk: 2\r\n\r\nThree")));
  const Lines lines = decode_all_ways(steps);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[2], "message alice@example.com->bob@example.net: Alpha Beta Gamma");
  EXPECT_EQ(lines[3],
            "transfer_anomaly chunked_message_dropped {F2A1B0C3-0000-4000-8000-000000000002} " +
                std::to_string(26 + id2.size() + 13 + 4 + id2.size() + 12 + 5));
}

}  // namespace
}  // namespace rcds::proto::msnp::testing
