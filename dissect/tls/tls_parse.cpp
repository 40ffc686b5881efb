// TLS record headers, hellos, Certificate, CertificateStatus and alerts (see tls_parse.h for the RFCs).
#include "dissect/tls/tls_parse.h"

#include <cstdio>

namespace revo::dissect {

const char* alert_name(int d) {
    switch (d) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 21: return "decryption_failed";
    case 22: return "record_overflow";
    case 30: return "decompression_failure";
    case 40: return "handshake_failure";
    case 41: return "no_certificate";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 60: return "export_restriction";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 111: return "certificate_unobtainable";
    case 112: return "unrecognized_name";
    case 113: return "bad_certificate_status_response";
    case 114: return "bad_certificate_hash_value";
    case 115: return "unknown_psk_identity";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return "unknown";
    }
}

namespace tls {
namespace {

std::string fmt(const char* f, unsigned long a, unsigned long b = 0, unsigned long c = 0) {
    char buf[192];
    std::snprintf(buf, sizeof buf, f, a, b, c);
    return buf;
}

// Extension numbers (IANA TLS ExtensionType registry).
constexpr std::uint16_t ext_server_name = 0;
constexpr std::uint16_t ext_status_request = 5;
constexpr std::uint16_t ext_alpn = 16;
constexpr std::uint16_t ext_status_request_v2 = 17;
constexpr std::uint16_t ext_sct = 18;
constexpr std::uint16_t ext_key_share_draft = 40;  // drafts up to 22
constexpr std::uint16_t ext_pre_shared_key = 41;
constexpr std::uint16_t ext_early_data = 42;
constexpr std::uint16_t ext_supported_versions = 43;
constexpr std::uint16_t ext_key_share = 51;

// SHA-256("HelloRetryRequest"), RFC 8446 4.1.3.
constexpr std::uint8_t hrr_random[32] = {0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C,
                                         0x02, 0x1E, 0x65, 0xB8, 0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB,
                                         0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

/// Splits an extensions block into (type, data) pairs, calling `fn` for each. Returns an error or "".
template <class Fn>
std::string walk_extensions(ByteReader& r, std::vector<TlsExtension>& list, Fn&& fn) {
    auto block = r.prefixed16();
    if (!block) return fmt("extensions length runs past the message (%lu bytes left)", r.remaining());
    while (!block->empty()) {
        auto type = block->u16();
        auto len = block->u16();
        if (!type || !len) return "extension header truncated";
        auto data = block->bytes(*len);
        if (!data) return fmt("extension %lu claims %lu bytes, %lu left", *type, *len, block->remaining());
        list.push_back(TlsExtension{*type, *len});
        std::string err = fn(*type, *data);
        if (!err.empty()) return err;
    }
    if (!r.empty()) return fmt("%lu bytes after the extensions", r.remaining());
    return {};
}

std::string client_extension(ClientHello& ch, std::uint16_t type, ByteView data) {
    ByteReader r(data);
    switch (type) {
    case ext_server_name: {
        if (data.empty()) return {};  // a server's empty acknowledgement; tolerated in a ClientHello too
        auto list = r.prefixed16();
        if (!list || !r.empty()) return "server_name: list length inconsistent with extension length";
        while (!list->empty()) {
            auto name_type = list->u8();
            auto name = list->prefixed16();
            if (!name_type || !name) return "server_name: entry truncated";
            if (*name_type == 0 && ch.sni.empty()) ch.sni = std::string(as_chars(name->whole()));
        }
        return {};
    }
    case ext_alpn: {
        auto list = r.prefixed16();
        if (!list || !r.empty()) return "alpn: list length inconsistent with extension length";
        while (!list->empty()) {
            auto proto = list->prefixed8();
            if (!proto) return "alpn: protocol name truncated";
            ch.alpn.emplace_back(as_chars(proto->whole()));
        }
        return {};
    }
    case ext_supported_versions: {
        auto list = r.prefixed8();
        if (!list || !r.empty() || list->remaining() % 2) return "supported_versions: list length inconsistent";
        while (auto v = list->u16()) ch.supported_versions.push_back(*v);
        return {};
    }
    case ext_status_request: ch.status_request = true; return {};
    case ext_status_request_v2: ch.status_request_v2 = true; return {};
    case ext_sct: ch.sct = true; return {};
    case ext_pre_shared_key: ch.psk = true; return {};
    case ext_early_data: ch.early_data = true; return {};
    case ext_key_share:
    case ext_key_share_draft: {
        auto list = r.prefixed16();
        if (!list || !r.empty()) return "key_share: list length inconsistent with extension length";
        while (!list->empty()) {
            auto group = list->u16();
            auto key = list->prefixed16();
            if (!group || !key) return "key_share: entry truncated";
            ch.key_share_groups.push_back(*group);
        }
        return {};
    }
    default: return {};
    }
}

std::string server_extension(ServerHello& sh, std::uint16_t type, ByteView data) {
    ByteReader r(data);
    switch (type) {
    case ext_supported_versions: {
        auto v = r.u16();
        if (!v || !r.empty()) return "supported_versions: selected version must be 2 bytes";
        sh.selected_version = *v;
        return {};
    }
    case ext_status_request: sh.status_request_ack = true; return {};
    case ext_alpn: {
        auto list = r.prefixed16();
        if (!list || !r.empty()) return "alpn: list length inconsistent with extension length";
        auto proto = list->prefixed8();
        if (!proto || !list->empty()) return "alpn: server must select exactly one protocol";
        sh.alpn = std::string(as_chars(proto->whole()));
        return {};
    }
    default: return {};
    }
}

}  // namespace

HeaderStatus parse_record_header(ByteView v, RecordHeader& out) {
    if (v.size() < record_header_size) return HeaderStatus::need_more;
    out.type = v[0];
    out.version = static_cast<std::uint16_t>((v[1] << 8) | v[2]);
    out.length = static_cast<std::uint16_t>((v[3] << 8) | v[4]);
    if (out.type < 20 || out.type > 24) return HeaderStatus::bad_type;
    if (v[1] != 3 || v[2] > 4) return HeaderStatus::bad_version;
    if (out.length > max_record_length) return HeaderStatus::oversized;
    return HeaderStatus::ok;
}

bool plausible_record_header(ByteView v) {
    RecordHeader h;
    return parse_record_header(v, h) == HeaderStatus::ok && h.type <= 23 && h.length > 0;
}

bool looks_like_sslv2_client_hello(ByteView v) {
    // 2-byte header with the top bit set (no padding), msg type 1, version 0x0002 or 0x03NN.
    if (v.size() < 5) return false;
    if (!(v[0] & 0x80)) return false;
    std::size_t len = (std::size_t(v[0] & 0x7f) << 8) | v[1];
    if (len < 9 || v[2] != 1) return false;
    return (v[3] == 0 && v[4] == 2) || (v[3] == 3 && v[4] <= 4);
}

std::size_t sslv2_record_size(ByteView v) {
    if (v.size() < 2) return 0;
    return 2 + ((std::size_t(v[0] & 0x7f) << 8) | v[1]);
}

bool looks_like_tls(ByteView v) {
    if (v.size() >= 3 && v[0] == 22 && v[1] == 3 && v[2] <= 4) return true;
    return looks_like_sslv2_client_hello(v);
}

bool is_tls13(std::uint16_t v) { return v == 0x0304 || (v >> 8) == 0x7f; }

std::string version_name(std::uint16_t v) {
    switch (v) {
    case 0x0002: return "SSL 2.0";
    case 0x0300: return "SSL 3.0";
    case 0x0301: return "TLS 1.0";
    case 0x0302: return "TLS 1.1";
    case 0x0303: return "TLS 1.2";
    case 0x0304: return "TLS 1.3";
    default: break;
    }
    char buf[40];
    if ((v >> 8) == 0x7f) std::snprintf(buf, sizeof buf, "TLS 1.3 (draft %u)", v & 0xff);
    else std::snprintf(buf, sizeof buf, "unknown(0x%04x)", v);
    return buf;
}

std::string handshake_type_name(std::uint8_t t) {
    switch (t) {
    case 0: return "HelloRequest";
    case 1: return "ClientHello";
    case 2: return "ServerHello";
    case 3: return "HelloVerifyRequest";
    case 4: return "NewSessionTicket";
    case 5: return "EndOfEarlyData";
    case 6: return "HelloRetryRequest";
    case 8: return "EncryptedExtensions";
    case 11: return "Certificate";
    case 12: return "ServerKeyExchange";
    case 13: return "CertificateRequest";
    case 14: return "ServerHelloDone";
    case 15: return "CertificateVerify";
    case 16: return "ClientKeyExchange";
    case 20: return "Finished";
    case 21: return "CertificateURL";
    case 22: return "CertificateStatus";
    case 23: return "SupplementalData";
    case 24: return "KeyUpdate";
    case 25: return "CompressedCertificate";
    case 254: return "MessageHash";
    default: return "unknown(" + std::to_string(t) + ")";
    }
}

std::string parse_client_hello(ByteView body, ClientHello& ch) {
    ByteReader r(body);
    auto version = r.u16();
    auto random = r.bytes(32);
    if (!version || !random) return "truncated before the end of random";
    ch.legacy_version = *version;
    ch.random_hex = to_hex(*random);
    auto sid = r.prefixed8();
    if (!sid) return "session_id length runs past the message";
    if (sid->remaining() > 32) return fmt("session_id length %lu exceeds 32", sid->remaining());
    ch.session_id_hex = to_hex(sid->whole());
    auto suites = r.prefixed16();
    if (!suites) return "cipher_suites length runs past the message";
    if (suites->remaining() % 2) return fmt("cipher_suites length %lu is odd", suites->remaining());
    while (auto s = suites->u16()) ch.cipher_suites.push_back(*s);
    auto comp = r.prefixed8();
    if (!comp) return "compression_methods length runs past the message";
    for (auto b : comp->whole()) ch.compression.push_back(b);
    if (r.empty()) return {};  // SSL 3.0 / early TLS: no extensions block
    return walk_extensions(r, ch.extensions,
                           [&](std::uint16_t t, ByteView d) { return client_extension(ch, t, d); });
}

std::string parse_sslv2_client_hello(ByteView record, ClientHello& ch) {
    // RFC 5246 E.2: msg_type(1) version(2) cipher_spec_length(2) session_id_length(2) challenge_length(2)
    // cipher_specs[3 each] session_id challenge.
    ch.sslv2_format = true;
    ByteReader outer(record);
    auto h0 = outer.u8();
    auto h1 = outer.u8();
    if (!h0 || !h1) return "SSL 2.0 header truncated";
    auto body_b = outer.bytes((std::size_t(*h0 & 0x7f) << 8) | *h1);
    if (!body_b) return "SSL 2.0 record length runs past the data";
    ByteReader r(*body_b);
    auto type = r.u8();
    auto version = r.u16();
    auto cs_len = r.u16();
    auto sid_len = r.u16();
    auto ch_len = r.u16();
    if (!type || !version || !cs_len || !sid_len || !ch_len) return "SSL 2.0 ClientHello header truncated";
    ch.legacy_version = *version;
    if (*cs_len % 3) return fmt("SSL 2.0 cipher_spec_length %lu is not a multiple of 3", *cs_len);
    if (*ch_len < 16 || *ch_len > 32) return fmt("SSL 2.0 challenge length %lu outside 16..32", *ch_len);
    auto specs = r.bytes(*cs_len);
    auto sid = r.bytes(*sid_len);
    auto challenge = r.bytes(*ch_len);
    if (!specs || !sid || !challenge) return "SSL 2.0 ClientHello lengths run past the record";
    for (std::size_t i = 0; i + 2 < specs->size(); i += 3) {
        // Specs with a zero first byte are TLS cipher suites; others are SSL 2.0 kinds, kept as-is.
        std::uint32_t spec = (std::uint32_t((*specs)[i]) << 16) | (std::uint32_t((*specs)[i + 1]) << 8) | (*specs)[i + 2];
        if (spec <= 0xffff) ch.cipher_suites.push_back(static_cast<std::uint16_t>(spec));
    }
    ch.session_id_hex = to_hex(*sid);
    // The challenge is right-aligned in the 32-byte random (RFC 5246 E.2).
    std::vector<std::uint8_t> rnd(32 - challenge->size(), 0);
    rnd.insert(rnd.end(), challenge->begin(), challenge->end());
    ch.random_hex = to_hex(rnd);
    ch.compression.push_back(0);
    if (!r.empty()) return fmt("%lu bytes after the SSL 2.0 ClientHello", r.remaining());
    return {};
}

bool looks_like_sslv2_server_hello(ByteView v) {
    return v.size() >= 5 && (v[0] & 0x80) && v[2] == 4;
}

std::string parse_sslv2_server_hello(ByteView record, ServerHello& sh, ByteView& cert) {
    // msg_type(1)=4 session_id_hit(1) certificate_type(1) version(2) certificate_length(2)
    // cipher_specs_length(2) connection_id_length(2) certificate cipher_specs connection_id.
    ByteReader outer(record);
    auto h0 = outer.u8();
    auto h1 = outer.u8();
    if (!h0 || !h1) return "SSL 2.0 header truncated";
    auto body = outer.bytes((std::size_t(*h0 & 0x7f) << 8) | *h1);
    if (!body) return "SSL 2.0 record length runs past the data";
    ByteReader r(*body);
    auto type = r.u8();
    auto hit = r.u8();
    auto cert_type = r.u8();
    auto version = r.u16();
    auto cert_len = r.u16();
    auto specs_len = r.u16();
    auto conn_len = r.u16();
    if (!type || !hit || !cert_type || !version || !cert_len || !specs_len || !conn_len)
        return "SSL 2.0 ServerHello header truncated";
    sh.legacy_version = sh.selected_version = *version;
    auto c = r.bytes(*cert_len);
    auto specs = r.bytes(*specs_len);
    auto conn = r.bytes(*conn_len);
    if (!c || !specs || !conn) return "SSL 2.0 ServerHello lengths run past the record";
    if (*cert_type == 1 && !c->empty()) cert = *c;
    if (specs->size() >= 3) {
        std::uint32_t spec = (std::uint32_t((*specs)[0]) << 16) | (std::uint32_t((*specs)[1]) << 8) | (*specs)[2];
        sh.cipher_suite = static_cast<std::uint16_t>(spec & 0xffff);  // SSL 2.0 kinds are 3 bytes wide
    }
    return {};
}

std::string parse_server_hello(ByteView body, ServerHello& sh) {
    ByteReader r(body);
    auto version = r.u16();
    auto random = r.bytes(32);
    if (!version || !random) return "truncated before the end of random";
    sh.legacy_version = *version;
    sh.selected_version = *version;
    sh.random_hex = to_hex(*random);
    sh.hello_retry_request = std::equal(random->begin(), random->end(), std::begin(hrr_random));
    bool draft_layout = (*version >> 8) == 0x7f && (*version & 0xff) <= 21;
    if (!draft_layout) {
        auto sid = r.prefixed8();
        if (!sid) return "session_id length runs past the message";
        if (sid->remaining() > 32) return fmt("session_id length %lu exceeds 32", sid->remaining());
        sh.session_id_hex = to_hex(sid->whole());
    }
    auto suite = r.u16();
    if (!suite) return "cipher_suite truncated";
    sh.cipher_suite = *suite;
    if (!draft_layout) {
        auto comp = r.u8();
        if (!comp) return "compression_method truncated";
    }
    if (r.empty()) return {};
    return walk_extensions(r, sh.extensions,
                           [&](std::uint16_t t, ByteView d) { return server_extension(sh, t, d); });
}

std::string parse_certificate(ByteView body, bool tls13, CertificateMessage& out) {
    ByteReader r(body);
    if (tls13) {
        auto ctx = r.prefixed8();
        if (!ctx) return "certificate_request_context runs past the message";
    }
    auto list = r.prefixed24();
    if (!list) return fmt("certificate_list length runs past the message (%lu bytes left)", r.remaining());
    if (!r.empty()) return fmt("%lu bytes after certificate_list", r.remaining());
    while (!list->empty()) {
        auto cert = list->prefixed24();
        if (!cert) return fmt("certificate %lu: length runs past certificate_list", out.certs.size());
        if (cert->empty()) return fmt("certificate %lu: empty", out.certs.size());
        bool leaf = out.certs.empty();
        out.certs.push_back(cert->whole());
        if (!tls13) continue;
        auto exts = list->prefixed16();
        if (!exts) return fmt("certificate %lu: extensions length runs past certificate_list", out.certs.size() - 1);
        while (!exts->empty()) {
            auto type = exts->u16();
            auto data = exts->prefixed16();
            if (!type || !data) return fmt("certificate %lu: extension truncated", out.certs.size() - 1);
            if (!leaf) continue;
            if (*type == ext_sct) out.leaf_sct = true;
            if (*type == ext_status_request) {
                // CertificateStatus struct: status_type(1) + OCSPResponse<1..2^24-1>.
                auto st = data->u8();
                auto resp = data->prefixed24();
                if (!st || !resp || !data->empty()) return "leaf status_request: OCSP response length inconsistent";
                out.leaf_status_type = *st;
                out.leaf_ocsp = resp->whole();
            }
        }
    }
    return {};
}

std::string parse_certificate_status(ByteView body, CertificateStatusMessage& out) {
    ByteReader r(body);
    auto st = r.u8();
    if (!st) return "status_type missing";
    out.status_type = *st;
    if (*st == 1) {
        auto resp = r.prefixed24();
        if (!resp) return fmt("OCSP response length runs past the message (%lu bytes left)", r.remaining());
        if (!r.empty()) return fmt("%lu bytes after the OCSP response", r.remaining());
        out.ocsp = resp->whole();
        out.responses = 1;
        return {};
    }
    if (*st == 2) {
        auto list = r.prefixed24();
        if (!list || !r.empty()) return "ocsp_multi: response list length inconsistent with the message";
        while (!list->empty()) {
            auto resp = list->prefixed24();
            if (!resp) return fmt("ocsp_multi: response %lu runs past the list", out.responses);
            if (out.ocsp.empty() && !resp->empty()) out.ocsp = resp->whole();
            ++out.responses;
        }
        return {};
    }
    return fmt("unknown status_type %lu", *st);
}

std::string parse_encrypted_extensions(ByteView body, ServerHello& sh, std::vector<TlsExtension>& out) {
    ByteReader r(body);
    return walk_extensions(r, out, [&](std::uint16_t t, ByteView d) {
        // supported_versions never appears here; ignore it rather than overwrite the hello's choice.
        return t == ext_supported_versions ? std::string() : server_extension(sh, t, d);
    });
}

std::string parse_alerts(ByteView body, std::vector<AlertMessage>& out) {
    if (body.empty()) return "empty alert record";
    for (std::size_t i = 0; i + 1 < body.size(); i += 2) out.push_back(AlertMessage{body[i], body[i + 1]});
    if (body.size() % 2) return fmt("alert record of %lu bytes (alerts are 2 bytes)", body.size());
    return {};
}

}  // namespace tls
}  // namespace revo::dissect
