#!/usr/bin/env python3
"""Live interception with a warrant change mid-chat.

`rcds capture -i lo -f 'tcp port P' --warrant W --records-dir D --seconds N`
watches real TCP connections on 127.0.0.1:P, where this script plays an MSNP
switchboard (MSNP.md §7, §13.2) and two clients: alice (the target) logs in
with `USR`, calls bob (`CAL` / `RINGING`), bob answers (`ANS`, `IRO`,
`ANS OK`, `JOI`), and both send text messages (`MSG trid N len` + MIME
payload, relayed as `MSG account friendly len`). Each text carries a unique
marker. Halfway through, W is replaced (atomically) and the script waits for
the sensor's reload (polled about once a second) before chatting on.

  revoke    W starts with alice's warrant; then the same warrant with
            revoked_at = now. Every message before the change is in
            D/<LIID>/records.jsonl; no message after it is anywhere under D;
            audit.jsonl has `activated` then `deactivated` for the LIID.
  remove    as revoke, but the warrant is removed from the file.
  activate  W starts as {"warrants": []}; then alice's warrant. Every message
            after the change is in records.jsonl; none before is anywhere under
            D; audit.jsonl has `activated`.

Needs root (packet capture): exits 77 (CTest skip) otherwise.
"""
import argparse
import datetime
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time

LIID = "LIID-LIVE-1"
ALICE = "alice@example.com"
BOB = "bob@example.net"
HEADER = ("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
          "X-MMS-IM-Format: FN=Arial; EF=; CO=0; CS=0; PF=22\r\n\r\n")


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ")


def warrant(revoked_at=None):
    w = {"liid": LIID, "case_reference": "LIVE-TEST", "valid_from": "2020-01-01T00:00:00Z",
         "valid_until": "2100-01-01T00:00:00Z", "scope": "iri+cc", "targets": ["msn:" + ALICE]}
    if revoked_at is not None:
        w["revoked_at"] = revoked_at
    return w


def write_atomically(path, value):
    tmp = path + ".new"
    with open(tmp, "w") as f:
        json.dump(value, f)
    os.replace(tmp, path)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Peer:
    """One side of a TCP connection, line/payload oriented."""

    def __init__(self, sock):
        self.sock = sock
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(10)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data.encode("utf-8") if isinstance(data, str) else data)
        time.sleep(0.02)  # one segment per command, and the sensor sees them in order

    def read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("peer closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("peer closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode()

    def expect(self, prefix):
        got = self.line()
        if not got.startswith(prefix):
            raise AssertionError(f"expected {prefix!r}, got {got!r}")
        return got


class Switchboard:
    """alice and bob on a switchboard played by this script."""

    def __init__(self, port):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(4)
        self.trid = {ALICE: 1, BOB: 1}
        self.names = {ALICE: "Alice%20A.", BOB: "Bob"}

        self.client = {ALICE: Peer(socket.create_connection(("127.0.0.1", port)))}
        self.server = {ALICE: Peer(self.listener.accept()[0])}
        self.say(ALICE, f"USR 1 {ALICE} 1104577300.12345.678901\r\n",
                 f"USR 1 OK {ALICE} {self.names[ALICE]}\r\n")
        self.say(ALICE, f"CAL 2 {BOB}\r\n", "CAL 2 RINGING 11752013\r\n")
        self.trid[ALICE] = 2

        self.client[BOB] = Peer(socket.create_connection(("127.0.0.1", port)))
        self.server[BOB] = Peer(self.listener.accept()[0])
        self.client[BOB].send(f"ANS 1 {BOB} 849102291.520491113 11752013\r\n")
        self.server[BOB].expect("ANS 1 ")
        self.server[BOB].send(f"IRO 1 1 1 {ALICE} {self.names[ALICE]}\r\n")
        self.client[BOB].expect("IRO 1 1 1 ")
        self.server[BOB].send("ANS 1 OK\r\n")
        self.client[BOB].expect("ANS 1 OK")
        self.server[ALICE].send(f"JOI {BOB} {self.names[BOB]}\r\n")
        self.client[ALICE].expect("JOI ")

    def say(self, who, request, reply):
        self.client[who].send(request)
        self.server[who].expect(request.split("\r\n")[0])
        self.server[who].send(reply)
        self.client[who].expect(reply.split("\r\n")[0])

    def message(self, sender, text):
        other = BOB if sender == ALICE else ALICE
        payload = (HEADER + text).encode("utf-8")
        self.trid[sender] += 1
        self.client[sender].send(f"MSG {self.trid[sender]} N {len(payload)}\r\n".encode() + payload)
        self.server[sender].expect(f"MSG {self.trid[sender]} N {len(payload)}")
        assert self.server[sender].read(len(payload)) == payload
        self.server[other].send(
            f"MSG {sender} {self.names[sender]} {len(payload)}\r\n".encode() + payload)
        self.client[other].expect(f"MSG {sender} ")
        assert self.client[other].read(len(payload)) == payload

    def close(self):
        self.client[BOB].send("OUT\r\n")
        self.server[BOB].expect("OUT")
        self.server[ALICE].send(f"BYE {BOB}\r\n")
        self.client[ALICE].expect("BYE")
        self.client[ALICE].send("OUT\r\n")
        self.server[ALICE].expect("OUT")
        for who in (BOB, ALICE):
            self.client[who].sock.close()
            self.server[who].sock.close()
        self.listener.close()


def run_variant(args, variant, work):
    """Returns a list of problems (empty: passed)."""
    tag = secrets.token_hex(6)
    before = [f"BEFORE-{tag}-{i}" for i in range(4)]
    after = [f"AFTER-{tag}-{i}" for i in range(4)]
    data = os.path.join(work, variant)
    records = os.path.join(data, "records")
    os.makedirs(records)
    warrant_path = os.path.join(work, variant + "-warrant.json")
    write_atomically(warrant_path, {"warrants": [] if variant == "activate" else [warrant()]})

    port = free_port()
    seconds = 14
    cmd = [args.rcds, "capture", "-i", "lo", "-f", f"tcp port {port}", "--warrant", warrant_path,
           "--records-dir", records, "--seconds", str(seconds)]
    out = open(os.path.join(data, "stdout.log"), "wb")
    err = open(os.path.join(data, "stderr.log"), "wb")
    proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=data)
    problems = []
    try:
        time.sleep(2.0)  # the capture handle is open and filtering
        if proc.poll() is not None:
            return [f"rcds capture exited early ({proc.returncode}): "
                    f"{open(os.path.join(data, 'stderr.log')).read()[-1500:]}"]
        sb = Switchboard(port)
        for i, text in enumerate(before):
            sb.message(ALICE if i % 2 == 0 else BOB, f"Before the change: {text}")
        time.sleep(1.2)
        if variant == "revoke":
            write_atomically(warrant_path, {"warrants": [warrant(revoked_at=iso(time.time()))]})
        elif variant == "remove":
            write_atomically(warrant_path, {"warrants": []})
        else:
            write_atomically(warrant_path, {"warrants": [warrant()]})
        time.sleep(2.5)  # > the ~1 s poll, with margin
        for i, text in enumerate(after):
            sb.message(ALICE if i % 2 == 0 else BOB, f"After the change: {text}")
        time.sleep(0.3)
        sb.close()
    finally:
        try:
            proc.wait(timeout=seconds + 20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            problems.append("rcds capture did not stop after --seconds")
        out.close()
        err.close()
    if proc.returncode != 0:
        problems.append(f"rcds capture exited {proc.returncode}: "
                        f"{open(os.path.join(data, 'stderr.log')).read()[-1500:]}")

    # Everything under the data directory, and the records of the LIID.
    everything = b""
    for root, _, files in os.walk(data):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                everything += f.read() + b"\n"
    records_path = os.path.join(records, LIID, "records.jsonl")
    texts = []
    if os.path.exists(records_path):
        with open(records_path) as f:
            for line in f:
                r = json.loads(line)
                if r.get("event") == "message" and r.get("kind") == "cc":
                    texts.append(r.get("text", ""))
    else:
        problems.append(f"no {os.path.relpath(records_path, data)}")
    recorded = "\n".join(texts)

    wanted, unwanted = (after, before) if variant == "activate" else (before, after)
    for marker in wanted:
        n = sum(1 for t in texts if marker in t)
        if n == 0:
            problems.append(f"{marker} (covered by the warrant) is not in records.jsonl")
    for marker in unwanted:
        if marker.encode() in everything or marker in recorded:
            problems.append(f"{marker} (not covered) was written under the records directory")

    notices = []
    audit = os.path.join(records, "audit.jsonl")
    if os.path.exists(audit):
        with open(audit) as f:
            notices = [json.loads(line) for line in f if line.strip()]
    kinds = [n.get("notice") for n in notices if n.get("liid") == LIID]
    expected = ["activated"] if variant == "activate" else ["activated", "deactivated"]
    if kinds != expected:
        problems.append(f"audit.jsonl notices for {LIID}: {kinds}, expected {expected} "
                        f"(all: {notices})")
    print(f"  {variant}: {len(texts)} message CC records, audit {kinds}")
    return problems


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rcds", required=True)
    p.add_argument("--variants", default="revoke,remove,activate")
    p.add_argument("--keep", help="work here and keep the files")
    args = p.parse_args()
    args.rcds = os.path.abspath(args.rcds)
    if os.geteuid() != 0:
        print("SKIP: live capture needs root")
        return 77
    work = args.keep or tempfile.mkdtemp(prefix="rcds-live-reload-")
    os.makedirs(work, exist_ok=True)
    failed = False
    for variant in args.variants.split(","):
        problems = run_variant(args, variant, work)
        if problems:
            failed = True
            print(f"FAIL {variant}:")
            for problem in problems:
                print("   ", problem)
        else:
            print(f"ok   {variant}")
    if failed:
        print(f"files kept in {work}")
        return 1
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print("live reload: warrant changes take effect mid-connection")
    return 0


if __name__ == "__main__":
    sys.exit(main())
