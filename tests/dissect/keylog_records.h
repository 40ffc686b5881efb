// Test helper: the TLS records of each TCP connection in a real capture, taken from tshark's per-frame
// TCP payloads (tshark is the oracle here, so these tests do not depend on the capture layer), plus the
// hello fields make_decryptor() needs, parsed from the plaintext ClientHello and ServerHello.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "dissect/tls/decrypt_seam.h"
#include "dissect/tls/handshake.h"
#include "dissect/tls/keylog.h"
#include "tests/test_support.h"

namespace revo::test::keylog {

using Bytes = std::vector<std::uint8_t>;

struct Record {
    capture::Side from = capture::Side::client;
    std::uint8_t type = 0;
    Bytes bytes;  ///< header included
};

struct Connection {
    std::vector<Record> records;
    dissect::ClientHello ch;
    dissect::ServerHello sh;
    bool have_ch = false, have_sh = false;
};

inline Bytes hex_bytes(const std::string& hex) {
    bool ok = false;
    return dissect::parse_hex(hex, &ok);
}

inline std::uint32_t be(const Bytes& b, std::size_t at, int n) {
    std::uint32_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | b.at(at + i);
    return v;
}

inline void parse_client_hello(const Bytes& m, dissect::ClientHello& ch) {
    // m: handshake body (after type and length)
    ByteReader r(m);
    r.u16();
    auto random = r.bytes(32);
    if (!random) return;
    ch.random_hex = to_hex(*random);
    r.prefixed8();
    r.prefixed16();
    r.prefixed8();
    auto exts = r.prefixed16();
    if (!exts) return;
    while (!exts->empty()) {
        auto type = exts->u16();
        auto body = exts->prefixed16();
        if (!type || !body) break;
        if (*type == 42) ch.early_data = true;
    }
}

inline void parse_server_hello(const Bytes& m, dissect::ServerHello& sh) {
    ByteReader r(m);
    auto version = r.u16();
    auto random = r.bytes(32);
    if (!version || !random) return;
    sh.legacy_version = *version;
    sh.selected_version = *version;
    sh.random_hex = to_hex(*random);
    bool draft = (*version >> 8) == 0x7f;  // drafts: no session id, no compression
    if (!draft) r.prefixed8();
    auto suite = r.u16();
    if (suite) sh.cipher_suite = *suite;
    if (!draft) r.u8();
    auto exts = r.prefixed16();
    if (!exts) return;
    while (!exts->empty()) {
        auto type = exts->u16();
        auto body = exts->prefixed16();
        if (!type || !body) break;
        if (*type == 43) {
            auto v = body->u16();
            if (v) sh.selected_version = *v;
        }
    }
}

/// Connections of a capture, keyed by tshark's tcp.stream. Empty when tshark fails.
inline std::map<int, Connection> load_connections(const std::string& pcap) {
    std::map<int, Connection> out;
    auto res = run_command("tshark -n -r " + shell_quote(pcap) +
                           " -Y 'tcp.len>0 && !tcp.analysis.retransmission' -T fields -e tcp.stream"
                           " -e tcp.srcport -e tcp.payload");
    if (res.exit_code != 0) return out;
    std::map<int, std::string> client_port;
    std::map<int, Bytes> stream[2];
    for (const auto& line : split_lines(res.out)) {
        auto t1 = line.find('\t');
        auto t2 = line.find('\t', t1 + 1);
        if (t1 == std::string::npos || t2 == std::string::npos) continue;
        int id = std::stoi(line.substr(0, t1));
        std::string port = line.substr(t1 + 1, t2 - t1 - 1);
        std::string hex = line.substr(t2 + 1);
        std::erase(hex, ':');
        if (!client_port.count(id)) client_port[id] = port;  // first talker is the client
        int side = client_port[id] == port ? 0 : 1;
        Bytes b = hex_bytes(hex);
        auto& s = stream[side][id];
        s.insert(s.end(), b.begin(), b.end());
        out[id];
    }
    for (auto& [id, conn] : out) {
        // Records in order of arrival are interleaved by side only loosely; keep each side's order and
        // put the client's records first — the tests never depend on cross-side order.
        for (int side = 0; side < 2; ++side) {
            const Bytes& s = stream[side][id];
            std::size_t at = 0;
            while (at + 5 <= s.size()) {
                std::size_t len = be(s, at + 3, 2);
                if (at + 5 + len > s.size()) break;
                Record rec;
                rec.from = side == 0 ? capture::Side::client : capture::Side::server;
                rec.type = s[at];
                rec.bytes.assign(s.begin() + at, s.begin() + at + 5 + len);
                if (rec.type == 22 && len >= 4) {
                    std::uint8_t ht = s[at + 5];
                    std::size_t hl = be(s, at + 6, 3);
                    if (5 + 4 + hl <= 5 + len) {
                        Bytes body(s.begin() + at + 9, s.begin() + at + 9 + hl);
                        if (ht == 1 && side == 0 && !conn.have_ch) {
                            parse_client_hello(body, conn.ch);
                            conn.have_ch = true;
                        } else if (ht == 2 && side == 1 && !conn.have_sh) {
                            parse_server_hello(body, conn.sh);
                            conn.have_sh = true;
                        }
                    }
                }
                conn.records.push_back(std::move(rec));
                at += 5 + len;
            }
        }
    }
    return out;
}

struct Opened {
    capture::Side from;
    bool ok = false;
    std::uint8_t inner_type = 0;
    Bytes plain;
    std::string note;
};

inline bool is_tls13(const dissect::ServerHello& sh) {
    return sh.selected_version == 0x0304 || (sh.selected_version >> 8) == 0x7f;
}

/// Handshake message types found in a plaintext handshake record (complete messages only).
inline std::vector<int> handshake_types(const Bytes& p) {
    std::vector<int> t;
    std::size_t at = 0;
    while (at + 4 <= p.size()) {
        t.push_back(p[at]);
        at += 4 + be(p, at + 1, 3);
    }
    return t;
}

/// Feeds each protected record of the connection to the decryptor, the way the TLS stream does:
/// TLS 1.3: outer type 23 records; TLS 1.2: every record after the sender's ChangeCipherSpec.
/// With `announce_finished`, next_epoch() is called after a decrypted Finished (TLS 1.3).
inline std::vector<Opened> open_all(dissect::RecordDecryptor& d, const Connection& c, bool announce_finished) {
    std::vector<Opened> out;
    bool tls13 = is_tls13(c.sh);
    bool after_ccs[2] = {false, false};
    for (const auto& rec : c.records) {
        int side = capture::index(rec.from);
        bool protect = tls13 ? rec.type == 23 : after_ccs[side];
        if (!tls13 && rec.type == 20) after_ccs[side] = true;
        if (!protect) continue;
        Opened o;
        o.from = rec.from;
        std::uint8_t inner = 0;
        auto p = d.decrypt(rec.from, rec.type, rec.bytes, inner);
        if (p) {
            o.ok = true;
            o.inner_type = inner;
            o.plain = std::move(*p);
            if (tls13 && announce_finished && inner == 22) {
                for (int t : handshake_types(o.plain))
                    if (t == 20) d.next_epoch(rec.from);
            }
        } else {
            o.note = d.note();
        }
        out.push_back(std::move(o));
    }
    return out;
}

inline std::string as_string(const Bytes& b) { return std::string(b.begin(), b.end()); }

}  // namespace revo::test::keylog
