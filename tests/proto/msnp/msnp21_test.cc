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

// --- P2P over SDG (§11 last paragraph, §9.2, §9.3) --------------------------------

const std::string kBobEp = "1:bob@example.net;epid={0000b0b0-0000-4000-8000-000000000002}";
const std::string kA = "alice@example.com;{F00DFEED-0000-4000-8000-000000000001}";
const std::string kB = "bob@example.net;{0000B0B0-0000-4000-8000-000000000002}";

// A P2P v2 packet (§9.2): transport header, data header with the
// remaining-bytes TLV, data, and the footer unless `footer` is negative.
// `base` is the transport sequence number (§9.2 baseid: it advances by the
// data length, so two packets never share one).
std::string v2_packet(uint8_t opcode, uint32_t base, uint8_t tf, uint16_t package, uint32_t session,
                      uint64_t remaining, const std::string& data, int64_t footer) {
  std::string dh = std::string(1, '\0') + static_cast<char>(tf) + be(package, 2) + be(session, 4);
  if (remaining != 0) dh += std::string("\x01\x08", 2) + be(remaining, 8);
  while (dh.size() % 4 != 0) dh.push_back('\0');
  dh[0] = static_cast<char>(dh.size());
  std::string th = std::string(1, '\x08') + static_cast<char>(opcode) +
                   be(dh.size() + data.size(), 2) + be(base, 4);
  return th + dh + data + (footer < 0 ? "" : be(static_cast<uint64_t>(footer), 4));
}

// §9.3 file-transfer Context: the version-2 struct, UTF-16LE name.
std::string ft_context(const std::string& name, uint64_t size) {
  std::string c = le(574, 4) + le(2, 4) + le(size, 8) + le(1, 4);
  for (const char ch : name) c += std::string{ch, '\0'};
  c.resize(20 + 520, '\0');
  return base64(c + std::string(30, '\0') + le(0xFFFFFFFF, 4));
}

std::string slp_text(const std::string& start, const std::string& to, const std::string& from,
                     const std::string& call_id, const std::string& body_text) {
  const std::string body = body_text + std::string(1, '\0');
  return start + "\r\nTo: <msnmsgr:" + to + ">\r\nFrom: <msnmsgr:" + from +
         ">\r\nVia: MSNSLP/1.0/TLP ;branch={A0D624A6-6C0C-4283-A9E0-BC97B4B46D32}\r\nCSeq: 0\r\n"
         "Call-ID: " +
         call_id +
         "\r\nMax-Forwards: 0\r\nContent-Type: application/x-msnmsgr-sessionreqbody\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string invite(const std::string& call_id, uint32_t session, const std::string& name,
                   uint64_t size) {
  return slp_text(
      "INVITE MSNMSGR:" + kB + " MSNSLP/1.0", kB, kA, call_id,
      "EUF-GUID: {5D3E02AB-6190-11D3-BBBB-00C04F795683}\r\nSessionID: " + std::to_string(session) +
          "\r\nAppID: 2\r\nContext: " + ft_context(name, size) + "\r\n\r\n");
}

std::string signal_sdg(const std::string& to, const std::string& from, const std::string& text) {
  return sdg_payload(
      to, from, "Content-Type: text/plain; charset=UTF-8\r\nMessage-Type: Signal/P2P\r\n", text);
}

std::string data_sdg(const std::string& to, const std::string& from,
                     const std::vector<std::string>& packets, const std::string& offsets = "") {
  std::string body, listed;
  for (const std::string& p : packets) {
    listed += (listed.empty() ? "" : ",") + std::to_string(body.size());
    body += p;
  }
  return sdg_payload(to, from,
                     "Content-Type: application/x-msnmsgrp2p\r\nContent-Transfer-Encoding: "
                     "binary\r\nMessage-Type: Data\r\nBridging-Offsets: " +
                         (offsets.empty() ? listed : offsets) + "\r\n",
                     body);
}

TEST(Msnp21, P2pOverSdgSignalsAndRebuildsTheFile) {
  // A file offer over Signal/P2P declined with 603; then "abc.txt" offered in
  // a Data SDG (v2 packet, SYN), accepted by a 200 OK sent without footer,
  // its three bytes in one SDG as three packets at Bridging-Offsets, and an
  // SLP BYE. The SHA-256 is the FIPS 180-2 vector of "abc".
  const std::string decline_call = "{11111111-0000-4000-8000-00000000000D}";
  const std::string call = "{22222222-0000-4000-8000-00000000000F}";
  const std::string offer = invite(call, 4242, "abc.txt", 3);
  auto steps = login();
  steps.push_back(c2s(with_payload(
      "SDG 3", signal_sdg(kBobEp, kAlice, invite(decline_call, 99, "big.avi", 1000000)))));
  steps.push_back(
      s2c(with_payload("SDG 0", signal_sdg(kAlice, kBobEp,
                                           slp_text("MSNSLP/1.0 603 Decline", kA, kB, decline_call,
                                                    "SessionID: 99\r\n\r\n")))));
  steps.push_back(c2s(with_payload(
      "SDG 4", data_sdg(kBobEp, kAlice, {v2_packet(0x01, 0x1000, 0x01, 1, 0, 0, offer, 0)}))));
  steps.push_back(s2c(with_payload(
      "SDG 0",
      data_sdg(kAlice, kBobEp,
               {v2_packet(0, 0x5000, 0x01, 1, 0, 0,
                          slp_text("MSNSLP/1.0 200 OK", kA, kB, call, "SessionID: 4242\r\n\r\n"),
                          -1)}))));
  steps.push_back(
      c2s(with_payload("SDG 5", data_sdg(kBobEp, kAlice,
                                         {v2_packet(0, 0x2000, 0x06, 2, 4242, 2, "a", 2),
                                          v2_packet(0, 0x2001, 0x06, 2, 4242, 1, "b", 2),
                                          v2_packet(0, 0x2002, 0x06, 2, 4242, 0, "c", 2)}))));
  steps.push_back(c2s(
      with_payload("SDG 6", data_sdg(kBobEp, kAlice,
                                     {v2_packet(0, 0x2003, 0x01, 3, 0, 0,
                                                slp_text("BYE MSNMSGR:" + kB + " MSNSLP/1.0", kB,
                                                         kA, call, "SessionID: 4242\r\n\r\n"),
                                                0)}))));
  const std::string ab = " alice@example.com->bob@example.net ";
  const std::string ba = " bob@example.net->alice@example.com ";
  EXPECT_EQ(
      decode_all_ways(steps),
      (Lines{
          "login_attempt alice@example.com SSO [MSNP21 CVR0]    ",
          "login_ok alice@example.com ''",
          "p2p INVITE" + ab + "alice@example.com->bob@example.net " + decline_call +
              " 99 2 'big.avi' 1000000",
          "p2p 603" + ba + "bob@example.net->alice@example.com " + decline_call + " 99  '' 0",
          "p2p INVITE" + ab + "alice@example.com->bob@example.net " + call + " 4242 2 'abc.txt' 3",
          "p2p 200" + ba + "bob@example.net->alice@example.com " + call + " 4242  '' 0",
          "file_data p2p_v2 4242 'abc.txt' @0 1",
          "file_data p2p_v2 4242 'abc.txt' @1 1",
          "file_data p2p_v2 4242 'abc.txt' @2 1",
          "file_complete p2p_v2 4242 'abc.txt' 3/3 complete data "
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
          "p2p BYE" + ab + "alice@example.com->bob@example.net " + call + " 4242  '' 0",
          "logout alice@example.com connection_closed",
      }));
}

TEST(Msnp21, P2pOverSdgBoundsAndNonTargets) {
  // Bridging-Offsets not ascending, or past the body: the SDG is a named
  // anomaly. Without content wanted, P2P SDGs are skipped uncopied.
  const std::string packet = v2_packet(0, 0x3000, 0x06, 2, 7, 0, "xyz", 2);
  auto steps = login();
  const std::string bad = data_sdg(kBobEp, kAlice, {packet, packet}, "0,30,20");
  steps.push_back(c2s(with_payload("SDG 3", bad)));
  steps.push_back(c2s(with_payload("SDG 4", data_sdg(kBobEp, kAlice, {packet}, "0,999"))));
  const Lines lines = decode_all_ways(steps);
  EXPECT_EQ(lines, (Lines{
                       "login_attempt alice@example.com SSO [MSNP21 CVR0]    ",
                       "login_ok alice@example.com ''",
                       "anomaly msnp_bad_mime " + std::to_string(2 * packet.size()),
                       "anomaly msnp_bad_mime " + std::to_string(packet.size()),
                       "logout alice@example.com connection_closed",
                   }));
  auto file = login();
  file.push_back(c2s(with_payload("SDG 3", data_sdg(kBobEp, kAlice, {packet}))));
  EXPECT_EQ(decode_all_ways(file, nullptr, stream_info(), false),
            (Lines{
                "login_attempt alice@example.com SSO [MSNP21 CVR0]    ",
                "login_ok alice@example.com ''",
                "logout alice@example.com connection_closed",
            }));
}

TEST(Msnp21, CircleMessagesAreGroupMessages) {
  // §11: a circle is network id 9, addressed like a temporary group.
  const std::string circle = "9:{0c1c2c3c-0000-4000-8000-00000000000c}@live.com";
  auto steps = login();
  steps.push_back(s2c(with_payload(
      "SDG 0", sdg_payload(circle + ";path=IM", "1:carol@example.org;epid={c0}",
                           "Content-Type: Text/plain; charset=UTF-8\r\nMessage-Type: Text\r\n",
                           "circle hello"))));
  EXPECT_EQ(decode_all_ways(steps),
            (Lines{
                "login_attempt alice@example.com SSO [MSNP21 CVR0]    ",
                "login_ok alice@example.com ''",
                "message carol@example.org->alice@example.com: circle hello",
                "logout alice@example.com connection_closed",
            }));
}

}  // namespace
}  // namespace rcds::proto::msnp::testing
