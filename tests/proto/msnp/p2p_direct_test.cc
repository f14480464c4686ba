// P2P beyond the switchboard's file data (MSNP.md §9): transreq/transresp
// bodies (§9.3), direct TCPv1 connections with their nonce handshake, MSN
// object data with its <msnobj/> descriptor (§9.1 flags 0x20, footers
// 1/11/12), and P2P v2 ACK/NAK TLVs and retransmissions (§9.2). Inputs are
// built by hand from the reference and fed whole, byte by byte and in
// random chunks. Digests that are expectations (SHA-1 of the nonce, the
// objects' SHA1D, SHA-256 of the object) were computed with Python's
// hashlib, not by the code under test.
#include "proto/msnp/p2p_direct.h"

#include <gtest/gtest.h>

#include <map>

#include "event_text.h"
#include "proto/msnp/file_transfer.h"
#include "proto/msnp/msn_object.h"
#include "proto/msnp/slp.h"

namespace rcds::proto::msnp::testing {
namespace {

using Lines = std::vector<std::string>;

std::string header_v1(uint32_t session, uint32_t id, uint64_t offset, uint64_t total,
                      uint32_t length, uint32_t flags, uint32_t ack_id = 0, uint32_t ack_unique = 0,
                      uint64_t ack_size = 0) {
  return le(session, 4) + le(id, 4) + le(offset, 8) + le(total, 8) + le(length, 4) + le(flags, 4) +
         le(ack_id, 4) + le(ack_unique, 4) + le(ack_size, 8);
}
// A switchboard P2P v1 body: header, data, big-endian footer.
std::string p2p_v1(uint32_t session, uint32_t id, uint64_t offset, uint64_t total,
                   const std::string& data, uint32_t flags, uint32_t footer) {
  return header_v1(session, id, offset, total, static_cast<uint32_t>(data.size()), flags,
                   0x11223344) +
         data + be(footer, 4);
}
// A direct-connection packet: 4-byte LE length, header, data (no footer).
std::string direct_packet(const std::string& header_and_data) {
  return le(header_and_data.size(), 4) + header_and_data;
}
std::string pattern(size_t n, unsigned mul, unsigned add) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>((i * mul + add) & 0xFF);
  return out;
}

const std::string kToBob =
    "MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\nP2P-Dest: "
    "bob@example.net\r\n\r\n";
const std::string kToAlice =
    "MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\nP2P-Dest: "
    "alice@example.com\r\n\r\n";
const std::string kCallId = "{7B3C7C2D-1F2A-4E3B-9C7D-5E6F708192A3}";
// The nonce and its bytes in the Windows GUID layout (LE u32, u16, u16, 8 bytes).
const std::string kNonce = "{12345678-9ABC-DEF0-1122-334455667788}";
const std::string kNonceBytes = "\x78\x56\x34\x12\xBC\x9A\xF0\xDE\x11\x22\x33\x44\x55\x66\x77\x88";
// GUID text of the first 16 bytes of SHA-1(kNonceBytes), by Python's hashlib.
const std::string kHashedNonce = "{7522F6D7-AED7-6E58-1DF4-4464D4368ECD}";

std::string slp(const std::string& start, const std::string& to, const std::string& from,
                const std::string& type, const std::string& body_text,
                const std::string& call_id = kCallId) {
  const std::string body = body_text + std::string(1, '\0');
  return start + "\r\nTo: <msnmsgr:" + to + ">\r\nFrom: <msnmsgr:" + from +
         ">\r\nVia: MSNSLP/1.0/TLP ;branch={A0D624A6-6C0C-4283-A9E0-BC97B4B46D32}\r\nCSeq: "
         "0\r\nCall-ID: " +
         call_id + "\r\nMax-Forwards: 0\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string file_context(const std::string& name, uint64_t size) {
  std::string context = le(574, 4) + le(2, 4) + le(size, 8) + le(1, 4);
  for (char c : name) context += std::string{c, '\0'};
  context.resize(20 + 520, '\0');
  return context + std::string(30, '\0') + le(0xFFFFFFFF, 4);
}

std::vector<Step> switchboard() {
  return {c2s(line("USR 1 alice@example.com 1104577300.12345.678901")),
          s2c(line("USR 1 OK alice@example.com Alice%20A.")), s2c(line("JOI bob@example.net Bob"))};
}

// Collects event lines and the complete events; file_data bytes are joined
// per transfer (their cut depends on the chunking).
class Sink final : public MsnpEventSink {
 public:
  void on_event(const MsnpEvent& event) override {
    if (const auto* d = std::get_if<FileData>(&event.body)) {
      files[std::string(d->transfer_id)].append(d->bytes);
      purposes[std::string(d->transfer_id)] = std::string(d->purpose);
      return;
    }
    if (const auto* c = std::get_if<FileComplete>(&event.body)) completes.push_back(*c);
    if (const auto* p = std::get_if<P2pSignal>(&event.body)) {
      P2pSignal& kept_signal = signals.emplace_back(*p);
      kept_signal.sender = keep(p->sender);
      kept_signal.recipients = keep_list(p->recipients);
    }
    lines.push_back(describe(event));
    connections.push_back(event.context.connection);
  }
  bool wants_content(std::string_view owner, const flow::StreamInfo&) override {
    return content && (target.empty() || owner == target);
  }
  Lines lines;
  std::map<std::string, std::string> files, purposes;
  std::vector<FileComplete> completes;
  std::vector<P2pSignal> signals;
  std::vector<ConnectionType> connections;
  bool content = true;
  std::string target;
};

struct Outcome {
  Lines lines;
  std::map<std::string, std::string> files, purposes;
  std::vector<FileComplete> completes;
  std::vector<P2pSignal> signals;
};

// Feeds `steps` every way to a fresh handler made by `make(sink, session)`;
// asserts the three ways agree and returns the whole-feed result.
template <class Make>
Outcome run_all_ways(const std::vector<Step>& steps, Make make, bool content = true,
                     const std::string& target = "",
                     const std::function<void(MsnpSession&)>& prepare = {}) {
  Outcome first;
  for (auto chunking : {Chunking::kWhole, Chunking::kByteByByte, Chunking::kRandom}) {
    for (uint32_t seed = 1; seed <= (chunking == Chunking::kRandom ? 4u : 1u); ++seed) {
      Sink sink;
      sink.content = content;
      sink.target = target;
      MsnpSession session;
      if (prepare) prepare(session);
      auto handler = make(sink, session);
      drive(*handler, steps, chunking, seed);
      handler->on_close(flow::CloseReason::kFin, Timestamp{2'000'000'000'000'000'000});
      if (chunking == Chunking::kWhole) {
        first = {sink.lines, sink.files, sink.purposes, sink.completes, sink.signals};
      } else {
        EXPECT_EQ(sink.lines, first.lines) << static_cast<int>(chunking) << " seed " << seed;
        EXPECT_TRUE(sink.files == first.files) << static_cast<int>(chunking) << " seed " << seed;
      }
    }
  }
  return first;
}

auto sb_decoder() {
  return [](Sink& sink, MsnpSession& session) {
    return std::make_unique<MsnpDecoder>(stream_info(), sink, &session);
  };
}
flow::StreamInfo direct_info(uint64_t flow_id = 9) {
  flow::StreamInfo info = stream_info(flow_id);
  info.key.destination.port = 6891;
  info.protocol = kP2pDirectProtocol;
  return info;
}
auto direct_decoder(P2pDirectLimits limits = {}) {
  return [limits](Sink& sink, MsnpSession& session) {
    return std::make_unique<P2pDirectDecoder>(direct_info(), sink, &session, limits);
  };
}

// --- pure parsers -------------------------------------------------------------------

TEST(MsnpP2pParsers, GuidFromBytesAndNormalisation) {
  EXPECT_EQ(guid_from_bytes(reinterpret_cast<const uint8_t*>(kNonceBytes.data())), kNonce);
  EXPECT_EQ(normalize_guid(" {12345678-9abc-def0-1122-334455667788}"), kNonce);
  EXPECT_EQ(normalize_guid("12345678-9abc-def0-1122-334455667788"), kNonce);
  EXPECT_EQ(normalize_guid("{12345678-9abc-def0-1122-33445566778}"), "");
  EXPECT_EQ(normalize_guid("{12345678x9abc-def0-1122-334455667788}"), "");
}

TEST(MsnpP2pParsers, TransportBodyPlainAndReversed) {
  P2pTransport plain;
  parse_transport_body(
      "Bridges: TRUDPv1 TCPv1\r\nNetID: -1388109632\r\nConn-Type: IP-Restrict-NAT\r\n"
      "UPnPNat: false\r\nICF: false\r\nListening: true\r\n"
      "IPv4External-Addrs: 203.0.113.7 198.51.100.9\r\nIPv4External-Port: 5181\r\n"
      "IPv4Internal-Addrs: 192.168.1.20 10.0.0.5\r\nIPv4Internal-Port: 1863\r\n"
      "Nonce: {12345678-9abc-def0-1122-334455667788}\r\n\r\n",
      plain);
  EXPECT_EQ(plain.bridges, "TRUDPv1 TCPv1");
  EXPECT_EQ(plain.net_id, "-1388109632");
  EXPECT_EQ(plain.conn_type, "IP-Restrict-NAT");
  EXPECT_EQ(plain.upnp_nat, "false");
  EXPECT_EQ(plain.icf, "false");
  EXPECT_EQ(plain.listening, "true");
  EXPECT_EQ(plain.external_addrs, (Lines{"203.0.113.7", "198.51.100.9"}));
  EXPECT_EQ(plain.external_port, 5181);
  EXPECT_EQ(plain.internal_addrs, (Lines{"192.168.1.20", "10.0.0.5"}));
  EXPECT_EQ(plain.internal_port, 1863);
  EXPECT_EQ(plain.nonce, kNonce);
  EXPECT_FALSE(plain.reversed);

  // WLM 2009: names and values written backwards.
  P2pTransport back;
  parse_transport_body(
      "Listening: true\r\nsrddA-lanretxE4vPI: 7.311.0.302\r\ntroP-lanretxE4vPI: 1815\r\n"
      "srddA-lanretnI4vPI: 02.1.861.291\r\ntroP-lanretnI4vPI: 3681\r\n"
      "Hashed-Nonce: {7522F6D7-AED7-6E58-1DF4-4464D4368ECD}\r\n",
      back);
  EXPECT_TRUE(back.reversed);
  EXPECT_EQ(back.external_addrs, (Lines{"203.0.113.7"}));
  EXPECT_EQ(back.external_port, 5181);
  EXPECT_EQ(back.internal_addrs, (Lines{"192.168.1.20"}));
  EXPECT_EQ(back.internal_port, 1863);
  EXPECT_EQ(back.hashed_nonce, kHashedNonce);
  EXPECT_EQ(back.nonce, "");
}

TEST(MsnpP2pParsers, MsnObjectDescriptor) {
  MsnObject o;
  ASSERT_TRUE(parse_msn_object(
      "<msnobj Creator=\"alice@example.com\" Size=\"3000\" Type=\"3\" Location=\"TFR2C.tmp\" "
      "Friendly=\"AAA=\" SHA1D=\"/w9gZG+66nwyTD8ke0+YcdrCecI=\" SHA1C=\"x\"/>",
      o));
  EXPECT_EQ(o.creator, "alice@example.com");
  EXPECT_EQ(o.size, 3000u);
  EXPECT_EQ(o.type, 3);
  EXPECT_EQ(o.sha1d, "/w9gZG+66nwyTD8ke0+YcdrCecI=");
  EXPECT_EQ(object_purpose(o.type), "display_picture");
  EXPECT_EQ(object_purpose(2), "emoticon");
  EXPECT_EQ(object_purpose(8), "wink");
  EXPECT_EQ(object_purpose(11), "voice_clip");
  EXPECT_FALSE(parse_msn_object("<msnobj Creator=\"a", o));
  EXPECT_FALSE(parse_msn_object("<msnobj Size=\"x\"/>", o));
  EXPECT_FALSE(parse_msn_object("<other/>", o));
}

TEST(MsnpP2pParsers, DirectProbe) {
  auto probe = [](const std::string& s) {
    return p2p_direct_probe(as_bytes(s), flow::Direction::kClientToServer);
  };
  EXPECT_EQ(probe(std::string("\x04\x00\x00\x00"
                              "foo\x00",
                              8)),
            flow::ProbeResult::kMatch);
  EXPECT_EQ(probe(std::string("\x04\x00\x00", 3)), flow::ProbeResult::kNeedMore);
  EXPECT_EQ(probe(std::string("\x04\x00\x00\x00"
                              "fox\x00",
                              8)),
            flow::ProbeResult::kNoMatch);
  const std::string handshake = le(48, 4) + header_v1(0, 7, 0, 0, 0, 0x100);
  EXPECT_EQ(probe(handshake), flow::ProbeResult::kMatch);
  EXPECT_EQ(probe(handshake.substr(0, 30)), flow::ProbeResult::kNeedMore);
  EXPECT_EQ(probe(le(48, 4) + header_v1(0, 7, 0, 0, 0, 0x2)), flow::ProbeResult::kNoMatch);
  EXPECT_EQ(probe("VER 1 MSNP8 CVR0\r\n"), flow::ProbeResult::kNoMatch);
  // And MSNP's probe leaves it alone.
  EXPECT_EQ(msnp_probe(as_bytes(std::string("\x04\x00\x00\x00"
                                            "foo\x00",
                                            8)),
                       flow::Direction::kClientToServer),
            flow::ProbeResult::kNoMatch);
}

// --- transreq / transresp on the switchboard (§9.3) ------------------------------

// The §13.5 offer, then Bob asks for a direct connection and Alice answers
// where she listens (WLM 2009 reversed names), with the nonce.
std::vector<Step> negotiation(const std::string& file, uint32_t session) {
  const std::string invite = slp(
      "INVITE MSNMSGR:bob@example.net MSNSLP/1.0", "bob@example.net", "alice@example.com",
      "application/x-msnmsgr-sessionreqbody",
      "EUF-GUID: {5D3E02AB-6190-11D3-BBBB-00C04F795683}\r\nSessionID: " + std::to_string(session) +
          "\r\nAppID: 2\r\nContext: " + base64(file_context("plans.txt", file.size())) +
          "\r\n\r\n");
  const std::string transreq =
      slp("INVITE MSNMSGR:alice@example.com MSNSLP/1.0", "alice@example.com", "bob@example.net",
          "application/x-msnmsgr-transreqbody",
          "Bridges: TCPv1\r\nNetID: 0\r\nConn-Type: Direct-Connect\r\nUPnPNat: false\r\n"
          "ICF: false\r\nNonce: " +
              kNonce + "\r\n\r\n");
  const std::string transresp =
      slp("MSNSLP/1.0 200 OK", "bob@example.net", "alice@example.com",
          "application/x-msnmsgr-transrespbody",
          "Bridge: TCPv1\r\ngninetsiL: eurt\r\nsrddA-lanretxE4vPI: 01.2.0.291 7.311.0.302\r\n"
          "troP-lanretxE4vPI: 1986\r\nIPv4Internal-Addrs: 192.168.0.4\r\n"
          "IPv4Internal-Port: 6891\r\nNonce: " +
              kNonce + "\r\nSessionID: " + std::to_string(session) + "\r\n\r\n");
  std::vector<Step> steps = switchboard();
  steps.push_back(
      c2s(with_payload("MSG 7 D", kToBob + p2p_v1(0, 1000, 0, invite.size(), invite, 0, 0))));
  steps.push_back(s2c(with_payload(
      "MSG bob@example.net Bob", kToAlice + p2p_v1(0, 2000, 0, transreq.size(), transreq, 0, 0))));
  steps.push_back(
      c2s(with_payload("MSG 8 D", kToBob + p2p_v1(0, 1001, 0, transresp.size(), transresp, 0, 0))));
  return steps;
}

TEST(MsnpP2pTransport, TransreqAndReversedTransrespOnTheSwitchboard) {
  const Outcome r = run_all_ways(negotiation(std::string(5000, 'x'), 94573), sb_decoder());
  ASSERT_EQ(r.lines.size(), 6u);
  EXPECT_EQ(r.lines[2].substr(0, 10), "p2p INVITE");
  EXPECT_EQ(r.lines[3],
            "p2p_transport transreq INVITE bob@example.net->alice@example.com " + kCallId +
                " bridges=TCPv1 conn=Direct-Connect netid=0 upnp=false icf=false listening= "
                "ext=:0 int=:0 nonce=" +
                kNonce + " hashed= session=94573");
  EXPECT_EQ(r.lines[4], "p2p_transport transresp 200 alice@example.com->bob@example.net " +
                            kCallId +
                            " bridges= conn= netid= upnp= icf= listening=true "
                            "ext=203.0.113.7,192.0.2.10:6891 int=192.168.0.4:6891 nonce=" +
                            kNonce + " hashed= reversed session=94573");
}

// --- direct connection (TCPv1) ------------------------------------------------------

// foo, both handshakes (the nonce in bytes 32..47 of a flags-0x100 header),
// the file in 1352-byte packets with an ACK in between, and the SLP BYE.
std::vector<Step> direct_connection(const std::string& file, uint32_t session, bool bye = true) {
  std::vector<Step> steps;
  steps.push_back(
      c2s(std::string("\x04\x00\x00\x00"
                      "foo\x00",
                      8)));
  const std::string hs = header_v1(0, 5, 0, 0, 0, 0x100).substr(0, 32) + kNonceBytes;
  steps.push_back(c2s(direct_packet(hs)));
  steps.push_back(s2c(direct_packet(header_v1(0, 9, 0, 0, 0, 0x100).substr(0, 32) + kNonceBytes)));
  for (size_t off = 0; off < file.size(); off += 1352) {
    const std::string piece = file.substr(off, 1352);
    steps.push_back(s2c(direct_packet(
        header_v1(session, 10, off, file.size(), static_cast<uint32_t>(piece.size()), 0x01000030) +
        piece)));
    if (off == 0) {
      steps.push_back(c2s(direct_packet(header_v1(session, 6, 0, file.size(), 0, 0x02, 10))));
    }
  }
  if (bye) {
    const std::string text = slp("BYE MSNMSGR:bob@example.net MSNSLP/1.0", "bob@example.net",
                                 "alice@example.com", "application/x-msnmsgr-sessionclosebody",
                                 "SessionID: " + std::to_string(session) + "\r\n\r\n");
    steps.push_back(s2c(direct_packet(
        header_v1(0, 11, 0, text.size(), static_cast<uint32_t>(text.size()), 0) + text)));
  }
  return steps;
}

void note_negotiation(MsnpSession& session) {
  MsnpSession::P2pNonce n;
  n.nonce = kNonce;
  n.owner = "alice@example.com";
  n.sender = "alice@example.com";
  n.session_id = "94573";
  n.call_id = kCallId;
  n.file_name = "plans.txt";
  n.file_size = 5000;
  n.sb_flow_id = 1;
  session.note_nonce(n);
}

TEST(MsnpP2pDirect, FileOverDirectConnectionMatchedByNonce) {
  const std::string file = pattern(5000, 13, 5);
  const Outcome r =
      run_all_ways(direct_connection(file, 94573), direct_decoder(), true, "", note_negotiation);
  ASSERT_EQ(r.lines.size(), 3u) << ::testing::PrintToString(r.lines);
  EXPECT_EQ(r.lines[0], "p2p_direct " + kNonce + " matched 94573 alice@example.com 'plans.txt'");
  Sha256 expected;  // validated against the FIPS vectors in file_content_test.cc
  expected.update(file);
  EXPECT_EQ(r.lines[1],
            "file_complete p2p_direct 94573 'plans.txt' 5000/5000 complete data " + expected.hex());
  EXPECT_EQ(r.lines[2].substr(0, 7), "p2p BYE");
  EXPECT_TRUE(r.files.at("94573") == file);
  EXPECT_EQ(r.purposes.at("94573"), "file");
}

TEST(MsnpP2pDirect, UnmatchedNonceSizedByTotalSize) {
  const std::string file = pattern(3000, 3, 1);
  const Outcome r = run_all_ways(direct_connection(file, 94573, false), direct_decoder());
  ASSERT_EQ(r.lines.size(), 2u);
  EXPECT_EQ(r.lines[0], "p2p_direct " + kNonce + " unmatched   ''");
  Sha256 expected;
  expected.update(file);
  EXPECT_EQ(r.lines[1],
            "file_complete p2p_direct 94573 '' 3000/3000 complete data " + expected.hex());
}

TEST(MsnpP2pDirect, NegotiatedSizeStandsOverTotalSize) {
  const std::string file = pattern(3000, 3, 1);
  const Outcome r = run_all_ways(direct_connection(file, 94573, false), direct_decoder(), true, "",
                                 note_negotiation);
  ASSERT_EQ(r.lines.size(), 2u);
  EXPECT_EQ(r.lines[1].substr(0, 50), "file_complete p2p_direct 94573 'plans.txt' 3000/50");
  EXPECT_NE(r.lines[1].find("incomplete closed"), std::string::npos);
}

TEST(MsnpP2pDirect, HashedNonceMatches) {
  const std::string file = pattern(2000, 5, 9);
  const Outcome r =
      run_all_ways(direct_connection(file, 94573), direct_decoder(), true, "", [](MsnpSession& s) {
        MsnpSession::P2pNonce n;
        n.nonce = kHashedNonce;
        n.owner = "bob@example.net";
        n.sender = "alice@example.com";
        n.session_id = "94573";
        n.file_name = "a.bin";
        s.note_nonce(n);
      });
  EXPECT_EQ(r.lines[0], "p2p_direct " + kNonce + " matched 94573 alice@example.com 'a.bin'");
  EXPECT_TRUE(r.files.at("94573") == file);
}

TEST(MsnpP2pDirect, NonTargetIsCountedNeverCopied) {
  const std::string file = pattern(5000, 13, 5);
  // The owner (alice, from the negotiation) is no target.
  const Outcome r = run_all_ways(direct_connection(file, 94573), direct_decoder(), true,
                                 "someone@else.com", note_negotiation);
  EXPECT_TRUE(r.files.empty());
  ASSERT_EQ(r.completes.size(), 1u);
  EXPECT_EQ(r.completes[0].received, 5000u);
  EXPECT_EQ(r.completes[0].sha256, "");
  // Unknown nonce, content refused: still only counted.
  const Outcome unknown = run_all_ways(direct_connection(file, 94573), direct_decoder(), false);
  EXPECT_EQ(unknown.lines[0], "p2p_direct " + kNonce + " unmatched   ''");
  EXPECT_TRUE(unknown.files.empty());
}

TEST(MsnpP2pDirect, OversizedPacketStopsTheDirection) {
  std::vector<Step> steps = direct_connection(pattern(100, 1, 1), 7, false);
  steps.insert(steps.begin() + 3, s2c(le(300000, 4) + std::string(64, 'z')));
  const Outcome r = run_all_ways(steps, direct_decoder(), true, "", note_negotiation);
  ASSERT_GE(r.lines.size(), 2u);
  EXPECT_EQ(r.lines[1], "transfer_anomaly p2p_packet_too_large " + kNonce + " 300000");
  EXPECT_TRUE(r.files.empty());
}

TEST(MsnpP2pDirect, SwitchboardNegotiationFeedsTheDirectConnection) {
  // The same MsnpSession sees the switchboard, then the direct connection.
  const std::string file = pattern(5000, 13, 5);
  Sink sink;
  MsnpSession session;
  MsnpDecoder sb(stream_info(1), sink, &session);
  drive(sb, negotiation(file, 94573), Chunking::kWhole);
  P2pDirectDecoder direct(direct_info(2), sink, &session);
  drive(direct, direct_connection(file, 94573), Chunking::kRandom, 3);
  direct.on_close(flow::CloseReason::kFin, Timestamp{2'000'000'000'000'000'000});
  EXPECT_EQ(direct.owner(), "alice@example.com");
  bool seen = false;
  for (const std::string& l : sink.lines) {
    if (l.rfind("p2p_direct", 0) == 0) {
      EXPECT_EQ(l, "p2p_direct " + kNonce + " matched 94573 alice@example.com 'plans.txt'");
      seen = true;
    }
  }
  EXPECT_TRUE(seen);
  EXPECT_TRUE(sink.files.at("94573") == file);
  EXPECT_EQ(sink.connections.back(), ConnectionType::kP2pDirect);
}

TEST(MsnpP2pDirect, GapInsideAPacketIsAHoleGapOutsideStopsTheDirection) {
  const std::string file = pattern(3000, 17, 4);
  std::vector<Step> steps = direct_connection(file, 94573, false);
  // steps: foo, handshake, handshake, data 0 (1352), ACK, data 1 (1352), data 2 (296).
  ASSERT_EQ(steps.size(), 7u);
  Sink sink;
  MsnpSession session;
  note_negotiation(session);
  P2pDirectDecoder direct(direct_info(), sink, &session);
  const Timestamp t{1'104'577'200'000'000'000};
  auto feed = [&](const Step& step, size_t from, size_t n) {
    const std::string part = step.bytes.substr(from, n);
    direct.on_data(step.direction, as_bytes(part), t);
  };
  for (size_t i = 0; i < 5; ++i) feed(steps[i], 0, std::string::npos);
  // Packet 1: length, header and 100 data bytes; 500 lost; the rest.
  feed(steps[5], 0, 4 + 48 + 100);
  direct.on_gap(flow::Direction::kServerToClient, 500, t);
  feed(steps[5], 4 + 48 + 600, std::string::npos);
  feed(steps[6], 0, std::string::npos);
  direct.on_close(flow::CloseReason::kFin, t);
  const std::string got = file.substr(0, 1452) + file.substr(1952);
  Sha256 expected;
  expected.update(got);
  ASSERT_EQ(sink.lines.size(), 4u) << ::testing::PrintToString(sink.lines);
  EXPECT_EQ(sink.lines[1], "anomaly msnp_stream_gap 500");
  EXPECT_EQ(sink.lines[2], "transfer_anomaly file_hole 94573 500");
  EXPECT_EQ(sink.lines[3],
            "file_complete p2p_direct 94573 'plans.txt' 2500/5000 incomplete "
            "closed " +
                expected.hex());
  EXPECT_TRUE(sink.files.at("94573") == got);

  // A gap where a packet length was due: the rest of that direction is unreadable.
  Sink stopped;
  MsnpSession session2;
  note_negotiation(session2);
  P2pDirectDecoder direct2(direct_info(), stopped, &session2);
  for (size_t i = 0; i < 4; ++i) {
    direct2.on_data(steps[i].direction, as_bytes(steps[i].bytes), t);
  }
  direct2.on_gap(flow::Direction::kServerToClient, 10, t);
  direct2.on_data(steps[5].direction, as_bytes(steps[5].bytes), t);
  direct2.on_close(flow::CloseReason::kFin, t);
  EXPECT_EQ(stopped.lines.back().substr(0, 58),
            "file_complete p2p_direct 94573 'plans.txt' 1352/5000 incom");
}

TEST(MsnpP2pDirect, SessionNonceTableIsBounded) {
  MsnpSession session(8, 4, 8, 2);
  MsnpSession::P2pNonce a, b, c;
  a.nonce = "{A}";
  a.session_id = "1";
  b.nonce = "{B}";
  b.session_id = "2";
  c.nonce = "{C}";
  EXPECT_TRUE(session.note_nonce(a));
  EXPECT_TRUE(session.note_nonce(b));
  EXPECT_FALSE(session.note_nonce(c));  // {A} evicted
  EXPECT_EQ(session.use_nonce("{A}", 5), nullptr);
  // The transresp repeats the transreq's nonce: the entry is updated, not added.
  MsnpSession::P2pNonce again;
  again.nonce = "{B}";
  again.owner = "bob@example.net";
  EXPECT_TRUE(session.note_nonce(again));
  const MsnpSession::P2pNonce* found = session.use_nonce("{B}", 5);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->session_id, "2");
  EXPECT_EQ(found->owner, "bob@example.net");
  EXPECT_EQ(found->direct_flow_id, 5u);
  EXPECT_NE(session.use_nonce("{C}", 6), nullptr);
}

// --- MSN objects (§9.1 flags 0x20, §9.3 EUF-GUID {A4268EEC-...}) -------------------

std::string msnobj(const std::string& sha1d, int type, size_t size) {
  return "<msnobj Creator=\"alice@example.com\" Size=\"" + std::to_string(size) + "\" Type=\"" +
         std::to_string(type) + "\" Location=\"TFR2C2.tmp\" Friendly=\"AAA=\" SHA1D=\"" + sha1d +
         "\" SHA1C=\"Zm9v\"/>";
}

// Bob asks Alice for her display picture: INVITE to Alice with the msnobj
// Context, 200 OK, Alice's data-preparation message, the object in 1202-byte
// chunks with flags 0x20 and footer 12, BYE.
std::vector<Step> object_fetch(const std::string& object, const std::string& sha1d, int type,
                               uint32_t flags, uint32_t footer) {
  const uint32_t session = 5151;
  const std::string obj = msnobj(sha1d, type, object.size()) + std::string(1, '\0');
  const std::string invite = slp(
      "INVITE MSNMSGR:alice@example.com MSNSLP/1.0", "alice@example.com", "bob@example.net",
      "application/x-msnmsgr-sessionreqbody",
      "EUF-GUID: {A4268EEC-FEC5-49E5-95C3-F126696BDBF6}\r\nSessionID: " + std::to_string(session) +
          "\r\nAppID: 1\r\nContext: " + base64(obj) + "\r\n\r\n");
  const std::string ok = slp("MSNSLP/1.0 200 OK", "bob@example.net", "alice@example.com",
                             "application/x-msnmsgr-sessionreqbody",
                             "SessionID: " + std::to_string(session) + "\r\n\r\n");
  std::vector<Step> steps = switchboard();
  steps.push_back(s2c(with_payload("MSG bob@example.net Bob",
                                   kToAlice + p2p_v1(0, 3000, 0, invite.size(), invite, 0, 0))));
  steps.push_back(c2s(with_payload("MSG 5 D", kToBob + p2p_v1(0, 4000, 0, ok.size(), ok, 0, 0))));
  steps.push_back(c2s(with_payload(
      "MSG 6 D", kToBob + p2p_v1(session, 4001, 0, 4, std::string(4, '\0'), 0, footer))));
  for (size_t off = 0; off < object.size(); off += 1202) {
    steps.push_back(
        c2s(with_payload("MSG 7 D", kToBob + p2p_v1(session, 4002, off, object.size(),
                                                    object.substr(off, 1202), flags, footer))));
  }
  return steps;
}

TEST(MsnpP2pObjects, DisplayPictureWithMatchingSha1d) {
  const std::string object = pattern(3000, 7, 3);  // SHA-1/SHA-256 by hashlib below
  const Outcome r =
      run_all_ways(object_fetch(object, "/w9gZG+66nwyTD8ke0+YcdrCecI=", 3, 0x20, 12), sb_decoder());
  ASSERT_EQ(r.completes.size(), 1u) << ::testing::PrintToString(r.lines);
  const FileComplete& c = r.completes[0];
  EXPECT_EQ(c.purpose, "display_picture");
  EXPECT_EQ(c.sender, "alice@example.com");
  EXPECT_EQ(c.object_creator, "alice@example.com");
  EXPECT_EQ(c.object_type, 3);
  EXPECT_EQ(c.object_size, 3000u);
  EXPECT_EQ(c.declared_size, 3000u);
  EXPECT_TRUE(c.complete);
  EXPECT_EQ(c.end, "data");
  EXPECT_EQ(c.sha256, "f541874101876255b4baf3a739778d04cb9cba25ffa38b30bc1fb8b0701f2a45");
  EXPECT_EQ(c.sha1_base64, "/w9gZG+66nwyTD8ke0+YcdrCecI=");
  EXPECT_TRUE(c.sha1d_match);
  EXPECT_TRUE(r.files.at("5151") == object);  // the preparation message is not data
  EXPECT_EQ(r.purposes.at("5151"), "display_picture");
  // The INVITE itself (IRI) names the object: purpose, creator, size, SHA1D.
  ASSERT_GE(r.signals.size(), 1u);
  EXPECT_EQ(r.signals[0].method, "INVITE");
  EXPECT_EQ(r.signals[0].sender, "bob@example.net");
  EXPECT_EQ(r.signals[0].object_purpose, "display_picture");
  EXPECT_EQ(r.signals[0].object_creator, "alice@example.com");
  EXPECT_EQ(r.signals[0].object_size, 3000u);
  EXPECT_EQ(r.signals[0].object_sha1d, "/w9gZG+66nwyTD8ke0+YcdrCecI=");
}

TEST(MsnpP2pObjects, WlmFlagsWinkAndMismatchingSha1d) {
  const std::string object = pattern(3000, 7, 3);
  const Outcome r = run_all_ways(
      object_fetch(object, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", 8, 0x01000020, 1), sb_decoder());
  ASSERT_EQ(r.completes.size(), 1u);
  EXPECT_EQ(r.completes[0].purpose, "wink");
  EXPECT_FALSE(r.completes[0].sha1d_match);
  EXPECT_EQ(r.completes[0].sha1_base64, "/w9gZG+66nwyTD8ke0+YcdrCecI=");
  EXPECT_TRUE(r.files.at("5151") == object);
}

TEST(MsnpP2pObjects, NonTargetObjectsAreNotParsed) {
  const std::string object = pattern(3000, 7, 3);
  const Outcome r = run_all_ways(object_fetch(object, "/w9gZG+66nwyTD8ke0+YcdrCecI=", 3, 0x20, 12),
                                 sb_decoder(), false);
  EXPECT_TRUE(r.files.empty());
  EXPECT_TRUE(r.completes.empty());
}

TEST(MsnpP2pObjects, UnannouncedObjectDataByFooter) {
  // The INVITE was missed: footer 12 still says "display picture".
  std::vector<Step> steps = object_fetch(pattern(2500, 7, 3), "x", 3, 0x20, 12);
  steps.erase(steps.begin() + 3);  // the INVITE
  const Outcome r = run_all_ways(steps, sb_decoder());
  ASSERT_EQ(r.completes.size(), 1u);
  EXPECT_EQ(r.completes[0].purpose, "display_picture");
  EXPECT_TRUE(r.completes[0].complete);
  EXPECT_TRUE(r.files.at("5151") == pattern(2500, 7, 3));
}

// --- P2P v2 ACK/NAK and retransmissions (§9.2) ------------------------------------

TEST(MsnpP2pV2, AckNakOnlyPacketsAndRetransmissionsDoNotMisplaceData) {
  const std::string a = "alice@example.com;{11111111-2222-3333-4444-555555555555}";
  const std::string b = "bob@example.net;{66666666-7777-8888-9999-AAAAAAAAAAAA}";
  const std::string to_bob = p2p_v2_mime(a, b);
  const std::string to_alice = p2p_v2_mime(b, a);
  const std::string file = pattern(3600, 11, 2);
  const std::string invite =
      slp("INVITE MSNMSGR:" + b + " MSNSLP/1.0", b, a, "application/x-msnmsgr-sessionreqbody",
          "EUF-GUID: {5D3E02AB-6190-11D3-BBBB-00C04F795683}\r\nSessionID: 778\r\nAppID: "
          "2\r\nContext: " +
              base64(file_context("v2.bin", file.size())) + "\r\n\r\n");
  std::vector<Step> steps = switchboard();
  steps.push_back(
      c2s(with_payload("MSG 2 D", to_bob + p2p_v2(1, 100, "", 0x01, 1, 0, 0, invite, 0))));
  const std::string ack = std::string("\x02\x04", 2) + be(100 + invite.size(), 4);
  const std::string nak = std::string("\x03\x04", 2) + be(2000, 4);
  uint32_t base = 2000;
  std::vector<std::string> packets;
  for (size_t off = 0; off < file.size(); off += 1200) {
    const std::string piece = file.substr(off, 1200);
    packets.push_back(with_payload(
        "MSG 4 D",
        to_bob + p2p_v2(0, base, "", 0x06, 2, 778, file.size() - off - piece.size(), piece, 2)));
    base += static_cast<uint32_t>(piece.size());
  }
  steps.push_back(c2s(packets[0]));
  // Bob: an ACK-only packet (no data header at all), then a NAK asking again.
  steps.push_back(s2c(with_payload("MSG bob@example.net Bob",
                                   to_alice + p2p_v2(2, 500, ack, 0, 0, 0, 0, "", 0, false))));
  steps.push_back(s2c(with_payload("MSG bob@example.net Bob",
                                   to_alice + p2p_v2(0, 500, nak, 0, 0, 0, 0, "", 0, false))));
  steps.push_back(c2s(packets[0]));  // the retransmission: same sequence number
  steps.push_back(c2s(packets[1]));
  steps.push_back(c2s(packets[2]));
  const Outcome r = run_all_ways(steps, sb_decoder());
  ASSERT_EQ(r.lines.size(), 6u) << ::testing::PrintToString(r.lines);
  EXPECT_EQ(r.lines[3], "transfer_anomaly p2p_duplicate 778 1200");
  Sha256 expected;
  expected.update(file);
  EXPECT_EQ(r.lines[4],
            "file_complete p2p_v2 778 'v2.bin' 3600/3600 complete data " + expected.hex());
  EXPECT_TRUE(r.files.at("778") == file);

  // The header parser itself.
  P2pV2Header h;
  std::string_view data;
  uint32_t footer = 0;
  const std::string raw = p2p_v2(0, 500, nak, 0, 0, 0, 0, "", 0, false);
  ASSERT_TRUE(parse_p2p_v2(raw, h, data, footer));
  EXPECT_TRUE(h.has_nak);
  EXPECT_EQ(h.nak, 2000u);
  EXPECT_FALSE(h.has_ack);
  EXPECT_FALSE(h.has_data);
}

}  // namespace
}  // namespace rcds::proto::msnp::testing
