#!/usr/bin/env bash
# Builds the seed corpora of the fuzz targets from the sample captures (samples/*.pcap*) and the peer
# capture corpus (read in place, never copied into the repository).
#
#   tests/fuzz/make-seeds.sh OUT_DIR [CORPUS_DIR]
#
# OUT_DIR/<target>/ receives, per target:
#   pipeline    whole capture files up to 64 KiB
#   tls         TCP connections that speak TLS, in the stream-driver format of fuzz_support.h (first
#               byte odd), and single handshake messages / records (first byte even)
#   http        TCP connections that speak HTTP (stream format), and request targets (helper mode)
#   dns         DNS messages from UDP (first byte even) and DNS-over-TCP connections (stream format)
#   ocsp        OCSP requests and responses (HTTP bodies, TLS CertificateStatus, TLS 1.3 leaf entries)
#               and DER certificates (TLS Certificate messages, samples/pki/*.pem)
#   reassembly  a few hand-made segment scripts (in order, reversed, overlapping, wrapping)
# Needs tshark and python3; openssl for the PEM certificates.
set -euo pipefail
out=${1:?usage: make-seeds.sh OUT_DIR [CORPUS_DIR]}
src=$(cd "$(dirname "$0")/../.." && pwd)
corpus=${2:-${REVO_CORPUS_DIR:-$src/../shared/corpus}}
command -v tshark >/dev/null || { echo "make-seeds: tshark is needed" >&2; exit 1; }
mkdir -p "$out"/{pipeline,tls,http,dns,ocsp,reassembly}

captures=()
while IFS= read -r -d '' f; do captures+=("$f"); done < <(
    { find "$src/samples" -maxdepth 1 -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.pcap.gz' \) -print0
      [ -d "$corpus" ] && find "$corpus" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) -size -2M -print0
    } 2>/dev/null)
echo "make-seeds: ${#captures[@]} captures" >&2

for pem in "$src"/samples/pki/*.pem; do
    [ -f "$pem" ] || continue
    openssl x509 -in "$pem" -outform DER -out "$out/ocsp/pki-$(basename "$pem" .pem).der" 2>/dev/null || true
done

python3 - "$out" "${captures[@]}" <<'PY'
import hashlib, os, subprocess, sys
out, caps = sys.argv[1], sys.argv[2:]

def save(target, data, limit=1 << 20):
    if not data or len(data) > limit:
        return
    h = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(out, target, h), "wb") as f:
        f.write(data)

def stream_format(segments):
    """segments: list of (side, bytes) -> the drive_stream encoding (first byte odd = stream mode)."""
    b = bytearray([1])
    for side, data in segments:
        sbit = 0x80 if side else 0
        i = 0
        while i < len(data):
            rest = len(data) - i
            if rest >= 128:
                n = min(rest // 128, 32)
                b.append(sbit | 0x20 | (n - 1)); b += data[i:i + n * 128]; i += n * 128
            else:
                n = min(rest, 32)
                b.append(sbit | (n - 1)); b += data[i:i + n]; i += n
    return bytes(b)

def tls_messages(payload):
    """Records and handshake messages from one direction's bytes (unencrypted part)."""
    recs, hs = [], bytearray()
    i = 0
    while i + 5 <= len(payload):
        t, ln = payload[i], int.from_bytes(payload[i + 3:i + 5], "big")
        body = payload[i + 5:i + 5 + ln]
        recs.append(payload[i:i + 5 + ln])
        if t == 22:
            hs += body
        elif t == 20:
            break
        i += 5 + ln
    msgs, j = [], 0
    while j + 4 <= len(hs):
        ln = int.from_bytes(hs[j + 1:j + 4], "big")
        msgs.append((hs[j], bytes(hs[j + 4:j + 4 + ln])))
        j += 4 + ln
    return recs, msgs

def certs_from(body):
    for off in (3, 4):  # TLS 1.2 list; TLS 1.3 after a context byte (approximate: lengths decide)
        try:
            k = off; res = []
            while k + 3 <= len(body):
                ln = int.from_bytes(body[k:k + 3], "big")
                if ln == 0 or k + 3 + ln > len(body): break
                c = body[k + 3:k + 3 + ln]
                if c[:1] == b"\x30": res.append(c)
                k += 3 + ln
                if off == 4:
                    if k + 2 > len(body): break
                    k += 2 + int.from_bytes(body[k:k + 2], "big")
            if res: return res
        except Exception:
            pass
    return []

def http_body(data):
    k = data.find(b"\r\n\r\n")
    return data[k + 4:] if k >= 0 else b""

for cap in caps:
    try:
        if os.path.getsize(cap) <= 65536:
            with open(cap, "rb") as f: save("pipeline", f.read())
        r = subprocess.run(["tshark", "-r", cap, "-n", "-T", "fields", "-E", "separator=|",
                            "-e", "tcp.stream", "-e", "tcp.srcport", "-e", "tcp.payload", "-e", "udp.payload",
                            "-e", "udp.srcport", "-e", "udp.dstport"],
                           capture_output=True, text=True, timeout=60)
    except Exception:
        continue
    streams = {}
    for line in r.stdout.splitlines():
        f = line.split("|")
        if len(f) < 6: continue
        stream, sport, tpay, upay, usp, udp_ = f[:6]
        if stream and tpay:
            s = streams.setdefault(stream, {"client": None, "segs": []})
            if s["client"] is None: s["client"] = sport
            s["segs"].append((0 if sport == s["client"] else 1, bytes.fromhex(tpay.replace(":", ""))))
        if upay and ("53" in (usp, udp_)):
            save("dns", b"\x00" + bytes.fromhex(upay.replace(":", "")))
    for s in streams.values():
        segs = s["segs"][:400]
        first = segs[0][1] if segs else b""
        enc = stream_format(segs)
        c2s = b"".join(d for side, d in segs if side == 0)
        s2c = b"".join(d for side, d in segs if side == 1)
        if first[:1] == b"\x16" or first[:1] == b"\x80":
            save("tls", enc[:65536])
            for direction in (c2s, s2c):
                recs, msgs = tls_messages(direction)
                for rec in recs[:8]: save("tls", b"\x00" + rec)
                for t, body in msgs:
                    save("tls", b"\x00" + body)
                    if t == 11:
                        for c in certs_from(body)[:4]: save("ocsp", c)
                    if t == 22 and len(body) > 4:
                        save("ocsp", body[4:])
        elif first[:4] in (b"GET ", b"POST", b"HTTP", b"HEAD", b"CONN", b"PUT "):
            save("http", enc[:65536])
            line = c2s.split(b"\r\n", 1)[0].split(b" ")
            if len(line) > 1: save("http", b"\x00" + line[1])
            if b"ocsp-request" in c2s.lower(): save("ocsp", http_body(c2s))
            if b"ocsp-response" in s2c.lower(): save("ocsp", http_body(s2c))
        elif len(first) > 2 and int.from_bytes(first[:2], "big") == len(first) - 2:
            save("dns", enc[:65536])

# Reassembly scripts (see fuzz_reassembly.cpp): 5 header bytes, then 6-byte steps.
def step(op, delta, length, extra=0):
    d = (delta * 4) & 0xffff
    return bytes([op, d >> 8, d & 0xff, (length >> 8) & 0x7, length & 0xff, extra])
hdr_wrap, hdr_mid = bytes([0x08, 0x40, 0, 4, 0]), bytes([0x0a, 0x12, 0x34, 4, 0])
save("reassembly", hdr_wrap + b"".join(step(0, 0, 1000) for _ in range(8)) + step(7, 0, 0))
save("reassembly", hdr_wrap + step(0, 3000, 500) + step(0, 1500, 500) + step(0, -2000, 1000) + step(6, 0, 0))
save("reassembly", hdr_mid + step(0, 0, 600) + step(1, -300, 600) + step(3, -300, 600, 7) + step(4, 2000, 0))
save("reassembly", bytes([0x04, 0x01, 0, 2, 0x85]) + step(0x40, 0, 200, 90) + step(0, 100, 300) + step(5, 500, 0))
PY
for t in pipeline tls http dns ocsp reassembly; do
    printf 'make-seeds: %-11s %5d seeds\n' "$t" "$(find "$out/$t" -type f | wc -l)" >&2
done
