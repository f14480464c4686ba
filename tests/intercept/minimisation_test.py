#!/usr/bin/env python3
"""Minimisation: an interception writes the target's communication and nothing else.

rcds_msnpgen's `minimisation` scenario (tools/msnpgen/scenarios.cc) has the
target alice chatting beside non-targets bob, carol and dave. Every message
text, transferred file name and file content carries a marker
"<class>-MARKER-<16 hex>" (random per run through --seed):

  TG  alice's own messages;
  IN  non-targets' messages while alice is in the switchboard (she receives
      them: her communication);
  NT  everything else: bob and carol before alice joins and after she leaves
      the group switchboard, chats between non-targets only, an MSNFTP offer
      declined, an MSNFTP and a P2P file transfer between non-targets (names
      and contents).

`rcds analyze CAPTURE --warrant W --records-dir DATA` runs with its working
directory and TMPDIR inside DATA and its stdout/stderr saved there; then every
file under DATA is searched, binary-safe, for each marker as text, its
16-hex-digit core alone, UTF-16LE, base64 at the three byte alignments, and
inside every decoded `content_base64` / JSON string of the JSON lines files.

  iri+cc warrant: no NT marker anywhere; every TG and IN marker present (so
                  the test can fail); dave, who never talks to alice, is
                  nowhere (account, display name, address).
  iri warrant:    additionally no TG or IN marker (no content at all).

Each warrant runs with and without --json. Exit 0 on success, 1 on a finding.
"""
import argparse
import base64
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile

LIID = "LIID-MIN-1"
TARGET = "msn:alice@example.com"
MARKER_RE = re.compile(rb"(NT|TG|IN)-MARKER-[0-9a-f]{16}")
# dave only talks to bob and carol: nothing about him is alice's communication.
DAVE = [b"dave@example.com", b"Dave D.", b"Dave%20D.", b"192.0.2.88"]


def b64_forms(data):
    """base64 text of `data` at each of the three byte alignments, cut to the
    characters that depend on `data`'s bytes only."""
    forms = []
    for k in range(3):
        enc = base64.b64encode(b"\0" * k + data)
        start = (8 * k + 5) // 6
        end = len(enc) - 3  # the last group may mix with following bytes or padding
        forms.append(enc[start:end])
    return forms


def needles(marker):
    """Byte strings any of which betrays `marker`."""
    core = marker.split(b"-")[-1]
    out = [marker, core, marker.decode().encode("utf-16-le"), core.decode().encode("utf-16-le")]
    out += b64_forms(marker) + b64_forms(core)
    return out


def json_strings(value, out):
    if isinstance(value, str):
        out.append(value.encode("utf-8", "surrogatepass"))
    elif isinstance(value, dict):
        for k, v in value.items():
            if k == "content_base64" and isinstance(v, str):
                try:
                    out.append(base64.b64decode(v, validate=False))
                except ValueError:
                    pass
            json_strings(k, out)
            json_strings(v, out)
    elif isinstance(value, list):
        for v in value:
            json_strings(v, out)


def blobs_of(path):
    """The file's bytes, and the decoded strings and content of its JSON lines."""
    with open(path, "rb") as f:
        raw = f.read()
    out = [raw]
    for line in raw.splitlines():
        line = line.strip()
        if not line.startswith(b"{") and not line.startswith(b"["):
            continue
        try:
            value = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            continue
        json_strings(value, out)
    return out


def scan(data_dir):
    """{relative path: [blobs]} for every regular file under data_dir."""
    found = {}
    for root, dirs, files in os.walk(data_dir):
        for name in files:
            path = os.path.join(root, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            found[os.path.relpath(path, data_dir)] = blobs_of(path)
    return found


def where(files, marker_needles):
    """Files in which any of the needles occurs."""
    hits = []
    for rel, blobs in files.items():
        if any(n in b for b in blobs for n in marker_needles):
            hits.append(rel)
    return hits


def write_warrant(path, scope):
    with open(path, "w") as f:
        json.dump({"warrants": [{
            "liid": LIID, "case_reference": "MIN-TEST", "valid_from": "2005-01-01T00:00:00Z",
            "valid_until": "2030-01-01T00:00:00Z", "scope": scope, "targets": [TARGET]}]}, f)


def run_case(args, gen, capture, markers, scope, as_json):
    name = f"{scope.replace('+', '_')}{'-json' if as_json else ''}"
    data = os.path.join(gen, "data-" + name)
    os.makedirs(os.path.join(data, "tmp"))
    warrant = os.path.join(gen, f"warrant-{scope.replace('+', '_')}.json")
    write_warrant(warrant, scope)
    cmd = [args.rcds, "analyze", capture, "--warrant", warrant, "--records-dir",
           os.path.join(data, "records"), "--sensor-id", "min-test"]
    if as_json:
        cmd.append("--json")
    env = dict(os.environ, TMPDIR=os.path.join(data, "tmp"))
    with open(os.path.join(data, "stdout.log"), "wb") as out, \
            open(os.path.join(data, "stderr.log"), "wb") as err:
        rc = subprocess.run(cmd, stdout=out, stderr=err, cwd=data, env=env).returncode
    problems = []
    if rc != 0:
        with open(os.path.join(data, "stderr.log"), "rb") as f:
            problems.append(f"rcds exited {rc}: {f.read()[-2000:]!r}")
        return name, problems

    files = scan(data)
    records = os.path.join("records", LIID, "records.jsonl")
    if records not in files:
        problems.append(f"no {records} (files: {sorted(files)})")
    if os.path.join("records", "audit.jsonl") not in files:
        problems.append("no records/audit.jsonl")

    for marker, cls in sorted(markers.items()):
        hits = where(files, needles(marker))
        must_show = cls in ("TG", "IN") and scope == "iri+cc"
        if must_show and not hits:
            problems.append(f"{cls} marker {marker.decode()} (target communication) is missing")
        if not must_show and hits:
            problems.append(f"LEAK: {cls} marker {marker.decode()} found in {hits} "
                            f"(scope {scope}: it must not be written)")
    for needle in DAVE:
        hits = where(files, [needle])
        if hits:
            problems.append(f"LEAK: non-target dave ({needle.decode()}) found in {hits}")
    # stdout and stderr are counters only: no account of anyone.
    for log in ("stdout.log", "stderr.log"):
        for blob in files.get(log, []):
            for acct in (b"alice@", b"bob@", b"carol@", b"dave@"):
                if acct in blob:
                    problems.append(f"{log} names an account ({acct.decode()}...)")
                    break
    return name, problems


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rcds", required=True)
    p.add_argument("--msnpgen", required=True)
    p.add_argument("--seed", type=int, help="generator seed (default: random, printed)")
    p.add_argument("--keep", help="work here and keep the files (default: a temporary directory)")
    args = p.parse_args()
    args.rcds = os.path.abspath(args.rcds)
    args.msnpgen = os.path.abspath(args.msnpgen)
    seed = args.seed if args.seed is not None else secrets.randbits(48) + 1
    print(f"seed {seed} (rerun: --seed {seed})")

    gen = args.keep or tempfile.mkdtemp(prefix="rcds-minimisation-")
    os.makedirs(gen, exist_ok=True)
    try:
        capture = os.path.join(gen, "min.pcap")
        truth = os.path.join(gen, "truth.json")
        files_dir = os.path.join(gen, "files")
        os.makedirs(files_dir, exist_ok=True)
        subprocess.run([args.msnpgen, "--scenario", "minimisation", "--seed", str(seed), "--out",
                        capture, "--truth", truth, "--files", files_dir],
                       check=True, stdout=subprocess.DEVNULL)

        # The markers, by class, from the generator's own truth and file originals.
        sources = [truth] + [os.path.join(files_dir, n) for n in os.listdir(files_dir)]
        markers = {}
        for path in sources:
            with open(path, "rb") as f:
                for m in MARKER_RE.finditer(f.read()):
                    markers[m.group(0)] = m.group(1).decode()
        counts = {c: sum(1 for v in markers.values() if v == c) for c in ("NT", "TG", "IN")}
        print(f"markers: {counts}")
        if counts["NT"] < 10 or counts["TG"] < 3 or counts["IN"] < 3:
            print("FAIL: the generated capture lacks markers")
            return 1
        # Sanity: the markers are in the capture (so their absence below means something).
        with open(capture, "rb") as f:
            pcap = f.read()
        names = [m for m in markers if m in pcap]
        if len(names) < len(markers) - 2:  # file contents are split into chunks
            print(f"FAIL: only {len(names)} of {len(markers)} markers are in the capture")
            return 1

        failed = False
        for scope in ("iri+cc", "iri"):
            for as_json in (False, True):
                name, problems = run_case(args, gen, capture, markers, scope, as_json)
                if problems:
                    failed = True
                    print(f"FAIL {name}:")
                    for problem in problems:
                        print("   ", problem)
                else:
                    print(f"ok   {name}")
        if failed:
            print(f"files kept in {gen}")
            return 1
        print("minimisation: no non-target data in any output, log or temporary file")
        return 0
    finally:
        if not args.keep and "failed" in locals() and not failed:
            shutil.rmtree(gen, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
