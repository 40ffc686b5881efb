#!/usr/bin/env python3
"""Writes a pcap of N SYNs on distinct flows (half-open connections), for flow-table scaling runs.

usage: gen_syn_flood.py OUT.pcap N
"""
import struct
import sys


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    eth = bytes.fromhex("020000000002" "020000000001" "0800")
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(n):
            src = bytes([198, 18, (i >> 16) & 255, (i >> 8) & 255])
            ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 40, i & 0xFFFF, 0x4000, 64, 6, 0, src,
                             bytes([198, 19, 0, 1]))
            tcp = struct.pack(">HHIIBBHHH", 1024 + (i & 0xFF) * 200 + (i >> 24), 80, i * 2654435761 & 0xFFFFFFFF,
                              0, 0x50, 0x02, 64240, 0, 0)
            frame = eth + ip + tcp
            t = 1_800_000_000 + i // 100000
            f.write(struct.pack("<IIII", t, (i % 100000) * 10, len(frame), len(frame)))
            f.write(frame)


if __name__ == "__main__":
    main()
