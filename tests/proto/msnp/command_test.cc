// The pure parts: command line parser, payload table, URL decoding, account
// normalisation, MIME headers and the detection probe.
#include "proto/msnp/command.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "proto/msnp/decoder.h"
#include "proto/msnp/events.h"
#include "proto/msnp/mime.h"
#include "proto/msnp/slp.h"

namespace rcds::proto::msnp {
namespace {

using flow::Direction;
constexpr auto kC2S = Direction::kClientToServer;
constexpr auto kS2C = Direction::kServerToClient;

TEST(MsnpCommand, ParsesNameAndParams) {
  Command cmd;
  ASSERT_TRUE(parse_command("USR 7 OK alice@example.com Alice%20A. 1 0", cmd));
  EXPECT_EQ(cmd.name, "USR");
  EXPECT_FALSE(cmd.is_error);
  ASSERT_EQ(cmd.count, 6);
  EXPECT_EQ(cmd.params[0], "7");
  EXPECT_EQ(cmd.params[2], "alice@example.com");
  EXPECT_EQ(cmd.last, "0");
  EXPECT_EQ(cmd.param(9), "");
}

// Tokens are found a word at a time: lines of tokens of every length up to
// two words, separated by one to three spaces, split as a per-byte reference
// splits them.
TEST(MsnpCommand, SplitsTokensOfAnyLengthAtAnyOffset) {
  std::mt19937 random(7);
  for (int round = 0; round < 2000; ++round) {
    std::string line = "MSG";
    std::vector<std::string> tokens;
    const int count = static_cast<int>(random() % 8);
    for (int t = 0; t < count; ++t) {
      line.append(1 + random() % 3, ' ');
      std::string token(1 + random() % 17, 'x');
      for (char& c : token) c = static_cast<char>('!' + random() % 94);  // no spaces
      tokens.push_back(token);
      line += token;
    }
    Command cmd;
    ASSERT_TRUE(parse_command(line, cmd)) << line;
    ASSERT_EQ(cmd.count, tokens.size()) << line;
    for (size_t t = 0; t < tokens.size(); ++t) EXPECT_EQ(cmd.params[t], tokens[t]) << line;
    EXPECT_EQ(cmd.last, tokens.empty() ? "" : tokens.back());
  }
}

TEST(MsnpCommand, ToleratesCrRepeatedAndTrailingSpaces) {
  Command cmd;
  ASSERT_TRUE(parse_command("MSG  4   A 134  \r", cmd));
  ASSERT_EQ(cmd.count, 3);
  EXPECT_EQ(cmd.params[1], "A");
  EXPECT_EQ(cmd.last, "134");
  ASSERT_TRUE(parse_command("PNG", cmd));
  EXPECT_EQ(cmd.count, 0);
  EXPECT_EQ(cmd.last, "");
}

TEST(MsnpCommand, ErrorCodesAndRejects) {
  Command cmd;
  ASSERT_TRUE(parse_command("911 7", cmd));
  EXPECT_TRUE(cmd.is_error);
  EXPECT_EQ(cmd.name, "911");
  EXPECT_FALSE(parse_command("", cmd));
  EXPECT_FALSE(parse_command("US", cmd));
  EXPECT_FALSE(parse_command("usr 1 x", cmd));
  EXPECT_FALSE(parse_command("USER alice", cmd));
  EXPECT_FALSE(parse_command("MIME-Version: 1.0", cmd));
  EXPECT_FALSE(parse_command("9X1 3", cmd));
}

TEST(MsnpCommand, KeepsTheTrueLastTokenBeyondTheParamLimit) {
  std::string text = "ADL 1";
  for (int i = 0; i < 40; ++i) text += " t" + std::to_string(i);
  text += " 99";
  Command cmd;
  ASSERT_TRUE(parse_command(text, cmd));
  EXPECT_EQ(cmd.count, Command::kMaxParams);
  EXPECT_TRUE(cmd.more_params);
  EXPECT_EQ(cmd.last, "99");
}

bool payload(std::string_view text, Direction d, ConnectionType t, int version, uint64_t& len) {
  Command cmd;
  return parse_command(text, cmd) && payload_length(cmd, d, t, version, len);
}

TEST(MsnpCommand, PayloadTablePerDirectionTypeAndVersion) {
  uint64_t len = 0;
  const auto ns = ConnectionType::kNotification;
  const auto sb = ConnectionType::kSwitchboard;
  EXPECT_TRUE(payload("MSG 4 A 134", kC2S, sb, 0, len));
  EXPECT_EQ(len, 134u);
  EXPECT_TRUE(payload("MSG bob@example.net Bob 142", kS2C, sb, 0, len));
  EXPECT_TRUE(payload("MSG Hotmail Hotmail 353", kS2C, ns, 8, len));
  EXPECT_TRUE(payload("QRY 12 msmsgs@msnmsgr.com 32", kC2S, ns, 8, len));
  EXPECT_FALSE(payload("QRY 12", kS2C, ns, 8, len));  // the server's ack
  EXPECT_TRUE(payload("UUX 14 65", kC2S, ns, 11, len));
  EXPECT_FALSE(payload("UUX 14 65", kC2S, ns, 10, len));  // MSNP11+ only
  EXPECT_FALSE(payload("UUX 14 0", kS2C, ns, 11, len));   // ack
  EXPECT_TRUE(payload("UBX bob@example.net 1 42", kS2C, ns, 14, len));
  EXPECT_TRUE(payload("ADL 11 63", kC2S, ns, 13, len));
  EXPECT_FALSE(payload("ADL 11 OK", kS2C, ns, 13, len));
  EXPECT_TRUE(payload("NOT 120", kS2C, ns, 8, len));
  EXPECT_TRUE(payload("241 7 300", kS2C, ns, 13, len));
  EXPECT_FALSE(payload("241 7 300", kS2C, ns, 8, len));
  EXPECT_FALSE(payload("911 7", kS2C, ns, 13, len));
  EXPECT_FALSE(payload("CHG 9 NLN 268435456", kC2S, ns, 8, len));
  EXPECT_FALSE(payload("QNG 50", kS2C, ns, 8, len));
  EXPECT_FALSE(payload("ADL 11 63", kC2S, sb, 13, len));  // only MSG on a switchboard
  EXPECT_TRUE(payload("SDG 0 300", kS2C, ns, 21, len));
  EXPECT_TRUE(payload("NFY PUT 300", kS2C, ns, 21, len));
  EXPECT_FALSE(payload("NFY PUT 300", kS2C, ns, 18, len));
  EXPECT_FALSE(payload("MSG 4 A x", kC2S, sb, 0, len));
}

TEST(MsnpCommand, UrlDecode) {
  EXPECT_EQ(url_decode("Alice%20A."), "Alice A.");
  EXPECT_EQ(url_decode("%E4%B8%AD%zz%4"), "\xE4\xB8\xAD%zz%4");
  EXPECT_EQ(url_decode(""), "");
  // The view form copies only text that has an escape.
  std::string scratch = "old";
  const std::string_view plain = "Alice A.";
  EXPECT_EQ(url_decode(plain, scratch).data(), plain.data());
  EXPECT_EQ(scratch, "old");
  EXPECT_EQ(url_decode("Alice%20A.", scratch), "Alice A.");
  EXPECT_EQ(url_decode("Alice%20A.", scratch).data(), scratch.data());
}

TEST(MsnpCommand, NormalisesAccounts) {
  Account a = normalize_account("Alice@Example.COM;{F00DFEED-0000-4000-8000-000000000001}");
  EXPECT_EQ(a.address, "alice@example.com");
  EXPECT_EQ(a.device_id, "{F00DFEED-0000-4000-8000-000000000001}");
  EXPECT_EQ(a.network_id, 0);
  a = normalize_account("1:Bob@Example.net");
  EXPECT_EQ(a.address, "bob@example.net");
  EXPECT_EQ(a.network_id, 1);
  a = normalize_account("1:alice@example.com;epid={f00d}");
  EXPECT_EQ(a.address, "alice@example.com");
  EXPECT_EQ(a.device_id, "{f00d}");
  EXPECT_EQ(normalize_address("32:Yahoo@Example.org;{x}"), "yahoo@example.org");
  EXPECT_EQ(normalize_address("http://x"), "http://x");  // not a network prefix
}

// split_account gives the same parts as normalize_account, as views: of the
// wire's bytes when they are already lower case, else of the scratch copy.
TEST(MsnpCommand, SplitsAccountsWithoutCopyingNormalOnes) {
  struct Case {
    std::string_view raw;
    bool copied;  // the address has upper case: only then is it in scratch
  };
  for (const Case& c :
       {Case{"alice@example.com", false}, Case{"Alice@Example.COM;{F00D}", true},
        Case{"1:bob@example.net;epid={f00d}", false}, Case{"32:Yahoo@Example.org", true},
        Case{"", false}, Case{";{x}", false}, Case{"carol@example.com;", false}}) {
    std::string scratch;
    const AccountRef parts = split_account(c.raw, scratch);
    const Account copy = normalize_account(c.raw);
    EXPECT_EQ(parts.address, copy.address) << c.raw;
    EXPECT_EQ(parts.device_id, copy.device_id) << c.raw;
    EXPECT_EQ(parts.network_id, copy.network_id) << c.raw;
    const bool in_raw =
        parts.address.data() >= c.raw.data() && parts.address.data() <= c.raw.data() + c.raw.size();
    EXPECT_EQ(in_raw, !c.copied) << c.raw;
  }
}

// Lower-casing works a word at a time: every byte value, at every position
// of a word and in the tail, must come out as a per-byte ASCII lowering says.
TEST(MsnpCommand, LowersOnlyAsciiLettersAtAnyOffset) {
  for (int b = 0; b < 256; ++b) {
    if (b == ';') continue;  // ends the address
    for (size_t at = 0; at < 19; ++at) {
      std::string raw = "xY@Z.[`{AZaz09-_~.q";  // 19 bytes: two words and a tail
      raw[at] = static_cast<char>(b);
      std::string expected = raw;
      for (char& c : expected) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      EXPECT_EQ(normalize_address(raw), expected) << b << " at " << at;
      // split_account's fast path: the wire's bytes serve as the address
      // exactly when normalising would change nothing.
      std::string scratch;
      const AccountRef parts = split_account(raw, scratch);
      EXPECT_EQ(parts.address, expected) << b << " at " << at;
      EXPECT_EQ(parts.address.data() == raw.data(), raw == expected) << b << " at " << at;
    }
  }
}

TEST(MsnpMime, HeadersAndBody) {
  MimeMessage m;
  ASSERT_TRUE(
      split_mime("MIME-Version: 1.0\r\ncontent-type: text/plain; charset=UTF-8\r\n\r\nhi", m));
  EXPECT_EQ(m.body, "hi");
  EXPECT_EQ(media_type(header_value(m.headers, "Content-Type")), "text/plain");
  ASSERT_TRUE(split_mime("A: b\n\nbody\r\n\r\n", m));
  EXPECT_EQ(header_value(m.headers, "a"), "b");
  EXPECT_EQ(m.body, "body\r\n\r\n");
  EXPECT_FALSE(split_mime("MIME-Version: 1.0\r\n", m));
}

// The headers split_mime indexes must be what header_value finds: the first
// occurrence, any case, blanks trimmed; "" when absent or misspelt.
TEST(MsnpMime, IndexedHeadersEqualHeaderValue) {
  const std::string payload =
      "MIME-Version: 1.0\r\nCONTENT-TYPE:\ttext/plain \r\nmessage-id: {AB}\r\n"
      "Chunks: 3\r\nChunk : 9\r\nChunks: 4\r\nX-MMS-IM-Format: FN=Arial\r\n\r\nbody";
  MimeMessage m;
  ASSERT_TRUE(split_mime(payload, m));
  for (const auto& [name, indexed] :
       {std::pair{"Content-Type", m.content_type}, std::pair{"Message-ID", m.message_id},
        std::pair{"Chunks", m.chunks}, std::pair{"Chunk", m.chunk},
        std::pair{"X-MMS-IM-Format", m.im_format}}) {
    EXPECT_EQ(indexed, header_value(m.headers, name)) << name;
  }
  EXPECT_EQ(m.content_type, "text/plain");
  EXPECT_EQ(m.message_id, "{AB}");
  EXPECT_EQ(m.chunks, "3");
  EXPECT_EQ(m.chunk, "");  // "Chunk :" is not the header "Chunk"
  EXPECT_EQ(m.im_format, "FN=Arial");
  // Case folds on letters only: a CR where the name has '-' (0x0D is 0x2D
  // without the case bit) is another name.
  ASSERT_TRUE(
      split_mime("Content\rType: evil\r\nx-mms-im-FORMAT: FN=A\r\n"
                 "CONTENT-type: text/plain\r\n\r\nb",
                 m));
  EXPECT_EQ(m.content_type, "text/plain");
  EXPECT_EQ(m.im_format, "FN=A");
  ASSERT_TRUE(split_mime(payload, m));
  MimeMessage joined{m.headers, "other body"};
  index_headers(joined);
  EXPECT_EQ(joined.message_id, "{AB}");
  EXPECT_EQ(joined.chunks, "3");
}

TEST(MsnpSlp, Base64AndFileContext) {
  std::string out;
  ASSERT_TRUE(base64_decode("aGk=", out));
  EXPECT_EQ(out, "hi");
  EXPECT_FALSE(base64_decode("a$b", out));
  // 540 bytes: fields, then "\xF0\x9F\x98\x80.txt" as a UTF-16 surrogate pair + ".txt".
  std::string raw(540, '\0');
  raw[8] = '\x10';  // size 16
  const char name[] = {'\x3D', '\xD8', '\x00', '\xDE', '.', 0, 't', 0, 'x', 0, 't', 0};
  raw.replace(20, sizeof name, name, sizeof name);
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string encoded;
  for (size_t i = 0; i < raw.size(); i += 3) {  // 540 is a multiple of 3: no padding
    const uint32_t v = (static_cast<uint8_t>(raw[i]) << 16) |
                       (static_cast<uint8_t>(raw[i + 1]) << 8) | static_cast<uint8_t>(raw[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) encoded += kAlphabet[(v >> shift) & 63];
  }
  FileContext context;
  ASSERT_TRUE(parse_file_context(encoded, context));
  EXPECT_EQ(context.size, 16u);
  EXPECT_EQ(context.name, "\xF0\x9F\x98\x80.txt");
  EXPECT_FALSE(parse_file_context(encoded.substr(0, 100), context));  // too short
}

TEST(MsnpSlp, P2pHeaderSizesMustAddUp) {
  std::string body(48 + 3 + 4, '\0');
  body[24] = 3;  // length 3
  P2pHeader header;
  std::string_view data;
  uint32_t footer = 0;
  EXPECT_TRUE(parse_p2p_v1(body, header, data, footer));
  EXPECT_EQ(data.size(), 3u);
  body[24] = 4;
  EXPECT_FALSE(parse_p2p_v1(body, header, data, footer));
  EXPECT_FALSE(parse_p2p_v1(std::string_view(body).substr(0, 40), header, data, footer));
  SlpMessage slp;
  EXPECT_FALSE(parse_slp("garbage\r\n\r\n", slp));
  ASSERT_TRUE(parse_slp("MSNSLP/1.0 603 Decline\r\nCall-ID: {x}\r\n\r\n", slp));
  EXPECT_EQ(slp.status, 603);
  EXPECT_EQ(slp.call_id, "{x}");
}

flow::ProbeResult probe(std::string_view text, Direction d = kC2S) {
  return msnp_probe(as_bytes(text), d);
}

TEST(MsnpProbe, MatchesFirstLinesOfEveryConnectionType) {
  using R = flow::ProbeResult;
  EXPECT_EQ(probe("VER 1 MSNP8 CVR0\r\n"), R::kMatch);
  EXPECT_EQ(probe("VER MSNFTP\r\n"), R::kMatch);
  EXPECT_EQ(probe("USR 1 alice@example.com 1104577300.12345.678901\r\n"), R::kMatch);
  EXPECT_EQ(probe("ANS 1 bob@example.net 849102291.520491113 11752013\r\n"), R::kMatch);
  EXPECT_EQ(probe("MSG 77 U 89\r\nMIME"), R::kMatch);                      // mid-stream SB
  EXPECT_EQ(probe("NLN NLN bob@example.net Bob 0\r\n", kS2C), R::kMatch);  // mid-stream NS
  EXPECT_EQ(probe("VER 1 MSNP8"), R::kNeedMore);
  EXPECT_EQ(probe("VE"), R::kNeedMore);
  EXPECT_EQ(probe("GET / HTTP/1.1\r\n"), R::kNoMatch);
  EXPECT_EQ(probe("PUT /upload HTTP/1.1\r\n"), R::kNoMatch);
  EXPECT_EQ(probe("220 smtp.example ESMTP\r\n", kS2C), R::kNoMatch);
  EXPECT_EQ(probe("SSH-2.0-OpenSSH\r\n"), R::kNoMatch);
  EXPECT_EQ(probe("VER 1 HTTP\r\n"), R::kNoMatch);
  EXPECT_EQ(probe("\x16\x03\x01"), R::kNoMatch);
  EXPECT_EQ(probe("USR " + std::string(500, 'a')), R::kNoMatch);  // bounded
}

TEST(MsnpDocs, EveryAnomalyAndEventIsDocumented) {
  std::ifstream in(std::string(RCDS_TESTDATA_DIR) + "/../docs/msnp.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  ASSERT_FALSE(doc.empty());
  for (size_t i = 0; i < static_cast<size_t>(MsnpAnomaly::kCount); ++i) {
    const std::string name(name_of(static_cast<MsnpAnomaly>(i)));
    EXPECT_NE(doc.find("`" + name + "`"), std::string::npos) << name;
  }
  auto check = [&](const EventBody& body) {
    const std::string name(event_name(body));
    EXPECT_NE(doc.find("`" + name + "`"), std::string::npos) << name;
  };
  for (const EventBody& body : {EventBody{LoginAttempt{}},
                                EventBody{LoginResult{}},
                                EventBody{Redirect{}},
                                EventBody{Logout{}},
                                EventBody{Presence{}},
                                EventBody{PersonalMessage{}},
                                EventBody{ContactChange{}},
                                EventBody{SwitchboardReferral{}},
                                EventBody{SwitchboardInvitation{}},
                                EventBody{SwitchboardCall{}},
                                EventBody{ParticipantJoined{}},
                                EventBody{ParticipantLeft{}},
                                EventBody{InstantMessage{}},
                                EventBody{Typing{}},
                                EventBody{Datacast{}},
                                EventBody{FileInvitation{}},
                                EventBody{P2pSignal{}},
                                EventBody{LoginProfile{}},
                                EventBody{MsnftpTransfer{}},
                                EventBody{DecoderAnomaly{}}}) {
    check(body);
  }
}

}  // namespace
}  // namespace rcds::proto::msnp
