#!/usr/bin/env python3
"""Decodes one rcds_msnpgen scenario with `rcds analyze --json` and compares
the decoder's msnp events with the generator's ground truth.

    compare_truth.py --msnpgen BIN --rcds BIN --scenario NAME [--keep DIR]

The generator writes the truth from the actions it renders, never by parsing
its capture (tools/msnpgen/README.md), so it is an independent expectation for
the decoder. Events are compared per TCP connection (client and server
endpoints) and per category, in order. Exit status 0 when everything matches,
1 with one line per mismatch: scenario, connection, category, event index,
expected and got.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile

# ---------------------------------------------------------------------------
# Truth event name -> how the decoder reports it. Each entry: the category the
# pair is compared in, the decoder event name, and a predicate on the decoder
# event when one decoder event name covers several truth events.
# Truth events not in this table are not compared here: connection_open/close
# (TCP facts, the flow records cover them), and redirect, sb_referral, invite,
# ring, error, contact_*, friendly_name, endpoint, personal_message,
# file_accept/decline/done: signalling around the compared events, left out
# of this comparison's scope for now (it is the place to add them).
TRUTH_TO_DECODER = {
    # USR ... I: the decoder reports the attempt on DS and NS alike, as the truth.
    "login_attempt": ("login_attempt", "login_attempt", None),
    # USR ... OK: one decoder event for both outcomes, told apart by `success`.
    "login_success": ("login_result", "login_result", lambda d: d.get("success") is True),
    # 911 answering the USR: the same event with success false and the code.
    "login_failure": ("login_result", "login_result", lambda d: d.get("success") is False),
    # CHG/ILN/NLN/FLN (and MSNP21 PUT/NFY): same name, account and status.
    "presence": ("presence", "presence", None),
    # USR OK / ANS OK / IRO / JOI: the decoder names the way in `how`.
    "joined": ("roster", "joined", None),
    # OUT / BYE: the decoder names the way in `reason`.
    "left": ("roster", "left", None),
    # MSG text/plain (and SDG Text, UUM/UBM): same name.
    "message": ("message", "message", None),
    # text/x-msmsgscontrol (and SDG Control/Typing): same name.
    "typing": ("typing", "typing", None),
    # Datacast ID 1 (and SDG Nudge): a `datacast` with id 1.
    "nudge": ("nudge", "datacast", lambda d: d.get("id") == 1),
    # MSNFTP invitation: `file_invitation` with command INVITE.
    "file_offer": ("file_offer", None, None),  # transport-dependent, see FILE_OFFER
    # Reconstructed file: any decoder event carrying `sha256` (the event that
    # will report it is being written; its name is not fixed yet).
    "file_data": ("file_data", None, None),
    # Notification-server families (decoder_notices.cc): one decoder event each.
    "alert": ("alert", "alert", None),                      # NOT
    "pager_message": ("pager_message", "pager_message", None),  # IPG
    "mail": ("mail", "mail", None),                         # MSG Hotmail e-mail notices
    "oim": ("oim", "oim", None),                            # Mail-Data <M> entries
    "system_message": ("system_message", "system_message", None),
    "group": ("group", "group", None),                      # LSG / ADG / REG / RMG answers
    "contact_property": ("contact_property", "contact_property", None),  # PRP / BPR / SBP
    "network_lookup": ("network_lookup", "network_lookup", None),        # FQY
    "user_notification": ("user_notification", "user_notification", None),  # UUN / UBN
    "command_error": ("command_error", "command_error", None),  # nnn trid [len] by TrID
    "delivery": ("delivery", "delivery", None),             # SB ACK / NAK
    # P2P (§9): transreq/transresp bodies, the direct connection's nonce
    # handshake, MSN object data (a file_complete whose purpose is not
    # "file"), winks/voice clips (datacast ID 2/3), SLP 603 Decline.
    "p2p_transport": ("p2p_transport", "p2p_transport", None),
    "p2p_direct": ("p2p_direct", "p2p_direct", None),
    "object_data": ("object_data", "file_complete", lambda d: d.get("purpose", "file") != "file"),
    "wink": ("datacast_object", "datacast", lambda d: d.get("id") == 2),
    "voice_clip": ("datacast_object", "datacast", lambda d: d.get("id") == 3),
    "file_decline": ("p2p_decline", "p2p", lambda d: d.get("status") == 603),
}

# Categories compared only on connections whose truth has at least one line
# of them: scenarios older than the category do not record it (the ACKs of
# Switchboard::relay in msnp2..minimisation carry no truth `delivery` line).
OPT_IN = ("delivery",)

# The e-mail notice fields a truth `mail` line and a decoder `mail` event
# carry when present (§8.4).
MAIL_FIELDS = ("inbox_unread", "folders_unread", "from", "from_address", "subject",
               "dest_folder", "src_folder", "message_delta")

# file_offer by transport: MSNFTP invitations are `file_invitation` INVITE
# with the file name and size; P2P v1/v2 offers are the MSNSLP INVITE, a `p2p`
# event with method INVITE and the Context's file name and size.
FILE_OFFER = {
    "msnftp": ("file_invitation", lambda d: d.get("command") == "INVITE"),
    "p2p_v1": ("p2p", lambda d: d.get("method") == "INVITE" and d.get("file_name")),
    "p2p_v2": ("p2p", lambda d: d.get("method") == "INVITE" and d.get("file_name")),
}

# Truth `via` of joined/left -> decoder `how` / `reason`.
JOIN_HOW = {"USR": "caller", "ANS": "answered", "IRO": "present", "JOI": "joined"}
LEFT_REASON = {"OUT": ("out",), "BYE": ("bye", "bye-idle")}

CATEGORIES = ("p2p_transport", "p2p_direct", "object_data", "datacast_object", "p2p_decline",
              "login_attempt", "login_result", "presence", "roster", "message", "typing",
              "nudge", "file_offer", "file_data", "alert", "pager_message", "mail", "oim",
              "system_message", "group", "contact_property", "network_lookup",
              "user_notification", "command_error", "delivery", "tunnel")


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"compare_truth: {' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc.stdout


def iso_to_us(text):
    """Decoder time "2005-01-01T00:00:14.272788Z" -> microseconds since the epoch."""
    when = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    when = when.replace(tzinfo=datetime.timezone.utc)
    delta = when - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    return (delta.days * 86400 + delta.seconds) * 1000000 + delta.microseconds


def recipients(values):
    return tuple(sorted(values or ()))


def conversation(d):
    """The MSNP21 group (`10:{guid}@live.com`) a decoder event belongs to, "" on
    a switchboard; the truth calls it `group`."""
    return d.get("conversation") or ""


# ---------------------------------------------------------------------------
# Normal forms: each side is reduced to (time_us, fields) with the same fields,
# so a mismatch prints both sides in the same shape.

def truth_item(t):
    """(category, time_us, fields) of a truth line, or None when not compared."""
    entry = TRUTH_TO_DECODER.get(t["event"])
    if entry is None:
        return None
    category = entry[0]
    e = t["event"]
    if e == "login_attempt":
        f = {"account": t["account"]}
    elif e in ("login_success", "login_failure"):
        f = {"account": t["account"], "success": e == "login_success"}
        if e == "login_failure":
            f["code"] = int(t["code"])
    elif e == "presence":
        f = {"account": t["account"], "status": t["status"]}
    elif e == "joined":
        f = {"what": "joined", "account": t["account"], "how": JOIN_HOW[t["via"]],
             "endpoint": t.get("endpoint", "").upper()}
    elif e == "left":
        f = {"what": "left", "account": t["account"], "how": t["via"]}
    elif e == "message":
        f = {"sender": t["account"], "recipients": recipients(t.get("peers")),
             "group": t.get("group", ""), "text": t["text"]}
    elif e in ("typing", "nudge"):
        f = {"sender": t["account"], "recipients": recipients(t.get("peers")),
             "group": t.get("group", "")}
    elif e == "file_offer":
        f = {"sender": t["account"], "transport": t["transport"], "file_name": t["file_name"],
             "file_size": int(t["file_size"])}
    elif e == "file_data":
        f = {"file_name": t["file_name"], "file_size": int(t["file_size"]),
             "sha256": t["sha256"].lower()}
    elif e == "p2p_transport":
        f = {"sender": t["account"], "body_type": t["body_type"], "nonce": t["nonce"],
             "listening": t.get("listening", ""),
             "external": (tuple(t.get("external_addrs", ())), int(t.get("external_port", 0))),
             "internal": (tuple(t.get("internal_addrs", ())), int(t.get("internal_port", 0)))}
    elif e == "p2p_direct":
        f = {"nonce": t["nonce"], "matched": True, "session_id": str(t["p2p_session"]),
             "file_name": t["file_name"]}
    elif e == "object_data":
        f = {"purpose": t["purpose"], "sender": t["account"], "object_type": int(t["object_type"]),
             "creator": t["creator"], "size": int(t["file_size"]), "sha1d": t["sha1d"],
             "sha1d_match": True, "sha256": t["sha256"].lower()}
    elif e in ("wink", "voice_clip"):
        f = {"sender": t["account"], "recipients": recipients(t.get("peers")),
             "id": 2 if e == "wink" else 3}
    elif e == "file_decline":
        if not t.get("transport", "").startswith("p2p_"):
            return None  # MSNFTP CANCEL: not compared here
        f = {"sender": t["account"], "session_id": str(t["p2p_session"])}
    elif e == "alert":
        f = {"account": t["account"], "id": t["alert_id"], "text": t["alert_text"]}
    elif e == "pager_message":
        f = {"sender": t["account"], "recipients": recipients(t.get("peers")),
             "text": t["pager_text"], "size": int(t["size"])}
    elif e == "mail":
        f = {"kind": t["kind"], "account": t["account"]}
        f.update({k: t[k] for k in MAIL_FIELDS if k in t})
    elif e == "oim":
        f = {"sender": t["account"], "recipients": recipients(t.get("peers")),
             "id": t["oim_id"], "received": t["received"], "nick": t["nick"]}
    elif e == "system_message":
        f = {"type": t["type"], "arg": t["arg"]}
    elif e == "group":
        f = {"op": t["op"], "group_id": t["group_id"], "name": t["name"]}
    elif e == "contact_property":
        # SBP names the contact by GUID only; the others by account.
        f = {"via": t["via"], "property": t["property"], "value": t["value"],
             "whose": t["contact_id"] if t["via"] == "SBP" else t["account"]}
    elif e == "network_lookup":
        f = {"account": t["account"], "answer": t["via"] == "answer",
             "network": int(t["network"])}
    elif e == "user_notification":
        # The decoder names the peer: UUN's target, UBN's sender.
        f = {"via": t["via"], "peer": t["peers"][0] if t["via"] == "UUN" else t["account"],
             "type": t["type"], "size": int(t["size"])}
    elif e == "command_error":
        f = {"command": t["command"], "code": int(t["code"]), "key": t["key"],
             "payload_size": int(t["payload_size"])}
    elif e == "delivery":
        f = {"account": t["account"], "trid": t["trid"], "acked": t["result"] == "ACK"}
    return category, t["time_us"], f


def decoder_fields(category, d):
    """The fields of a decoder event in the normal form of its category."""
    if category == "login_attempt":
        return {"account": d["account"]}
    if category == "login_result":
        f = {"account": d["account"], "success": d["success"]}
        if not d["success"]:
            f["code"] = d.get("error_code")
        return f
    if category == "presence":
        return {"account": d["account"], "status": d["status"]}
    if category == "roster" and d["event"] == "joined":
        # MPOP (MSNP16+): the `;{GUID}` of the line, when it names one.
        return {"what": "joined", "account": d["account"], "how": d["how"],
                "endpoint": (d.get("device_id") or "").upper()}
    if category == "roster":
        # BYE may be "bye" or "bye-idle"; both are the truth's BYE.
        how = next((via for via, reasons in LEFT_REASON.items() if d["reason"] in reasons),
                   d["reason"])
        return {"what": "left", "account": d["account"], "how": how}
    if category == "message":
        return {"sender": d["sender"], "recipients": recipients(d["recipients"]),
                "group": conversation(d), "text": d["text"]}
    if category in ("typing", "nudge"):
        return {"sender": d["sender"], "recipients": recipients(d["recipients"]),
                "group": conversation(d)}
    if category == "file_offer":
        # P2P v1 and v2 are not told apart by the p2p event; compare_connection
        # takes the truth's transport for a "p2p" offer.
        return {"sender": d["sender"],
                "transport": "msnftp" if d["event"] == "file_invitation" else "p2p",
                "file_name": d["file_name"], "file_size": d["file_size"]}
    if category == "alert":
        return {"account": d["account"], "id": d["id"], "text": d["alert_text"]}
    if category == "pager_message":
        return {"sender": d["sender"], "recipients": recipients(d["recipients"]),
                "text": d["text"], "size": d["size"]}
    if category == "mail":
        f = {"kind": d["kind"], "account": d["account"]}
        f.update({k: d[k] for k in MAIL_FIELDS if k in d})
        return f
    if category == "oim":
        return {"sender": d["sender"], "recipients": recipients(d["recipients"]),
                "id": d["message_id"], "received": d["received"], "nick": d["nick"]}
    if category == "system_message":
        return {"type": d["system_type"], "arg": d["arg"]}
    if category == "group":
        return {"op": d["op"], "group_id": d["group_id"], "name": d["name"]}
    if category == "contact_property":
        return {"via": d["via"], "property": d["property"], "value": d["value"],
                "whose": d.get("contact_id", "") if d["via"] == "SBP" else d["account"]}
    if category == "network_lookup":
        return {"account": d["account"], "answer": d["answer"], "network": d["network_id"]}
    if category == "user_notification":
        return {"via": "UBN" if d["incoming"] else "UUN", "peer": d["account"],
                "type": d["notification_type"], "size": d["size"]}
    if category == "command_error":
        return {"command": d["command"], "code": d["code"], "key": d["key"],
                "payload_size": d["payload_size"]}
    if category == "delivery":
        return {"account": d["account"], "trid": d["trid"], "acked": d["acked"]}
    if category == "p2p_transport":
        return {"sender": d["sender"], "body_type": d["body_type"],
                "nonce": d["nonce"] or d["hashed_nonce"], "listening": d["listening"],
                "external": (tuple(d["external_addrs"]), d["external_port"]),
                "internal": (tuple(d["internal_addrs"]), d["internal_port"])}
    if category == "p2p_direct":
        return {"nonce": d["nonce"], "matched": d["matched"], "session_id": d["session_id"],
                "file_name": d["file_name"]}
    if category == "object_data":
        return {"purpose": d["purpose"], "sender": d["sender"],
                "object_type": d.get("object_type"), "creator": d.get("object_creator"),
                "size": d["received"], "sha1d": d.get("object_sha1d"),
                "sha1d_match": d.get("sha1d_match"), "sha256": str(d["sha256"]).lower()}
    if category == "datacast_object":
        return {"sender": d["sender"], "recipients": recipients(d["recipients"]),
                "id": d["id"]}
    if category == "p2p_decline":
        return {"sender": d["sender"], "session_id": d["session_id"]}
    # file_data. The size is of the bytes the hash covers: `received` where the
    # event tells received from declared bytes, else its `file_size`.
    size = d["received"] if "received" in d else d.get("file_size")
    return {"file_name": d.get("file_name"), "file_size": size,
            "sha256": str(d["sha256"]).lower()}


def tunnel_fields(e):
    """A tunnel's identity in the truth's connection_open (tunnel_to) or in a
    decoder event's context (tunnel_server); proxy "" when none was sent."""
    return {"gateway_session": e["gateway_session"],
            "server": e.get("tunnel_to", e.get("tunnel_server")),
            "proxy": e.get("proxy", "")}


def decoder_items(d):
    """(category, time_us, fields) items of one decoder event, chosen by the
    tables at the top of this file."""
    categories = []
    for category, name, accepts in TRUTH_TO_DECODER.values():
        if name == d["event"] and (accepts is None or accepts(d)):
            categories.append(category)
    for name, accepts in FILE_OFFER.values():
        if name == d["event"] and accepts(d):
            categories.append("file_offer")
    if "sha256" in d and d.get("purpose", "file") == "file":  # objects: object_data
        categories.append("file_data")
    when = iso_to_us(d["time"])
    # dict.fromkeys: p2p_v1 and p2p_v2 accept the same event once.
    return [(c, when, decoder_fields(c, d)) for c in dict.fromkeys(categories)]


def join_chunks(events):
    """Chunked messages (§8.5) are reported per chunk with message_id/chunk/
    chunks; the truth has one line at the last chunk with the whole text. The
    chunks of one message on one connection are joined here (text concatenated,
    time of the last chunk) — the decoder reports more detail, not less."""
    out, pending = [], {}
    for d in events:
        if d["event"] != "message" or "message_id" not in d or int(d.get("chunks", 1)) <= 1:
            out.append(d)
            continue
        key = (d["client"], d["server"], d["direction"], d["message_id"])
        parts = pending.setdefault(key, [])
        parts.append(d)
        if int(d["chunk"]) == int(d["chunks"]) - 1 or len(parts) == int(d["chunks"]):
            whole = dict(parts[0])
            whole["text"] = "".join(p["text"] for p in sorted(parts, key=lambda p: int(p["chunk"])))
            whole["time"] = d["time"]
            out.append(whole)
            del pending[key]
    for parts in pending.values():  # incomplete: compared as they are
        out.extend(parts)
    return out


def fmt(item):
    if item is None:
        return "nothing"
    when, fields = item
    shown = {k: (list(v) if isinstance(v, tuple) else v) for k, v in fields.items()}
    return f"{json.dumps(shown, ensure_ascii=False)} at {when}"


def text_diff(e, g):
    """Where two long texts part, so a mismatch in a 3 KB message is readable."""
    if e is None or g is None:
        return ""
    a, b = e[1].get("text"), g[1].get("text")
    if not isinstance(a, str) or not isinstance(b, str) or a == b:
        return ""
    i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
    return (f" [text differs at character {i}: expected length {len(a)} "
            f"{json.dumps(a[i:i + 40], ensure_ascii=False)}, got length {len(b)} "
            f"{json.dumps(b[i:i + 40], ensure_ascii=False)}]")


def compare_connection(scenario, conn_label, category, expected, got, problems):
    """In-order comparison of one category on one connection. Times must match
    exactly: both sides use the capture time of the packet holding the last
    byte of the command (truth README; docs/msnp.md, EventContext)."""
    for i in range(max(len(expected), len(got))):
        e = expected[i] if i < len(expected) else None
        g = got[i] if i < len(got) else None
        if e is not None and g is not None:
            ef, gf = dict(e[1]), dict(g[1])
            if category == "file_offer" and gf.get("transport") == "p2p" and \
                    ef.get("transport", "").startswith("p2p_"):
                gf["transport"] = ef["transport"]
            if ef.get("group") and set(gf.get("recipients", ())) <= set(ef["recipients"]):
                # MSNP21 group chats: the truth's peers are the members the
                # generator put in the group, but an `SDG` to 10:{guid}@live.com
                # names only the group, and no membership is sent on the NS
                # connections of msnp21-sdg. A connection shows at most its own
                # account as a recipient, so the decoder may name fewer members,
                # never others.
                gf["recipients"] = ef["recipients"]
            if ef == gf and e[0] == g[0]:
                continue
            g = (g[0], gf)
        problems.append(f"{scenario}: {conn_label}: {category} #{i}: expected {fmt(e)}; "
                        f"got {fmt(g)}{text_diff(e, g)}")


def check_registered(args):
    """A scenario added to the generator must get its CTest too."""
    listed = {line.split()[0] for line in run([args.msnpgen, "--list"]).splitlines()
              if line.strip()}
    registered = {name for name in args.registered.split(",") if name}
    if listed == registered:
        print(f"all {len(listed)} generator scenarios have a CTest")
        return 0
    for name in sorted(listed - registered):
        print(f"scenario {name} is listed by the generator but has no msnp.generated CTest "
              f"(add it to tests/proto/msnp/generated/CMakeLists.txt)")
    for name in sorted(registered - listed):
        print(f"CTest msnp.generated.{name} names no generator scenario")
    return 1


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--msnpgen", required=True)
    p.add_argument("--rcds", required=True)
    p.add_argument("--scenario")
    p.add_argument("--registered",
                   help="instead of comparing: check that this comma-separated list (the CTest "
                        "registrations) names exactly the generator's scenarios (--list)")
    p.add_argument("--keep", help="write the pcap, truth, files and decoder output here")
    args = p.parse_args()
    if args.registered is not None:
        return check_registered(args)
    if not args.scenario:
        p.error("--scenario is required")

    with tempfile.TemporaryDirectory(prefix="msnp-truth-") as tmp:
        work = args.keep or tmp
        os.makedirs(os.path.join(work, "files"), exist_ok=True)
        pcap = os.path.join(work, f"{args.scenario}.pcap")
        truth_path = os.path.join(work, f"{args.scenario}.truth.json")
        run([args.msnpgen, "--scenario", args.scenario, "--out", pcap, "--truth", truth_path,
             "--files", os.path.join(work, "files")])
        decoded = run([args.rcds, "analyze", "--json", pcap])
        if args.keep:
            with open(os.path.join(work, f"{args.scenario}.rcds.json"), "w") as f:
                f.write(decoded)
        with open(truth_path) as f:
            truth = [json.loads(line) for line in f if line.strip()]
    events = [json.loads(line) for line in decoded.splitlines() if line.strip()]
    events = [d for d in events if d.get("type") == "msnp"]
    events = join_chunks(events)

    problems = []
    # Connections as the truth numbers them; the decoder's are found by their
    # endpoints (client = SYN sender on both sides).
    labels = {}
    expected = {}
    for t in truth:
        key = (t["client"], t["server"])
        labels.setdefault(key, f"conn {t['conn']} ({t['client']} -> {t['server']})")
        item = truth_item(t)
        if item is not None:
            expected.setdefault(key, {}).setdefault(item[0], []).append(item[1:])
        if t["event"] == "connection_open" and t.get("transport") == "http_gateway":
            # HTTP-gateway tunnels (§12): session, IP= server and proxy headers
            # of the connection. The open has no decoder event of its own (so
            # no time is compared); every tunnel event carries them.
            expected.setdefault(key, {})["tunnel"] = [(0, tunnel_fields(t))]
    got = {}
    for d in events:
        key = (d["client"], d["server"])
        if "anomaly" in d:
            # The generated streams are well-formed and complete: any decoder
            # or transfer anomaly means misframing or a lost byte.
            problems.append(f"{args.scenario}: {labels.get(key, key)}: decoder {d['event']} "
                            f"{d.get('anomaly')} ({d.get('bytes')} bytes) at {d['time']}")
            continue
        for item in decoder_items(d):
            got.setdefault(key, {}).setdefault(item[0], []).append(item[1:])
        if "gateway_session" in d and not got.get(key, {}).get("tunnel"):
            got.setdefault(key, {})["tunnel"] = [(0, tunnel_fields(d))]
    for key in sorted(set(expected) | set(got)):
        label = labels.get(key, f"decoder-only connection {key[0]} -> {key[1]}")
        for category in CATEGORIES:
            if category in OPT_IN and not expected.get(key, {}).get(category):
                continue
            compare_connection(args.scenario, label, category,
                               expected.get(key, {}).get(category, []),
                               got.get(key, {}).get(category, []), problems)

    compared = sum(len(v) for c in expected.values() for v in c.values())
    if problems:
        for line in problems:
            print(line)
        print(f"{args.scenario}: FAIL, {len(problems)} mismatch(es) over {compared} "
              f"expected events")
        return 1
    print(f"{args.scenario}: OK, {compared} expected events matched")
    return 0


if __name__ == "__main__":
    sys.exit(main())
