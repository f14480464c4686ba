#!/usr/bin/env python3
"""Independent check of an rcds_msnpgen capture, from tshark's own TCP reassembly.

usage: check_files.py CAPTURE.pcap TRUTH.json FILES_DIR

Uses only the standard library and `tshark -z follow,tcp,raw,N` (never the
generator's code, never the rcds decoder):
  1. every MSNP byte stream (TCP port 1863 and the bodies of HTTP-gateway
     requests/responses, Content-Length or chunked) parses as command lines
     plus length-framed payloads, exactly to its end;
  2. the files are rebuilt from MSNFTP blocks (flag, LE16 length, data) and
     from P2P v1/v2 data messages (in switchboard MSGs and in MSNP21 SDG Data
     bodies split at their Bridging-Offsets), and compared byte for byte with the
     originals the generator wrote with --files, and with the sha256 of the
     truth's file_data lines;
  3. every truth "message" line's text is the body of a text/plain MSG (or
     MSNP21 SDG Text) on that connection and direction, in the same order.
Exit status 0 when everything matches.
"""
import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import uuid

MIN_TOKENS = {"MSG": 4, "QRY": 4, "NOT": 2, "IPG": 2, "GCF": 3, "UUX": 3, "UBX": 3, "ADL": 3,
              "RML": 3, "FQY": 3, "UUN": 5, "UBN": 4, "UUM": 6, "UBM": 5, "SDG": 3, "NFY": 3, "PUT": 3, "DEL": 3}


def follow_all(pcap):
    """{stream: (client 'ip:port', server 'ip:port', c2s bytes, s2c bytes)}"""
    ids = subprocess.run(["tshark", "-r", pcap, "-T", "fields", "-e", "tcp.stream"],
                         capture_output=True, text=True, check=True).stdout.split()
    streams = sorted({int(i) for i in ids})
    args = ["tshark", "-r", pcap, "-q"]
    for s in streams:
        args += ["-z", "follow,tcp,raw,%d" % s]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    result = {}
    for block in out.split("=" * 67):
        m = re.search(r"Filter: tcp.stream eq (\d+)\nNode 0: (\S+)\nNode 1: (\S+)\n", block)
        if not m:
            continue
        c2s, s2c = bytearray(), bytearray()
        for line in block[m.end():].split("\n"):
            if not line.strip():
                continue
            (s2c if line.startswith("\t") else c2s).extend(bytes.fromhex(line.strip()))
        result[int(m.group(1))] = (m.group(2), m.group(3), bytes(c2s), bytes(s2c))
    return result


def msnp_commands(data):
    """[(line, payload or None)]; raises ValueError when the framing breaks."""
    pos, out = 0, []
    while pos < len(data):
        end = data.find(b"\r\n", pos)
        if end < 0:
            raise ValueError("unterminated line at %d: %r" % (pos, data[pos:pos + 40]))
        line = data[pos:end].decode("utf-8")
        pos = end + 2
        toks = line.split(" ")
        cmd = toks[0]
        payload = None
        need = MIN_TOKENS.get(cmd, 3 if re.fullmatch(r"\d{3}", cmd) else None)
        if need is not None and len(toks) >= need and toks[-1].isdigit():
            n = int(toks[-1])
            if pos + n > len(data):
                raise ValueError("payload of %r runs past the end" % line)
            payload, pos = data[pos:pos + n], pos + n
        if not re.fullmatch(r"[A-Z]{3}|\d{3}", cmd):
            raise ValueError("not a command line: %r" % line)
        out.append((line, payload))
    return out


def http_bodies(data):
    """Concatenated bodies of the HTTP messages in one direction (Content-Length
    or Transfer-Encoding: chunked, RFC 9112 §7.1: hex size, extensions after
    ';', trailer lines up to an empty line)."""
    pos, body = 0, bytearray()
    while pos < len(data):
        end = data.index(b"\r\n\r\n", pos)
        head = data[pos:end].decode("ascii")
        pos = end + 4
        if re.search(r"(?im)^Transfer-Encoding:.*chunked", head):
            while True:
                eol = data.index(b"\r\n", pos)
                size = int(data[pos:eol].split(b";")[0].strip(), 16)
                pos = eol + 2
                if size == 0:
                    while not data.startswith(b"\r\n", pos):  # trailer fields
                        pos = data.index(b"\r\n", pos) + 2
                    pos += 2
                    break
                body += data[pos:pos + size]
                if data[pos + size:pos + size + 2] != b"\r\n":
                    raise ValueError("chunk of %d bytes not followed by CRLF" % size)
                pos += size + 2
            continue
        n = int(re.search(r"Content-Length: (\d+)", head).group(1))
        body += data[pos:pos + n]
        pos += n
    return bytes(body)


def split_mime(payload):
    head, _, body = payload.partition(b"\r\n\r\n")
    return head.decode("utf-8"), body


def msnftp_file(s2c):
    rest = s2c
    for expect in (b"VER MSNFTP\r\n", b"FIL "):
        if not rest.startswith(expect):
            raise ValueError("MSNFTP: expected %r" % expect)
        if expect == b"FIL ":
            end = rest.index(b"\r\n")
            size = int(rest[4:end])
            rest = rest[end + 2:]
        else:
            rest = rest[len(expect):]
    out = bytearray()
    while rest:
        flag, n = rest[0], rest[1] | rest[2] << 8
        if flag != 0 or n > 2045:
            raise ValueError("MSNFTP: bad block header %r" % rest[:3])
        out += rest[3:3 + n]
        rest = rest[3 + n:]
    if len(out) != size:
        raise ValueError("MSNFTP: %d bytes, FIL said %d" % (len(out), size))
    return bytes(out)


def p2p_packets(commands):
    """(v2, packet) of every P2P packet of one direction: MSG bodies on a
    switchboard; MSNP21 SDG `Message-Type: Data` bodies (§11) cut at the
    comma-separated byte offsets of `Bridging-Offsets` (absent: one packet);
    v2 when the SDG names endpoints (`;epid=`)."""
    for line, payload in commands:
        if payload is None:
            continue
        if line.startswith("MSG"):
            head, binary = split_mime(payload)
            if "application/x-msnmsgrp2p" in head:
                yield "P2P-Src:" in head, binary
        elif line.startswith("SDG"):
            routing, _, content, body = payload.split(b"\r\n\r\n", 3)
            if not re.search(rb"(?m)^Message-Type: Data\r?$", content):
                continue
            n = int(re.search(rb"Content-Length: (\d+)", content).group(1))
            body = body[:n]
            found = re.search(rb"Bridging-Offsets: ([\d,]+)", content)
            starts = [int(x) for x in found.group(1).split(b",")] if found else [0]
            for start, end in zip(starts, starts[1:] + [len(body)]):
                yield b";epid=" in routing, body[start:end]


def p2p_files(commands):
    """{session: bytes} from the P2P data messages of one direction, plus the SLP text."""
    files, slp = {}, bytearray()
    for v2, binary in p2p_packets(commands):
        binary, footer = binary[:-4], int.from_bytes(binary[-4:], "big")
        if v2:
            hdrlen, msglen = binary[0], int.from_bytes(binary[2:4], "big")
            if msglen == 0:
                continue
            dh = binary[hdrlen:]
            dhlen, tf, session = dh[0], dh[1], int.from_bytes(dh[4:8], "big")
            data = binary[hdrlen + dhlen:hdrlen + msglen]
            is_file = session != 0 and tf & 0x06 == 0x06
        else:
            session = int.from_bytes(binary[0:4], "little")
            offset = int.from_bytes(binary[8:16], "little")
            length = int.from_bytes(binary[24:28], "little")
            flags = int.from_bytes(binary[28:32], "little")
            data = binary[48:48 + length]
            is_file = session != 0 and flags == 0x01000030
            if is_file and offset != len(files.get(session, b"")):
                raise ValueError("P2P v1: chunk at offset %d out of order" % offset)
        if is_file:
            if footer != 2:
                raise ValueError("P2P data footer %d" % footer)
            files[session] = files.get(session, b"") + data
        elif session == 0:
            slp += data
    return files, bytes(slp)


def p2p_objects(commands):
    """{session: bytes} of MSN object data (§9.1: v1 flags 0x20 or 0x01000020)
    in one direction, without the 4-byte data-preparation messages."""
    objects = {}
    for v2, binary in p2p_packets(commands):
        if v2:
            continue
        binary = binary[:-4]
        session = int.from_bytes(binary[0:4], "little")
        offset = int.from_bytes(binary[8:16], "little")
        total = int.from_bytes(binary[16:24], "little")
        length = int.from_bytes(binary[24:28], "little")
        flags = int.from_bytes(binary[28:32], "little")
        if session == 0 or flags & 0x32 != 0x20 or total == 4:
            continue
        if offset != len(objects.get(session, b"")):
            raise ValueError("P2P object chunk at offset %d out of order" % offset)
        objects[session] = objects.get(session, b"") + binary[48:48 + length]
    return objects


def msnobj_of(slp, session):
    """The <msnobj/> of the EUF-GUID {A4268EEC-...} INVITE of `session`."""
    m = re.search(rb"SessionID: %d\r\nAppID: \d+\r\nContext: (\S+)" % session, slp)
    xml = base64.b64decode(m.group(1)).rstrip(b"\0").decode("utf-8")
    return dict(re.findall(r'(\w+)="([^"]*)"', xml))


def direct_connection(c2s, s2c):
    """A direct TCPv1 connection (§9.3): 4-byte LE length + P2P v1 packet in
    both directions. Returns (nonce GUID of the flags-0x100 handshake, {session:
    file bytes} placed by Offset)."""
    nonce, files = None, {}
    for data in (c2s, s2c):
        pos = 0
        while pos < len(data):
            n = int.from_bytes(data[pos:pos + 4], "little")
            packet = data[pos + 4:pos + 4 + n]
            pos += 4 + n
            if len(packet) != n:
                raise ValueError("direct packet runs past the end")
            if n < 48:
                continue  # foo
            session = int.from_bytes(packet[0:4], "little")
            offset = int.from_bytes(packet[8:16], "little")
            length = int.from_bytes(packet[24:28], "little")
            flags = int.from_bytes(packet[28:32], "little")
            if flags == 0x100:
                # The nonce in the 16 ack bytes, a GUID in Windows byte order.
                guid = "{%s}" % str(uuid.UUID(bytes_le=bytes(packet[32:48]))).upper()
                if nonce not in (None, guid):
                    raise ValueError("handshakes disagree: %s %s" % (nonce, guid))
                nonce = guid
            elif session != 0 and flags & 0x10:
                have = files.setdefault(session, bytearray())
                if offset != len(have):
                    raise ValueError("direct data at offset %d out of order" % offset)
                have += packet[48:48 + length]
    return nonce, {k: bytes(v) for k, v in files.items()}


def texts(commands):
    """Text message bodies in order; chunked messages (Message-ID + Chunks/Chunk) joined."""
    out, pending = [], {}
    for line, payload in commands:
        if payload is None:
            continue
        if line[:3] in ("MSG", "UUM", "UBM"):
            head, body = split_mime(payload)
            mid = re.search(r"Message-ID: (\S+)", head)
            chunks = re.search(r"Chunks: (\d+)", head)
            if mid and chunks:
                pending[mid.group(1)] = [int(chunks.group(1)), [body]]
            elif mid and mid.group(1) in pending:
                total, parts = pending[mid.group(1)]
                parts.append(body)
                if len(parts) == total:
                    out.append(b"".join(parts).decode("utf-8"))
                    del pending[mid.group(1)]
            elif "Content-Type: text/plain" in head:
                out.append(body.decode("utf-8"))
        elif line.startswith("SDG"):
            blocks = payload.split(b"\r\n\r\n", 3)
            if b"Message-Type: Text" in blocks[2]:
                out.append(blocks[3].decode("utf-8"))
    return out


def main():
    pcap, truth_path, files_dir = sys.argv[1:4]
    truth = [json.loads(l) for l in open(truth_path, encoding="utf-8")]
    streams = follow_all(pcap)
    by_ends = {(c, s): n for n, (c, s, _, _) in streams.items()}
    failures, parsed = [], {}
    kinds = {}
    for n, (client, server, c2s, s2c) in streams.items():
        try:
            if c2s.startswith(b"VER MSNFTP"):
                kind = "msnftp"
            elif c2s.startswith(b"\x04\x00\x00\x00foo\x00"):
                kind = "p2p_direct"
            elif c2s.startswith(b"POST "):
                kind = "gateway"
                c2s, s2c = http_bodies(c2s), http_bodies(s2c)
            else:
                kind = "msnp"
            if kind not in ("msnftp", "p2p_direct"):
                parsed[n] = (msnp_commands(c2s), msnp_commands(s2c))
            kinds[kind] = kinds.get(kind, 0) + 1
        except (ValueError, UnicodeDecodeError) as e:
            failures.append("stream %d %s->%s: %s" % (n, client, server, e))
    commands = sum(len(a) + len(b) for a, b in parsed.values())
    print("streams: %s; %d MSNP commands parsed to the end of their streams"
          % (", ".join("%d %s" % (v, k) for k, v in sorted(kinds.items())), commands))

    for t in (t for t in truth if t["event"] == "file_data"):
        n = by_ends[(t["client"], t["server"])]
        c2s, s2c = streams[n][2], streams[n][3]
        try:
            if t["transport"] == "msnftp":
                got = msnftp_file(s2c)
            elif t["transport"] == "p2p_direct":
                nonce, files = direct_connection(c2s, s2c)
                got = files[t["p2p_session"]]
                # The same nonce was negotiated on a switchboard (transreq and
                # transresp, WLM 2009 reversed names or not) and handshaken here.
                handshake = [x for x in truth if x["event"] == "p2p_direct" and x["conn"] == t["conn"]]
                if not handshake or handshake[0]["nonce"] != nonce:
                    raise ValueError("direct handshake nonce %s, truth %s" % (nonce, handshake))
                negotiated = set()
                for m, (cmds_c2s, cmds_s2c) in parsed.items():
                    for cmds in (cmds_c2s, cmds_s2c):
                        slp = p2p_files(cmds)[1]
                        negotiated.update(re.findall(rb"Nonce: (\{[0-9A-F-]+\})", slp))
                if nonce.encode() not in negotiated:
                    raise ValueError("nonce %s negotiated on no switchboard" % nonce)
            else:
                cmds = parsed[n][0 if t["dir"] == "c2s" else 1]
                files, slp = p2p_files(cmds)
                got = files[t["p2p_session"]]
                # The INVITE of this session (several may share the SLP text).
                invite = re.search(rb"SessionID: %d\r\nAppID: \d+\r\nContext: (\S+)"
                                   % t["p2p_session"], slp)
                ctx = base64.b64decode(invite.group(1))
                name = ctx[20:540].decode("utf-16-le").split("\0")[0]
                size = int.from_bytes(ctx[8:16], "little")
                if (name, size) != (t["file_name"], t["file_size"]):
                    raise ValueError("SLP context says %s/%d" % (name, size))
            original = open(os.path.join(files_dir, t["scenario"] + "." + t["file_name"]), "rb").read()
            digest = hashlib.sha256(got).hexdigest()
            ok = got == original and digest == t["sha256"]
            print("%-4s %s %s stream %d %s %s: %d bytes, sha256 %s, %s" % (
                "OK" if ok else "FAIL", t["scenario"], t["transport"], n, t["dir"], t["file_name"],
                len(got), digest[:16], "equal to original and truth" if ok else "MISMATCH"))
            if not ok:
                failures.append("file %s on stream %d differs" % (t["file_name"], n))
        except (ValueError, KeyError, AttributeError) as e:
            failures.append("file_data on stream %d: %r" % (n, e))

    for t in (t for t in truth if t["event"] == "object_data"):
        n = by_ends[(t["client"], t["server"])]
        try:
            cmds = parsed[n][0 if t["dir"] == "c2s" else 1]
            got = p2p_objects(cmds)[t["p2p_session"]]
            # The descriptor travels the other way (the requester's INVITE).
            other = parsed[n][1 if t["dir"] == "c2s" else 0]
            desc = msnobj_of(p2p_files(other)[1], t["p2p_session"])
            original = open(os.path.join(files_dir, t["scenario"] + "." + t["file_name"]), "rb").read()
            sha1d = base64.b64encode(hashlib.sha1(got).digest()).decode()
            digest = hashlib.sha256(got).hexdigest()
            ok = (got == original and digest == t["sha256"] and sha1d == desc.get("SHA1D") ==
                  t["sha1d"] and int(desc.get("Size", -1)) == len(got) and
                  int(desc.get("Type", -1)) == t["object_type"])
            print("%-4s %s object %s stream %d %s %s: %d bytes, SHA1D %s, %s" % (
                "OK" if ok else "FAIL", t["scenario"], t["purpose"], n, t["dir"], t["file_name"],
                len(got), sha1d, "equal to original, msnobj and truth" if ok else "MISMATCH"))
            if not ok:
                failures.append("object %s on stream %d differs" % (t["file_name"], n))
        except (ValueError, KeyError, AttributeError) as e:
            failures.append("object_data on stream %d: %r" % (n, e))

    expected = {}
    for t in (t for t in truth if t["event"] == "message"):
        key = (by_ends[(t["client"], t["server"])], t["dir"])
        expected.setdefault(key, []).append(t["text"])
    for (n, d), want in sorted(expected.items()):
        got = texts(parsed[n][0 if d == "c2s" else 1])
        if got != want:
            failures.append("stream %d %s: texts %r, truth %r" % (n, d, got, want))
    print("message texts: %d truth lines on %d connection directions checked against the bodies"
          % (sum(len(v) for v in expected.values()), len(expected)))
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
