#!/usr/bin/env python3
"""A target's direct P2P connection is intercepted; nobody else's is.

rcds_msnpgen's `p2p-direct` scenario (tools/msnpgen/objects.cc): alice sends
bob a file over a direct TCPv1 connection negotiated on their switchboard
(transreq/transresp with a nonce, MSNP.md §9.3). The file's bytes are the
generator's `--files` original, never derived from rcds' output.

  warrant on alice (iri+cc): the direct connection has IRI (the handshake) and
      CC records whose content, placed by offset, is exactly the file;
  warrant on bob: the same (he receives it);
  warrant on alice, iri only: IRI of the direct connection, no CC at all;
  warrant on carol (not in the capture): no record at all, and the file's
      bytes appear in no file under the records directory.

Exit 0 on success, 1 on a finding.
"""
import argparse
import base64
import glob
import json
import os
import subprocess
import sys
import tempfile


def run_case(args, work, account, scope):
    name = account.split("@")[0] + "-" + scope.replace("+", "_")
    warrant = os.path.join(work, name + ".json")
    with open(warrant, "w") as f:
        json.dump({"warrants": [{
            "liid": "LI-" + name, "case_reference": "P2P-DIRECT", "scope": scope,
            "valid_from": "2000-01-01T00:00:00Z", "valid_until": "2030-01-01T00:00:00Z",
            "targets": ["msn:" + account]}]}, f)
    records = os.path.join(work, "records-" + name)
    subprocess.run([args.rcds, "analyze", os.path.join(work, "p2p-direct.pcap"), "--warrant",
                    warrant, "--records-dir", records, "--sensor-id", "p2p-test"],
                   check=True, capture_output=True)
    out = []
    for path in glob.glob(os.path.join(records, "*", "records.jsonl")):
        with open(path) as f:
            out += [json.loads(line) for line in f if line.strip()]
    return records, out


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--rcds", required=True)
    p.add_argument("--msnpgen", required=True)
    args = p.parse_args()
    problems = []
    with tempfile.TemporaryDirectory(prefix="p2p-direct-") as work:
        os.makedirs(os.path.join(work, "files"))
        subprocess.run([args.msnpgen, "--scenario", "p2p-direct", "--out",
                        os.path.join(work, "p2p-direct.pcap"), "--files",
                        os.path.join(work, "files")], check=True, capture_output=True)
        with open(os.path.join(work, "files", "p2p-direct.report.pdf"), "rb") as f:
            original = f.read()
        for account, scope, want_cc in (("alice@example.com", "iri+cc", True),
                                        ("bob@example.net", "iri+cc", True),
                                        ("alice@example.com", "iri", False)):
            _, records = run_case(args, work, account, scope)
            direct = [r for r in records if r.get("connection") == "p2p_direct"]
            events = {(r["kind"], r["event"]) for r in direct}
            if ("iri-begin", "p2p_direct") not in events:
                problems.append(f"{account} {scope}: no IRI-BEGIN p2p_direct ({sorted(events)})")
            cc = sorted((r for r in direct if r["kind"] == "cc"),
                        key=lambda r: r.get("content_offset", 0))
            got = b"".join(base64.b64decode(r["content_base64"]) for r in cc)
            if want_cc and got != original:
                problems.append(f"{account} {scope}: CC of the direct connection is {len(got)} "
                                f"bytes, not the {len(original)}-byte original")
            if not want_cc and cc:
                problems.append(f"{account} {scope}: {len(cc)} CC records without CC scope")
            print(f"{account} {scope}: {len(direct)} records on the direct connection, "
                  f"{len(got)} CC bytes")
        records_dir, records = run_case(args, work, "carol@example.org", "iri+cc")
        if records:
            problems.append(f"carol: {len(records)} records for a non-participant")
        probe = original[1000:1032]
        for root, _, names in os.walk(records_dir):
            for n in names:
                with open(os.path.join(root, n), "rb") as f:
                    data = f.read()
                if probe in data or base64.b64encode(probe)[4:36] in data:
                    problems.append(f"carol: file bytes found in {n}")
        print(f"carol@example.org iri+cc: {len(records)} records")
    for line in problems:
        print("FAIL", line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
