// Unit tests of the TLS record and message parsers and of the stream consumer's error handling.
//
// Well-formed messages come from a real capture (suricata-verify tls-alpn-log-detect-02: a TLS 1.2
// handshake with a stapled OCSP response); malformed variants are those bytes cut or altered, or
// small hand-built records where only a header matters.
#include <catch2/catch.hpp>

#include <map>

#include "dissect/dispatch.h"
#include "dissect/sink.h"
#include "dissect/tls/tls_parse.h"
#include "dissect/tls/tls_stream.h"
#include "tests/test_support.h"

using namespace revo;
using namespace revo::dissect;
using capture::Side;

namespace {

const char* k_staple_capture = "suricata-verify/tests/tls-alpn-log-detect-02/input.pcap";

std::vector<std::uint8_t> unhex(const std::string& s) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < s.size(); i += 2) {
        unsigned v = 0;
        if (std::sscanf(s.c_str() + i, "%2x", &v) != 1) break;
        out.push_back(static_cast<std::uint8_t>(v));
    }
    return out;
}

/// TCP payload bytes of the frames matching `filter`, concatenated in frame order.
std::vector<std::uint8_t> payload(const std::string& file, const std::string& filter) {
    auto r = revo::test::run_command("tshark -n -r " + revo::test::shell_quote(file) + " -Y " +
                                     revo::test::shell_quote(filter) + " -T fields -e tcp.payload");
    std::vector<std::uint8_t> out;
    for (auto& line : revo::test::split_lines(r.out)) {
        auto b = unhex(line);
        out.insert(out.end(), b.begin(), b.end());
    }
    return out;
}

/// Handshake messages (type, body) in a run of plaintext records.
std::vector<std::pair<std::uint8_t, std::vector<std::uint8_t>>> messages(const std::vector<std::uint8_t>& stream) {
    std::vector<std::uint8_t> hs;
    std::size_t pos = 0;
    while (pos + 5 <= stream.size()) {
        tls::RecordHeader h;
        if (tls::parse_record_header(ByteView(stream).subspan(pos), h) != tls::HeaderStatus::ok) break;
        if (pos + 5 + h.length > stream.size()) break;
        if (h.type == 22) hs.insert(hs.end(), stream.begin() + pos + 5, stream.begin() + pos + 5 + h.length);
        pos += 5 + h.length;
    }
    std::vector<std::pair<std::uint8_t, std::vector<std::uint8_t>>> out;
    std::size_t p = 0;
    while (p + 4 <= hs.size()) {
        std::size_t len = (std::size_t(hs[p + 1]) << 16) | (std::size_t(hs[p + 2]) << 8) | hs[p + 3];
        if (p + 4 + len > hs.size()) break;
        out.emplace_back(hs[p], std::vector<std::uint8_t>(hs.begin() + p + 4, hs.begin() + p + 4 + len));
        p += 4 + len;
    }
    return out;
}

struct RealHandshake {
    std::vector<std::uint8_t> client;  // client bytes up to and including its Finished flight
    std::vector<std::uint8_t> server;  // server bytes: hello flight
    std::map<std::uint8_t, std::vector<std::uint8_t>> client_msgs, server_msgs;
};

bool load_real(RealHandshake& rh) {
    if (!revo::test::have_program("tshark")) {
        WARN("tshark not installed; skipping");
        return false;
    }
    std::string file = revo::test::corpus_path(k_staple_capture);
    if (file.empty()) {
        WARN("corpus absent; skipping");
        return false;
    }
    rh.client = payload(file, "frame.number==4");
    rh.server = payload(file, "frame.number>=6 && frame.number<=9");
    for (auto& [t, b] : messages(rh.client)) rh.client_msgs[t] = b;
    for (auto& [t, b] : messages(rh.server)) rh.server_msgs[t] = b;
    return rh.client_msgs.count(1) && rh.server_msgs.count(2) && rh.server_msgs.count(11) && rh.server_msgs.count(22);
}

class CollectSink : public FactSink {
public:
    std::vector<TlsHandshake> hs;
    void on_tls_handshake(TlsHandshake&& h) override { hs.push_back(std::move(h)); }
    void on_http_exchange(HttpExchange&&) override {}
    void on_dns_lookup(DnsLookup&&) override {}
    void on_tcp_connection(capture::TcpConnection&&) override {}
};

struct Harness {
    Limits limits;
    CollectSink sink;
    Anomalies anomalies;
    DissectContext ctx;
    capture::ConnInfo conn;
    std::unique_ptr<capture::StreamConsumer> c;
    std::uint64_t off[2] = {0, 0};
    std::uint64_t frame = 0;
    explicit Harness(bool dispatch = false, std::uint16_t port = 443) {
        ctx.limits = &limits;
        ctx.sink = &sink;
        ctx.anomalies = &anomalies;
        IpAddr::parse("192.0.2.1", conn.client.addr);
        IpAddr::parse("192.0.2.2", conn.server.addr);
        conn.client.port = 50000;
        conn.server.port = port;
        conn.flow_id = 1;
        c = dispatch ? make_stream_dissector(conn, ctx) : make_tls_stream(conn, ctx);
    }
    void send(Side s, const std::vector<std::uint8_t>& b) {
        FrameRef f{++frame, Timestamp{static_cast<std::int64_t>(frame) * 1000}};
        c->on_data(s, off[capture::index(s)], b, f);
        off[capture::index(s)] += b.size();
    }
    void end(capture::EndReason why = capture::EndReason::fin) {
        FrameRef f{++frame, {}};
        c->on_end(Side::client, why, f);
        c->on_end(Side::server, why, f);
    }
};

std::vector<std::uint8_t> record(std::uint8_t type, std::vector<std::uint8_t> body, std::uint16_t version = 0x0303) {
    std::vector<std::uint8_t> r = {type, static_cast<std::uint8_t>(version >> 8), static_cast<std::uint8_t>(version),
                                   static_cast<std::uint8_t>(body.size() >> 8), static_cast<std::uint8_t>(body.size())};
    r.insert(r.end(), body.begin(), body.end());
    return r;
}

}  // namespace

TEST_CASE("tls record header: valid, short, wrong type, wrong version, oversized") {
    tls::RecordHeader h;
    const std::uint8_t ok[] = {22, 3, 1, 0x02, 0x00};
    CHECK(tls::parse_record_header(ByteView(ok), h) == tls::HeaderStatus::ok);
    CHECK(h.type == 22);
    CHECK(h.version == 0x0301);
    CHECK(h.length == 512);
    CHECK(tls::parse_record_header(ByteView(ok).first(4), h) == tls::HeaderStatus::need_more);
    const std::uint8_t bad_type[] = {'G', 'E', 'T', ' ', '/'};
    CHECK(tls::parse_record_header(ByteView(bad_type), h) == tls::HeaderStatus::bad_type);
    const std::uint8_t bad_version[] = {22, 4, 0, 0, 10};
    CHECK(tls::parse_record_header(ByteView(bad_version), h) == tls::HeaderStatus::bad_version);
    const std::uint8_t oversized[] = {23, 3, 3, 0xff, 0xff};
    CHECK(tls::parse_record_header(ByteView(oversized), h) == tls::HeaderStatus::oversized);
    CHECK(tls::looks_like_tls(ByteView(ok)));
    CHECK_FALSE(tls::looks_like_tls(ByteView(bad_type)));
    CHECK_FALSE(tls::looks_like_tls(ByteView(ok).first(2)));
}

TEST_CASE("tls ClientHello from a real capture, and cut or inconsistent variants") {
    RealHandshake rh;
    if (!load_real(rh)) return;
    const auto& body = rh.client_msgs[1];
    ClientHello ch;
    CHECK(tls::parse_client_hello(body, ch).empty());
    CHECK(ch.sni == "p130-contacts.icloud.com");
    CHECK(ch.status_request);
    CHECK(ch.legacy_version == 0x0303);
    CHECK(ch.random_hex.size() == 64);
    CHECK_FALSE(ch.cipher_suites.empty());
    CHECK_FALSE(ch.extensions.empty());
    CHECK_FALSE(ch.alpn.empty());

    // Every truncation is reported, never read past; the one exception is a cut right before the
    // extensions block, which is a valid extension-less (SSL 3.0 style) ClientHello.
    std::size_t no_ext_len = 2 + 32 + 1 + body[34];
    no_ext_len += 2 + ((body[no_ext_len] << 8) | body[no_ext_len + 1]);
    no_ext_len += 1 + body[no_ext_len];
    for (std::size_t n = 0; n < body.size(); ++n) {
        ClientHello cut;
        INFO("cut at " << n);
        std::string err = tls::parse_client_hello(ByteView(body).first(n), cut);
        if (n == no_ext_len) {
            CHECK(err.empty());
            CHECK(cut.extensions.empty());
        } else {
            CHECK_FALSE(err.empty());
        }
    }

    // The SNI list claims more than its extension holds.
    std::vector<std::uint8_t> bad = body;
    std::string host = "p130-contacts.icloud.com";
    auto it = std::search(bad.begin(), bad.end(), host.begin(), host.end());
    REQUIRE(it != bad.end());
    std::size_t name_at = static_cast<std::size_t>(it - bad.begin());
    // Layout before the name: list length (2), name type (1), name length (2).
    bad[name_at - 5] = 0x7f;
    ClientHello inconsistent;
    std::string err = tls::parse_client_hello(bad, inconsistent);
    CHECK(err.find("server_name") != std::string::npos);
    CHECK(inconsistent.random_hex == ch.random_hex);  // what came before is kept

    // The cipher suite list has an odd length.
    std::vector<std::uint8_t> odd = body;
    std::size_t sid_len = odd[34];
    odd[35 + sid_len + 1] |= 1;
    ClientHello o;
    CHECK(tls::parse_client_hello(odd, o).find("cipher_suites") != std::string::npos);
}

TEST_CASE("tls ServerHello, Certificate and CertificateStatus from a real capture") {
    RealHandshake rh;
    if (!load_real(rh)) return;
    ServerHello sh;
    CHECK(tls::parse_server_hello(rh.server_msgs[2], sh).empty());
    CHECK(sh.selected_version == 0x0303);
    CHECK(sh.status_request_ack);
    CHECK_FALSE(sh.hello_retry_request);
    CHECK(sh.alpn == "http/1.1");

    tls::CertificateMessage cm;
    const auto& cert_body = rh.server_msgs[11];
    CHECK(tls::parse_certificate(cert_body, false, cm).empty());
    CHECK(cm.certs.size() == 2);
    CHECK_FALSE(cm.leaf_ocsp);
    tls::CertificateMessage as13;
    CHECK_FALSE(tls::parse_certificate(cert_body, true, as13).empty());  // wrong layout is noticed

    std::vector<std::uint8_t> bad_inner = cert_body;
    bad_inner[3] = 0xff;  // first certificate's length now runs past the list
    tls::CertificateMessage bi;
    CHECK(tls::parse_certificate(bad_inner, false, bi).find("runs past") != std::string::npos);
    tls::CertificateMessage cut;
    CHECK_FALSE(tls::parse_certificate(ByteView(cert_body).first(cert_body.size() - 1), false, cut).empty());

    tls::CertificateStatusMessage cs;
    const auto& cs_body = rh.server_msgs[22];
    CHECK(tls::parse_certificate_status(cs_body, cs).empty());
    CHECK(cs.status_type == 1);
    CHECK(cs.ocsp.size() == cs_body.size() - 4);
    CHECK(cs.ocsp[0] == 0x30);  // DER SEQUENCE
    std::vector<std::uint8_t> unknown_type = cs_body;
    unknown_type[0] = 9;
    tls::CertificateStatusMessage u;
    CHECK(tls::parse_certificate_status(unknown_type, u).find("status_type") != std::string::npos);
    tls::CertificateStatusMessage c2;
    CHECK_FALSE(tls::parse_certificate_status(ByteView(cs_body).first(100), c2).empty());

    // ocsp_multi (RFC 6961): the same response as the only list entry.
    std::vector<std::uint8_t> multi = {2};
    std::size_t inner = cs.ocsp.size() + 3;
    multi.push_back(static_cast<std::uint8_t>(inner >> 16));
    multi.push_back(static_cast<std::uint8_t>(inner >> 8));
    multi.push_back(static_cast<std::uint8_t>(inner));
    multi.insert(multi.end(), cs_body.begin() + 1, cs_body.end());
    tls::CertificateStatusMessage m;
    CHECK(tls::parse_certificate_status(multi, m).empty());
    CHECK(m.status_type == 2);
    CHECK(m.responses == 1);
    CHECK(m.ocsp.size() == cs.ocsp.size());
}

TEST_CASE("tls alerts: names, several per record, odd length") {
    CHECK(std::string(alert_name(113)) == "bad_certificate_status_response");
    CHECK(std::string(alert_name(44)) == "certificate_revoked");
    CHECK(std::string(alert_name(45)) == "certificate_expired");
    CHECK(std::string(alert_name(46)) == "certificate_unknown");
    CHECK(std::string(alert_name(48)) == "unknown_ca");
    CHECK(std::string(alert_name(42)) == "bad_certificate");
    std::vector<tls::AlertMessage> a;
    const std::uint8_t two[] = {2, 113, 1, 0};
    CHECK(tls::parse_alerts(ByteView(two), a).empty());
    REQUIRE(a.size() == 2);
    CHECK(a[0].level == 2);
    CHECK(a[0].description == 113);
    std::vector<tls::AlertMessage> b;
    const std::uint8_t odd[] = {2, 44, 1};
    CHECK_FALSE(tls::parse_alerts(ByteView(odd), b).empty());
    CHECK(b.size() == 1);
}

TEST_CASE("tls HelloRetryRequest is recognised by its random") {
    // Hand-built: legacy_version, the RFC 8446 HRR random, empty session id, suite, compression,
    // supported_versions = 0x0304.
    std::vector<std::uint8_t> body = {0x03, 0x03, 0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C,
                                      0x02, 0x1E, 0x65, 0xB8, 0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E,
                                      0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C, 0x00, 0x13, 0x01, 0x00,
                                      0x00, 0x06, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04};
    ServerHello sh;
    CHECK(tls::parse_server_hello(body, sh).empty());
    CHECK(sh.hello_retry_request);
    CHECK(sh.selected_version == 0x0304);
    CHECK(sh.cipher_suite == 0x1301);
    body.back() = 0x05;  // supported_versions now 3 bytes long but declared 2: trailing byte
    body[43] = 0x03;
    ServerHello bad;
    CHECK_FALSE(tls::parse_server_hello(body, bad).empty());
}

TEST_CASE("tls stream: a handshake length of 16 MB is a precise error and stops that direction") {
    Harness h;
    h.send(Side::client, record(22, {0x01, 0xff, 0xff, 0xff, 0x03, 0x03}));
    CHECK_FALSE(h.c->wants(Side::client));
    CHECK(h.c->wants(Side::server));
    CHECK(h.anomalies.get("tls_handshake_message_oversized") == 1);
    h.end();
    REQUIRE(h.sink.hs.size() == 1);
    const auto& hs = h.sink.hs[0];
    REQUIRE(hs.errors.size() == 1);
    CHECK(hs.errors[0].message_type == "ClientHello");
    CHECK(hs.errors[0].offset == 5);
    CHECK(hs.errors[0].frame.frame == 1);
    CHECK(hs.errors[0].what.find("16777215") != std::string::npos);
    CHECK_FALSE(hs.complete);
    CHECK(hs.fate == "closed");
}

TEST_CASE("tls stream: non-TLS bytes after a record are an error; a later record is found again") {
    Harness h;
    std::vector<std::uint8_t> bytes = record(21, {1, 0});  // a warning close_notify
    std::string junk = "this is not TLS at all, just text";
    bytes.insert(bytes.end(), junk.begin(), junk.end());
    auto alert = record(21, {2, 40});
    bytes.insert(bytes.end(), alert.begin(), alert.end());
    h.send(Side::client, bytes);
    h.end(capture::EndReason::rst);
    REQUIRE(h.sink.hs.size() == 1);
    const auto& hs = h.sink.hs[0];
    REQUIRE_FALSE(hs.errors.empty());
    CHECK(hs.errors[0].message_type == "record");
    CHECK(hs.errors[0].offset == 7);
    CHECK(h.anomalies.get("tls_record_bad_type") == 1);
    CHECK(h.anomalies.get("tls_resynchronised") == 1);
    REQUIRE(hs.alerts.size() == 2);
    CHECK(hs.alerts[1].name == "handshake_failure");
    CHECK(hs.alerts[1].level == 2);
    CHECK(hs.fate == "alert");
}

TEST_CASE("tls stream: real TLS 1.2 flight, then a plaintext fatal alert from the client") {
    RealHandshake rh;
    if (!load_real(rh)) return;
    Harness h;
    h.send(Side::client, rh.client);
    h.send(Side::server, rh.server);
    h.send(Side::client, record(21, {2, 113}));
    CHECK(h.sink.hs.empty());  // outcome known only when the connection ends
    h.end(capture::EndReason::fin);
    REQUIRE(h.sink.hs.size() == 1);
    const auto& hs = h.sink.hs[0];
    CHECK(hs.errors.empty());
    CHECK(hs.server_hello_done);
    CHECK(hs.server_key_exchange);
    CHECK(hs.chain.size() == 2);
    REQUIRE(hs.staple);
    CHECK(hs.staple->source == "certificate_status");
    CHECK(hs.staple->status_type == 1);
    CHECK(hs.staple->response.der.size() == rh.server_msgs[22].size() - 4);
    REQUIRE(hs.alerts.size() == 1);
    CHECK(hs.alerts[0].name == "bad_certificate_status_response");
    CHECK(hs.alerts[0].from == Side::client);
    CHECK(hs.alerts[0].after == "ServerHelloDone");
    CHECK_FALSE(hs.alerts[0].encrypted);
    CHECK(hs.fate == "alert");
    CHECK_FALSE(hs.complete);
}

TEST_CASE("tls stream: after ChangeCipherSpec an alert record is reported as encrypted, with its position") {
    RealHandshake rh;
    if (!load_real(rh)) return;
    Harness h;
    h.send(Side::client, rh.client);
    h.send(Side::server, rh.server);
    h.send(Side::server, record(20, {1}));
    h.send(Side::server, record(21, std::vector<std::uint8_t>(26, 0xab)));
    h.end(capture::EndReason::rst);
    REQUIRE(h.sink.hs.size() == 1);
    const auto& hs = h.sink.hs[0];
    CHECK(hs.change_cipher_spec[capture::index(Side::server)]);
    REQUIRE(hs.alerts.size() == 1);
    CHECK(hs.alerts[0].encrypted);
    CHECK(hs.alerts[0].name == "encrypted");
    CHECK(hs.alerts[0].level == -1);
    CHECK(hs.alerts[0].from == Side::server);
    CHECK(hs.alerts[0].after == "ServerHelloDone");
    CHECK(hs.alerts[0].frame.frame == 4);
    CHECK(hs.fate == "alert");
}

TEST_CASE("tls stream: a gap inside the server's certificate loses it with a named error; later records resync") {
    RealHandshake rh;
    if (!load_real(rh)) return;
    Harness h;
    h.send(Side::client, rh.client);
    // Server: first 1000 bytes, a hole of 500, then the rest.
    std::vector<std::uint8_t> a(rh.server.begin(), rh.server.begin() + 1000);
    std::vector<std::uint8_t> b(rh.server.begin() + 1500, rh.server.end());
    h.send(Side::server, a);
    h.c->on_gap(Side::server, 1000, 500, FrameRef{99, {}});
    h.off[1] = 1500;
    h.send(Side::server, b);
    h.end(capture::EndReason::fin);
    REQUIRE(h.sink.hs.size() == 1);
    const auto& hs = h.sink.hs[0];
    REQUIRE(hs.server_hello);
    REQUIRE_FALSE(hs.errors.empty());
    CHECK(hs.errors[0].what.find("gap of 500 bytes") != std::string::npos);
    CHECK(hs.errors[0].offset == 1000);
    CHECK(h.anomalies.get("tls_stream_gap") == 1);
}

TEST_CASE("tls stream: SSL 2.0 compatible ClientHello") {
    // Hand-built SSL 2.0 CLIENT-HELLO: 3 cipher specs, no session id, 16-byte challenge.
    std::vector<std::uint8_t> v2 = {0x80, 0x22, 0x01, 0x03, 0x01, 0x00, 0x09, 0x00, 0x00, 0x00, 0x10,
                                    0x00, 0x00, 0x2f, 0x00, 0x00, 0x35, 0x01, 0x00, 0x80};
    for (int i = 0; i < 16; ++i) v2.push_back(static_cast<std::uint8_t>(i + 1));
    REQUIRE(v2.size() == 0x22 + 2);
    Harness h(true, 4433);
    h.send(Side::client, v2);
    h.end(capture::EndReason::fin);
    REQUIRE(h.sink.hs.size() == 1);
    const auto& hs = h.sink.hs[0];
    REQUIRE(hs.client_hello);
    CHECK(hs.client_hello->sslv2_format);
    CHECK(hs.client_hello->legacy_version == 0x0301);
    CHECK(hs.client_hello->cipher_suites == std::vector<std::uint16_t>{0x002f, 0x0035});
    CHECK(hs.client_hello->random_hex == std::string(32, '0') + "0102030405060708090a0b0c0d0e0f10");
    CHECK(hs.errors.empty());
}

TEST_CASE("dispatch: unknown protocols stop being buffered; TLS is found on any port") {
    Harness ssh(true, 22);
    std::string banner = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
    ssh.send(Side::server, std::vector<std::uint8_t>(banner.begin(), banner.end()));
    CHECK_FALSE(ssh.c->wants(Side::server));
    CHECK_FALSE(ssh.c->wants(Side::client));
    CHECK(ssh.anomalies.get("stream_protocol_unknown") == 1);
    ssh.end();
    CHECK(ssh.sink.hs.empty());

    RealHandshake rh;
    if (!load_real(rh)) return;
    Harness odd_port(true, 8443);
    // The ClientHello arrives one byte at a time; detection waits for enough bytes.
    for (auto b : rh.client) odd_port.send(Side::client, {b});
    odd_port.send(Side::server, rh.server);
    odd_port.end();
    REQUIRE(odd_port.sink.hs.size() == 1);
    CHECK(odd_port.sink.hs[0].client_hello->sni == "p130-contacts.icloud.com");
    CHECK(odd_port.sink.hs[0].staple.has_value());
    CHECK(odd_port.sink.hs[0].errors.empty());
}
