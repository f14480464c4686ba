#!/usr/bin/env python3
"""Independent check of an rcds_msnpgen capture, from tshark's own TCP reassembly.

usage: check_files.py CAPTURE.pcap TRUTH.json FILES_DIR

Uses only the standard library and `tshark -z follow,tcp,raw,N` (never the
generator's code, never the rcds decoder):
  1. every MSNP byte stream (TCP port 1863 and the bodies of HTTP-gateway
     requests/responses) parses as command lines plus length-framed payloads,
     exactly to its end;
  2. the files are rebuilt from MSNFTP blocks (flag, LE16 length, data) and
     from P2P v1/v2 data messages, and compared byte for byte with the
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
    """Concatenated bodies of the HTTP messages in one direction."""
    pos, body = 0, bytearray()
    while pos < len(data):
        end = data.index(b"\r\n\r\n", pos)
        head = data[pos:end].decode("ascii")
        n = int(re.search(r"Content-Length: (\d+)", head).group(1))
        body += data[end + 4:end + 4 + n]
        pos = end + 4 + n
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


def p2p_files(commands):
    """{session: bytes} from the P2P data messages of one direction, plus the SLP text."""
    files, slp = {}, bytearray()
    for line, payload in commands:
        if payload is None or not line.startswith("MSG"):
            continue
        head, binary = split_mime(payload)
        if "application/x-msnmsgrp2p" not in head:
            continue
        v2 = "P2P-Src:" in head
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
            elif c2s.startswith(b"POST "):
                kind = "gateway"
                c2s, s2c = http_bodies(c2s), http_bodies(s2c)
            else:
                kind = "msnp"
            if kind != "msnftp":
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
            else:
                cmds = parsed[n][0 if t["dir"] == "c2s" else 1]
                files, slp = p2p_files(cmds)
                got = files[t["p2p_session"]]
                ctx = base64.b64decode(re.search(rb"Context: (\S+)", slp).group(1))
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
