#!/usr/bin/env python3
"""Writes the seed corpus fuzz/corpus/msnp_fuzz/ for fuzz/msnp_fuzz.cc.

    make_fuzz_seeds.py RCDS_MSNPGEN [OUT_DIR]

Two sources, both ours: TCP connections of rcds_msnpgen scenarios (their
segments in capture order, so the generator's cuts inside lines and payloads
are kept as chunk boundaries), and the example exchanges of MSNP.md §13 typed
in below with their payload lengths computed, not copied.

Seed layout (fuzz/msnp_fuzz.cc): one header byte (bit 0 mid-stream pickup,
bit 1 sink wants content, bits 4-7 piece size), then chunks separated by
0xFF c (bit 0 switches direction, bit 1 reports a gap); 0xFF 0xFF is a literal
0xFF. The harness starts in the client-to-server direction.
"""

import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(HERE))))
CONTENT = 0x02
MIDSTREAM = 0x01
CONNECTION = 0x04  # through MsnpConnection (HTTP gateway detection)
DIRECT = 0x08      # a direct P2P connection (P2pDirectDecoder)
FOO = b"\x04\x00\x00\x00foo\x00"


def piece(n):
    return n << 4


def tcp_segments(path):
    """(client, server, from_client, payload) of every TCP data segment of a
    classic Ethernet pcap, in capture order. Client = SYN sender."""
    data = open(path, "rb").read()
    assert struct.unpack_from("<I", data)[0] == 0xA1B2C3D4, "little-endian µs pcap expected"
    pos, clients, out = 24, {}, []
    while pos + 16 <= len(data):
        _, _, incl, _ = struct.unpack_from("<IIII", data, pos)
        frame = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        if len(frame) < 34 or frame[12:14] != b"\x08\x00" or frame[23] != 6:
            continue
        ihl = (frame[14] & 0x0F) * 4
        ip = frame[14:]
        total = struct.unpack_from(">H", ip, 2)[0]
        src, dst = ip[12:16], ip[16:20]
        tcp = ip[ihl:total]
        sport, dport = struct.unpack_from(">HH", tcp)
        flags = tcp[13]
        a, b = (src, sport), (dst, dport)
        key = frozenset((a, b))
        if flags & 0x02 and not flags & 0x10:  # SYN: its sender is the client
            clients[key] = a
        payload = tcp[(tcp[12] >> 4) * 4:]
        if payload and key in clients:
            client = clients[key]
            server = b if client == a else a
            out.append((client, server, a == client, payload))
    return out


def connections(path):
    """{(client, server): [(from_client, payload), ...]} in opening order."""
    conns = {}
    for client, server, from_client, payload in tcp_segments(path):
        conns.setdefault((client, server), []).append((from_client, payload))
    return conns


def escape(data):
    return data.replace(b"\xff", b"\xff\xff")


def script(chunks, gap_after=None):
    """Harness script of [(from_client, bytes)]; a gap of 27 bytes is reported
    after chunk index gap_after (0xFF 0x0A: bit 1, (0x0A >> 2) * 13 + 1)."""
    out, client_dir = bytearray(), True
    for i, (from_client, data) in enumerate(chunks):
        if from_client != client_dir:
            out += b"\xff\x01"
            client_dir = from_client
        elif i > 0:
            out += b"\xff\x00"  # chunk boundary without switching
        out += escape(data)
        if gap_after == i:
            out += b"\xff\x0a"
    return bytes(out)


def port(endpoint):
    return endpoint[1]


def pick(conns, want):
    """The n-th connection whose server port is `server_port` (1863 for
    NS/SB/DS, 80 for the gateway, else MSNFTP) and whose first client line
    starts with `first`."""
    server_port, first, n = want
    found = [c for k, c in conns.items() if server_port in (None, port(k[1])) and
             b"".join(p for fc, p in c if fc).startswith(first)]
    return found[n] if n < len(found) else None


# scenario -> [(seed name, header, (server port, first client bytes, index), options)]
GENERATED = {
    "msnp2-md5-chat": [("gen_msnp2_ns_fail_911", CONTENT, (1863, b"VER", 1), {}),
                       ("gen_msnp5_ns_md5", CONTENT, (1863, b"VER", 3), {}),
                       ("gen_msnp5_sb_cal_217", CONTENT, (1863, b"USR", 0), {})],
    "msnp8-twn-chat": [("gen_msnp8_ns_twn_syn", CONTENT, (1863, b"VER", 1), {}),
                       ("gen_msnp9_sb_chunked_nudge", CONTENT, (1863, b"ANS", 0), {}),
                       ("gen_msnp8_sb_identity_only", 0, (1863, b"USR", 0), {})],
    "msnp12-multiparty": [("gen_msnp11_ns_uux_chl", CONTENT, (1863, b"VER", 3), {}),
                          ("gen_msnp12_sb_iro2_bye", CONTENT, (1863, b"ANS", 1), {}),
                          ("gen_msnp10_sb_gap", CONTENT, (1863, b"USR", 0), {"gap_after": 6})],
    "msnp15-sso-presence": [("gen_msnp15_ns_sso_adl", CONTENT, (1863, b"VER", 5), {}),
                            ("gen_msnp14_ns_uum_ubm", CONTENT | piece(7), (1863, b"VER", 3), {})],
    "msnp18-mpop": [("gen_msnp18_ns_mpop", CONTENT, (1863, b"VER", 3), {}),
                    ("gen_msnp18_sb_endpoints", CONTENT, (1863, b"USR", 0), {}),
                    ("gen_msnp18_sb_midstream", CONTENT | MIDSTREAM, (1863, b"ANS", 1),
                     {"skip": 3})],
    "msnp21-sdg": [("gen_msnp21_ns_sdg_nfy", CONTENT, (1863, b"VER", 1), {}),
                   ("gen_msnp21_ns_group", CONTENT | piece(13), (1863, b"VER", 5), {})],
    "msnftp-file": [("gen_msnftp_transfer", CONTENT, (6891, b"VER", 0), {}),
                    ("gen_msnftp_sb_invite_cancel", CONTENT, (1863, b"USR", 0), {})],
    "p2p-v1-file": [("gen_p2p_v1_sb_file", CONTENT, (1863, b"USR", 0), {})],
    "p2p-v2-file": [("gen_p2p_v2_sb_file", CONTENT, (1863, b"ANS", 0), {})],
    "http-gateway": [("gen_gateway_sb_tunnel", CONTENT, (80, b"POST", 2), {})],
    # Via/X-Forwarded-For requests, chunked responses; a gap to resynchronise.
    "http-gateway-proxy": [("gen_gateway_proxy_chunked_ns", CONTENT, (80, b"POST", 1), {}),
                           ("gen_gateway_proxy_chunked_sb_gap", CONTENT, (80, b"POST", 2),
                            {"gap_after": 5})],
    # P2P over SDG: Signal/P2P offer and 603, Data packets at Bridging-Offsets.
    "msnp21-p2p": [("gen_msnp21_ns_p2p_sender", CONTENT, (1863, b"VER", 1), {}),
                   ("gen_msnp21_ns_p2p_receiver", CONTENT | piece(11), (1863, b"VER", 3), {})],
    # NOT/IPG/mail/groups/errors (alice MSNP8), OIM/FQY/UUN/XML errors (carol
    # MSNP13), GUID groups/SBP/BPR as a non-target (bob MSNP11), SB ACK/NAK.
    "ns-families": [("gen_ns_families_msnp8_notices", CONTENT, (1863, b"VER", 1), {}),
                    ("gen_ns_families_msnp13_oim_fqy", CONTENT, (1863, b"VER", 5), {}),
                    ("gen_ns_families_msnp11_identity", 0, (1863, b"VER", 3), {}),
                    ("gen_ns_families_sb_ack_nak", CONTENT, (1863, b"USR", 0), {})],
    # MSN objects (picture, wink, voice clip, emoticon) and a 603 on a SB; the
    # direct TCPv1 connection (any port: None) after transreq/transresp.
    "p2p-objects": [("gen_p2p_objects_sb", CONTENT, (1863, b"USR", 0), {})],
    "p2p-direct": [("gen_p2p_direct_sb_transport", CONTENT, (1863, b"ANS", 0), {}),
                   ("gen_p2p_direct_tcpv1", CONTENT, (None, FOO, 0), {}),
                   ("gen_p2p_direct_tcpv1_no_content", 0, (None, FOO, 0), {})],
    "msnp-versions": [("gen_msnp3_ns_md5_inf", CONTENT, (1863, b"VER", 1), {}),
                      ("gen_msnp19_ns_sso", CONTENT, (1863, b"VER", 9), {})],
}


def crlf(*lines):
    return "".join(line + "\r\n" for line in lines).encode()


def msg(head, headers, body):
    """`head len` + payload, the length counted in bytes."""
    payload = crlf(*headers) + b"\r\n" + body.encode()
    return f"{head} {len(payload)}\r\n".encode() + payload


PLAIN = ["MIME-Version: 1.0", "Content-Type: text/plain; charset=UTF-8"]


def section13():
    """MSNP.md §13 exchanges, one seed per connection: [(name, header, chunks)]."""
    c, s = True, False
    seeds = []
    seeds.append(("ref_13_1_ds_login", CONTENT, [
        (c, crlf("VER 1 MSNP8 CVR0")), (s, crlf("VER 1 MSNP8 CVR0")),
        (c, crlf("CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.0.0602 MSMSGS alice@example.com")),
        (s, crlf("CVR 2 6.0.0602 6.0.0602 6.0.0602 http://download.example/msn.exe "
                 "http://messenger.example/")),
        (c, crlf("USR 3 TWN I alice@example.com")),
        (s, crlf("XFR 3 NS 198.51.100.20:1863 0 198.51.100.1:1863"))]))
    profile = ["MIME-Version: 1.0", "Content-Type: text/x-msmsgsprofile; charset=UTF-8",
               "LoginTime: 1104577200", "EmailEnabled: 1", "MemberIdHigh: 12345",
               "MemberIdLow: -67890", "lang_preference: 1033", "preferredEmail: alice@example.com",
               "country: NL", "Kid: 0", "Flags: 1027", "sid: 507", "kv: 5",
               "MSPAuth: 7Mm8dummyTicket00000000000000000000$$", "ClientIP: 203.0.113.7",
               "ClientPort: 17052"]
    seeds.append(("ref_13_1_ns_login", CONTENT, [
        (c, crlf("VER 4 MSNP8 CVR0")), (s, crlf("VER 4 MSNP8 CVR0")),
        (c, crlf("USR 6 TWN I alice@example.com")),
        (s, crlf("USR 6 TWN S lc=1033,id=507,tw=40,fs=1,ct=1104577200,kpp=1,kv=5")),
        (c, crlf("USR 7 TWN S t=AbCdEf0123$$&p=GhIjKl4567$$")),
        (s, crlf("USR 7 OK alice@example.com Alice%20A. 1 0") +
         msg("MSG Hotmail Hotmail", profile, "")),
        (c, crlf("SYN 8 0")),
        (s, crlf("SYN 8 42 2 1", "GTC A", "BLP AL", "LSG 0 Other%20Contacts 0",
                 "LST bob@example.net Bob 11 0", "LST carol@example.org Carol%20C. 11 0")),
        (c, crlf("CHG 9 NLN 268435492")),
        (s, crlf("CHG 9 NLN 268435492", "ILN 9 NLN bob@example.net Bob 268435492")),
        (c, crlf("XFR 10 SB")),
        (s, crlf("XFR 10 SB 198.51.100.30:1863 CKI 1104577300.12345.678901")),
        (c, b"PNG\r\n"), (s, b"QNG\r\n"), (c, crlf("OUT"))]))
    typing = msg("MSG 3 U", ["MIME-Version: 1.0", "Content-Type: text/x-msmsgscontrol",
                             "TypingUser: alice@example.com", ""], "")
    hello = msg("MSG 4 A", PLAIN + ["X-MMS-IM-Format: FN=Arial; EF=B; CO=0; CS=0; PF=22"],
                "Hi Bob, lunch at 12?")
    reply_fmt = ["X-MMS-IM-Format: FN=Segoe%20UI; EF=; CO=ff0000; CS=1; PF=0"]
    invite = msg("MSG 5 N", ["MIME-Version: 1.0",
                             "Content-Type: text/x-msmsgsinvite; charset=UTF-8"],
                 "Application-Name: File Transfer\r\n"
                 "Application-GUID: {5D3E02AB-6190-11d3-BBBB-00C04F795683}\r\n"
                 "Invitation-Command: INVITE\r\nInvitation-Cookie: 48213\r\n"
                 "Application-File: plans.txt\r\nApplication-FileSize: 5000\r\n"
                 "Connectivity: N\r\n\r\n")
    accept = msg("MSG bob@example.net Bob", ["MIME-Version: 1.0",
                                             "Content-Type: text/x-msmsgsinvite; charset=UTF-8"],
                 "Invitation-Command: ACCEPT\r\nInvitation-Cookie: 48213\r\n"
                 "Launch-Application: FALSE\r\nRequest-Data: IP-Address:\r\n\r\n")
    accept2 = msg("MSG 6 N", ["MIME-Version: 1.0",
                              "Content-Type: text/x-msmsgsinvite; charset=UTF-8"],
                  "IP-Address: 203.0.113.7\r\nIP-Address-Internal: 192.0.2.10\r\nPort: 6891\r\n"
                  "AuthCookie: 1357924680\r\nInvitation-Command: ACCEPT\r\n"
                  "Invitation-Cookie: 48213\r\nLaunch-Application: FALSE\r\n"
                  "Request-Data: IP-Address:\r\n\r\n")
    seeds.append(("ref_13_2_4_sb_caller", CONTENT, [
        (c, crlf("USR 1 alice@example.com 1104577300.12345.678901")),
        (s, crlf("USR 1 OK alice@example.com Alice%20A.")),
        (c, crlf("CAL 2 bob@example.net")), (s, crlf("CAL 2 RINGING 11752013")),
        (s, crlf("JOI bob@example.net Bob")),
        (c, typing + hello),
        (s, crlf("ACK 4") + msg("MSG bob@example.net Bob", PLAIN + reply_fmt,
                                "Sure \u2013 see you \u263a")),
        (s, crlf("JOI carol@example.org Carol%20C.")),
        (c, invite), (s, accept), (c, accept2), (c, crlf("OUT"))]))
    seeds.append(("ref_13_2_sb_answer_pieces", CONTENT | piece(5), [
        (c, crlf("ANS 1 bob@example.net 849102291.520491113 11752013")),
        (s, crlf("IRO 1 1 1 alice@example.com Alice%20A.", "ANS 1 OK")),
        (s, msg("MSG alice@example.com Alice%20A.", PLAIN +
                ["X-MMS-IM-Format: FN=Arial; EF=B; CO=0; CS=0; PF=22"], "Hi Bob, lunch at 12?")),
        (c, msg("MSG 2 N", PLAIN + reply_fmt, "Sure \u2013 see you \u263a")),
        (c, crlf("CAL 3 carol@example.org")), (s, crlf("CAL 3 RINGING 11752013")),
        (s, crlf("BYE alice@example.com"))]))
    seeds.append(("ref_13_3_sb_third_party", CONTENT, [
        (c, crlf("ANS 1 carol@example.org 1104577390.5555.121212 11752013")),
        (s, crlf("IRO 1 1 2 alice@example.com Alice%20A.", "IRO 1 2 2 bob@example.net Bob",
                 "ANS 1 OK")),
        (c, msg("MSG 2 N", PLAIN + ["X-MMS-IM-Format: FN=Tahoma; EF=I; CO=808000; CS=0; PF=0"],
                "Count me in.")),
        (c, msg("MSG 3 N", ["MIME-Version: 1.0", "Content-Type: text/x-msnmsgr-datacast"],
                "ID: 1\r\n\r\n")),
        (c, msg("MSG 4 N", ["MIME-Version: 1.0",
                            "Content-Type: text/x-msmsgsinvite; charset=UTF-8"],
                "Invitation-Command: CANCEL\r\nInvitation-Cookie: 48213\r\n"
                "Cancel-Code: REJECT\r\n\r\n"))]))
    blocks = []
    for i, size in enumerate((2045, 2045, 910)):
        body = bytes((i * 7 + k) % 251 for k in range(size))
        blocks.append((s, bytes([0, size & 0xFF, size >> 8]) + body))
    seeds.append(("ref_13_4_msnftp", CONTENT, [
        (c, crlf("VER MSNFTP")), (s, crlf("VER MSNFTP")),
        (c, crlf("USR bob@example.net 1357924680")), (s, crlf("FIL 5000")),
        (c, crlf("TFR"))] + blocks + [(c, crlf("BYE 16777989"))]))
    return seeds


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    gen = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "fuzz", "corpus", "msnp_fuzz")
    os.makedirs(out, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for scenario, wanted in GENERATED.items():
            pcap = os.path.join(tmp, scenario + ".pcap")
            subprocess.run([gen, "--scenario", scenario, "--out", pcap], check=True,
                           capture_output=True)
            conns = connections(pcap)
            for name, header, want, options in wanted:
                chunks = pick(conns, want)
                if chunks is None:
                    sys.exit(f"make_fuzz_seeds: {scenario}: no connection {want}")
                chunks = list(chunks)
                if options.get("skip"):
                    # Mid-stream pickup: drop the first bytes so the decoder
                    # starts inside a line.
                    fc, data = chunks[0]
                    chunks[0] = (fc, data[options["skip"]:])
                # Gateway connections only decode through MsnpConnection.
                if chunks and chunks[0][1].startswith(b"POST "):
                    header |= CONNECTION
                if chunks and chunks[0][1].startswith(FOO):
                    header |= DIRECT
                written.append((name, bytes([header]) +
                                script(chunks, options.get("gap_after"))))
    for name, header, chunks in section13():
        written.append((name, bytes([header]) + script(chunks)))
    for name, data in written:
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    total = sum(len(d) for _, d in written)
    print(f"{len(written)} seeds, {total} bytes in {out}")


if __name__ == "__main__":
    main()
