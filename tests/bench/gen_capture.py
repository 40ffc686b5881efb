#!/usr/bin/env python3
"""Deterministic generator of a large benchmark capture built from the real flows in samples/.

Each real TCP or UDP flow of the sample captures becomes a template. The generator replays templates
many times with rewritten addresses (198.18.0.0/15 and 2001:db8:ffff::/48), ports and times, so that
thousands of distinct flows run concurrently and interleave. TLS connections get realistic application
data volume after their handshake (server records of 16 KiB split into 1448-byte segments). Unrelated
traffic (bulk TCP on port 22, UDP) fills a share of the file. Same arguments, same bytes.

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


def app_data_packets(last_server_frame, l4, v6, volume, t_start, rng):
    """Server-to-client TLS application data continuing the server's sequence space."""
    fr = last_server_frame
    thl = (fr[l4 + 12] >> 4) * 4
    seq, ack = struct.unpack(">II", fr[l4 + 4:l4 + 12])
    payload_len = len(fr) - l4 - thl
    seq = (seq + payload_len) & 0xFFFFFFFF
    head = bytearray(fr[:l4 + 20])
    head[l4 + 12] = 0x50  # 20-byte TCP header
    head[l4 + 13] = 0x18  # PSH+ACK
    out, t, sent = [], t_start, 0
    record = b"\x17\x03\x03\x40\x00" + bytes(rng.getrandbits(8) for _ in range(64)) * 256
    stream = b""
    while sent < volume:
        if not stream:
            stream = record
        seg, stream = stream[:1448], stream[1448:]
        h = bytearray(head)
        h[l4 + 4:l4 + 8] = struct.pack(">I", seq)
        h[l4 + 8:l4 + 12] = struct.pack(">I", ack)
        frame = bytes(h) + seg
        if v6:
            frame = frame[:18] + struct.pack(">H", len(frame) - 54) + frame[20:]
        else:
            frame = frame[:16] + struct.pack(">H", len(frame) - 14) + frame[18:]
        out.append((t, frame))
        seq = (seq + len(seg)) & 0xFFFFFFFF
        sent += len(seg)
        t += 0.00012
    return out


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

    def schedule(start):
        nonlocal instance
        tpl = rng.choice(templates)
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
        eph = 1024 + (n * 7919) % 60000
        if port_a >= 1024:
            port_map[port_a] = eph
        elif port_b >= 1024:
            port_map[port_b] = eph
        pkts = []
        last_server = None
        for rel, fr, l4, v6 in tpl.packets:
            out = rewrite(fr, l4, v6, addr_map, port_map)
            pkts.append((start + rel, out))
            if tpl.tls and struct.unpack(">H", fr[l4:l4 + 2])[0] in (port_a, port_b) and len(fr) > l4 + 40:
                last_server = (out, l4, v6)
        if tpl.tls and last_server:
            volume = rng.choice([64 << 10, 256 << 10, 1 << 20, 4 << 20])
            pkts.extend(app_data_packets(last_server[0], last_server[1], last_server[2], volume,
                                         pkts[-1][0] + 0.001, rng))
        return pkts

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
