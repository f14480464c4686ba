#!/usr/bin/env python3
"""Differential test: rcds's TCP reassembly against independent reassemblers.

For every TCP connection of a capture, the bytes rcds delivers per direction
(`rcds analyze FILE --dump-streams DIR`) must equal
  - libnids' (tools/nids_reassemble) for IPv4 connections, and
  - tshark's (`-z follow,tcp,raw`) for IPv6 connections (libnids is
    IPv4-only), for connections libnids does not follow (no handshake), and
    for what rcds delivers after a hole (libnids stops there, tshark marks
    the hole and goes on). rcds's gaps must match tshark's holes.
Connections are paired by 4-tuple, direction and order of appearance.

Inputs: every capture under --pcap-dir, and scenario captures written by
rcds_trafficgen (--scenario, --seeds). Exit status: 0 all equal, 1 a mismatch,
2 a tool failed, 77 nothing to compare (CTest reports a skip).

Where a reference differs from rcds by design, the exception is written out
below (search for "BY DESIGN"); any other difference is a failure.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

SKIP = 77
DIRECTIONS = ("c2s", "s2c")
# Scenarios whose generator never drops a segment: a gap there is a bug.
LOSSY_SCENARIOS = {"loss", "mixed", "ipv6"}


@dataclass
class Stream:
    """One connection as one reassembler delivered it."""

    order: int  # rcds flow id, libnids occurrence, tshark stream index
    name: str
    data: dict = field(default_factory=lambda: {d: b"" for d in DIRECTIONS})
    gaps: dict = field(default_factory=lambda: {d: [] for d in DIRECTIONS})


@dataclass
class Report:
    label: str
    # Per 4-tuple, the best any reference achieved: connections compared,
    # bytes found equal, rcds bytes after a gap the reference cannot see past.
    compared: dict = field(default_factory=dict)
    checked: dict = field(default_factory=dict)
    unchecked: dict = field(default_factory=dict)
    by: dict = field(default_factory=dict)  # reference name -> connections compared
    conflicts: str = ""  # rcds's *_overlap_conflict anomalies in this capture
    notes: list = field(default_factory=list)
    failures: list = field(default_factory=list)


def run(cmd, **kwargs):
    return subprocess.run(cmd, capture_output=True, timeout=300, **kwargs)


def split_endpoint(text):
    """'10.0.0.1.80' or '2001:db8::1.80' -> ('10.0.0.1', 80)."""
    address, port = text.rsplit(".", 1)
    return address, int(port)


def load_rcds(directory):
    """Files f<id>-tcp-<client>.<port>-<server>.<port>.<dir>[.gaps]."""
    streams = {}
    for name in os.listdir(directory):
        m = re.fullmatch(r"f(\d+)-tcp-([^-]+)-([^-]+)\.(c2s|s2c)(\.gaps)?", name)
        if not m:
            continue  # UDP flows are not reassembled
        key = split_endpoint(m.group(2)) + split_endpoint(m.group(3))
        flow_id = int(m.group(1))
        stream = streams.setdefault((key, flow_id), Stream(flow_id, name[:m.start(4) - 1]))
        path = os.path.join(directory, name)
        if m.group(5):
            with open(path) as f:
                stream.gaps[m.group(4)] = [tuple(map(int, line.split())) for line in f]
        else:
            with open(path, "rb") as f:
                stream.data[m.group(4)] = f.read()
    return group(streams)


def load_nids(directory):
    """Files <client>.<port>-<server>.<port>[.N].<dir>, N the occurrence."""
    streams = {}
    for name in os.listdir(directory):
        m = re.fullmatch(r"([\d.]+)\.(\d+)-(\d+\.\d+\.\d+\.\d+)\.(\d+)(?:\.(\d+))?\.(c2s|s2c)",
                         name)
        if not m:
            continue
        key = (m.group(1), int(m.group(2)), m.group(3), int(m.group(4)))
        occurrence = int(m.group(5) or 1)
        stream = streams.setdefault((key, occurrence), Stream(occurrence, name[:-4]))
        with open(os.path.join(directory, name), "rb") as f:
            stream.data[m.group(6)] = f.read()
    return group(streams)


def group(streams):
    """{(key, order): Stream} -> {key: [Stream in order]}."""
    by_key = {}
    for (key, _), stream in sorted(streams.items(), key=lambda kv: kv[1].order):
        by_key.setdefault(key, []).append(stream)
    return by_key


def load_tshark(tshark, capture, wanted):
    """tshark's reassembly of the TCP connections whose 4-tuple is in
    `wanted`, keyed like rcds's: the SYN sender is the client; without a SYN
    the orientation rcds chose is taken."""
    fields = run([tshark, "-r", capture, "-T", "fields", "-e", "tcp.stream", "-e", "ip.src",
                  "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "ip.dst", "-e", "ipv6.dst", "-e",
                  "tcp.dstport", "-e", "tcp.flags.syn", "-e", "tcp.flags.ack", "-Y", "tcp"])
    endpoints = {}  # stream index -> (client, cport, server, sport)
    for line in fields.stdout.decode().splitlines():
        cols = line.split("\t")
        if len(cols) < 9 or not cols[0]:
            continue
        index = int(cols[0])
        # The innermost header when tunnelled: tshark lists every one.
        source = (cols[1] or cols[2]).split(",")[-1]
        destination = (cols[4] or cols[5]).split(",")[-1]
        forward = (source, int(cols[3]), destination, int(cols[6]))
        backward = forward[2:] + forward[:2]
        if cols[7] == "1" and cols[8] == "0":
            endpoints[index] = forward
        elif index not in endpoints:
            endpoints[index] = forward if forward in wanted or backward not in wanted else backward
    indexes = sorted(i for i, k in endpoints.items() if k in wanted)
    if not indexes:
        return {}
    command = [tshark, "-r", capture, "-q"]
    for index in indexes:
        command += ["-z", f"follow,tcp,raw,{index}"]
    output = run(command).stdout.decode()
    streams = {}
    for section in re.split(r"^=+$", output, flags=re.M)[1:]:
        m = re.search(r"Filter: tcp\.stream eq (\d+)\nNode 0: (\[.*\]|[^:\n]*):(\d+)\n"
                      r"Node 1: .*\n", section)
        if not m:
            continue
        index = int(m.group(1))
        node0 = (m.group(2).strip("[]"), int(m.group(3)))
        key = endpoints[index]
        stream = Stream(index, f"tcp.stream {index}")
        # Lines without a tab: data sent by node 0; with a tab: by node 1.
        # tshark writes a hole as the text "[N bytes missing in capture
        # file]" in place of the bytes; it becomes a gap like rcds's.
        chunks = {d: [] for d in DIRECTIONS}
        for line in section[m.end():].splitlines():
            if not line.strip():
                continue
            from_node0 = not line.startswith("\t")
            d = "c2s" if from_node0 == (node0 == key[:2]) else "s2c"
            chunk = bytes.fromhex(line.strip())
            hole = re.fullmatch(rb"\[(\d+) bytes missing in capture file\]\0?", chunk)
            if hole:
                stream.gaps[d].append((sum(map(len, chunks[d])), int(hole.group(1))))
            else:
                chunks[d].append(chunk)
        for d in DIRECTIONS:
            stream.data[d] = b"".join(chunks[d])
        if stream.data["c2s"] or stream.data["s2c"]:  # rcds dumps flows with payload only
            streams.setdefault(key, []).append(stream)
    for same_tuple in streams.values():
        same_tuple.sort(key=lambda s: s.order)
    return streams


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def normalised(gaps):
    """Adjacent gaps at one offset become one; None (unknown length) wins."""
    out = []
    for offset, length in gaps:
        if out and out[-1][0] == offset:
            prev = out[-1][1]
            out[-1] = (offset, None if prev is None or length is None else prev + length)
        else:
            out.append((offset, length))
    return out


@dataclass
class Outcome:
    problem: str = None
    checked: int = 0    # bytes found equal
    unchecked: int = 0  # rcds bytes after a gap the reference cannot see past
    substitution: bool = False  # same lengths, different bytes


def compare_direction(ref, ref_name, ours, d):
    """Walks both byte streams piece by piece, a piece ending at a gap."""
    a_all, b_all = ref.data[d], ours.data[d]
    a_gaps, b_gaps = normalised(ref.gaps[d]), normalised(ours.gaps[d])
    i = j = gi = gj = checked = 0
    while True:
        a_end = a_gaps[gi][0] if gi < len(a_gaps) else len(a_all)
        b_end = b_gaps[gj][0] if gj < len(b_gaps) else len(b_all)
        a, b = a_all[i:a_end], b_all[j:b_end]
        n = min(len(a), len(b))
        if a[:n] != b[:n]:
            at = first_difference(a, b)
            return Outcome(f"{ref_name} has {len(a_all)} bytes, rcds {len(b_all)}; first "
                           f"difference at rcds offset {j + at}: {ref_name} "
                           f"{a[at:at + 16].hex()} rcds {b[at:at + 16].hex()}",
                           substitution=len(a_all) == len(b_all) and a_gaps == b_gaps)
        checked += n
        a_gap, b_gap = gi < len(a_gaps), gj < len(b_gaps)
        if len(a) > n and b_gap and b_gaps[gj][1] is None:
            # A join of flows rcds split (see merge()): nothing may be missing.
            i, j, gj = i + n, b_end, gj + 1
            continue
        if len(a) > n:
            why = "reports a gap" if b_gap else "ends"
            return Outcome(f"at rcds offset {j + n} rcds {why} but {ref_name} has "
                           f"{len(a) - n} more bytes ({ref_name} {len(a_all)} bytes, "
                           f"rcds {len(b_all)})")
        if len(b) > n:
            why = "reports a gap" if a_gap else "ends"
            return Outcome(f"at offset {j + n} {ref_name} {why} but rcds has {len(b) - n} more "
                           f"bytes ({ref_name} {len(a_all)} bytes, rcds {len(b_all)})")
        if not a_gap and not b_gap:
            return Outcome(checked=checked)
        if b_gap and not a_gap:
            # BY DESIGN: libnids never skips a hole. It waits for the missing
            # bytes for ever and delivers nothing after them (not even at the
            # close), so where rcds reports a gap (the capture lost bytes the
            # receiver acknowledged, or the buffer budget ran out) libnids
            # simply ends. What rcds delivers after it stays unchecked.
            return Outcome(checked=checked, unchecked=len(b_all) - b_end)
        if a_gap and not b_gap:
            if a_end == len(a_all):
                return Outcome(checked=checked)  # both end; the reference saw an ACK beyond
            return Outcome(f"at offset {j} rcds ends but {ref_name} reports a gap of "
                           f"{a_gaps[gi][1]} bytes and more data after it")
        a_len, b_len = a_gaps[gi][1], b_gaps[gj][1]
        if None not in (a_len, b_len) and a_len != b_len:
            return Outcome(f"at offset {j} rcds reports a gap of {b_len} bytes, {ref_name} "
                           f"of {a_len}")
        i, j, gi, gj = a_end, b_end, gi + 1, gj + 1


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def matches(ref, ours, ref_name):
    return all(compare_direction(ref, ref_name, ours, d).problem is None for d in DIRECTIONS)


def merge(streams):
    """Consecutive rcds flows of one 4-tuple as one stream, joined by gaps of
    unknown length (rcds picked the connection up again mid-stream)."""
    whole = Stream(streams[0].order, " + ".join(s.name for s in streams))
    for d in DIRECTIONS:
        data, gaps = b"", []
        for k, s in enumerate(streams):
            if k > 0:
                gaps.append((len(data), None))
            gaps += [(len(data) + offset, length) for offset, length in s.gaps[d]]
            data += s.data[d]
        whole.data[d], whole.gaps[d] = data, gaps
    return whole


def align(refs, ours, ref_name):
    """Pairs a 4-tuple's connections in order. With equal counts the pairs
    are positional (so a difference is reported, not hidden); otherwise each
    reference connection takes the next rcds one that agrees with it."""
    if len(refs) == len(ours):
        return list(zip(refs, ours)), [], [], []
    pairs, missing, extra, split, j = [], [], [], [], 0
    for ref in refs:
        k = next((k for k in range(j, len(ours)) if matches(ref, ours[k], ref_name)), None)
        if k is not None:
            extra += ours[j:k]
            pairs.append((ref, ours[k]))
            j = k + 1
            continue
        # BY DESIGN: rcds ends a flow idle for longer than its flow timeout
        # (memory is bounded) and picks the connection up again mid-stream
        # when it resumes; the references have no such timeout. Consecutive
        # rcds flows whose concatenation matches are one connection.
        run = next((ours[j:e] for e in range(j + 2, len(ours) + 1)
                    if matches(ref, merge(ours[j:e]), ref_name)), None)
        if run:
            pairs.append((ref, merge(run)))
            split.append(run)
            j += len(run)
        else:
            missing.append(ref)
    return pairs, missing, extra + ours[j:], split


def compare_file(capture, label, args, tmp, strict, lossy):
    """strict: a generated capture, where every connection has a handshake;
    lossy: its generator dropped segments, so rcds may report gaps."""
    report = Report(label)
    base = os.path.join(tmp, re.sub(r"[^\w.-]", "_", label))
    rcds_dir, nids_dir = base + ".rcds", base + ".nids"
    os.makedirs(rcds_dir)
    result = run([args.rcds, "analyze", capture, "--quiet", "--json", "--dump-streams",
                  rcds_dir])
    if result.returncode != 0:
        report.failures.append(f"rcds analyze failed ({result.returncode}): "
                               f"{result.stderr.decode().strip()}")
        return report
    for line in result.stdout.decode().splitlines():
        summary = json.loads(line) if line.startswith("{") else {}
        if summary.get("type") == "summary":
            report.conflicts = ", ".join(
                f"{name} {count}" for name, count in sorted(summary["anomalies"].items())
                if name.endswith("overlap_conflict") and count)
    ours = load_rcds(rcds_dir)
    v4 = {k: s for k, s in ours.items() if ":" not in k[0]}
    v6 = {k: s for k, s in ours.items() if ":" in k[0]}

    if v4:
        result = run([args.nids, capture, "--dump", nids_dir])
        if result.returncode == 0:
            report.notes += result.stderr.decode().splitlines()
            nids = load_nids(nids_dir)
            check(report, "libnids", nids, v4, strict, lossy)
            # BY DESIGN: libnids follows only connections whose SYN, SYN-ACK
            # and ACK it saw, while rcds also picks connections up mid-stream.
            # Those are checked against tshark instead, where libnids has no
            # connection at all on the 4-tuple (with one, the pairing would
            # be ambiguous: they stay listed as rcds-only). So are 4-tuples
            # where libnids ended at a hole, for what rcds delivers after it.
            v4 = {k: s for k, s in v4.items()
                  if (k not in nids and not strict) or report.unchecked.get(k)}
        elif strict:
            report.failures.append(f"nids_reassemble failed ({result.returncode}): "
                                   f"{result.stderr.decode().strip()}")
        else:
            report.notes.append(f"libnids cannot read it: {result.stderr.decode().strip()}")
    rest = {**v4, **v6}
    if rest and args.tshark:
        check(report, "tshark", load_tshark(args.tshark, capture, set(rest)), rest, strict, lossy)
    elif rest:
        report.notes.append(f"{len(rest)} 4-tuples unchecked: no tshark")
    if strict and not report.compared and not report.failures:
        report.failures.append("no connection compared: the generator writes several")
    return report


def check(report, ref_name, refs, covered, strict, lossy):
    """Compares rcds's connections `covered` with a reference's `refs`."""
    for key in sorted(set(refs) | set(covered)):
        pairs, missing, extra, split = align(refs.get(key, []), covered.get(key, []), ref_name)
        # BY DESIGN: a connection whose every direction starts with a hole
        # gets nothing from libnids (it never skips one), so no file either.
        # It is paired with an empty stream: the bytes after the gaps are
        # left to tshark.
        blind = [s for s in extra if all((s.gaps[d] and s.gaps[d][0][0] == 0) or not s.data[d]
                                         for d in DIRECTIONS)] if ref_name == "libnids" else []
        extra = [s for s in extra if s not in blind]
        pairs += [(Stream(0, "(nothing)"), s) for s in blind]
        for ref in missing:
            hint = " (rcds has it with client and server swapped)" \
                if key[2:] + key[:2] in covered else ""
            report.failures.append(f"{ref_name} {ref.name}: rcds has no such connection{hint}")
        for stream in extra:
            message = f"{stream.name}: only rcds has it (no {ref_name} counterpart)"
            if strict:
                report.failures.append(message + ", but every generated connection has "
                                       "a handshake")
            else:
                report.notes.append(message)
        for flows in split:
            report.notes.append(f"rcds split one connection into {len(flows)} flows (idle "
                                f"timeout): {', '.join(s.name for s in flows)}")
        checked = unchecked = 0
        for ref, stream in pairs:
            report.by[ref_name] = report.by.get(ref_name, 0) + 1
            for d in DIRECTIONS:
                outcome = compare_direction(ref, ref_name, stream, d)
                checked += outcome.checked
                unchecked += outcome.unchecked
                if outcome.problem and outcome.substitution and report.conflicts:
                    # BY DESIGN: where overlapping segments or fragments carry
                    # different bytes, rcds keeps the bytes it saw first (and
                    # counts a *_overlap_conflict anomaly); libnids and tshark
                    # have other policies (for fragments and queued segments
                    # the lowest offset wins). None is the truth: the
                    # receiver's OS decides. Only a same-length substitution
                    # in a capture where rcds counted a conflict passes.
                    report.notes.append(f"{stream.name} {d}: overlap policy "
                                        f"({report.conflicts}): {outcome.problem}")
                elif outcome.problem:
                    report.failures.append(f"{stream.name} {d}: {outcome.problem}")
                if stream.gaps[d] and strict and not lossy:
                    report.failures.append(f"{stream.name} {d}: rcds reported gaps "
                                           f"{stream.gaps[d]} but nothing was lost")
        if pairs:
            report.compared[key] = max(report.compared.get(key, 0), len(pairs))
            report.checked[key] = max(report.checked.get(key, 0), checked)
            report.unchecked[key] = min(report.unchecked.get(key, unchecked), unchecked)


def print_report(report, verbose):
    status = "FAIL" if report.failures else "ok  "
    by = ", ".join(f"{n} {name}" for name, n in sorted(report.by.items())) or "none"
    print(f"{status} {report.label}: {sum(report.compared.values())} connections compared "
          f"({by}), {sum(report.checked.values())} bytes equal, "
          f"{sum(report.unchecked.values())} rcds bytes after gaps unchecked")
    for line in report.failures:
        print(f"     MISMATCH {line}")
    for line in report.notes if verbose or report.failures else []:
        print(f"     note: {line}")


def captures_under(directory):
    for root, _, files in sorted(os.walk(directory)):
        for name in sorted(files):
            if name.endswith((".pcap", ".pcapng")):
                yield os.path.join(root, name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rcds", required=True)
    parser.add_argument("--nids", required=True, help="nids_reassemble")
    parser.add_argument("--trafficgen", help="rcds_trafficgen")
    parser.add_argument("--tshark", default="tshark", help="'' to skip IPv6")
    parser.add_argument("--pcap-dir", action="append", default=[])
    parser.add_argument("--scenario", action="append", default=[])
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--keep", help="keep captures and dumps in this directory")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()

    inputs = []  # (capture, label, strict, lossy)
    for directory in args.pcap_dir:
        if not os.path.isdir(directory):
            print(f"skipped {directory}: no such directory")
            continue
        for capture in captures_under(directory):
            inputs.append((capture, os.path.relpath(capture, directory), False, True))
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.keep or scratch
        os.makedirs(tmp, exist_ok=True)
        for scenario in args.scenario:
            for seed in args.seeds.split(","):
                capture = os.path.join(tmp, f"{scenario}-{seed}.pcap")
                result = run([args.trafficgen, "--scenario", scenario, "--seed", seed,
                              "--out", capture])
                if result.returncode != 0:
                    print(f"rcds_trafficgen failed: {result.stderr.decode().strip()}")
                    return 2
                inputs.append((capture, f"{scenario} seed {seed}", True,
                               scenario in LOSSY_SCENARIOS))
        if not inputs:
            print("nothing to compare")
            return SKIP
        failed = 0
        for capture, label, strict, lossy in inputs:
            report = compare_file(capture, label, args, tmp, strict, lossy)
            print_report(report, args.verbose)
            failed += bool(report.failures)
            sys.stdout.flush()
    if failed:
        print(f"{failed} of {len(inputs)} captures differ (rerun with --keep DIR to inspect "
              f"the dumps)")
        return 1
    print(f"all {len(inputs)} captures agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
