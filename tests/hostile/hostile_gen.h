// Generator of hostile captures for the robustness tests: classic pcap files (Ethernet, IPv4, TCP)
// written from scratch, each built to push one bound of the tool (flows, out-of-order buffering,
// handshake message size, record counts, HTTP chunking, body size, DER nesting).
//
// Headers follow RFC 791 (IPv4, with a correct header checksum) and RFC 9293 (TCP, with a correct
// checksum over the pseudo-header), so other tools (tshark) read the files the same way.
#pragma once

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace revo::hostile {

using Bytes = std::vector<std::uint8_t>;

inline void put16(Bytes& b, std::uint32_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v));
}
inline void put32(Bytes& b, std::uint32_t v) {
    put16(b, v >> 16);
    put16(b, v & 0xffff);
}
inline void put_le32(Bytes& b, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
inline void append(Bytes& b, const std::string& s) { b.insert(b.end(), s.begin(), s.end()); }
inline void append(Bytes& b, const Bytes& s) { b.insert(b.end(), s.begin(), s.end()); }

/// Writes a little-endian microsecond pcap file (LINKTYPE_ETHERNET), buffered.
class PcapWriter {
public:
    explicit PcapWriter(const std::string& path) : f_(std::fopen(path.c_str(), "wb")) {
        if (!f_) throw std::runtime_error("cannot create " + path);
        std::setvbuf(f_, nullptr, _IOFBF, 1u << 20);
        Bytes h;
        put_le32(h, 0xa1b2c3d4);
        h.push_back(2), h.push_back(0), h.push_back(4), h.push_back(0);  // version 2.4
        put_le32(h, 0), put_le32(h, 0), put_le32(h, 262144), put_le32(h, 1);
        write(h);
    }
    ~PcapWriter() {
        if (f_) std::fclose(f_);
    }
    PcapWriter(const PcapWriter&) = delete;
    PcapWriter& operator=(const PcapWriter&) = delete;

    /// One frame at `usec` microseconds after the epoch base (2024-01-01).
    void frame(const Bytes& data, std::uint64_t usec) {
        const std::uint64_t t = 1704067200ull * 1000000ull + usec;
        Bytes h;
        put_le32(h, static_cast<std::uint32_t>(t / 1000000));
        put_le32(h, static_cast<std::uint32_t>(t % 1000000));
        put_le32(h, static_cast<std::uint32_t>(data.size()));
        put_le32(h, static_cast<std::uint32_t>(data.size()));
        write(h);
        write(data);
        ++frames_;
    }
    std::uint64_t frames() const { return frames_; }

private:
    void write(const Bytes& b) {
        if (std::fwrite(b.data(), 1, b.size(), f_) != b.size()) throw std::runtime_error("short write");
    }
    std::FILE* f_;
    std::uint64_t frames_ = 0;
};

namespace tcp_flag {
inline constexpr std::uint8_t fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10;
}

inline std::uint16_t fold(std::uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}
inline std::uint32_t sum16(const std::uint8_t* p, std::size_t n, std::uint32_t sum = 0) {
    for (std::size_t i = 0; i + 1 < n; i += 2) sum += (std::uint32_t(p[i]) << 8) | p[i + 1];
    if (n & 1) sum += std::uint32_t(p[n - 1]) << 8;
    return sum;
}

/// An Ethernet + IPv4 + TCP frame.
inline Bytes tcp_frame(std::uint32_t src, std::uint16_t sport, std::uint32_t dst, std::uint16_t dport, std::uint32_t seq,
                       std::uint32_t ack, std::uint8_t flags, const std::uint8_t* payload = nullptr, std::size_t len = 0) {
    Bytes f;
    f.reserve(54 + len);
    const std::uint8_t macs[12] = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1};
    f.insert(f.end(), macs, macs + 12);
    put16(f, 0x0800);
    const std::size_t ip = f.size();
    f.push_back(0x45), f.push_back(0);
    put16(f, static_cast<std::uint32_t>(20 + 20 + len));
    put16(f, 0), put16(f, 0x4000);  // id, DF
    f.push_back(64), f.push_back(6);
    put16(f, 0);  // checksum below
    put32(f, src), put32(f, dst);
    const std::uint16_t ipsum = fold(sum16(f.data() + ip, 20));
    f[ip + 10] = static_cast<std::uint8_t>(ipsum >> 8), f[ip + 11] = static_cast<std::uint8_t>(ipsum);
    const std::size_t tcp = f.size();
    put16(f, sport), put16(f, dport), put32(f, seq), put32(f, ack);
    f.push_back(0x50), f.push_back(flags);
    put16(f, 65535), put16(f, 0), put16(f, 0);
    if (len) f.insert(f.end(), payload, payload + len);
    std::uint32_t ps = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 6 + std::uint32_t(20 + len);
    const std::uint16_t tsum = fold(sum16(f.data() + tcp, 20 + len, ps));
    f[tcp + 16] = static_cast<std::uint8_t>(tsum >> 8), f[tcp + 17] = static_cast<std::uint8_t>(tsum);
    return f;
}

/// A TCP connection written frame by frame: handshake, data in segments, close.
class TcpConv {
public:
    TcpConv(PcapWriter& w, std::uint32_t client, std::uint16_t cport, std::uint32_t server, std::uint16_t sport,
            std::uint64_t& clock_us)
        : w_(w), c_(client), s_(server), cp_(cport), sp_(sport), t_(clock_us) {}

    void handshake() {
        w_.frame(tcp_frame(c_, cp_, s_, sp_, cseq_ - 1, 0, tcp_flag::syn), t_ += 100);
        w_.frame(tcp_frame(s_, sp_, c_, cp_, sseq_ - 1, cseq_, tcp_flag::syn | tcp_flag::ack), t_ += 100);
        w_.frame(tcp_frame(c_, cp_, s_, sp_, cseq_, sseq_, tcp_flag::ack), t_ += 100);
    }
    /// Sends `data` from the client (or server) in segments of at most `mss` bytes, each ACKed.
    void send(bool from_client, const Bytes& data, std::size_t mss = 1400, bool ack_each = true) {
        for (std::size_t off = 0; off < data.size(); off += mss) {
            const std::size_t n = std::min(mss, data.size() - off);
            segment(from_client, data.data() + off, n);
            if (ack_each) ack(!from_client);
        }
    }
    void segment(bool from_client, const std::uint8_t* p, std::size_t n) {
        auto& seq = from_client ? cseq_ : sseq_;
        auto& ack = from_client ? sseq_ : cseq_;
        w_.frame(from_client ? tcp_frame(c_, cp_, s_, sp_, seq, ack, tcp_flag::ack | tcp_flag::psh, p, n)
                             : tcp_frame(s_, sp_, c_, cp_, seq, ack, tcp_flag::ack | tcp_flag::psh, p, n),
                 t_ += 10);
        seq += static_cast<std::uint32_t>(n);
    }
    void ack(bool from_client) {
        w_.frame(from_client ? tcp_frame(c_, cp_, s_, sp_, cseq_, sseq_, tcp_flag::ack)
                             : tcp_frame(s_, sp_, c_, cp_, sseq_, cseq_, tcp_flag::ack),
                 t_ += 10);
    }
    void close() {
        w_.frame(tcp_frame(c_, cp_, s_, sp_, cseq_, sseq_, tcp_flag::fin | tcp_flag::ack), t_ += 100);
        w_.frame(tcp_frame(s_, sp_, c_, cp_, sseq_, cseq_ + 1, tcp_flag::fin | tcp_flag::ack), t_ += 100);
        w_.frame(tcp_frame(c_, cp_, s_, sp_, cseq_ + 1, sseq_ + 1, tcp_flag::ack), t_ += 100);
    }
    std::uint32_t client_seq() const { return cseq_; }
    std::uint32_t server_seq() const { return sseq_; }
    void frame_raw(const Bytes& f) { w_.frame(f, t_ += 10); }

private:
    PcapWriter& w_;
    std::uint32_t c_, s_;
    std::uint16_t cp_, sp_;
    std::uint64_t& t_;
    std::uint32_t cseq_ = 0x10000001u, sseq_ = 0x70000001u;
};

inline constexpr std::uint32_t kClient = 0x0a000001u;  // 10.0.0.1
inline constexpr std::uint32_t kServer = 0x0a000002u;  // 10.0.0.2

/// `n` SYNs, each from a distinct (address, port) to 10.0.0.2:443; none is answered.
inline void syn_flood(const std::string& path, std::uint64_t n) {
    PcapWriter w(path);
    for (std::uint64_t i = 0; i < n; ++i) {
        const std::uint32_t src = 0x0b000000u + static_cast<std::uint32_t>(i / 50000);  // 11.x.y.z
        const std::uint16_t port = static_cast<std::uint16_t>(10000 + i % 50000);
        w.frame(tcp_frame(src, port, kServer, 443, static_cast<std::uint32_t>(i * 7919u), 0, tcp_flag::syn), i);
    }
}

/// One connection whose client data arrives only out of order: the first segment never comes, the
/// rest arrive backwards. Nothing can be delivered in order; the buffering caps must hold.
inline void out_of_order_only(const std::string& path, std::size_t segments, std::size_t seg_size) {
    PcapWriter w(path);
    std::uint64_t t = 0;
    TcpConv c(w, kClient, 40000, kServer, 443, t);
    c.handshake();
    const std::uint32_t base = c.client_seq();
    Bytes payload(seg_size, 0x41);
    for (std::size_t k = segments; k >= 1; --k) {
        w.frame(tcp_frame(kClient, 40000, kServer, 443, base + static_cast<std::uint32_t>(k * seg_size), c.server_seq(),
                          tcp_flag::ack | tcp_flag::psh, payload.data(), payload.size()),
                t += 10);
    }
}

/// A TLS ClientHello record, then a server handshake record whose first message claims 16 MB (type
/// Certificate), followed by many full records continuing it.
inline void tls_huge_handshake_message(const std::string& path, std::size_t continuation_records) {
    PcapWriter w(path);
    std::uint64_t t = 0;
    TcpConv c(w, kClient, 40001, kServer, 443, t);
    c.handshake();
    // Minimal ClientHello: version, random, empty session id, one suite, null compression, no extensions.
    Bytes body;
    put16(body, 0x0303);
    body.insert(body.end(), 32, 0x11);
    body.push_back(0);
    put16(body, 2), put16(body, 0x002f);
    body.push_back(1), body.push_back(0);
    Bytes hs{1, 0, 0, 0};
    hs[3] = static_cast<std::uint8_t>(body.size());
    append(hs, body);
    Bytes rec{22, 3, 1};
    put16(rec, static_cast<std::uint32_t>(hs.size()));
    append(rec, hs);
    c.send(true, rec);
    Bytes srv;
    for (std::size_t i = 0; i < continuation_records; ++i) {
        Bytes r{22, 3, 3};
        put16(r, 16384);
        Bytes chunk(16384, 0x5a);
        if (i == 0) chunk[0] = 11, chunk[1] = 0xff, chunk[2] = 0xff, chunk[3] = 0xff;  // Certificate, 16 MB - 1
        append(r, chunk);
        append(srv, r);
    }
    c.send(false, srv, 1448, false);
    c.close();
}

/// A TLS server direction of `records` handshake records of one byte each.
inline void tls_tiny_records(const std::string& path, std::size_t records) {
    PcapWriter w(path);
    std::uint64_t t = 0;
    TcpConv c(w, kClient, 40002, kServer, 443, t);
    c.handshake();
    Bytes hello{22, 3, 1, 0, 4, 1, 0, 0, 0};  // an empty ClientHello body (malformed but framed)
    c.send(true, hello);
    Bytes srv;
    srv.reserve(records * 6);
    for (std::size_t i = 0; i < records; ++i) {
        const std::uint8_t r[6] = {22, 3, 3, 0, 1, static_cast<std::uint8_t>(i == 0 ? 2 : 0)};
        srv.insert(srv.end(), r, r + 6);
    }
    c.send(false, srv, 1448, false);
    c.close();
}

/// Client-side OCSP POST request text (the body is a fixed, syntactically valid OCSPRequest shape).
inline Bytes ocsp_post(const std::string& extra_headers, std::size_t body_len) {
    Bytes b;
    append(b, "POST / HTTP/1.1\r\nHost: ocsp.example.test\r\nContent-Type: application/ocsp-request\r\n" + extra_headers +
                  "Content-Length: " + std::to_string(body_len) + "\r\n\r\n");
    b.insert(b.end(), body_len, 0x30);
    return b;
}

/// An HTTP response whose body comes as `chunks` chunks of one byte each (RFC 9112 7.1).
inline void http_deep_chunked(const std::string& path, std::size_t chunks) {
    PcapWriter w(path);
    std::uint64_t t = 0;
    TcpConv c(w, kClient, 40003, kServer, 80, t);
    c.handshake();
    c.send(true, ocsp_post("", 4));
    Bytes r;
    append(r, "HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\nTransfer-Encoding: chunked\r\n\r\n");
    r.reserve(r.size() + chunks * 6);
    for (std::size_t i = 0; i < chunks; ++i) append(r, "1\r\n0\r\n");
    append(r, "0\r\n\r\n");
    c.send(false, r, 1448, false);
    c.close();
}

/// An HTTP OCSP response with a body of `body_bytes`, larger than any cap.
inline void http_huge_body(const std::string& path, std::size_t body_bytes) {
    PcapWriter w(path);
    std::uint64_t t = 0;
    TcpConv c(w, kClient, 40004, kServer, 80, t);
    c.handshake();
    c.send(true, ocsp_post("", 4));
    Bytes r;
    append(r, "HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\nContent-Length: " +
                  std::to_string(body_bytes) + "\r\n\r\n");
    c.send(false, r);
    Bytes chunk(1448, 0x30);
    for (std::size_t sent = 0; sent < body_bytes; sent += chunk.size()) {
        const std::size_t n = std::min(chunk.size(), body_bytes - sent);
        c.segment(false, chunk.data(), n);
        if ((sent / chunk.size()) % 16 == 0) c.ack(true);
    }
    c.close();
}

/// DER bombs as OCSP responses: `depth` nested SEQUENCEs (definite lengths), then one whose outer
/// length claims 2^31 - 1 bytes, then an indefinite-length (BER) nest.
inline Bytes der_nested(std::size_t depth) {
    // Built inside out: each level wraps the previous one in 30 <len>.
    Bytes der{0x05, 0x00};  // NULL at the core
    for (std::size_t i = 0; i < depth; ++i) {
        Bytes w{0x30};
        const std::size_t n = der.size();
        if (n < 128) w.push_back(static_cast<std::uint8_t>(n));
        else if (n < 256) w.push_back(0x81), w.push_back(static_cast<std::uint8_t>(n));
        else if (n < 65536) w.push_back(0x82), put16(w, static_cast<std::uint32_t>(n));
        else w.push_back(0x83), w.push_back(static_cast<std::uint8_t>(n >> 16)), put16(w, n & 0xffff);
        append(w, der);
        der.swap(w);
    }
    return der;
}
inline void der_bomb(const std::string& path) {
    PcapWriter w(path);
    std::uint64_t t = 0;
    std::vector<Bytes> bodies;
    bodies.push_back(der_nested(20000));
    Bytes huge{0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x0a, 0x01, 0x00, 0xa0, 0x84, 0x7f, 0xff, 0xff, 0xf0};
    bodies.push_back(huge);
    Bytes indef;
    for (int i = 0; i < 50000; ++i) indef.push_back(0x30), indef.push_back(0x80);
    bodies.push_back(indef);
    std::uint16_t port = 40010;
    for (const auto& body : bodies) {
        TcpConv c(w, kClient, port++, kServer, 80, t);
        c.handshake();
        c.send(true, ocsp_post("", 4));
        Bytes r;
        append(r, "HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n");
        append(r, body);
        c.send(false, r);
        c.close();
    }
}

}  // namespace revo::hostile
