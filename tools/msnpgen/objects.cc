#include "tools/msnpgen/objects.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>

#include "tools/msnpgen/files.h"
#include "tools/msnpgen/ns.h"
#include "tools/msnpgen/sb.h"

namespace rcds::msnpgen {
namespace {

constexpr const char* kObjectGuid = "{A4268EEC-FEC5-49E5-95C3-F126696BDBF6}";
constexpr const char* kFtGuid = "{5D3E02AB-6190-11D3-BBBB-00C04F795683}";

Account alice(int v) { return {"alice@example.com", "Alice A.", v, "192.0.2.10", "tulip7", false}; }
Account bob(int v) { return {"bob@example.net", "Bob", v, "203.0.113.50", "otter3", false}; }
const render::Format kArial{"Arial", "B", "0", "0", "22"};

std::string n(uint64_t v) { return std::to_string(v); }
Bytes text_bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }
Bytes salted_bytes(uint64_t seed, uint64_t salt, size_t size) {
  Rng rng(seed ^ (0x0b1e'c700'0000'0000ULL + salt));
  return rng.bytes(size);
}

// base64 of the SHA-1 of `data`: the msnobj SHA1D (§9.3).
std::string sha1_base64(const Bytes& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha1(), nullptr);
  return render::base64(Bytes(digest, digest + length));
}

// One MSN object of a scenario and how its fetch is sent.
struct Object {
  std::string purpose;  // truth name: display_picture, wink, voice_clip, emoticon
  int type = 0;         // msnobj Type
  std::string location;
  Bytes data;
  uint32_t app_id = 1;    // AppID of the INVITE
  uint32_t footer = 1;    // footer of the data chunks (1 old clients, 11 emoticon, 12 picture)
  uint32_t flags = 0x20;  // data chunk flags (0x20, or WLM 2009 0x01000020)
  std::string xml(const std::string& creator) const {
    const std::string sha1d = sha1_base64(data);
    const std::string fields = "Creator=\"" + creator + "\" Size=\"" + n(data.size()) +
                               "\" Type=\"" + std::to_string(type) + "\" Location=\"" + location +
                               "\" Friendly=\"AAA=\" SHA1D=\"" + sha1d + "\"";
    return "<msnobj " + fields + " SHA1C=\"" + sha1_base64(text_bytes(fields)) + "\"/>";
  }
};

// `requester` asks the object's owner for it: INVITE (EUF-GUID
// {A4268EEC-...}, Context = base64 of the <msnobj/> and its NUL), 200 OK,
// the owner's 4-byte data-preparation message, the object in chunks, BYE.
void object_fetch(World& w, Switchboard& sb, Ns& owner, Ns& requester, const Object& o) {
  w.files.push_back({w.scenario + "." + o.location, o.data});
  Rng& rng = w.cap.rng();
  P2pSide own{&owner, owner.acct.email, static_cast<uint32_t>(rng.next()), 0};
  P2pSide req{&requester, requester.acct.email, static_cast<uint32_t>(rng.next()), 0};
  P2p p2p(w, sb, false);
  const uint32_t session = static_cast<uint32_t>(rng.between(10000, 4000000));
  const std::string call_id = rng.guid();
  std::string context = o.xml(owner.acct.email);
  context.push_back('\0');

  w.begin_action();
  const std::string invite =
      render::slp_message("INVITE MSNMSGR:" + own.p2p_id + " MSNSLP/1.0", own.p2p_id, req.p2p_id,
                          rng.guid(), 0, call_id, "application/x-msnmsgr-sessionreqbody",
                          std::string("EUF-GUID: ") + kObjectGuid + "\r\nSessionID: " + n(session) +
                              "\r\nAppID: " + n(o.app_id) +
                              "\r\nContext: " + render::base64(text_bytes(context)) + "\r\n\r\n");
  p2p.send(req, own, 0, text_bytes(invite), 0, 0);

  w.begin_action();
  const std::string ok = render::slp_message(
      "MSNSLP/1.0 200 OK", req.p2p_id, own.p2p_id, rng.guid(), 1, call_id,
      "application/x-msnmsgr-sessionreqbody", "SessionID: " + n(session) + "\r\n\r\n");
  p2p.send(own, req, 0, text_bytes(ok), 0, 0);

  w.begin_action();
  p2p.send(own, req, session, Bytes(4, 0), o.footer, 0);  // data preparation (§9.1)
  const auto data = p2p.send(own, req, session, o.data, o.footer, o.flags);
  sb.record(data, owner, "object_data", [&](Json& j) {
    j.str("purpose", o.purpose)
        .str("file_name", o.location)
        .num("object_type", o.type)
        .str("creator", owner.acct.email)
        .num("file_size", static_cast<int64_t>(o.data.size()))
        .str("sha1d", sha1_base64(o.data))
        .str("sha256", sha256_hex(o.data))
        .num("p2p_session", session)
        .str("transport", "p2p_v1");
  });

  w.begin_action();
  const std::string bye = render::slp_message(
      "BYE MSNMSGR:" + own.p2p_id + " MSNSLP/1.0", own.p2p_id, req.p2p_id, rng.guid(), 0, call_id,
      "application/x-msnmsgr-sessionclosebody", "SessionID: " + n(session) + "\r\n\r\n");
  p2p.send(req, own, 0, text_bytes(bye), 0, 0);
}

// A wink (datacast ID 2) or voice clip (ID 3) naming its <msnobj/> (§8.3).
void datacast_object(World& w, Switchboard& sb, Ns& from, int id, const Object& o) {
  w.begin_action();
  const auto d =
      sb.relay(from, 'N',
               "MIME-Version: 1.0\r\nContent-Type: text/x-msnmsgr-datacast\r\n\r\nID: " +
                   std::to_string(id) + "\r\nData: " + o.xml(from.acct.email) + "\r\n\r\n");
  sb.record(d, from, id == 2 ? "wink" : "voice_clip", [](Json&) {});
}

// Custom emoticons announced before the text that uses them (§8.4).
void emoticon_message(World& w, Switchboard& sb, Ns& from, const std::string& shortcut,
                      const Object& o) {
  w.begin_action();
  const auto d = sb.relay(from, 'N',
                          "MIME-Version: 1.0\r\nContent-Type: text/x-mms-emoticon\r\n\r\n" +
                              shortcut + "\t" + o.xml(from.acct.email) + "\t");
  sb.record(d, from, "emoticon", [&](Json& j) { j.str("shortcut", shortcut); });
}

// A P2P file offer the receiver declines with `603 Decline` (§9.3).
void p2p_decline(World& w, Switchboard& sb, Ns& sender, Ns& receiver, const std::string& file_name,
                 size_t size) {
  Rng& rng = w.cap.rng();
  P2pSide a{&sender, sender.acct.email, static_cast<uint32_t>(rng.next()), 0};
  P2pSide b{&receiver, receiver.acct.email, static_cast<uint32_t>(rng.next()), 0};
  P2p p2p(w, sb, false);
  const uint32_t session = static_cast<uint32_t>(rng.between(10000, 4000000));
  const std::string call_id = rng.guid();
  w.begin_action();
  const std::string invite = render::slp_message(
      "INVITE MSNMSGR:" + b.p2p_id + " MSNSLP/1.0", b.p2p_id, a.p2p_id, rng.guid(), 0, call_id,
      "application/x-msnmsgr-sessionreqbody",
      std::string("EUF-GUID: ") + kFtGuid + "\r\nSessionID: " + n(session) +
          "\r\nAppID: 2\r\nContext: " + render::ft_context(file_name, size) + "\r\n\r\n");
  const auto offer = p2p.send(a, b, 0, text_bytes(invite), 0, 0);
  sb.record(offer, sender, "file_offer", [&](Json& j) {
    j.str("file_name", file_name)
        .num("file_size", static_cast<int64_t>(size))
        .str("transport", "p2p_v1")
        .num("p2p_session", session)
        .str("call_id", call_id);
  });
  w.begin_action();
  const std::string decline = render::slp_message(
      "MSNSLP/1.0 603 Decline", a.p2p_id, b.p2p_id, rng.guid(), 1, call_id,
      "application/x-msnmsgr-sessionreqbody", "SessionID: " + n(session) + "\r\n\r\n");
  const auto d = p2p.send(b, a, 0, text_bytes(decline), 0, 0);
  sb.record(d, receiver, "file_decline", [&](Json& j) {
    j.str("file_name", file_name)
        .str("transport", "p2p_v1")
        .num("p2p_session", session)
        .str("reason", "603");
  });
}

// "{…}" of 16 bytes in the Windows GUID layout (LE u32, LE u16, LE u16, 8
// bytes in order): how the handshake's ack fields carry the nonce.
std::string guid_text(const Bytes& b) {
  char text[40];
  std::snprintf(text, sizeof text,
                "{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}", b[3],
                b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13],
                b[14], b[15]);
  return text;
}

void le(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// One direct-connection packet: 4-byte LE length, the 48-byte v1 header
// (its last 16 bytes given), data; no footer.
std::string direct_packet(uint32_t session, uint32_t id, uint64_t offset, uint64_t total,
                          uint32_t flags, const std::string& ack16, const Bytes& data) {
  std::string p;
  le(p, 48 + data.size(), 4);
  le(p, session, 4);
  le(p, id, 4);
  le(p, offset, 8);
  le(p, total, 8);
  le(p, data.size(), 4);
  le(p, flags, 4);
  p += ack16;
  p.append(data.begin(), data.end());
  return p;
}

std::string reversed(const std::string& s) { return std::string(s.rbegin(), s.rend()); }

// The file offer of p2p_transfer's v1 form, then a direct connection:
// bob's transreq, alice's transresp (listening; WLM 2009 reversed names for
// the external address), bob connects to alice's port, foo, the nonce
// handshake both ways, the file in 1352-byte packets, bob's ACK, SLP BYE on
// the switchboard.
void direct_transfer(World& w, Switchboard& sb, Ns& sender, Ns& receiver,
                     const std::string& file_name, const Bytes& file) {
  w.files.push_back({w.scenario + "." + file_name, file});
  Rng& rng = w.cap.rng();
  P2pSide a{&sender, sender.acct.email, static_cast<uint32_t>(rng.next()), 0};
  P2pSide b{&receiver, receiver.acct.email, static_cast<uint32_t>(rng.next()), 0};
  P2p p2p(w, sb, false);
  const uint32_t session = static_cast<uint32_t>(rng.between(10000, 4000000));
  const std::string call_id = rng.guid();
  const Bytes nonce_bytes = rng.bytes(16);
  const std::string nonce = guid_text(nonce_bytes);
  const uint16_t port = static_cast<uint16_t>(rng.between(20000, 60000));

  w.begin_action();
  const std::string invite = render::slp_message(
      "INVITE MSNMSGR:" + b.p2p_id + " MSNSLP/1.0", b.p2p_id, a.p2p_id, rng.guid(), 0, call_id,
      "application/x-msnmsgr-sessionreqbody",
      std::string("EUF-GUID: ") + kFtGuid + "\r\nSessionID: " + n(session) +
          "\r\nAppID: 2\r\nContext: " + render::ft_context(file_name, file.size()) + "\r\n\r\n");
  const auto offer = p2p.send(a, b, 0, text_bytes(invite), 0, 0);
  sb.record(offer, sender, "file_offer", [&](Json& j) {
    j.str("file_name", file_name)
        .num("file_size", static_cast<int64_t>(file.size()))
        .str("transport", "p2p_v1")
        .num("p2p_session", session)
        .str("call_id", call_id);
  });
  w.begin_action();
  const std::string ok = render::slp_message("MSNSLP/1.0 200 OK", a.p2p_id, b.p2p_id, rng.guid(), 1,
                                             call_id, "application/x-msnmsgr-sessionreqbody",
                                             "SessionID: " + n(session) + "\r\n\r\n");
  p2p.send(b, a, 0, text_bytes(ok), 0, 0);

  w.begin_action();
  const std::string transreq = render::slp_message(
      "INVITE MSNMSGR:" + a.p2p_id + " MSNSLP/1.0", a.p2p_id, b.p2p_id, rng.guid(), 0, call_id,
      "application/x-msnmsgr-transreqbody",
      "Bridges: TCPv1\r\nNetID: 1432778368\r\nConn-Type: Direct-Connect\r\nUPnPNat: "
      "false\r\nICF: false\r\nNonce: " +
          nonce + "\r\n\r\n");
  const auto req = p2p.send(b, a, 0, text_bytes(transreq), 0, 0);
  sb.record(req, receiver, "p2p_transport", [&](Json& j) {
    j.str("body_type", "transreq").str("bridges", "TCPv1").str("nonce", nonce);
  });

  w.begin_action();
  const std::vector<std::string> internal = {"192.168.1.10", "10.0.0.10"};
  const std::string transresp = render::slp_message(
      "MSNSLP/1.0 200 OK", b.p2p_id, a.p2p_id, rng.guid(), 1, call_id,
      "application/x-msnmsgr-transrespbody",
      "Bridge: TCPv1\r\nListening: true\r\nNonce: " + nonce + "\r\n" +
          reversed("IPv4External-Addrs") + ": " + reversed(sender.acct.ip) + "\r\n" +
          reversed("IPv4External-Port") + ": " + reversed(n(port)) +
          "\r\nIPv4Internal-Addrs: " + internal[0] + " " + internal[1] +
          "\r\nIPv4Internal-Port: " + n(port) + "\r\nSessionID: " + n(session) + "\r\n\r\n");
  const auto resp = p2p.send(a, b, 0, text_bytes(transresp), 0, 0);
  sb.record(resp, sender, "p2p_transport", [&](Json& j) {
    j.str("body_type", "transresp")
        .str("nonce", nonce)
        .str("listening", "true")
        .list("external_addrs", {sender.acct.ip})
        .num("external_port", port)
        .list("internal_addrs", internal)
        .num("internal_port", port)
        .num("p2p_session", session);
  });

  // Bob connects to the address Alice advertised.
  w.begin_action();
  std::unique_ptr<Link> dc = w.connect(receiver.acct, "p2p_direct", Host{sender.acct.ip, port});
  dc->send1(kClient, std::string("\x04\x00\x00\x00"
                                 "foo\x00",
                                 8));
  const std::string nonce16(nonce_bytes.begin(), nonce_bytes.end());
  const uint32_t bob_id = static_cast<uint32_t>(rng.next());
  const uint32_t alice_id = static_cast<uint32_t>(rng.next());
  const int64_t hs = dc->send1(kClient, direct_packet(0, bob_id, 0, 0, 0x100, nonce16, {}));
  Json h = w.event("p2p_direct", *dc, kClient, hs);
  h.str("account", receiver.acct.email)
      .list("peers", {sender.acct.email})
      .str("nonce", nonce)
      .num("p2p_session", session)
      .str("file_name", file_name);
  w.record(hs, h);
  dc->send1(kServer, direct_packet(0, alice_id, 0, 0, 0x100, nonce16, {}));

  w.begin_action();
  std::string ack16;
  le(ack16, rng.next() & 0xFFFFFFFF, 4);
  ack16.append(12, '\0');
  std::vector<std::string> packets;
  for (size_t off = 0; off < file.size(); off += 1352) {
    const size_t len = std::min<size_t>(1352, file.size() - off);
    packets.push_back(direct_packet(session, alice_id + 1, off, file.size(), 0x01000030, ack16,
                                    Bytes(file.begin() + static_cast<std::ptrdiff_t>(off),
                                          file.begin() + static_cast<std::ptrdiff_t>(off + len))));
  }
  const int64_t done = dc->send(kServer, packets).back();
  Json d = w.event("file_data", *dc, kServer, done);
  d.str("account", sender.acct.email)
      .list("peers", {receiver.acct.email})
      .str("file_name", file_name)
      .num("file_size", static_cast<int64_t>(file.size()))
      .str("transport", "p2p_direct")
      .str("sha256", sha256_hex(file))
      .num("p2p_session", session);
  w.record(done, d);
  std::string acked;  // Bob's ACK of the whole file (flags 0x02)
  le(acked, alice_id + 1, 4);
  le(acked, 0, 4);
  le(acked, file.size(), 8);
  dc->send1(kClient, direct_packet(session, bob_id + 1, 0, file.size(), 0x02, acked, {}));

  w.begin_action();
  const std::string bye = render::slp_message(
      "BYE MSNMSGR:" + b.p2p_id + " MSNSLP/1.0", b.p2p_id, a.p2p_id, rng.guid(), 0, call_id,
      "application/x-msnmsgr-sessionclosebody", "SessionID: " + n(session) + "\r\n\r\n");
  p2p.send(a, b, 0, text_bytes(bye), 0, 0);
  w.close(*dc, kClient);
}

}  // namespace

void p2p_objects(World& w, uint64_t seed) {
  Rng& rng = w.cap.rng();
  Ns a(w, alice(12), rng.guid()), b(w, bob(12), rng.guid());
  a.sign_in({&b}, "NLN", {});
  b.sign_in({&a}, "NLN", {&a});
  Switchboard sb(w);
  sb.open(a);
  sb.invite(a, b);
  // Bob fetches Alice's display picture (AppID 12, footer 12).
  object_fetch(w, sb, a, b,
               {"display_picture", 3, "TFR2C2.tmp", salted_bytes(seed, 1, 4321), 12, 12, 0x20});
  sb.message(a, kArial, "Watch this");
  // A wink (datacast ID 2), fetched with the WLM 2009 flags.
  const Object wink{"wink", 8, "wink.cab", salted_bytes(seed, 2, 2600), 1, 1, 0x01000020};
  datacast_object(w, sb, a, 2, wink);
  object_fetch(w, sb, a, b, wink);
  // A voice clip (datacast ID 3) from Bob.
  const Object clip{"voice_clip", 11, "clip.wav", salted_bytes(seed, 3, 3100), 1, 1, 0x20};
  datacast_object(w, sb, b, 3, clip);
  object_fetch(w, sb, b, a, clip);
  // A custom emoticon announced, used, and fetched (AppID 11, footer 11).
  const Object fish{"emoticon", 2, "fish.png", salted_bytes(seed, 4, 1500), 11, 11, 0x20};
  emoticon_message(w, sb, a, "(fish)", fish);
  sb.message(a, kArial, "(fish) for you");
  object_fetch(w, sb, a, b, fish);
  // A file Bob does not want.
  p2p_decline(w, sb, a, b, "big.iso", 700000000);
  sb.leave(b);
  sb.leave(a);
  a.logout({&b});
  b.logout({});
}

void p2p_direct(World& w, uint64_t seed) {
  Rng& rng = w.cap.rng();
  Ns a(w, alice(12), rng.guid()), b(w, bob(12), rng.guid());
  a.sign_in({&b}, "NLN", {});
  b.sign_in({&a}, "NLN", {&a});
  Switchboard sb(w);
  sb.open(a);
  sb.invite(a, b);
  sb.message(a, kArial, "Sending the report directly");
  direct_transfer(w, sb, a, b, "report.pdf", salted_bytes(seed, 5, 9000));
  sb.message(b, kArial, "Got it");
  sb.leave(b);
  sb.leave(a);
  a.logout({&b});
  b.logout({});
}

}  // namespace rcds::msnpgen
