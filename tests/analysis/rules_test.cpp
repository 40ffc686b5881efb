// Diagnosis rules on facts built from the sample PKI's real certificates and, where tshark is available,
// real OCSP messages exported from the sample captures.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "analysis/analyzer.h"
#include "tests/analysis/facts.h"

using namespace revo;
using namespace revo::test;
using namespace revo::test::facts;
using capture::ConnState;

namespace {

analysis::Results run(analysis::Analyzer& a) { return a.finish(); }

dissect::TlsHandshake www_handshake(bool status_request = false) {
    return handshake(1, "192.0.2.10", "198.51.100.10", "www.revo.example", {pki_cert("www"), pki_cert("intermediate")},
                     0.0, status_request);
}

}  // namespace

TEST_CASE("dropped SYNs to the responder named by AIA and DNS raise OCSP_BLOCKED_DROP linked to the handshake") {
    analysis::Analyzer a(options());
    a.on_tls_handshake(www_handshake());
    a.on_dns_lookup(dns("ocsp.pki.example", "203.0.113.20", 0, 7, 0.010));
    a.on_tcp_connection(tcp(2, "192.0.2.10", "203.0.113.20", 80,
                            {fr(9, 0.020), fr(10, 1.020), fr(11, 3.020), fr(12, 7.020)}, ConnState::syn_sent));
    auto r = run(a);
    const auto* f = find(r, "OCSP_BLOCKED_DROP");
    REQUIRE(f);
    CHECK(f->severity == analysis::Severity::error);
    CHECK(f->cause == "network-blocked");
    CHECK(any_evidence(*f, "SYN sent 4 times over 7.0 s to 203.0.113.20:80 (ocsp.pki.example), no answer"));
    CHECK(any_evidence(*f, "caused by TLS connection 192.0.2.10:40001 -> 198.51.100.10:443 sni=www.revo.example"));
    CHECK(f->fix.find("iptables -I OUTPUT -p tcp -d 203.0.113.20 --dport 80 -j ACCEPT") != std::string::npos);
    CHECK_FALSE(f->why.empty());
    CHECK(f->frames == std::vector<std::uint64_t>{9, 10, 11, 12});
    REQUIRE(r.checks.size() == 1);
    CHECK(r.checks[0].transport == "tcp-only");
    CHECK(r.checks[0].host == "ocsp.pki.example");
    CHECK(r.checks[0].role == "client");
    CHECK(r.checks[0].handshake_index == std::optional<std::size_t>(0));
    REQUIRE(r.stories.size() == 1);
    CHECK(r.stories[0].verdict == "problem: OCSP_BLOCKED_DROP");
    CHECK(find(r, "STAPLE_MISSING") == nullptr);  // the client did not ask for a staple
}

TEST_CASE("repeated blocked attempts to one responder fold into one finding with a count") {
    analysis::Analyzer a(options());
    a.on_tls_handshake(www_handshake());
    a.on_dns_lookup(dns("ocsp.pki.example", "203.0.113.20", 0, 7, 0.010));
    a.on_tcp_connection(tcp(2, "192.0.2.10", "203.0.113.20", 80, {fr(9, 0.02), fr(10, 1.02)}, ConnState::syn_sent));
    a.on_tcp_connection(tcp(3, "192.0.2.10", "203.0.113.20", 80, {fr(13, 3.02), fr(14, 4.02)}, ConnState::syn_sent));
    auto r = run(a);
    std::size_t n = 0;
    for (auto& f : r.findings) n += f.code == "OCSP_BLOCKED_DROP";
    CHECK(n == 1);
    const auto* f = find(r, "OCSP_BLOCKED_DROP");
    REQUIRE(f);
    CHECK(f->count == 2);
    CHECK(f->summary.find("(2 times)") != std::string::npos);
    CHECK(f->checks.size() == 2);
}

TEST_CASE("a flood of failed attempts keeps the first few in full and counts the rest") {
    auto opts = options();
    opts.max_failed_per_place = 16;
    analysis::Analyzer a(opts);
    // 200 unanswered SYNs and 20 refused ones to one responder, 3 unanswered ones to another.
    std::uint64_t frame = 1;
    for (std::uint64_t i = 0; i < 200; ++i, ++frame)
        a.on_tcp_connection(tcp(100 + i, "192.0.2.10", "203.0.113.20", 80, {fr(frame, 0.001 * frame)}, ConnState::syn_sent));
    for (std::uint64_t i = 0; i < 20; ++i, ++frame)
        a.on_tcp_connection(tcp(400 + i, "192.0.2.10", "203.0.113.20", 80, {fr(frame, 0.001 * frame)}, ConnState::refused));
    for (std::uint64_t i = 0; i < 3; ++i, ++frame)
        a.on_tcp_connection(tcp(600 + i, "192.0.2.10", "203.0.113.30", 80, {fr(frame, 0.001 * frame)}, ConnState::syn_sent));
    auto r = run(a);
    CHECK(r.checks.size() == 16 + 16 + 3);
    CHECK(r.anomalies.get("analysis_failed_connections_folded") == (200 - 16) + (20 - 16));
    std::uint64_t folded = 0;
    for (auto& k : r.checks) folded += k.folded_attempts;
    CHECK(folded == (200 - 16) + (20 - 16));
    std::map<std::string, std::uint32_t> counts;
    for (auto& f : r.findings) counts[f.code + " " + f.place] += f.count;
    CHECK(counts["OCSP_BLOCKED_DROP 203.0.113.20:80"] == 200);
    CHECK(counts["OCSP_BLOCKED_RESET 203.0.113.20:80"] == 20);
    CHECK(counts["OCSP_BLOCKED_DROP 203.0.113.30:80"] == 3);
    const auto* f = find(r, "OCSP_BLOCKED_DROP");
    REQUIRE(f);
    CHECK(f->checks.size() <= 16);
}

TEST_CASE("refused and ICMP-rejected connections raise OCSP_BLOCKED_RESET and OCSP_BLOCKED_ICMP") {
    analysis::Analyzer a(options());
    a.on_tls_handshake(www_handshake());
    a.on_dns_lookup(dns("ocsp.pki.example", "203.0.113.20", 0, 7, 0.010));
    auto refused = tcp(2, "192.0.2.10", "203.0.113.20", 80, {fr(9, 0.02)}, ConnState::refused);
    refused.rsts.push_back({fr(10, 0.021), capture::Side::server, true});
    refused.last_frame = fr(10, 0.021);
    a.on_tcp_connection(std::move(refused));
    auto icmp = tcp(3, "192.0.2.10", "203.0.113.20", 80, {fr(11, 0.5)}, ConnState::icmp_rejected);
    capture::IcmpError e;
    e.frame = fr(12, 0.501);
    IpAddr::parse("192.0.2.1", e.reporter);
    e.type = 3;
    e.code = 13;
    e.meaning = "admin-prohibited";
    icmp.icmp.push_back(e);
    a.on_tcp_connection(std::move(icmp));
    auto r = run(a);
    const auto* rst = find(r, "OCSP_BLOCKED_RESET");
    REQUIRE(rst);
    CHECK(any_evidence(*rst, "answered by RST from the responder side at frame 10"));
    CHECK(rst->fix.find("tcp-reset") != std::string::npos);
    const auto* ic = find(r, "OCSP_BLOCKED_ICMP");
    REQUIRE(ic);
    CHECK(any_evidence(*ic, "ICMP type 3 code 13 (admin-prohibited) from 192.0.2.1"));
    CHECK(ic->fix.find("192.0.2.1 answers admin-prohibited") != std::string::npos);
}

TEST_CASE("a failed connection to port 80 with no name is still a check, by the port heuristic") {
    analysis::Analyzer a(options());
    a.on_tcp_connection(tcp(2, "192.0.2.10", "203.0.113.99", 80, {fr(9, 0.02), fr(10, 1.02)}, ConnState::syn_sent));
    a.on_tcp_connection(tcp(3, "192.0.2.10", "203.0.113.98", 8443, {fr(11, 0.02)}, ConnState::syn_sent));
    auto r = run(a);
    REQUIRE(r.checks.size() == 1);
    CHECK(r.checks[0].host_source == "port-heuristic");
    const auto* f = find(r, "OCSP_BLOCKED_DROP");
    REQUIRE(f);
    CHECK(any_evidence(*f, "responder not identified by name"));
}

TEST_CASE("NXDOMAIN for the AIA OCSP host raises OCSP_DNS_FAILURE; a later success cancels it") {
    SECTION("failure") {
        analysis::Analyzer a(options());
        a.on_tls_handshake(www_handshake());
        a.on_dns_lookup(dns("ocsp.pki.example", "", 3, 7, 0.010));
        auto r = run(a);
        const auto* f = find(r, "OCSP_DNS_FAILURE");
        REQUIRE(f);
        CHECK(any_evidence(*f, "query A ocsp.pki.example from 192.0.2.10 to 192.0.2.53:53 (udp)"));
        CHECK(any_evidence(*f, "NXDOMAIN"));
        CHECK(any_evidence(*f, "AIA OCSP URL of www.revo.example"));
        REQUIRE(r.dns.size() == 1);
    }
    SECTION("retried successfully") {
        analysis::Analyzer a(options());
        a.on_tls_handshake(www_handshake());
        a.on_dns_lookup(dns("ocsp.pki.example", "", 2, 7, 0.010));
        a.on_dns_lookup(dns("ocsp.pki.example", "203.0.113.20", 0, 9, 1.010));
        auto r = run(a);
        CHECK(find(r, "OCSP_DNS_FAILURE") == nullptr);
    }
}

TEST_CASE("HTTP answers: proxy refusals, plain errors, HTML instead of OCSP, slowness") {
    auto with = [](dissect::HttpExchange ex) {
        analysis::Analyzer a(options());
        a.on_tls_handshake(www_handshake());
        a.on_http_exchange(std::move(ex));
        return a.finish();
    };
    SECTION("407 from a proxy") {
        auto ex = ocsp_exchange(2, "203.0.113.80", 3128, 0.1, 407, 0.002);
        ex.via_proxy = true;
        ex.response->reason = "Proxy Authentication Required";
        ex.response->proxy_authenticate = "Basic realm=\"corp\"";
        auto r = with(ex);
        const auto* f = find(r, "OCSP_PROXY_DENIED");
        REQUIRE(f);
        CHECK(f->cause == "proxy-interference");
        CHECK(f->summary.find("HTTP 407") != std::string::npos);
        CHECK(f->fix.find("acl revocation dstdomain ocsp.pki.example") != std::string::npos);
    }
    SECTION("403 with a Via header") {
        auto ex = ocsp_exchange(2, "203.0.113.80", 8888, 0.1, 403, 0.002);
        ex.response->headers.push_back({"Via", "1.1 tinyproxy (tinyproxy/1.11.1)"});
        auto r = with(ex);
        const auto* f = find(r, "OCSP_PROXY_DENIED");
        REQUIRE(f);
        CHECK(any_evidence(*f, "response header Via: 1.1 tinyproxy"));
    }
    SECTION("403 from the responder itself") {
        auto r = with(ocsp_exchange(2, "203.0.113.20", 80, 0.1, 403, 0.002));
        CHECK(find(r, "OCSP_PROXY_DENIED") == nullptr);
        REQUIRE(find(r, "OCSP_HTTP_ERROR"));
        CHECK(find(r, "OCSP_HTTP_ERROR")->cause == "responder-failure");
    }
    SECTION("200 with an HTML page") {
        auto ex = ocsp_exchange(2, "203.0.113.20", 80, 0.1, 200, 0.020);
        ex.response->content_type = "text/html";
        std::string page = "<html><head><title>Network login</title></head><body>Please log in</body></html>";
        ex.response->body.assign(page.begin(), page.end());
        ex.response->body_size = page.size();
        dissect::OcspResponseInfo bad;
        bad.parse_error = "not DER";
        ex.ocsp_response = bad;
        auto r = with(ex);
        const auto* f = find(r, "OCSP_NOT_OCSP");
        REQUIRE(f);
        CHECK(f->cause == "proxy-interference");
        CHECK(any_evidence(*f, "body starts: <html><head><title>Network login"));
        CHECK(f->summary.find("an HTML page") != std::string::npos);
    }
    SECTION("no response before the connection closed") {
        auto r = with(ocsp_exchange(2, "203.0.113.20", 80, 0.1, 0, 0));
        REQUIRE(find(r, "OCSP_NO_RESPONSE"));
    }
    SECTION("reset after the request") {
        auto ex = ocsp_exchange(2, "203.0.113.20", 80, 0.1, 0, 0);
        ex.outcome = "reset";
        auto r = with(ex);
        REQUIRE(find(r, "OCSP_BLOCKED_RESET"));
    }
    SECTION("slow answer") {
        auto ex = ocsp_exchange(2, "203.0.113.20", 80, 0.1, 200, 2.5);
        auto r = with(ex);
        const auto* f = find(r, "OCSP_SLOW");
        REQUIRE(f);
        CHECK(f->severity == analysis::Severity::warning);
        CHECK(f->summary.find("took 2500 ms (threshold 1000 ms)") != std::string::npos);
    }
}

TEST_CASE("stapling rules need a visible chain") {
    SECTION("status_request offered, chain visible, nothing stapled") {
        analysis::Analyzer a(options());
        a.on_tls_handshake(www_handshake(true));
        auto r = a.finish();
        const auto* f = find(r, "STAPLE_MISSING");
        REQUIRE(f);
        CHECK(f->severity == analysis::Severity::warning);
        CHECK(f->fix.find("ssl_stapling on; ssl_stapling_verify on;") != std::string::npos);
        CHECK(f->fix.find("SSLUseStapling on") != std::string::npos);
        CHECK(any_evidence(*f, "ClientHello frame 3"));
    }
    SECTION("TLS 1.3 without a key log: chain unknown, no stapling finding, verdict says unknown") {
        analysis::Analyzer a(options());
        auto h = handshake(1, "192.0.2.10", "198.51.100.10", "www.revo.example", {}, 0.0, true);
        h.server_hello->selected_version = 0x0304;
        h.encrypted = true;
        a.on_tls_handshake(std::move(h));
        auto r = a.finish();
        CHECK(find(r, "STAPLE_MISSING") == nullptr);
        CHECK(find(r, "CHAIN_INCOMPLETE") == nullptr);
        REQUIRE(r.stories.size() == 1);
        CHECK(r.stories[0].verdict == "revocation status unknown (handshake encrypted)");
    }
    SECTION("must-staple certificate without a staple") {
        analysis::Analyzer a(options());
        a.on_tls_handshake(handshake(1, "192.0.2.10", "198.51.100.10", "staple.revo.example",
                                     {pki_cert("staple"), pki_cert("intermediate")}, 0.0, true));
        auto r = a.finish();
        const auto* f = find(r, "MUST_STAPLE_VIOLATED");
        REQUIRE(f);
        CHECK(f->severity == analysis::Severity::critical);
        CHECK(any_evidence(*f, "TLS Feature extension with status_request"));
    }
}

TEST_CASE("chain without the intermediate raises CHAIN_INCOMPLETE with the full-chain fix") {
    analysis::Analyzer a(options());
    a.on_tls_handshake(handshake(1, "192.0.2.10", "198.51.100.10", "www.revo.example", {pki_cert("www")}, 0.0, false));
    auto r = a.finish();
    const auto* f = find(r, "CHAIN_INCOMPLETE");
    REQUIRE(f);
    CHECK(f->fix.find("ssl_certificate /etc/ssl/fullchain.pem;") != std::string::npos);
    CHECK(f->summary.find("Revo Sample Issuing CA 1") != std::string::npos);

    analysis::Analyzer full(options());
    full.on_tls_handshake(www_handshake());
    auto r2 = full.finish();
    CHECK(find(r2, "CHAIN_INCOMPLETE") == nullptr);
    CHECK(serious(r2) == 0);
}

TEST_CASE("an expired certificate is reported with its notAfter") {
    analysis::Analyzer a(options());
    // Two years after the sample PKI's leaf certificates expire.
    auto h = handshake(1, "192.0.2.10", "198.51.100.10", "www.revo.example", {pki_cert("www"), pki_cert("intermediate")},
                       0.0, false);
    std::int64_t later = pki_cert("www")->not_after + 2 * 86400LL;
    h.start = h.client_hello->frame = fr(3, 0.0, later);
    h.certificate_frame = fr(5, 0.002, later);
    a.on_tls_handshake(std::move(h));
    auto r = a.finish();
    const auto* f = find(r, "CERT_EXPIRED");
    REQUIRE(f);
    CHECK(any_evidence(*f, "notAfter " + format_rfc3339_seconds(pki_cert("www")->not_after)));
    CHECK(f->summary.find("expired 2 d 00 h before the capture") != std::string::npos);
}

namespace {

/// The client ends the handshake with a fatal alert at frame 9.
void end_with_client_alert(dissect::TlsHandshake& h, int code, const char* name, const char* after) {
    dissect::TlsAlert al;
    al.frame = fr(9, 0.05);
    al.from = capture::Side::client;
    al.level = 2;
    al.description = code;
    al.name = name;
    al.after = after;
    h.alerts.push_back(al);
    h.fate = "alert";
}

}  // namespace

TEST_CASE("a certificate_revoked alert is linked as TLS_ALERT_REVOCATION") {
    analysis::Analyzer a(options());
    auto h = www_handshake();
    end_with_client_alert(h, 44, "certificate_revoked", "ServerHelloDone");
    a.on_tls_handshake(std::move(h));
    auto r = a.finish();
    const auto* f = find(r, "TLS_ALERT_REVOCATION");
    REQUIRE(f);
    CHECK(f->cause == "revoked");
    CHECK(any_evidence(*f, "fatal alert certificate_revoked (44) sent by the client at frame 9"));
}

TEST_CASE("a leaf that does not decode is CERT_UNDECODABLE and is not judged by its empty fields") {
    analysis::Analyzer a(options());
    // Nine bytes of a truncated DER SEQUENCE, as a broken server sends them (decoded by the real path).
    const std::uint8_t broken[] = {0x30, 0x82, 0x04, 0x20, 0x30, 0x82, 0x03, 0x08, 0xa0};
    auto leaf = dissect::decode_certificate(ByteView(broken, sizeof broken));
    REQUIRE(leaf);
    REQUIRE_FALSE(leaf->parse_error.empty());
    auto h = handshake(1, "192.0.2.10", "198.51.100.10", "www.revo.example", {leaf}, 0.0, true);
    end_with_client_alert(h, 42, "bad_certificate", "Certificate");
    a.on_tls_handshake(std::move(h));
    auto r = a.finish();
    const auto* f = find(r, "CERT_UNDECODABLE");
    REQUIRE(f);
    CHECK(f->severity == analysis::Severity::error);
    CHECK(f->summary.find("sends a leaf certificate that does not decode as X.509") != std::string::npos);
    CHECK(any_evidence(*f, "certificate 1 of 1, 9 bytes, SHA-256 " + leaf->sha256));
    // Its zero notAfter, empty issuer and absent OCSP URL are not facts about the server.
    CHECK(find(r, "CERT_EXPIRED") == nullptr);
    CHECK(find(r, "CHAIN_INCOMPLETE") == nullptr);
    const auto* alert = find(r, "TLS_ALERT_REVOCATION");
    REQUIRE(alert);
    CHECK(any_evidence(*alert, "linked to CERT_UNDECODABLE"));
    const auto* staple = find(r, "STAPLE_MISSING");
    REQUIRE(staple);
    CHECK_FALSE(any_evidence(*staple, "advertises no OCSP URL"));
}

namespace {

/// The OCSP request and response carried over HTTP in a sample capture (nullopt without tshark/sample).
struct RealOcsp {
    dissect::OcspRequestInfo request;
    dissect::OcspResponseInfo response;
    std::int64_t request_s = 0;   ///< capture time of the HTTP request, whole seconds
    double request_frac = 0;      ///< and the fraction
};
std::optional<RealOcsp> real_ocsp(const std::string& sample) {
    auto bodies = http_bodies(source_path("samples/" + sample));
    RealOcsp out;
    bool req = false, resp = false;
    for (auto& b : bodies) {
        auto r = dissect::decode_ocsp_response(as_bytes(b));
        if (r.parse_error.empty()) {
            out.response = r;
            resp = true;
            continue;
        }
        auto q = dissect::decode_ocsp_request(as_bytes(b));
        if (q.parse_error.empty() && !q.cert_ids.empty()) {
            out.request = q;
            req = true;
        }
    }
    if (!req || !resp) return std::nullopt;
    auto t = run_command("tshark -r " + shell_quote(source_path("samples/" + sample)) +
                         " -Y http.request -T fields -e frame.time_epoch");
    auto lines = split_lines(t.out);
    if (lines.empty()) return std::nullopt;
    double epoch = std::stod(lines[0]);
    out.request_s = static_cast<std::int64_t>(epoch);
    out.request_frac = epoch - static_cast<double>(out.request_s);
    return out;
}

dissect::HttpExchange real_exchange(const RealOcsp& o, std::int64_t base, double t, std::optional<std::int64_t> date) {
    auto ex = ocsp_exchange(2, "203.0.113.20", 80, t, 200, 0.004);
    ex.request.first = ex.request.last = fr(30, t, base);
    ex.response->first = ex.response->last = fr(34, t + 0.004, base);
    ex.response->content_type = "application/ocsp-response";
    ex.response->date_unix = date;
    ex.ocsp_request = o.request;
    ex.ocsp_response = o.response;
    return ex;
}

}  // namespace

TEST_CASE("a real good OCSP exchange is matched to the leaf by CertID and raises nothing") {
    auto o = real_ocsp("04-ocsp-post-good.pcap");
    if (!o) {
        WARN("tshark or samples/04-ocsp-post-good.pcap missing; skipped");
        return;
    }
    std::int64_t base = o->request_s;
    double t = o->request_frac;
    analysis::Analyzer a(options());
    auto h = www_handshake();
    h.start = h.client_hello->frame = fr(3, t - 0.030, base);
    h.certificate_frame = fr(6, t - 0.025, base);
    a.on_tls_handshake(std::move(h));
    a.on_http_exchange(real_exchange(*o, base, t, base));
    auto r = a.finish();
    REQUIRE(r.checks.size() == 1);
    const auto& k = r.checks[0];
    CHECK(k.verification.performed);
    CHECK(k.verification.ok);
    INFO("reasons: " << (k.verification.reasons.empty() ? "" : k.verification.reasons.front()));
    REQUIRE(k.cert_fingerprints.size() == 1);
    CHECK(k.cert_fingerprints[0] == pki_cert("www")->sha256);
    CHECK(k.handshake_index == std::optional<std::size_t>(0));
    CHECK(serious(r) == 0);
    CHECK(r.stories[0].verdict == "ok: status good");
}

TEST_CASE("a real revoked answer raises CERT_REVOKED naming the certificate") {
    auto o = real_ocsp("27-ocsp-revoked.pcap");
    if (!o) {
        WARN("tshark or samples/27-ocsp-revoked.pcap missing; skipped");
        return;
    }
    std::int64_t base = o->request_s;
    double t = o->request_frac;
    analysis::Analyzer a(options());
    auto h = handshake(1, "192.0.2.10", "198.51.100.10", "revoked.revo.example",
                       {pki_cert("revoked"), pki_cert("intermediate")}, 0.9, false);
    h.start = h.client_hello->frame = fr(8, t - 0.040, base);
    h.certificate_frame = fr(10, t - 0.035, base);
    a.on_tls_handshake(std::move(h));
    a.on_http_exchange(real_exchange(*o, base, t, std::nullopt));
    auto r = a.finish();
    const auto* f = find(r, "CERT_REVOKED");
    REQUIRE(f);
    CHECK(f->severity == analysis::Severity::critical);
    CHECK(f->summary.find("revoked.revo.example (serial 1004)") != std::string::npos);
    CHECK(any_evidence(*f, "reason keyCompromise"));
    CHECK(r.stories[0].verdict == "revoked");
}

TEST_CASE("a clock 2 h 03 min behind is one CLOCK_SKEW instead of a pile of not-yet-valid findings") {
    auto o = real_ocsp("04-ocsp-post-good.pcap");
    if (!o) {
        WARN("tshark or samples/04-ocsp-post-good.pcap missing; skipped");
        return;
    }
    std::int64_t real = o->request_s;
    std::int64_t skewed = real - (2 * 3600 + 3 * 60);
    double t = o->request_frac;
    analysis::Analyzer a(options());
    auto h = www_handshake();
    h.start = h.client_hello->frame = fr(3, t - 0.030, skewed);
    h.certificate_frame = fr(6, t - 0.025, skewed);
    a.on_tls_handshake(std::move(h));
    a.on_http_exchange(real_exchange(*o, skewed, t, real));
    auto r = a.finish();
    const auto* f = find(r, "CLOCK_SKEW");
    REQUIRE(f);
    CHECK(f->summary.find("2 h 03 min behind") != std::string::npos);
    CHECK(f->fix.find("Synchronise the clock: the capture host is 2 h 03 min behind the responder") != std::string::npos);
    CHECK(any_evidence(*f, "HTTP Date"));
    CHECK(find(r, "OCSP_NOT_YET_VALID") == nullptr);
    CHECK(find(r, "OCSP_STALE") == nullptr);
}

TEST_CASE("one far-off timestamp alone is not clock skew") {
    auto o = real_ocsp("04-ocsp-post-good.pcap");
    if (!o) {
        WARN("tshark or samples/04-ocsp-post-good.pcap missing; skipped");
        return;
    }
    analysis::Analyzer a(options());
    // Responder's Date agrees with the capture clock; only the response is dated in the future.
    std::int64_t early = o->request_s - 3 * 3600;
    a.on_http_exchange(real_exchange(*o, early, o->request_frac, early));
    auto r = a.finish();
    CHECK(find(r, "CLOCK_SKEW") == nullptr);
    CHECK(find(r, "OCSP_NOT_YET_VALID") != nullptr);
}

TEST_CASE("every code the diagnosis promises is in the catalogue with a cause") {
    const char* codes[] = {"OCSP_BLOCKED_DROP", "OCSP_BLOCKED_RESET", "OCSP_BLOCKED_ICMP", "OCSP_DNS_FAILURE",
                           "OCSP_NO_RESPONSE", "OCSP_PROXY_DENIED", "OCSP_HTTP_ERROR", "OCSP_NOT_OCSP", "OCSP_SLOW",
                           "OCSP_RESPONDER_ERROR", "OCSP_BAD_SIGNATURE", "OCSP_SIGNER_EXPIRED",
                           "OCSP_SIGNER_UNAUTHORIZED", "OCSP_SIGNER_UNTRUSTED", "OCSP_CERTID_MISMATCH",
                           "OCSP_NONCE_MISMATCH", "OCSP_STALE", "OCSP_NOT_YET_VALID", "CLOCK_SKEW", "CERT_REVOKED",
                           "CERT_STATUS_UNKNOWN", "STAPLE_MISSING", "STAPLE_INVALID", "MUST_STAPLE_VIOLATED",
                           "CHAIN_INCOMPLETE", "CERT_EXPIRED", "CERT_NOT_YET_VALID", "TLS_ALERT_REVOCATION",
                           "CRL_FALLBACK"};
    const std::set<std::string> causes = {"clock-skew", "network-blocked", "proxy-interference", "signer-invalid",
                                          "stapling", "chain-incomplete", "responder-failure", "revoked", "expired"};
    std::string doc = read_file(source_path("docs/findings.md"));
    for (auto* c : codes) {
        INFO(c);
        const auto* info = analysis::find_code(c);
        REQUIRE(info);
        CHECK(causes.count(info->cause) == 1);
        CHECK(doc.find(std::string("`") + c + "`") != std::string::npos);
    }
    for (auto& c : analysis::code_catalogue()) {
        INFO(c.code);
        CHECK(causes.count(c.cause) == 1);
        CHECK(doc.find(std::string("`") + c.code + "`") != std::string::npos);
    }
}
