#!/usr/bin/env python3
"""End-to-end handover on loopback (issue 5): the sensor delivers records to
`rcds lemf` over real TCP, and nothing is lost or duplicated when either side
is killed.

  equal    `rcds analyze --warrant` without a destination writes the offline
           records; the same run with the warrants' destination set delivers
           them to a LEMF, which must hold exactly those (LIID, CIN, IRI|CC,
           sequence) numbers, gapless, with the same CC content (message
           texts in cc.ber; IP packets read back from `rcds lemf-export` with
           libpcap-independent parsing here).
  lemf     the LEMF is killed (SIGKILL) in the middle of a delivery of ~60k
           PDUs and restarted with the same data directory; the sensor keeps
           delivering, reconnects, and at the end the LEMF holds every record
           exactly once.
  tls      the same over TLS, the sensor verifying the LEMF's certificate
           against a throw-away CA.
  sensor   with the LEMF down the sensor spools everything and is killed
           (SIGKILL) while waiting; the LEMF is started and the sensor
           restarted on an empty capture with the same spool: the LEMF ends
           with every record exactly once.

Usage: e2e_delivery_test.py RCDS TESTDATA_DIR
"""

import base64
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

RCDS = sys.argv[1]
TESTDATA = sys.argv[2]
ESCARGOT = os.path.join(TESTDATA, "pcaps", "live_escargot_msnpjs_msnp8.pcap")
WIRESHARK2005 = os.path.join(TESTDATA, "pcaps", "ndpi_msnms_wireshark2005.pcap")


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_pcap(path, packets):
    """Raw-IPv4 pcap (linktype 228) of (time_us, ip_bytes)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 228))
        for t, data in packets:
            f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(data), len(data)))
            f.write(data)


def udp_packet(src, dst, sport, dport, payload):
    length = 8 + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + length, 0, 0, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    return ip + struct.pack("!HHHH", sport, dport, length, 0) + payload


def bulk_capture(path, flows, per_flow):
    """UDP between a target host and peers: one CIN per flow, one CC per packet."""
    packets = []
    t = 1_700_000_000_000_000
    for n in range(per_flow):
        for f in range(flows):
            payload = b"flow %d packet %d " % (f, n) + bytes(40)
            if n % 2 == 0:
                packets.append((t, udp_packet("10.77.0.1", "10.77.1.%d" % (f % 250 + 1),
                                              20000 + f, 53, payload)))
            else:
                packets.append((t, udp_packet("10.77.1.%d" % (f % 250 + 1), "10.77.0.1",
                                              53, 20000 + f, payload)))
            t += 10
    write_pcap(path, packets)
    return len(packets)


class Lemf:
    def __init__(self, data, hi2, hi3, log):
        self.args = [RCDS, "lemf", "--hi2", "127.0.0.1:%d" % hi2, "--hi3", "127.0.0.1:%d" % hi3,
                     "--data", data]
        self.log = log
        self.process = None

    def start(self):
        self.process = subprocess.Popen(self.args, stdout=open(self.log, "ab"),
                                        stderr=subprocess.STDOUT)
        time.sleep(0.5)  # listening

    def kill(self):
        self.process.kill()
        self.process.wait()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            fail("lemf did not stop on SIGTERM")


def report(data):
    out = subprocess.run([RCDS, "lemf-report", "--data", data, "--json"], capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out)


def offline_records(records_dir):
    """(liid, cin, 'iri'|'cc', seq) -> record, from the sensor's own JSON lines."""
    records = {}
    for liid in os.listdir(records_dir):
        path = os.path.join(records_dir, liid, "records.jsonl")
        if not os.path.exists(path):
            continue
        for line in open(path, encoding="utf-8"):
            r = json.loads(line)
            stream = "cc" if r["kind"] == "cc" else "iri"
            key = (r["liid"], r["cin"], stream, r["seq"])
            if key in records:
                fail("offline records repeat %s" % (key,))
            records[key] = r
    return records


def check_lemf_holds(lemf_report, records, label):
    """Exactly the offline (LIID, CIN, stream, seq) set, gapless, each once."""
    expected = {}
    for (liid, cin, stream, seq) in records:
        expected.setdefault((liid, cin, stream), []).append(seq)
    seen = {}
    for w in lemf_report["liids"]:
        for s in w["streams"]:
            seen[(w["liid"], s["cin"], s["stream"])] = s
    if set(seen) != set(expected):
        fail("%s: LEMF streams %s, expected %s" % (label, sorted(set(seen) ^ set(expected))[:5],
                                                    len(expected)))
    for key, seqs in expected.items():
        s = seen[key]
        if sorted(seqs) != list(range(len(seqs))):
            fail("%s: offline sequence of %s not gapless from 0" % (label, key))
        if s["received"] != len(seqs) or s["highest"] != len(seqs) - 1 or s["missing"] != 0:
            fail("%s: %s at the LEMF: %s, expected %d records" % (label, key, s, len(seqs)))
    total = sum(w["iri_pdus"] + w["cc_pdus"] for w in lemf_report["liids"])
    if total != len(records):
        fail("%s: LEMF stored %d PDUs, offline run made %d records" % (label, total, len(records)))


def write_config(tmp, hi2, hi3, warrants, destination):
    dest = os.path.join(tmp, "destinations.json")
    json.dump({"destinations": [{
        "name": "lemf-test", "hi2": "127.0.0.1:%d" % hi2, "hi3": "127.0.0.1:%d" % hi3,
        "keepalive_batch_ms": 20, "response_timeout_ms": 2000,
        "reconnect_min_ms": 50, "reconnect_max_ms": 500}]}, open(dest, "w"))
    path = os.path.join(tmp, "warrants-%s.json" % (destination or "local"))
    for w in warrants:
        w["destination"] = destination
    json.dump({"warrants": warrants}, open(path, "w"))
    return dest, path


def warrant(liid, targets, scope="iri+cc"):
    return {"liid": liid, "case_reference": "E2E", "authority": "test",
            "valid_from": "2000-01-01T00:00:00Z", "valid_until": "2100-01-01T00:00:00Z",
            "scope": scope, "targets": targets}


def analyze(capture, warrants_file, records, extra, **kwargs):
    return subprocess.run([RCDS, "analyze", capture, "--quiet", "--warrant", warrants_file,
                           "--records-dir", records] + extra, capture_output=True, text=True,
                          **kwargs)


def ip_packets_of_pcap(path):
    data = open(path, "rb").read()
    magic, _, _, _, _, _, linktype = struct.unpack("<IHHiIII", data[:24])
    if magic != 0xA1B2C3D4:
        fail("lemf-export wrote no little-endian pcap")
    packets, pos = [], 24
    while pos < len(data):
        _, _, caplen, _ = struct.unpack("<IIII", data[pos:pos + 16])
        packets.append(data[pos + 16:pos + 16 + caplen])
        pos += 16 + caplen
    return linktype, packets


def test_equal(tmp):
    hi2, hi3 = free_port(), free_port()
    # Alice on MSN (content), bob IRI-only, and an IP target: every packet of
    # the 2005 capture's NS server (tshark -z conv,ip: 207.46.107.149).
    warrants = [warrant("E2E-ALICE", ["msn:alice@example.com"]),
                warrant("E2E-BOB", ["msn:bob@example.com"], "iri"),
                warrant("E2E-CECILE", ["msn:cecile260992@hotmail.com", "ip:207.46.107.149"])]
    total = {}
    for capture in (ESCARGOT, WIRESHARK2005):
        name = os.path.basename(capture)
        work = os.path.join(tmp, "equal-" + name)
        os.makedirs(work)
        dest, local = write_config(work, hi2, hi3, [dict(w) for w in warrants], "")
        r = analyze(capture, local, os.path.join(work, "offline"), [])
        if r.returncode != 0:
            fail("offline run: %s %s" % (r.stdout, r.stderr))
        records = offline_records(os.path.join(work, "offline"))
        _, delivered = write_config(work, hi2, hi3, [dict(w) for w in warrants], "lemf-test")
        lemf = Lemf(os.path.join(work, "lemf"), hi2, hi3, os.path.join(work, "lemf.log"))
        lemf.start()
        r = analyze(capture, delivered, os.path.join(work, "records"),
                    ["--destinations", dest, "--spool-dir", os.path.join(work, "spool")])
        lemf.stop()
        if r.returncode != 0:
            fail("delivering run (%d): %s %s" % (r.returncode, r.stdout, r.stderr))
        check_lemf_holds(report(os.path.join(work, "lemf")), records, "equal " + name)
        # Same content: every message text in the warrant's cc.ber, every IP
        # packet in the exported pcap, in order.
        for (liid, cin, stream, seq), rec in sorted(records.items()):
            if stream != "cc":
                continue
            content = base64.b64decode(rec["content_base64"])
            if rec["content_kind"] == "message":
                cc = open(os.path.join(work, "lemf", liid, "cc.ber"), "rb").read()
                if content not in cc:
                    fail("message CC %s not in the LEMF's cc.ber" % ((liid, cin, seq),))
        ip_cc = [base64.b64decode(rec["content_base64"]) for key, rec in sorted(
            records.items(), key=lambda kv: (kv[1]["time_us"], kv[0][1], kv[0][3]))
            if key[2] == "cc" and rec["content_kind"] == "ip-packet"]
        if ip_cc:
            out = os.path.join(work, "export.pcap")
            subprocess.run([RCDS, "lemf-export", "--data", os.path.join(work, "lemf"),
                            "--liid", "E2E-CECILE", "--pcap", out], check=True,
                           capture_output=True)
            _, exported = ip_packets_of_pcap(out)
            if sorted(exported) != sorted(ip_cc):
                fail("exported IP content differs: %d packets vs %d CC records" %
                     (len(exported), len(ip_cc)))
        total[name] = len(records)
    if total[os.path.basename(ESCARGOT)] == 0 or total[os.path.basename(WIRESHARK2005)] < 100:
        fail("too few records to compare: %s" % total)
    print("equal: offline and delivered record sets identical %s" % total)


def make_certificates(work):
    """A throw-away CA and a server certificate for 127.0.0.1 (openssl CLI)."""
    def openssl(*args):
        subprocess.run(["openssl"] + list(args), cwd=work, check=True, capture_output=True)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
            "ca.pem", "-days", "1", "-subj", "/CN=rcds-e2e-ca")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out",
            "server.csr", "-subj", "/CN=127.0.0.1")
    with open(os.path.join(work, "san.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "1", "-extfile", "san.cnf")
    return [os.path.join(work, n) for n in ("ca.pem", "server.pem", "server.key")]


def test_tls(tmp):
    work = os.path.join(tmp, "tls")
    os.makedirs(work)
    ca, cert, key = make_certificates(work)
    hi2, hi3 = free_port(), free_port()
    warrants = [warrant("E2E-TLS", ["msn:alice@example.com"])]
    dest, local = write_config(work, hi2, hi3, [dict(w) for w in warrants], "")
    r = analyze(ESCARGOT, local, os.path.join(work, "offline"), [])
    if r.returncode != 0:
        fail("offline run: %s" % r.stderr)
    records = offline_records(os.path.join(work, "offline"))
    _, delivered = write_config(work, hi2, hi3, [dict(w) for w in warrants], "lemf-test")
    config = json.load(open(dest))
    config["destinations"][0]["tls"] = {"ca": ca}
    json.dump(config, open(dest, "w"))
    lemf = Lemf(os.path.join(work, "lemf"), hi2, hi3, os.path.join(work, "lemf.log"))
    lemf.args += ["--tls-cert", cert, "--tls-key", key]
    lemf.start()
    r = analyze(ESCARGOT, delivered, os.path.join(work, "records"),
                ["--destinations", dest, "--spool-dir", os.path.join(work, "spool")])
    lemf.stop()
    if r.returncode != 0:
        fail("delivery over TLS (%d): %s %s" % (r.returncode, r.stdout, r.stderr))
    check_lemf_holds(report(os.path.join(work, "lemf")), records, "tls")
    if "TLS" not in open(os.path.join(work, "lemf.log")).read().upper():
        print("note: the LEMF log does not mention TLS")
    print("tls: %d records delivered over TLS, verified against the test CA" % len(records))


def test_kill_lemf(tmp):
    work = os.path.join(tmp, "kill-lemf")
    os.makedirs(work)
    capture = os.path.join(work, "bulk.pcap")
    packets = bulk_capture(capture, flows=300, per_flow=200)
    hi2, hi3 = free_port(), free_port()
    dest, local = write_config(work, hi2, hi3, [warrant("E2E-BULK", ["ip:10.77.0.1"])], "")
    r = analyze(capture, local, os.path.join(work, "offline"), [])
    if r.returncode != 0:
        fail("offline bulk run: %s" % r.stderr)
    records = offline_records(os.path.join(work, "offline"))
    if len(records) < packets:
        fail("bulk capture gave %d records for %d packets" % (len(records), packets))
    _, delivered = write_config(work, hi2, hi3, [warrant("E2E-BULK", ["ip:10.77.0.1"])],
                                "lemf-test")
    lemf = Lemf(os.path.join(work, "lemf"), hi2, hi3, os.path.join(work, "lemf.log"))
    lemf.start()
    sensor = subprocess.Popen([RCDS, "analyze", capture, "--quiet", "--warrant", delivered,
                               "--records-dir", os.path.join(work, "records"), "--destinations",
                               dest, "--spool-dir", os.path.join(work, "spool"),
                               "--drain-seconds", "120"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Kill the LEMF once part of the delivery has arrived.
    deadline = time.time() + 60
    while time.time() < deadline:
        time.sleep(0.2)
        cc = os.path.join(work, "lemf", "E2E-BULK", "cc.ber")
        if os.path.exists(cc) and os.path.getsize(cc) > 200_000:
            break
    lemf.kill()
    partial = os.path.getsize(os.path.join(work, "lemf", "E2E-BULK", "cc.ber"))
    time.sleep(1.5)  # the sensor keeps spooling and retrying
    if sensor.poll() is not None:
        fail("the sensor finished while the LEMF was down (nothing left to deliver?)")
    lemf.start()
    out, err = sensor.communicate(timeout=240)
    lemf.stop()
    if sensor.returncode != 0:
        fail("sensor after the LEMF restart (%d): %s %s" % (sensor.returncode, out, err))
    check_lemf_holds(report(os.path.join(work, "lemf")), records, "kill lemf")
    print("lemf killed after %d bytes of CC: every one of %d records exactly once" %
          (partial, len(records)))


def test_kill_sensor(tmp):
    work = os.path.join(tmp, "kill-sensor")
    os.makedirs(work)
    capture = os.path.join(work, "bulk.pcap")
    bulk_capture(capture, flows=100, per_flow=100)
    empty = os.path.join(work, "empty.pcap")
    write_pcap(empty, [])
    hi2, hi3 = free_port(), free_port()
    dest, local = write_config(work, hi2, hi3, [warrant("E2E-SPOOL", ["ip:10.77.0.1"])], "")
    r = analyze(capture, local, os.path.join(work, "offline"), [])
    if r.returncode != 0:
        fail("offline run: %s" % r.stderr)
    records = offline_records(os.path.join(work, "offline"))
    _, delivered = write_config(work, hi2, hi3, [warrant("E2E-SPOOL", ["ip:10.77.0.1"])],
                                "lemf-test")
    spool = os.path.join(work, "spool")
    # No LEMF: everything stays in the spool; the sensor waits to drain.
    sensor = subprocess.Popen([RCDS, "analyze", capture, "--quiet", "--warrant", delivered,
                               "--records-dir", os.path.join(work, "records"), "--destinations",
                               dest, "--spool-dir", spool, "--drain-seconds", "120"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Wait until the spool stops growing: every record is written to it (the
    # JSON lines are buffered and die with the process; the spool must not).
    def spooled():
        total = 0
        for root, _, files in os.walk(spool):
            total += sum(os.path.getsize(os.path.join(root, f)) for f in files
                         if f.endswith(".seg"))
        return total
    deadline, last, stable = time.time() + 60, -1, 0
    while time.time() < deadline and stable < 4:
        time.sleep(0.25)
        size = spooled()
        stable = stable + 1 if size == last and size > 0 else 0
        last = size
    if stable < 4 or sensor.poll() is not None:
        fail("the sensor did not spool its records and wait (spool %d bytes)" % last)
    sensor.send_signal(signal.SIGKILL)
    sensor.wait()
    lemf = Lemf(os.path.join(work, "lemf"), hi2, hi3, os.path.join(work, "lemf.log"))
    lemf.start()
    r = analyze(empty, delivered, os.path.join(work, "records-2"),
                ["--destinations", dest, "--spool-dir", spool, "--drain-seconds", "120"],
                timeout=240)
    lemf.stop()
    if r.returncode != 0:
        fail("restarted sensor (%d): %s %s" % (r.returncode, r.stdout, r.stderr))
    check_lemf_holds(report(os.path.join(work, "lemf")), records, "kill sensor")
    print("sensor killed with %d records spooled: every one delivered exactly once after the "
          "restart" % len(records))


def main():
    tmp = tempfile.mkdtemp(prefix="rcds-e2e-")
    try:
        test_equal(tmp)
        test_tls(tmp)
        test_kill_lemf(tmp)
        test_kill_sensor(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS")


if __name__ == "__main__":
    main()
