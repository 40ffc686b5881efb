#!/usr/bin/env python3
"""Checks the key facts in samples/EXPECTED.tsv against the captures, with tshark.

    check_expected.py [SAMPLES_DIR]

EXPECTED.tsv columns: file, expected finding codes (comma separated, may be empty), facts
("key=value; key=value").  Each fact is checked against what tshark decodes from the capture
(with NAME.keylog beside NAME.pcap, if present).  Exit status 1 if any fact does not hold.
"""
import calendar
import email.utils
import os
import subprocess
import sys
import time

FIELDS = [
    "frame.number", "frame.time_epoch", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport", "tcp.dstport",
    "tcp.flags.syn", "tcp.flags.ack", "tcp.flags.reset", "icmp.type", "icmp.code", "icmpv6.type", "icmpv6.code",
    "dns.flags.response", "dns.qry.name", "dns.flags.rcode", "http.request.method", "http.host", "http.request.uri",
    "http.response.code", "http.content_type", "http.time", "http.date", "http.proxy_authenticate",
    "tls.handshake.type", "tls.handshake.extensions_server_name", "tls.handshake.certificate_length",
    "x509af.serialNumber", "tls.alert_message.desc", "ocsp.responseStatus", "ocsp.certStatus", "ocsp.serialNumber",
    "ocsp.thisUpdate", "ocsp.nextUpdate", "ocsp.revocationReason", "ocsp.ReOcspNonce", "x509af.userCertificate",
    "x509af.utcTime", "tcp.stream", "tcp.flags.fin",
]


def load(path, extra=()):
    cmd = ["tshark", "-n", "-r", path, "-o", "gui.max_tree_depth:10000", *extra, "-T", "fields", "-E", "occurrence=a",
           "-E", "separator=\t", "-E", "aggregator=|"]
    keylog = path[:-5] + ".keylog"
    if os.path.exists(keylog):
        cmd += ["-o", "tls.keylog_file:" + keylog]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    frames = []
    for line in out.splitlines():
        vals = line.split("\t")
        vals += [""] * (len(FIELDS) - len(vals))
        frames.append({k: [x for x in v.split("|") if x != ""] for k, v in zip(FIELDS, vals)})
    return frames


def first(fr, key):
    v = fr[key]
    return v[0] if v else ""


def src(fr):
    return first(fr, "ip.src") or first(fr, "ipv6.src")


def dst(fr):
    return first(fr, "ip.dst") or first(fr, "ipv6.dst")


def endpoint(s):
    """'1.2.3.4:80' or '[2001:db8::1]:80' -> (addr, port)."""
    if s.startswith("["):
        a, p = s[1:].split("]:")
    else:
        a, p = s.rsplit(":", 1)
    return a, p


def is_icmp(fr):
    return bool(fr["icmp.type"] or fr["icmpv6.type"])


def syns(frames, ep):
    a, p = endpoint(ep)
    return [fr for fr in frames if first(fr, "tcp.flags.syn") in ("1", "True") and first(fr, "tcp.flags.ack") in ("0", "False")
            and not is_icmp(fr) and dst(fr) == a and first(fr, "tcp.dstport") == p]


def asn1_time(s):
    # "Nov 26, 2026 03:10:07.000000000 UTC"
    s = s.split(".")[0]
    return calendar.timegm(time.strptime(s, "%b %d, %Y %H:%M:%S"))


def norm_serial(s):
    s = s.lower().replace(":", "")
    return s[2:] if s.startswith("0x") else s


def check(frames, key, val):
    """Returns None when the fact holds, else a short reason."""
    any_ = lambda pred: any(pred(fr) for fr in frames)
    count = lambda pred: sum(1 for fr in frames if pred(fr))
    if key == "client":
        return None if any_(lambda fr: src(fr) == val) else "no frame from it"
    if key in ("tls_server", "responder", "proxy", "http_server"):
        return None if syns(frames, val) else "no SYN to it"
    if key == "sni":
        return None if any_(lambda fr: val in fr["tls.handshake.extensions_server_name"]) else "not seen"
    if key == "leaf_serial":
        return None if any_(lambda fr: "11" in fr["tls.handshake.type"] and fr["x509af.serialNumber"]
                            and norm_serial(fr["x509af.serialNumber"][0]) == norm_serial(val)) else "not seen"
    if key == "chain_len":
        lens = {len(fr["tls.handshake.certificate_length"]) for fr in frames if "11" in fr["tls.handshake.type"]}
        return None if int(val) in lens else "chain lengths %s" % sorted(lens)
    if key == "client_hellos":
        n = count(lambda fr: "1" in fr["tls.handshake.type"])
        return None if n == int(val) else "%d ClientHellos" % n
    if key == "client_hellos_min":
        n = count(lambda fr: "1" in fr["tls.handshake.type"])
        return None if n >= int(val) else "%d ClientHellos" % n
    if key == "staples":
        n = count(lambda fr: fr["tls.handshake.type"] and fr["ocsp.responseStatus"])
        return None if n == int(val) else "%d staples" % n
    if key == "ocsp_status":
        return None if any_(lambda fr: val in fr["ocsp.responseStatus"]) else "not seen"
    if key == "cert_status":
        code = {"good": "0", "revoked": "1", "unknown": "2"}[val]
        return None if any_(lambda fr: code in fr["ocsp.certStatus"]) else "not seen"
    if key == "ocsp_serial":
        return None if any_(lambda fr: fr["ocsp.responseStatus"] and norm_serial(val) in map(norm_serial, fr["ocsp.serialNumber"])) else "not seen"
    if key == "request_serial":
        return None if any_(lambda fr: fr["http.request.method"] and norm_serial(val) in map(norm_serial, fr["ocsp.serialNumber"])) else "not seen"
    if key == "revocation_reason":
        return None if any_(lambda fr: val in fr["ocsp.revocationReason"]) else "not seen"
    if key == "http_method":
        return None if any_(lambda fr: val in fr["http.request.method"]) else "not seen"
    if key == "http_get":
        host, uri = val.split("/", 1)
        return None if any_(lambda fr: "GET" in fr["http.request.method"] and host in fr["http.host"]
                            and any(u.endswith("/" + uri) for u in fr["http.request.uri"])) else "not seen"
    if key == "http_status":
        if any_(lambda fr: val in fr["http.response.code"]):
            return None
        # A response cut short by a reset never completes its body; read its header alone.
        heads = load(frames_path[0], ("-o", "http.desegment_body:FALSE"))
        return None if any(val in fr["http.response.code"] for fr in heads) else "not seen"
    if key == "no_http_response":
        return None if not any_(lambda fr: fr["http.response.code"]) else "a response is there"
    if key == "content_type":
        return None if any_(lambda fr: fr["http.response.code"] and any(c.split(";")[0] == val for c in fr["http.content_type"])) else "not seen"
    if key == "proxy_authenticate":
        return None if any_(lambda fr: any(val in a for a in fr["http.proxy_authenticate"])) else "not seen"
    if key == "http_time_min_s":
        ts = [float(t) for fr in frames for t in fr["http.time"]]
        return None if ts and max(ts) >= float(val) else "times %s" % ts
    if key == "syn":
        ep, n = val.rsplit("x", 1)
        got = len(syns(frames, ep))
        return None if got == int(n) else "%d SYNs" % got
    if key == "syn_min":
        ep, n = val.rsplit("x", 1)
        got = len(syns(frames, ep))
        return None if got >= int(n) else "%d SYNs" % got
    if key == "rst_from":
        a, p = endpoint(val)
        return None if any_(lambda fr: first(fr, "tcp.flags.reset") in ("1", "True") and not is_icmp(fr)
                            and src(fr) == a and first(fr, "tcp.srcport") == p) else "no RST from it"
    if key == "icmp":
        t, c = val.split("/")
        return None if any_(lambda fr: first(fr, "icmp.type") == t and first(fr, "icmp.code") == c) else "not seen"
    if key == "dns_nxdomain":
        return None if any_(lambda fr: first(fr, "dns.flags.response") in ("1", "True") and val in fr["dns.qry.name"]
                            and first(fr, "dns.flags.rcode") == "3") else "not seen"
    if key == "dns_ok":
        return None if any_(lambda fr: first(fr, "dns.flags.response") in ("1", "True") and val in fr["dns.qry.name"]
                            and first(fr, "dns.flags.rcode") == "0") else "not seen"
    if key == "alert":
        return None if any_(lambda fr: val in fr["tls.alert_message.desc"]) else "not seen"
    if key in ("this_update_offset_s", "next_update_offset_s"):
        field = "ocsp.thisUpdate" if key.startswith("this") else "ocsp.nextUpdate"
        want = float(val)
        offs = [asn1_time(fr[field][0]) - float(first(fr, "frame.time_epoch")) for fr in frames if fr[field]]
        return None if offs and all(abs(o - want) <= 120 for o in offs) else "offsets %s" % [round(o) for o in offs]
    if key == "http_date_offset_s":
        want = float(val)
        offs = [email.utils.parsedate_to_datetime(fr["http.date"][0]).timestamp() - float(first(fr, "frame.time_epoch"))
                for fr in frames if fr["http.date"]]
        return None if offs and all(abs(o - want) <= 5 for o in offs) else "offsets %s" % [round(o) for o in offs]
    if key == "response_cert_serial":
        return None if any_(lambda fr: fr["ocsp.responseStatus"] and not fr["tls.handshake.type"]
                            and norm_serial(val) in map(norm_serial, fr["x509af.serialNumber"])) else "not seen"
    if key == "nonce_mismatch":
        req = {n for fr in frames if fr["http.request.method"] for n in fr["ocsp.ReOcspNonce"]}
        resp = {n for fr in frames if fr["ocsp.responseStatus"] for n in fr["ocsp.ReOcspNonce"]}
        ok = bool(req and resp and not (req & resp))
        return None if ok == (val == "yes") else "request %s response %s" % (req, resp)
    if key == "crl_revoked":
        return None if any_(lambda fr: fr["http.response.code"] and norm_serial(val) in map(norm_serial, fr["x509af.userCertificate"])) else "not seen"
    if key == "crl_entries":
        got = [len(fr["x509af.userCertificate"]) for fr in frames if fr["http.response.code"] and fr["x509af.userCertificate"]]
        return None if got and all(n == int(val) for n in got) else "entries %s" % got
    if key == "crl_next_update_offset_s":
        want = float(val)
        offs = []
        for fr in frames:
            if fr["http.response.code"] and len(fr["x509af.utcTime"]) >= 2:
                t = calendar.timegm(time.strptime(fr["x509af.utcTime"][1].replace(" (UTC)", ""), "%Y-%m-%d %H:%M:%S"))
                offs.append(t - float(first(fr, "frame.time_epoch")))
        return None if offs and all(abs(o - want) <= 120 for o in offs) else "offsets %s" % [round(o) for o in offs]
    if key == "request_unanswered_s_min":
        # Longest wait from an HTTP request to the client closing that connection with no response on it.
        waits = []
        for fr in frames:
            if not fr["http.request.method"]:
                continue
            stream, t0, who = first(fr, "tcp.stream"), float(first(fr, "frame.time_epoch")), src(fr)
            later = [g for g in frames if first(g, "tcp.stream") == stream and float(first(g, "frame.time_epoch")) >= t0]
            if any(g["http.response.code"] for g in later):
                continue
            fins = [float(first(g, "frame.time_epoch")) for g in later if src(g) == who and first(g, "tcp.flags.fin") in ("1", "True")]
            if fins:
                waits.append(fins[0] - t0)
        return None if waits and max(waits) >= float(val) else "waits %s" % [round(w, 2) for w in waits]
    if key in ("leaf_not_before_offset_s", "leaf_not_after_offset_s"):
        # Validity of the first certificate of each Certificate message, relative to that frame.
        idx = 0 if "before" in key else 1
        want = float(val)
        offs = []
        for fr in frames:
            if "11" in fr["tls.handshake.type"] and len(fr["x509af.utcTime"]) >= 2:
                t = calendar.timegm(time.strptime(fr["x509af.utcTime"][idx].replace(" (UTC)", ""), "%Y-%m-%d %H:%M:%S"))
                offs.append(t - float(first(fr, "frame.time_epoch")))
        # The PKI is made at the start of a full run, minutes before the capture.
        return None if offs and all(abs(o - want) <= 600 for o in offs) else "offsets %s" % [round(o) for o in offs]
    if key == "frames_min":
        return None if len(frames) >= int(val) else "%d frames" % len(frames)
    if key == "ipv6":
        return None if any_(lambda fr: fr["ipv6.src"] and first(fr, "tcp.dstport")) else "no IPv6 TCP"
    return "unknown fact key"


frames_path = [""]


def main():
    here = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    bad = 0
    checked = 0
    with open(os.path.join(here, "EXPECTED.tsv")) as f:
        rows = [l.rstrip("\n").split("\t") for l in f if l.strip() and not l.startswith("#")]
    for row in rows[1:]:
        name, _codes, facts = row[0], row[1], row[2]
        frames = load(os.path.join(here, name))
        frames_path[0] = os.path.join(here, name)
        for fact in filter(None, (x.strip() for x in facts.split(";"))):
            key, _, val = fact.partition("=")
            why = check(frames, key.strip(), val.strip())
            checked += 1
            if why:
                bad += 1
                print("%s: %s: %s" % (name, fact, why))
    # The committed public certificates must be the ones the captures carry.
    out = subprocess.run(["tshark", "-n", "-r", os.path.join(here, "01-tls12-staple-good.pcap"), "-Y", "tls.handshake.type==11",
                          "-T", "fields", "-e", "tls.handshake.certificate"], capture_output=True, text=True, check=True).stdout
    seen = [bytes.fromhex(h.replace(":", "")) for h in out.split()[0].split(",")] if out.strip() else []
    for i, name in enumerate(("www.pem", "intermediate.pem")):
        der = subprocess.run(["openssl", "x509", "-in", os.path.join(here, "pki", name), "-outform", "DER"],
                             capture_output=True, check=True).stdout
        checked += 1
        if i >= len(seen) or seen[i] != der:
            bad += 1
            print("pki/%s: not the certificate sent in 01-tls12-staple-good.pcap" % name)
    print("%d facts checked, %d failed" % (checked, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
