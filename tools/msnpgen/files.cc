#include "tools/msnpgen/files.h"

#include <algorithm>

namespace rcds::msnpgen {
using render::line;

namespace {
std::string n(uint64_t v) { return std::to_string(v); }

constexpr const char* kFtGuid = "{5D3E02AB-6190-11D3-BBBB-00C04F795683}";

void file_fields(Json& j, const std::string& name, const Bytes& file, const char* transport) {
  j.str("file_name", name)
      .num("file_size", static_cast<int64_t>(file.size()))
      .str("transport", transport);
}
}  // namespace

void msnftp_transfer(World& w, Switchboard& sb, Ns& sender, Ns& receiver,
                     const std::string& file_name, const Bytes& file) {
  Rng& rng = w.cap.rng();
  w.files.push_back({w.scenario + "." + file_name, file});
  const std::string invitation = n(rng.between(10000, 99999));
  const std::string auth = n(rng.between(1000000000, 2000000000));

  w.begin_action();
  const auto offer =
      sb.relay(sender, 'N',
               render::mime_invite({{"Application-Name", "File Transfer"},
                                    {"Application-GUID", "{5D3E02AB-6190-11d3-BBBB-00C04F795683}"},
                                    {"Invitation-Command", "INVITE"},
                                    {"Invitation-Cookie", invitation},
                                    {"Application-File", file_name},
                                    {"Application-FileSize", n(file.size())},
                                    {"Connectivity", "N"}}));
  sb.record(offer, sender, "file_offer", [&](Json& j) {
    file_fields(j, file_name, file, "msnftp");
    j.str("cookie", invitation);
  });

  w.begin_action();
  const auto accept = sb.relay(receiver, 'N',
                               render::mime_invite({{"Invitation-Command", "ACCEPT"},
                                                    {"Invitation-Cookie", invitation},
                                                    {"Launch-Application", "FALSE"},
                                                    {"Request-Data", "IP-Address:"}}));
  sb.record(accept, receiver, "file_accept", [&](Json& j) {
    j.str("file_name", file_name).str("transport", "msnftp").str("cookie", invitation);
  });

  // The sender listens: it advertises its address, port and AuthCookie.
  const Host listen{sender.acct.ip, 6891};
  w.begin_action();
  sb.relay(sender, 'N',
           render::mime_invite({{"IP-Address", listen.address},
                                {"IP-Address-Internal", listen.address},
                                {"Port", "6891"},
                                {"AuthCookie", auth},
                                {"Invitation-Command", "ACCEPT"},
                                {"Invitation-Cookie", invitation},
                                {"Launch-Application", "FALSE"},
                                {"Request-Data", "IP-Address:"}}));

  // The receiver connects; the TCP server side is the file's sender.
  w.begin_action();
  std::unique_ptr<Link> ftp = w.connect(receiver.acct, "msnftp", listen);
  ftp->send1(kClient, "VER MSNFTP\r\n");
  ftp->send1(kServer, "VER MSNFTP\r\n");
  ftp->send1(kClient, line("USR", {receiver.acct.email, auth}));
  ftp->send1(kServer, line("FIL", {n(file.size())}));
  ftp->send1(kClient, "TFR\r\n");
  const int64_t done = ftp->send1(kServer, render::msnftp_blocks(file));
  Json j = w.event("file_data", *ftp, kServer, done);
  j.str("account", sender.acct.email).list("peers", {receiver.acct.email});
  file_fields(j, file_name, file, "msnftp");
  j.str("sha256", sha256_hex(file)).str("cookie", invitation);
  w.record(done, j);
  const int64_t bye = ftp->send1(kClient, line("BYE", {"16777989"}));
  w.record(bye, w.event("file_done", *ftp, kClient, bye)
                    .str("account", receiver.acct.email)
                    .str("file_name", file_name)
                    .str("transport", "msnftp")
                    .str("result", "16777989"));
  w.close(*ftp, kClient);
}

void msnftp_decline(World& w, Switchboard& sb, Ns& sender, Ns& receiver,
                    const std::string& file_name, size_t size) {
  const std::string invitation = n(w.cap.rng().between(10000, 99999));
  w.begin_action();
  const auto offer =
      sb.relay(sender, 'N',
               render::mime_invite({{"Application-Name", "File Transfer"},
                                    {"Application-GUID", "{5D3E02AB-6190-11d3-BBBB-00C04F795683}"},
                                    {"Invitation-Command", "INVITE"},
                                    {"Invitation-Cookie", invitation},
                                    {"Application-File", file_name},
                                    {"Application-FileSize", n(size)},
                                    {"Connectivity", "N"}}));
  sb.record(offer, sender, "file_offer", [&](Json& j) {
    j.str("file_name", file_name)
        .num("file_size", static_cast<int64_t>(size))
        .str("transport", "msnftp")
        .str("cookie", invitation);
  });
  w.begin_action();
  const auto cancel = sb.relay(receiver, 'N',
                               render::mime_invite({{"Invitation-Command", "CANCEL"},
                                                    {"Invitation-Cookie", invitation},
                                                    {"Cancel-Code", "REJECT"}}));
  sb.record(cancel, receiver, "file_decline", [&](Json& j) {
    j.str("file_name", file_name)
        .str("transport", "msnftp")
        .str("cookie", invitation)
        .str("reason", "REJECT");
  });
}

Switchboard::Delivery P2p::send(P2pSide& a, P2pSide& b, uint32_t session, const Bytes& data,
                                uint32_t footer, uint32_t data_flags) {
  const bool file = (data_flags & 0x10) != 0;
  const bool object = (data_flags & 0x20) != 0;
  const size_t chunk = v2_ ? 1200 : 1202;
  Switchboard::Delivery last;
  const uint32_t id = a.next_id;
  const uint32_t ack_id = static_cast<uint32_t>(w_.cap.rng().next());
  ++a.package;
  for (size_t off = 0; off < data.size(); off += chunk) {
    const size_t len = std::min(chunk, data.size() - off);
    const Bytes piece(data.begin() + static_cast<std::ptrdiff_t>(off),
                      data.begin() + static_cast<std::ptrdiff_t>(off + len));
    Bytes header;
    if (v2_) {
      render::P2pV2 h;
      h.base_id = a.next_id;
      h.has_data = true;
      h.tf = file ? 0x06 : object ? 0x04 : (off == 0 ? 0x01 : 0x00);
      h.package = a.package;
      h.session = session;
      h.remaining = data.size() - off - len;
      if (session == 0 && off == 0 && a.package == 1) {
        // The first SLP message opens the transport with SYN + peer info.
        h.opcode = 0x01;
        h.header_tlvs = render::tlv(
            0x01, Bytes{0x02, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f});
      }
      header = render::p2p_v2_header(h, len);
      a.next_id += static_cast<uint32_t>(len);
    } else {
      render::P2pV1 h;
      h.session = session;
      h.identifier = id;
      h.offset = off;
      h.total = data.size();
      h.length = static_cast<uint32_t>(len);
      h.flags = data_flags;
      h.ack_id = ack_id;
      header = render::p2p_v1_header(h);
    }
    last = sb_.relay(*a.ns, 'D',
                     render::p2p_payload(b.p2p_id, v2_ ? a.p2p_id : "", header, piece, footer));
  }
  if (!v2_) ++a.next_id;
  // The receiver acknowledges the whole message.
  ack(b, a, id, ack_id, data.size());
  return last;
}

void P2p::ack(P2pSide& from, P2pSide& to, uint32_t acked_id, uint32_t acked_unique, uint64_t size) {
  Bytes header;
  if (v2_) {
    render::P2pV2 h;
    h.base_id = from.next_id;
    Bytes seq(4);
    for (int i = 0; i < 4; ++i)
      seq[static_cast<size_t>(i)] = static_cast<uint8_t>(to.next_id >> (24 - 8 * i));
    h.header_tlvs = render::tlv(0x02, seq);
    header = render::p2p_v2_header(h, 0);
  } else {
    render::P2pV1 h;
    h.identifier = from.next_id++;
    h.total = size;
    h.flags = 0x02;
    h.ack_id = acked_id;
    h.ack_unique = acked_unique;
    h.ack_size = size;
    header = render::p2p_v1_header(h);
  }
  sb_.relay(*from.ns, 'D', render::p2p_payload(to.p2p_id, v2_ ? from.p2p_id : "", header, {}, 0));
}

namespace {

Bytes text_bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

}  // namespace

void p2p_transfer(World& w, Switchboard& sb, Ns& sender, Ns& receiver, const std::string& file_name,
                  const Bytes& file, bool v2) {
  w.files.push_back({w.scenario + "." + file_name, file});
  Rng& rng = w.cap.rng();
  P2pSide a{&sender, v2 ? sender.sb_id() : sender.acct.email, static_cast<uint32_t>(rng.next()), 0};
  P2pSide b{&receiver, v2 ? receiver.sb_id() : receiver.acct.email,
            static_cast<uint32_t>(rng.next()), 0};
  P2p p2p(w, sb, v2);
  const uint32_t session = static_cast<uint32_t>(rng.between(10000, 4000000));
  const std::string call_id = rng.guid();
  const char* transport = v2 ? "p2p_v2" : "p2p_v1";

  w.begin_action();
  const std::string invite_body =
      std::string("EUF-GUID: ") + kFtGuid + "\r\nSessionID: " + n(session) +
      "\r\nAppID: 2\r\nContext: " + render::ft_context(file_name, file.size()) + "\r\n\r\n";
  const std::string invite = render::slp_message(
      "INVITE MSNMSGR:" + b.p2p_id + " MSNSLP/1.0", b.p2p_id, a.p2p_id, rng.guid(), 0, call_id,
      "application/x-msnmsgr-sessionreqbody", invite_body);
  const auto offer = p2p.send(a, b, 0, text_bytes(invite), 0, 0);
  sb.record(offer, sender, "file_offer", [&](Json& j) {
    file_fields(j, file_name, file, transport);
    j.num("p2p_session", session).str("call_id", call_id);
  });

  w.begin_action();
  const std::string ok = render::slp_message("MSNSLP/1.0 200 OK", a.p2p_id, b.p2p_id, rng.guid(), 1,
                                             call_id, "application/x-msnmsgr-sessionreqbody",
                                             "SessionID: " + n(session) + "\r\n\r\n");
  const auto accept = p2p.send(b, a, 0, text_bytes(ok), 0, 0);
  sb.record(accept, receiver, "file_accept", [&](Json& j) {
    j.str("file_name", file_name).str("transport", transport).num("p2p_session", session);
  });

  w.begin_action();
  const auto data = p2p.send(a, b, session, file, 2, v2 ? 0x10 : 0x01000030);
  sb.record(data, sender, "file_data", [&](Json& j) {
    file_fields(j, file_name, file, transport);
    j.str("sha256", sha256_hex(file)).num("p2p_session", session);
  });

  w.begin_action();
  const std::string bye = render::slp_message(
      "BYE MSNMSGR:" + b.p2p_id + " MSNSLP/1.0", b.p2p_id, a.p2p_id, rng.guid(), 0, call_id,
      "application/x-msnmsgr-sessionclosebody", "SessionID: " + n(session) + "\r\n\r\n");
  p2p.send(a, b, 0, text_bytes(bye), 0, 0);
}

}  // namespace rcds::msnpgen
