// MSNP21 messaging without a switchboard (MSNP.md §11), built by hand from
// the reference text: SDG text / typing / nudge, a temporary group
// (network id 10), presence and personal messages in NFY PUT/DEL and PUT.
// Every exchange is fed whole, byte by byte and in random chunks.
#include "proto/msnp/msnp21.h"

#include <gtest/gtest.h>

#include "event_text.h"

namespace rcds::proto::msnp::testing {
namespace {

using Lines = std::vector<std::string>;

std::string line(const std::string& text) { return text + "\r\n"; }
std::string with_payload(const std::string& head, const std::string& payload) {
  return head + " " + std::to_string(payload.size()) + "\r\n" + payload;
}

// The three header blocks of §11, then the body.
std::string sdg_payload(const std::string& to, const std::string& from,
                        const std::string& content_headers, const std::string& body) {
  return "Routing: 1.0\r\nTo: " + to + "\r\nFrom: " + from + "\r\n\r\nReliability: 1.0\r\n\r\n" +
         "Messaging: 2.0\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         content_headers + "\r\n" + body;
}

std::string user_payload(const std::string& head, const std::string& to, const std::string& from,
                         const std::string& xml) {
  return "Routing: 1.0\r\nTo: " + to + "\r\nFrom: " + from + "\r\n\r\nReliability: 1.0\r\n\r\n" +
         head +
         "\r\nContent-Type: application/user+xml\r\nContent-Length: " + std::to_string(xml.size()) +
         "\r\n\r\n" + xml;
}

const std::string kAlice = "1:alice@example.com;epid={f00dfeed-0000-4000-8000-000000000001}";
const std::string kGroup = "10:{0a1b2c3d-0000-4000-8000-00000000000a}@live.com";

std::vector<Step> login() {
  return {
      c2s(line("VER 1 MSNP21 CVR0")),
      s2c(line("VER 1 MSNP21 CVR0")),
      c2s(line("USR 2 SSO I alice@example.com")),
      s2c(line("USR 2 OK alice@example.com 1 0")),
  };
}

TEST(Msnp21, SectionElevenTextExampleDecodes) {
  // The §11 example payload, verbatim (Content-Length 9, "Hi there!").
  const std::string payload =
      "Routing: 1.0\r\nTo: 1:bob@example.net\r\n"
      "From: 1:alice@example.com;epid={f00dfeed-0000-4000-8000-000000000001}\r\n\r\n"
      "Reliability: 1.0\r\n\r\n"
      "Messaging: 2.0\r\nContent-Length: 9\r\nContent-Type: Text/plain; charset=UTF-8\r\n"
      "Message-Type: Text\r\nX-MMS-IM-Format: FN=Segoe%20UI; EF=; CO=0; CS=1; PF=0\r\n\r\n"
      "Hi there!";
  Msnp21Payload parsed;
  ASSERT_TRUE(parse_msnp21(payload, parsed));
  EXPECT_EQ(parsed.to, "1:bob@example.net");
  EXPECT_EQ(parsed.message_type, "Text");
  EXPECT_EQ(parsed.content_type, "Text/plain");
  EXPECT_EQ(parsed.body, "Hi there!");
  EXPECT_FALSE(parsed.body_truncated);

  auto steps = login();
  steps.push_back(c2s(with_payload("SDG 3", payload)));
  const Lines lines = decode_all_ways(steps);
  EXPECT_EQ(lines, (Lines{
                       "login_attempt alice@example.com SSO [MSNP21 CVR0]    ",
                       "login_ok alice@example.com ''",
                       "message alice@example.com->bob@example.net: Hi there!",
                       "logout alice@example.com connection_closed",
                   }));
}

TEST(Msnp21, TypingNudgeGroupAndPresence) {
  auto steps = login();
  const std::string bob = "1:bob@example.net;epid={0000b0b0-0000-4000-8000-000000000002}";
  steps.push_back(s2c(with_payload(
      "NFY PUT", user_payload("Notification: 1.0\r\nNotifType: Partial", "1:alice@example.com",
                              "1:bob@example.net",
                              "<user><s n=\"IM\"><Status>BSY</Status></s><s n=\"PE\">"
                              "<FriendlyName>Bob</FriendlyName><PSM>At work</PSM></s></user>"))));
  steps.push_back(c2s(
      with_payload("PUT 3", user_payload("Publication: 1.0\r\nUri: /user", kAlice, kAlice,
                                         "<user><s n=\"IM\"><Status>NLN</Status></s></user>"))));
  steps.push_back(
      s2c(with_payload("PUT 3 OK",
                       "Routing: 1.0\r\n\r\nReliability: 1.0\r\n\r\nPublication: 1.0\r\n"
                       "Content-Length: 0\r\n\r\n")));
  steps.push_back(c2s(with_payload(
      "SDG 4",
      sdg_payload("1:bob@example.net", kAlice,
                  "Content-Type: Application/Message\r\nMessage-Type: Control/Typing\r\n", ""))));
  steps.push_back(s2c(with_payload(
      "SDG 0",
      sdg_payload("1:alice@example.com", bob,
                  "Content-Type: Application/Message\r\nMessage-Type: Nudge\r\n", "\r\n"))));
  steps.push_back(s2c(with_payload(
      "SDG 0", sdg_payload(kGroup, "1:carol@example.org;epid={c0}",
                           "Content-Type: Text/plain; charset=UTF-8\r\nMessage-Type: Text\r\n",
                           "Group \xE2\x98\xBA"))));
  steps.push_back(c2s(with_payload(
      "SDG 5", sdg_payload(kGroup + ";path=IM", kAlice,
                           "Content-Type: Text/plain; charset=UTF-8\r\nMessage-Type: Text\r\n",
                           "Hello group"))));
  steps.push_back(s2c(with_payload(
      "NFY DEL", user_payload("Notification: 1.0\r\nNotifType: Partial", "1:alice@example.com",
                              "1:bob@example.net", "<user></user>"))));
  steps.push_back(c2s(line("OUT")));
  const Lines lines = decode_all_ways(steps);
  EXPECT_EQ(lines, (Lines{
                       "login_attempt alice@example.com SSO [MSNP21 CVR0]    ",
                       "login_ok alice@example.com ''",
                       "presence bob@example.net BSY 'Bob'",
                       "psm bob@example.net 'At work' ''",
                       "presence* alice@example.com NLN",
                       "typing alice@example.com->bob@example.net",
                       "datacast bob@example.net->alice@example.com 1",
                       "message carol@example.org->alice@example.com: Group \xE2\x98\xBA",
                       "message alice@example.com->carol@example.org: Hello group",
                       "presence bob@example.net FLN",
                       "logout alice@example.com client_out",
                   }));
}

TEST(Msnp21, GroupConversationIsNamed) {
  auto steps = login();
  steps.push_back(c2s(with_payload(
      "SDG 3", sdg_payload(kGroup + ";path=IM", kAlice,
                           "Content-Type: Text/plain\r\nMessage-Type: Text\r\n", "hi all"))));
  struct Sink final : MsnpEventSink {
    void on_event(const MsnpEvent& event) override {
      if (const auto* m = std::get_if<InstantMessage>(&event.body)) {
        conversation = m->conversation;
        text = m->text;
        trid = m->trid;
      }
    }
    std::string conversation, text, trid;
  } sink;
  MsnpDecoder decoder(stream_info(), sink);
  drive(decoder, steps, Chunking::kByteByByte);
  EXPECT_EQ(sink.conversation, kGroup);  // without the ;path= parameter
  EXPECT_EQ(sink.text, "hi all");
  EXPECT_EQ(sink.trid, "3");
}

TEST(Msnp21, NoContentWantedSkipsMessagesButKeepsPresence) {
  auto steps = login();
  steps.push_back(c2s(with_payload(
      "SDG 3", sdg_payload("1:bob@example.net", kAlice,
                           "Content-Type: Text/plain\r\nMessage-Type: Text\r\n", "secret"))));
  steps.push_back(s2c(with_payload(
      "NFY PUT", user_payload("Notification: 1.0", "1:alice@example.com", "1:bob@example.net",
                              "<user><s n=\"IM\"><Status>AWY</Status></s><s n=\"PE\">"
                              "<PSM>private</PSM></s></user>"))));
  CollectingSink sink;
  sink.content = false;
  MsnpDecoder decoder(stream_info(), sink);
  drive(decoder, steps, Chunking::kRandom, 7);
  EXPECT_EQ(sink.lines, (Lines{
                            "login_attempt alice@example.com SSO [MSNP21 CVR0]    ",
                            "login_ok alice@example.com ''",
                            "presence bob@example.net AWY",
                        }));
}

TEST(Msnp21, MalformedPayloadsAreNamedAnomalies) {
  Msnp21Payload parsed;
  EXPECT_FALSE(parse_msnp21("Routing: 1.0\r\nTo: x\r\n", parsed));
  EXPECT_FALSE(parse_msnp21("Routing: 1.0\r\n\r\nReliability: 1.0\r\n\r\nMessaging", parsed));
  // Content-Length beyond the payload: the body is what is there.
  ASSERT_TRUE(parse_msnp21(
      "Routing: 1.0\r\n\r\nReliability: 1.0\r\n\r\nMessaging: 2.0\r\nContent-Length: 99\r\n\r\nab",
      parsed));
  EXPECT_EQ(parsed.body, "ab");
  EXPECT_TRUE(parsed.body_truncated);
  // An oversized header block is refused (bounded parsing).
  EXPECT_FALSE(parse_msnp21("X: " + std::string(kMaxMsnp21Block + 10, 'a') + "\r\n\r\n", parsed));

  auto steps = login();
  steps.push_back(c2s(with_payload("SDG 3", "no blocks here")));
  const Lines lines = decode_all_ways(steps);
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines[2], "anomaly msnp_bad_mime 14");
}

TEST(Msnp21, AddressHelpers) {
  EXPECT_EQ(msnp21_address(kGroup + ";path=IM"), kGroup);
  EXPECT_TRUE(msnp21_is_group(kGroup));
  EXPECT_TRUE(msnp21_is_group("9:{x}@live.com"));
  EXPECT_FALSE(msnp21_is_group("1:bob@example.net"));
  EXPECT_EQ(msnp21_xml_element("<a><Status>NLN</Status></a>", "Status"), "NLN");
  EXPECT_EQ(msnp21_xml_element("<Status>NLN", "Status"), "");
  EXPECT_EQ(msnp21_xml_element("<StatusX>1</StatusX><Status>2</Status>", "Status"), "2");
}

}  // namespace
}  // namespace rcds::proto::msnp::testing
