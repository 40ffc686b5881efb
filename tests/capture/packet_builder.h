// Hand-built frames for targeted decoder and flow tests (malformed and rare layouts that real captures
// in the repository do not contain). Checksums are left zero: the decoder does not verify them.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace revo::test {

using Bytes = std::vector<std::uint8_t>;

inline void put16(Bytes& b, std::uint16_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v));
}
inline void put32(Bytes& b, std::uint32_t v) {
    put16(b, static_cast<std::uint16_t>(v >> 16));
    put16(b, static_cast<std::uint16_t>(v));
}
inline void append(Bytes& b, const Bytes& x) { b.insert(b.end(), x.begin(), x.end()); }
inline Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

/// TCP header (20 bytes + options padded to 4) followed by payload.
inline Bytes tcp_segment(std::uint16_t sport, std::uint16_t dport, std::uint32_t seq, std::uint32_t ack,
                         std::uint8_t flags, const Bytes& payload, const Bytes& options = {}) {
    Bytes opts = options;
    while (opts.size() % 4) opts.push_back(0);
    Bytes b;
    put16(b, sport);
    put16(b, dport);
    put32(b, seq);
    put32(b, ack);
    b.push_back(static_cast<std::uint8_t>(((20 + opts.size()) / 4) << 4));
    b.push_back(flags);
    put16(b, 65535);
    put16(b, 0);
    put16(b, 0);
    append(b, opts);
    append(b, payload);
    return b;
}

inline Bytes udp_datagram(std::uint16_t sport, std::uint16_t dport, const Bytes& payload) {
    Bytes b;
    put16(b, sport);
    put16(b, dport);
    put16(b, static_cast<std::uint16_t>(8 + payload.size()));
    put16(b, 0);
    append(b, payload);
    return b;
}

/// IPv4 header with optional options; `frag` holds the flags/offset field (MF = 0x2000).
inline Bytes ipv4(std::initializer_list<std::uint8_t> src, std::initializer_list<std::uint8_t> dst, std::uint8_t proto,
                  const Bytes& body, std::uint16_t id = 1, std::uint16_t frag = 0, const Bytes& options = {},
                  int total_override = -1) {
    Bytes opts = options;
    while (opts.size() % 4) opts.push_back(0);
    Bytes b;
    b.push_back(static_cast<std::uint8_t>(0x40 | ((20 + opts.size()) / 4)));
    b.push_back(0);
    put16(b, static_cast<std::uint16_t>(total_override >= 0 ? total_override : 20 + opts.size() + body.size()));
    put16(b, id);
    put16(b, frag);
    b.push_back(64);
    b.push_back(proto);
    put16(b, 0);
    b.insert(b.end(), src.begin(), src.end());
    b.insert(b.end(), dst.begin(), dst.end());
    append(b, opts);
    append(b, body);
    return b;
}

/// IPv6 header; `ext` is a chain of extension headers already encoded, first one named by `first_nh`.
inline Bytes ipv6(const Bytes& src16, const Bytes& dst16, std::uint8_t first_nh, const Bytes& body) {
    Bytes b = {0x60, 0, 0, 0};
    put16(b, static_cast<std::uint16_t>(body.size()));
    b.push_back(first_nh);
    b.push_back(64);
    append(b, src16);
    append(b, dst16);
    append(b, body);
    return b;
}

inline Bytes v6addr(std::uint8_t last) {
    Bytes a = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last};
    return a;
}

inline Bytes ethernet(const Bytes& l3, std::uint16_t ethertype = 0x0800, std::initializer_list<std::uint16_t> tags = {}) {
    Bytes b = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    for (auto tpid : tags) {
        put16(b, tpid);
        put16(b, 100);  // TCI: VLAN 100
    }
    put16(b, ethertype);
    append(b, l3);
    return b;
}

}  // namespace revo::test
