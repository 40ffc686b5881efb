#!/usr/bin/env python3
"""Deterministic generator of a large benchmark capture built from the real flows in samples/.

Each real TCP or UDP flow of the sample captures becomes a template. The generator replays templates
many times with rewritten addresses (198.18.0.0/15 and 2001:db8:ffff::/48), ports and times, so that
thousands of distinct flows run concurrently and interleave. TLS connections get realistic application
data volume after their handshake and before their close (server records of 16 KiB split into 1448-byte
segments, client ACKs every second segment). A share of connections are unrelated bulk TCP on port 22 (a
sample TCP handshake, then opaque bytes); DNS over UDP and plain HTTP come from the samples as they are. Same arguments, same bytes.

usage: gen_capture.py OUT.pcap [--size-mib N] [--concurrency N] [--seed N] [--samples DIR]
"""
import argparse
import glob
import heapq
import os
import random
import struct
import sys

PCAP_HDR = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return []
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        endian = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        endian = ">"
    else:
        return []  # pcapng and others are skipped
    nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
    link = struct.unpack(endian + "I", data[20:24])[0]
    if link != 1:
        return []
    out, off = [], 24
    while off + 16 <= len(data):
        sec, sub, caplen, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        frame = data[off:off + caplen]
        off += caplen
        if len(frame) < caplen:
            break
        t = sec + sub / (1e9 if nano else 1e6)
        out.append((t, frame))
    return out


def flow_key(frame):
    """Returns (proto, (ipA, portA), (ipB, portB), l3off, v6) with A the lower endpoint, or None."""
    if len(frame) < 14:
        return None
    et = struct.unpack(">H", frame[12:14])[0]
    if et == 0x0800 and len(frame) >= 34:
        ihl = (frame[14] & 15) * 4
        proto = frame[23]
        src, dst = frame[26:30], frame[30:34]
        l4 = 14 + ihl
        v6 = False
    elif et == 0x86DD and len(frame) >= 54:
        proto = frame[20]
        src, dst = frame[22:38], frame[38:54]
        l4 = 54
        v6 = True
    else:
        return None
    if proto not in (6, 17) or len(frame) < l4 + 4:
        return None
    sp, dp = struct.unpack(">HH", frame[l4:l4 + 4])
    a, b = (src, sp), (dst, dp)
    return proto, tuple(sorted([a, b])), l4, v6


class Template:
    def __init__(self, proto, v6, packets, tls):
        self.proto, self.v6, self.packets, self.tls = proto, v6, packets, tls


def load_templates(sample_dir):
    templates = []
    for path in sorted(glob.glob(os.path.join(sample_dir, "*.pcap"))):
        flows = {}
        for t, frame in read_pcap(path):
            k = flow_key(frame)
            if not k:
                continue
            flows.setdefault((k[0], k[1]), []).append((t, frame, k[2], k[3]))
        for (proto, _), pkts in flows.items():
            t0 = pkts[0][0]
            rel = [(t - t0, fr, l4, v6) for t, fr, l4, v6 in pkts]
            tls = proto == 6 and any(len(fr) > l4 + 20 and fr[l4 + (fr[l4 + 12] >> 4) * 4:][:1] == b"\x16"
                                     for _, fr, l4, _ in rel)
            templates.append(Template(proto, rel[0][3], rel, tls))
    return templates


def rewrite(frame, l4, v6, addr_map, port_map):
    b = bytearray(frame)
    if v6:
        s, d = bytes(b[22:38]), bytes(b[38:54])
        b[22:38] = addr_map.get(s, s)
        b[38:54] = addr_map.get(d, d)
    else:
        s, d = bytes(b[26:30]), bytes(b[30:34])
        b[26:30] = addr_map.get(s, s)
        b[30:34] = addr_map.get(d, d)
    sp, dp = struct.unpack(">HH", b[l4:l4 + 4])
    b[l4:l4 + 4] = struct.pack(">HH", port_map.get(sp, sp), port_map.get(dp, dp))
    return bytes(b)


def tcp_fields(fr, l4):
    """(sport, dport, seq, ack, flags, payload_len) of a TCP frame."""
    sp, dp, seq, ack = struct.unpack(">HHII", fr[l4:l4 + 12])
    thl = (fr[l4 + 12] >> 4) * 4
    return sp, dp, seq, ack, fr[l4 + 13], len(fr) - l4 - thl


def with_tcp(fr, l4, v6, seq, ack, flags, payload):
    """A copy of `fr` with a 20-byte TCP header (seq, ack, flags) and `payload`; IP length fixed."""
    h = bytearray(fr[:l4 + 20])
    h[l4 + 4:l4 + 12] = struct.pack(">II", seq & 0xFFFFFFFF, ack & 0xFFFFFFFF)
    h[l4 + 12] = 0x50
    h[l4 + 13] = flags
    frame = bytes(h) + payload
    if v6:
        return frame[:18] + struct.pack(">H", len(frame) - 54) + frame[20:]
    return frame[:16] + struct.pack(">H", len(frame) - 14) + frame[18:]


def shift_seq(fr, l4, dseq, dack):
    """Moves a TCP frame's sequence number by `dseq` and (when ACK is set) its acknowledgment by `dack`."""
    sp, dp, seq, ack, flags, _ = tcp_fields(fr, l4)
    b = bytearray(fr)
    b[l4 + 4:l4 + 8] = struct.pack(">I", (seq + dseq) & 0xFFFFFFFF)
    if flags & 0x10:
        b[l4 + 8:l4 + 12] = struct.pack(">I", (ack + dack) & 0xFFFFFFFF)
    return bytes(b)


def with_app_data(pkts, server_port, volume, rng):
    """Inserts `volume` bytes of server-to-client TLS application data (16 KiB records in 1448-byte
    segments, a client ACK every second segment) after the handshake, before the first alert, FIN or
    RST; later packets move in time and sequence space so the connection stays consistent."""
    cut = None
    srv_next = cli_next = None
    srv_last = cli_last = None
    for i, (t, fr, l4, v6) in enumerate(pkts):
        sp, dp, seq, ack, flags, plen = tcp_fields(fr, l4)
        payload = fr[len(fr) - plen:] if plen else b""
        if i > 0 and (flags & 0x05 or payload[:1] == b"\x15"):
            cut = i
            break
        nxt = (seq + plen + (1 if flags & 0x02 else 0)) & 0xFFFFFFFF
        if sp == server_port:
            srv_next, srv_last = nxt, (fr, l4, v6)
        else:
            cli_next, cli_last = nxt, (fr, l4, v6)
    if cut is None:
        cut = len(pkts)
    if srv_last is None or cli_last is None:
        return pkts
    record = b"\x17\x03\x03\x40\x00" + bytes(rng.getrandbits(8) for _ in range(64)) * 256
    out, t, sent, stream, n = [], pkts[cut - 1][0] + 0.001, 0, b"", 0
    while sent < volume:
        if not stream:
            stream = record
        seg, stream = stream[:1448], stream[1448:]
        out.append((t, with_tcp(srv_last[0], srv_last[1], srv_last[2], srv_next + sent, cli_next, 0x18, seg),
                    srv_last[1], srv_last[2]))
        sent += len(seg)
        n += 1
        t += 0.00012
        if n % 2 == 0 or sent >= volume:
            out.append((t, with_tcp(cli_last[0], cli_last[1], cli_last[2], cli_next, srv_next + sent, 0x10, b""),
                        cli_last[1], cli_last[2]))
    dt = t - pkts[cut - 1][0]
    rest = []
    for (pt, fr, l4, v6) in pkts[cut:]:
        sp = struct.unpack(">H", fr[l4:l4 + 2])[0]
        fr = shift_seq(fr, l4, sent, 0) if sp == server_port else shift_seq(fr, l4, 0, sent)
        rest.append((pt + dt, fr, l4, v6))
    return pkts[:cut] + out + rest


def bulk_packets(tpl, volume, rng):
    """Unrelated bulk TCP (port 22, opaque bytes): a sample connection's handshake, then data."""
    syn = [p for p in tpl.packets if tcp_fields(p[1], p[2])[5] == 0][:3]
    if len(syn) < 3:
        return None
    pkts = [(t, fr, l4, v6) for t, fr, l4, v6 in syn]
    _, _, sseq, sack_, _, _ = tcp_fields(syn[1][1], syn[1][2])
    _, _, cseq, _, _, _ = tcp_fields(syn[2][1], syn[2][2])
    blob = bytes([0x5a ^ rng.getrandbits(7)]) + bytes(rng.getrandbits(8) for _ in range(4095))
    t, sent, n = syn[2][0] + 0.001, 0, 0
    while sent < volume:
        seg = blob[(sent % 4096):(sent % 4096) + 1448] or blob[:1448]
        pkts.append((t, with_tcp(syn[1][1], syn[1][2], syn[1][3], sseq + 1 + sent, cseq, 0x18, seg),
                     syn[1][2], syn[1][3]))
        sent += len(seg)
        n += 1
        t += 0.0001
        if n % 2 == 0:
            pkts.append((t, with_tcp(syn[2][1], syn[2][2], syn[2][3], cseq, sseq + 1 + sent, 0x10, b""),
                         syn[2][2], syn[2][3]))
    return pkts


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--concurrency", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--samples", default=os.path.join(os.path.dirname(__file__), "..", "..", "samples"))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    templates = load_templates(args.samples)
    if not templates:
        sys.exit("gen_capture: no Ethernet pcap flows found in " + args.samples)
    limit = args.size_mib << 20
    base = 1_800_000_000.0
    heap, written, instance = [], 24, 0
    seq = 0

    tls_templates = [t for t in templates if t.tls]

    def server_port_of(tpl):
        for _, fr, l4, _ in tpl.packets:
            sp, dp, _, _, flags, _ = tcp_fields(fr, l4)
            if flags & 0x12 == 0x02:
                return dp
        k = flow_key(tpl.packets[0][1])
        return min(k[1][0][1], k[1][1][1])

    def schedule(start):
        nonlocal instance
        bulk = tls_templates and rng.random() < 0.02
        tpl = rng.choice(tls_templates) if bulk else rng.choice(templates)
        instance += 1
        n = instance
        addr_map, port_map = {}, {}
        first = tpl.packets[0]
        k = flow_key(first[1])
        (ip_a, port_a), (ip_b, port_b) = k[1]
        if tpl.v6:
            addr_map[ip_a] = bytes.fromhex("20010db8ffff0001") + struct.pack(">Q", n)
            addr_map[ip_b] = bytes.fromhex("20010db8ffff0002") + struct.pack(">Q", n % 509)
        else:
            addr_map[ip_a] = bytes([198, 18, (n >> 8) & 255, n & 255])
            addr_map[ip_b] = bytes([198, 19, (n % 509) >> 8, (n % 509) & 255])
        server_port = server_port_of(tpl) if tpl.proto == 6 else min(port_a, port_b)
        client_port = port_b if server_port == port_a else port_a
        port_map[client_port] = 1024 + (n * 7919) % 60000
        if bulk:
            port_map[server_port] = 22
        src = tpl.packets
        if tpl.tls:
            volume = rng.choice([64 << 10, 256 << 10, 1 << 20, 4 << 20])
            src = bulk_packets(tpl, volume, rng) if bulk else with_app_data(tpl.packets, server_port, volume, rng)
            src = src or tpl.packets
        return [(start + rel, rewrite(fr, l4, v6, addr_map, port_map)) for rel, fr, l4, v6 in src]

    def push(it):
        nonlocal seq
        nxt = next(it, None)
        if nxt is not None:
            seq += 1
            heapq.heappush(heap, (nxt[0], seq, nxt[1], it))
        return nxt is not None

    seq = 0
    t = base
    for _ in range(args.concurrency):
        t += rng.random() * 0.0005
        push(iter(schedule(t)))
    last_t = base
    with open(args.out, "wb") as f:
        f.write(PCAP_HDR)
        while heap and written < limit:
            pt, _, frame, it = heapq.heappop(heap)
            pt = max(pt, last_t)
            last_t = pt
            sec = int(pt)
            usec = int((pt - sec) * 1e6)
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)))
            f.write(frame)
            written += 16 + len(frame)
            if not push(it):
                push(iter(schedule(pt + rng.random() * 0.002)))
    print(f"wrote {args.out}: {written} bytes, {instance} flow instances from {len(templates)} templates")


if __name__ == "__main__":
    main()
