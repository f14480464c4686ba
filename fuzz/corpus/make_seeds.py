#!/usr/bin/env python3
"""Regenerates the seed corpora in fuzz/corpus/<harness>/ from ../shared/pcaps.

Needs tshark and editcap (Debian package tshark). Every seed is derived from
one public capture; README.md in this folder lists which. Run from anywhere:
    python3 fuzz/corpus/make_seeds.py [PCAP_DIR]
"""
import json
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PCAPS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../../shared/pcaps")

# Must match fuzz/packet_fuzz.cc.
SEPARATOR = bytes([0xF7, ord("R"), ord("C"), 0xD5])
LINK_INDEX = {"eth": 0, "null": 1, "loop": 2, "raw": 3, "ipv4": 4, "ipv6": 5, "sll": 6, "sll2": 7}
# Must match fuzz/reassembly_fuzz.cc.
TIME_STEPS_NS = [0, 10**6, 200 * 10**6, 2 * 10**9, 31 * 10**9, 61 * 10**9, 601 * 10**9]


def pcap(path):
    return os.path.join(PCAPS, path)


def write(harness, name, data):
    folder = os.path.join(HERE, harness)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def fields(path, names, display_filter=None):
    """One list of field strings per packet, via tshark."""
    cmd = ["tshark", "-r", pcap(path), "-T", "fields", "-E", "separator=;", "-E", "occurrence=f"]
    if display_filter:
        cmd += ["-Y", display_filter]
    for n in names:
        cmd += ["-e", n]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [line.split(";") for line in out.splitlines() if line]


def frames(path, numbers=None):
    """Raw frame bytes (link header included), optionally only some frame numbers."""
    rows = fields(path, ["frame.number", "frame.len", "frame.cap_len"])
    out = subprocess.run(["tshark", "-r", pcap(path), "-x", "-T", "json", "-j", "frame_raw"],
                         check=True, capture_output=True, text=True).stdout
    result = []
    for packet in json.loads(out):
        layers = packet["_source"]["layers"]
        result.append(bytes.fromhex(layers["frame_raw"][0]))
    assert len(result) == len(rows)
    if numbers is None:
        return result
    return [result[n - 1] for n in numbers]


# ---- packet_fuzz: link byte + frames joined by SEPARATOR -------------------

def ip_of_ethernet(frame):
    """The IP datagram inside an Ethernet frame (skipping 802.1Q tags)."""
    offset = 12
    while frame[offset:offset + 2] in (b"\x81\x00", b"\x88\xa8"):
        offset += 4
    return frame[offset:offset + 2], frame[offset + 2:]


def packet_seeds():
    eth = LINK_INDEX["eth"]
    single = [
        ("eth_vlan_tcp", "tcpevasion/suri_tcp-exact-overlap.pcap", [5]),
        ("eth_ipv6_tcp", "ipv6/zeek_smtp_over_ipv6.pcap", [4]),
        ("eth_udp_dns", "email/zeek_smtp.pcap", [2]),
    ]
    for name, path, numbers in single:
        write("packet_fuzz", name, bytes([eth]) + SEPARATOR.join(frames(path, numbers)))
    multi = [
        ("eth_ipv4_frag_overlap", "ipfrag/zeek_ipv4_fragmented-4_tcp_overlap.pcap", None, eth),
        ("eth_ipv4_frag_udp", "ipfrag/zeek_ipv4_fragmented-1_udp_overlap.pcap", None, eth),
        ("eth_ipv6_frag_udp", "ipfrag/zeek_ipv6-fragmented-dns.pcap", [1, 2, 3, 4], eth),
        ("raw_ipv6_frag_tcp", "ipfrag/suri_ipv6_frag_tcp.pcap", None, LINK_INDEX["raw"]),
    ]
    for name, path, numbers, link in multi:
        write("packet_fuzz", name, bytes([link]) + SEPARATOR.join(frames(path, numbers)))

    # One IPv4 and one IPv6 TCP segment re-wrapped in the other link headers.
    _, ip4 = ip_of_ethernet(frames("http/zeek_http_get.pcap", [4])[0])
    _, ip6 = ip_of_ethernet(frames("ipv6/zeek_smtp_over_ipv6.pcap", [4])[0])
    sll = lambda proto: b"\x00\x00\x00\x01\x00\x06" + b"\x02\x00\x00\x00\x00\x01\x00\x00" + proto
    sll2 = lambda proto: proto + b"\x00\x00" + b"\x00\x00\x00\x02\x00\x01\x00\x06" + bytes(8)
    wrapped = [
        ("null_ipv4", "null", struct.pack("<I", 2) + ip4),
        ("null_ipv6", "null", struct.pack("<I", 30) + ip6),
        ("loop_ipv4", "loop", struct.pack(">I", 2) + ip4),
        ("raw_ipv4", "raw", ip4),
        ("ipv4_tcp", "ipv4", ip4),
        ("ipv6_tcp", "ipv6", ip6),
        ("sll_ipv4", "sll", sll(b"\x08\x00") + ip4),
        ("sll2_ipv6", "sll2", sll2(b"\x86\xdd") + ip6),
    ]
    for name, link, frame in wrapped:
        write("packet_fuzz", name, bytes([LINK_INDEX[link]]) + frame)


# ---- reassembly_fuzz: scripts (see the layout in reassembly_fuzz.cc) --------

def initial_seq(lane):
    if (lane // 2) % 4 == 3:
        return (0xFFFFFF00 - 97 * lane) & 0xFFFFFFFF
    return (0x01000000 * (lane + 1) + 12345) & 0xFFFFFFFF


def signed32(value):
    return ((value + 2**31) % 2**32) - 2**31


def fits16(delta):
    delta = signed32(delta)
    return -32768 <= delta <= 32767, delta & 0xFFFF


def script(path, tuples, raw, display_filter=None, limit=None, options=0):
    """A script from the TCP or UDP packets of `path`.

    tuples: stream index -> harness tuple; the first sender of a stream is "a".
    """
    names = ["frame.time_epoch", "ip.src", "ipv6.src", "tcp.stream", "udp.stream", "tcp.flags",
             "tcp.seq_raw", "tcp.ack_raw", "tcp.payload", "udp.payload"]
    rows = fields(path, names, display_filter)[:limit]
    out = bytearray(struct.pack(">HB", 0, options))
    first_sender, first_seq, cursor = {}, {}, {}
    last_time = None
    for row in rows:
        t, src4, src6, tstream, ustream, flags, seq, ack, tpay, upay = row
        udp = tstream == ""
        stream = int(ustream if udp else tstream)
        if stream not in tuples:
            continue
        tuple_index = tuples[stream]
        src = src4 or src6
        first_sender.setdefault(stream, src)
        from_a = src == first_sender[stream]
        lane = 2 * tuple_index + (0 if from_a else 1)
        peer = lane ^ 1
        payload = bytes.fromhex(upay if udp else tpay)
        flag_bits = 0 if udp else int(flags, 16) & 0x3F
        seq = int(seq or 0)
        first_seq.setdefault(lane, seq)
        cursor.setdefault(lane, initial_seq(lane))
        harness_seq = (seq - first_seq[lane] + initial_seq(lane)) & 0xFFFFFFFF
        step = 0
        now = int(float(t) * 1e9)
        if last_time is not None:
            step = max(i for i, s in enumerate(TIME_STEPS_NS) if s <= max(0, now - last_time))
        last_time = now
        ack_delta = 0
        if peer in first_seq and ack:
            harness_ack = int(ack) - first_seq[peer] + initial_seq(peer)
            ok, ack_delta = fits16(harness_ack - cursor.get(peer, initial_seq(peer)))
            ack_delta = ack_delta if ok else 0
        # Lengths of 128 and more must be multiples of 64: split in two.
        pieces = [payload]
        if len(payload) >= 0x80:
            cut = len(payload) // 64 * 64
            pieces = [payload[:cut], payload[cut:]] if cut < len(payload) else [payload]
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            bits = flag_bits if last else flag_bits & ~0x01  # FIN on the last piece only
            if i > 0:
                bits &= ~0x02
            syn = not udp and bits & 0x02
            ok, delta = fits16(harness_seq - cursor[lane])
            head = bytes([bits | (0 if ok else 0x40) | (0x80 if raw else 0),
                          tuple_index | (0 if from_a else 0x10) | (step << 5)])
            head += struct.pack(">H", delta) if ok else struct.pack(">I", harness_seq)
            length = len(piece) if len(piece) < 0x80 else 0x80 | (len(piece) // 64)
            out += head + struct.pack(">HB", ack_delta, length) + (piece if raw else b"")
            step = 0
            after = (harness_seq + len(piece) + (1 if syn else 0) +
                     (1 if not udp and bits & 0x01 else 0)) & 0xFFFFFFFF
            if signed32(after - cursor[lane]) > 0:
                cursor[lane] = after
            harness_seq = (harness_seq + len(piece) + (1 if syn else 0)) & 0xFFFFFFFF
    return bytes(out)


def reassembly_seeds():
    seeds = [
        ("partial_overlap_raw", "tcpevasion/suri_tcp-partial-overlap.pcap", {0: 0}, True, None, None),
        ("exact_overlap_raw", "tcpevasion/suri_tcp-exact-overlap.pcap", {0: 4}, True, None, None),
        ("rst_synack_evasion", "tcpevasion/suri_bug3286_rst_synack_evasion_linux.pcap", {0: 1},
         False, None, None),
        ("fast_retransmit", "tcpevasion/zeek_tcp_retransmit-fast009.pcap", {0: 1}, False, None, None),
        ("http_get", "http/zeek_http_get.pcap", {0: 5}, False, None, None),
        ("smtp_ipv6", "ipv6/zeek_smtp_over_ipv6.pcap", {0: 2}, False, None, None),
        ("msn_midstream_raw", "msn/ndpi_msnms_wireshark2005.pcap", {0: 0, 1: 3, 2: 6}, True, None, 40),
        ("msn_login_raw", "msn/live_escargot_msnpjs_msnp8.pcap", {0: 0}, True, "tcp.port==1863", 30),
        ("dns_udp", "email/zeek_smtp.pcap", {0: 13, 1: 14}, False, "udp", None),
        ("pipelined_eight_flows", "http/zeek_http_pipelined-requests.pcap",
         {i: i for i in range(12)}, False, None, None),
    ]
    for name, path, tuples, raw, display_filter, limit in seeds:
        write("reassembly_fuzz", name, script(path, tuples, raw, display_filter, limit))


# ---- pcap_fuzz / pcapng_fuzz: whole small files ------------------------------

def editcap(path, fmt, packets=None):
    """The file converted to another format, optionally cut down to some packets."""
    cmd = ["editcap", "-F", fmt] + (["-r"] if packets else []) + [pcap(path), "/dev/stdout"]
    return subprocess.run(cmd + ([packets] if packets else []), check=True,
                          capture_output=True).stdout


def keep(path, packets):
    """The file cut down to some packets, in its own format."""
    return subprocess.run(["editcap", "-r", pcap(path), "/dev/stdout", packets], check=True,
                          capture_output=True).stdout


def big_endian_pcap(data):
    """The same pcap file with every header field in big-endian order."""
    magic, major, minor, zone, sigfigs, snaplen, link = struct.unpack("<IHHiIII", data[:24])
    out = bytearray(struct.pack(">IHHiIII", magic, major, minor, zone, sigfigs, snaplen, link))
    offset = 24
    while offset + 16 <= len(data):
        sec, frac, caplen, length = struct.unpack("<IIII", data[offset:offset + 16])
        out += struct.pack(">IIII", sec, frac, caplen, length)
        out += data[offset + 16:offset + 16 + caplen]
        offset += 16 + caplen
    return bytes(out)


def block(order, kind, body):
    body += bytes(-len(body) % 4)
    total = len(body) + 12
    return struct.pack(order + "II", kind, total) + body + struct.pack(order + "I", total)


def handmade_pcapng(frame):
    """Big-endian sections with every block kind the reader knows, and options."""
    be = ">"
    shb = block(be, 0x0A0D0D0A, struct.pack(">IHHq", 0x1A2B3C4D, 1, 0, -1))
    tsresol = struct.pack(">HHB3x", 9, 1, 0x94)  # 2^-20 s units
    tsoffset = struct.pack(">HHq", 14, 8, 1_000_000_000)
    idb = block(be, 1, struct.pack(">HHI", 1, 0, 0) + tsresol + tsoffset + bytes(4))
    idb_raw = block(be, 1, struct.pack(">HHI", 101, 0, 96))
    epb = block(be, 6, struct.pack(">IIIII", 0, 1, 2, len(frame), len(frame) + 4) + frame)
    spb = block(be, 3, struct.pack(">I", len(frame)) + frame)
    ip = ip_of_ethernet(frame)[1]
    pb = block(be, 2, struct.pack(">HHIIII", 1, 0, 3, 4, len(ip), len(ip)) + ip)
    nrb = block(be, 4, bytes(4))
    custom = block(be, 0x40000BAD, b"rcds")
    little = block("<", 0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    little += block("<", 1, struct.pack("<HHI", 1, 0, 0) + struct.pack("<HHB3x", 9, 1, 3) + bytes(4))
    little += block("<", 6, struct.pack("<IIIII", 0, 0, 5, len(frame), len(frame)) + frame)
    return shb + idb + idb_raw + epb + spb + pb + nrb + custom + little


def capture_file_seeds():
    small = ["tcpevasion/suri_tcp-exact-overlap.pcap", "ipfrag/zeek_ipv4_fragmented-1_udp_overlap.pcap",
             "ipfrag/suri_ipv6_frag_tcp.pcap"]
    for path in small:
        with open(pcap(path), "rb") as f:
            write("pcap_fuzz", os.path.basename(path), f.read())
    write("pcap_fuzz", "nsec_http_get.pcap", editcap("http/zeek_http_get.pcap", "nsecpcap", "1-6"))
    with open(pcap("tcpevasion/suri_tcp-partial-overlap.pcap"), "rb") as f:
        write("pcap_fuzz", "big_endian_partial_overlap.pcap", big_endian_pcap(f.read()))
    write("pcap_fuzz", "ip4and6_first8.pcapng", keep("ipv6/ppa3_http_ip4and6.pcapng", "1-8"))

    with open(pcap("ipv6/ppa3_http_ip4and6.pcapng"), "rb") as f:
        write("pcapng_fuzz", "ppa3_http_ip4and6.pcapng", f.read())
    write("pcapng_fuzz", "frag_icmp_first3.pcapng", keep("ipfrag/ppa3_ipv4_frag_icmp.pcapng", "1-3"))
    write("pcapng_fuzz", "exact_overlap.pcapng",
          editcap("tcpevasion/suri_tcp-exact-overlap.pcap", "pcapng"))
    write("pcapng_fuzz", "raw_ipv6_frag.pcapng", editcap("ipfrag/suri_ipv6_frag_tcp.pcap", "pcapng"))
    frame = frames("tcpevasion/suri_tcp-partial-overlap.pcap", [5])[0]
    write("pcapng_fuzz", "handmade_all_blocks.pcapng", handmade_pcapng(frame))


if __name__ == "__main__":
    packet_seeds()
    reassembly_seeds()
    capture_file_seeds()
