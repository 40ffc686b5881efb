// Builders for analysis facts in tests: real certificates from samples/pki, real OCSP bodies exported
// from sample captures with tshark, and the plain structs the dissectors deliver.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "analysis/analyzer.h"
#include "dissect/ocsp/ocsp.h"
#include "dissect/x509/cert.h"
#include "tests/test_support.h"

namespace revo::test::facts {

std::shared_ptr<const dissect::CertSummary> pki_cert(const std::string& name);

/// A capture time well inside the validity of the sample PKI's certificates (the PKI is regenerated with
/// the samples, so this follows its dates).
inline std::int64_t t0() {
    static const std::int64_t t = pki_cert("www")->not_before + 30 * 86400;
    return t;
}

inline FrameRef fr(std::uint64_t n, double secs_after_t0, std::int64_t base = 0) {
    if (base == 0) base = t0();
    return FrameRef{n, Timestamp{base * 1'000'000'000LL + static_cast<std::int64_t>(secs_after_t0 * 1e9)}};
}

inline Endpoint ep(const std::string& ip, std::uint16_t port) {
    Endpoint e;
    IpAddr::parse(ip, e.addr);
    e.port = port;
    return e;
}

/// A certificate of the sample PKI (samples/pki/<name>.pem), decoded by the project's decoder.
inline std::shared_ptr<const dissect::CertSummary> pki_cert(const std::string& name) {
    std::string der = std::filesystem::temp_directory_path() / ("revo-test-" + name + ".der");
    run_command("openssl x509 -in " + shell_quote(source_path("samples/pki/" + name + ".pem")) + " -outform DER -out " +
                shell_quote(der));
    std::string bytes = read_file(der);
    return dissect::decode_certificate(as_bytes(bytes));
}

inline analysis::AnalysisOptions options() {
    analysis::AnalysisOptions o;
    o.trust.ca_file = source_path("samples/pki/root.pem");
    o.trust.use_system_store = false;
    return o;
}

/// Bodies of the HTTP objects in a capture, in frame order (tshark --export-objects). Empty without tshark.
inline std::vector<std::string> http_bodies(const std::string& pcap) {
    std::vector<std::string> out;
    if (!have_program("tshark") || !file_exists(pcap)) return out;
    std::string dir = std::filesystem::temp_directory_path() / ("revo-export-" + std::to_string(::getpid()) + "-" +
                                                                 std::filesystem::path(pcap).stem().string());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    run_command("tshark -r " + shell_quote(pcap) + " -q --export-objects http," + shell_quote(dir));
    std::map<std::filesystem::file_time_type, std::vector<std::string>> unused;
    std::vector<std::string> names;
    for (auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().string());
    std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
        return a.size() != b.size() ? a.size() < b.size() : a < b;  // "%2f" before "%2f(1)"
    });
    for (auto& n : names) out.push_back(read_file(n));
    std::filesystem::remove_all(dir);
    return out;
}

inline dissect::TlsHandshake handshake(std::uint64_t flow, const std::string& client, const std::string& server,
                                       const std::string& sni,
                                       std::vector<std::shared_ptr<const dissect::CertSummary>> chain,
                                       double t, bool status_request, std::uint64_t first_frame = 3) {
    dissect::TlsHandshake h;
    h.conn.flow_id = flow;
    h.conn.client = ep(client, 40000 + static_cast<std::uint16_t>(flow));
    h.conn.server = ep(server, 443);
    h.start = fr(first_frame, t);
    dissect::ClientHello ch;
    ch.frame = h.start;
    ch.sni = sni;
    ch.status_request = status_request;
    h.client_hello = ch;
    dissect::ServerHello sh;
    sh.frame = fr(first_frame + 2, t + 0.002);
    sh.selected_version = 0x0303;
    sh.cipher_suite = 0xc02f;
    h.server_hello = sh;
    h.chain = std::move(chain);
    if (!h.chain.empty()) h.certificate_frame = fr(first_frame + 2, t + 0.002);
    h.end = fr(first_frame + 6, t + 0.060);
    h.complete = true;
    h.fate = "completed";
    return h;
}

inline capture::TcpConnection tcp(std::uint64_t flow, const std::string& client, const std::string& server,
                                  std::uint16_t port, std::vector<FrameRef> syns, capture::ConnState state) {
    capture::TcpConnection t;
    t.info.flow_id = flow;
    t.info.client = ep(client, 50000 + static_cast<std::uint16_t>(flow));
    t.info.server = ep(server, port);
    t.syns = syns;
    t.first_frame = syns.front();
    t.last_frame = syns.back();
    t.state = state;
    t.packets[0] = syns.size();
    return t;
}

inline dissect::DnsLookup dns(const std::string& name, const std::string& answer, int rcode, std::uint64_t frame,
                              double t) {
    dissect::DnsLookup q;
    q.client = ep("192.0.2.10", 41000);
    q.server = ep("192.0.2.53", 53);
    q.transport = "udp";
    q.qname = name;
    q.qtype = 1;
    q.query = fr(frame, t);
    if (rcode >= 0) {
        q.response = fr(frame + 1, t + 0.001);
        q.rcode = rcode;
        q.rcode_name = dissect::dns_rcode_name(rcode);
    }
    if (!answer.empty()) q.answers.push_back({name, 1, 60, answer});
    return q;
}

/// An HTTP exchange to the OCSP responder, with optional response.
inline dissect::HttpExchange ocsp_exchange(std::uint64_t flow, const std::string& server, std::uint16_t port,
                                           double t, int status, double latency_s) {
    dissect::HttpExchange ex;
    ex.conn.flow_id = flow;
    ex.conn.client = ep("192.0.2.10", 57000 + static_cast<std::uint16_t>(flow));
    ex.conn.server = ep(server, port);
    ex.request.first = ex.request.last = fr(30, t);
    ex.request.method = "POST";
    ex.request.target = "/";
    ex.request.host = "ocsp.pki.example";
    ex.request.content_type = "application/ocsp-request";
    ex.kind = dissect::CheckKind::ocsp;
    ex.url = "http://ocsp.pki.example/";
    ex.ocsp_request_form = "post";
    if (status) {
        dissect::HttpResponse r;
        r.first = r.last = fr(34, t + latency_s);
        r.status = status;
        r.version = "HTTP/1.1";
        ex.response = r;
        ex.outcome = "ok";
    } else {
        ex.outcome = "closed";
    }
    return ex;
}

inline const analysis::Finding* find(const analysis::Results& r, const std::string& code) {
    for (auto& f : r.findings)
        if (f.code == code) return &f;
    return nullptr;
}

inline bool any_evidence(const analysis::Finding& f, const std::string& needle) {
    for (auto& e : f.evidence)
        if (e.find(needle) != std::string::npos) return true;
    return false;
}

inline std::size_t serious(const analysis::Results& r) {
    std::size_t n = 0;
    for (auto& f : r.findings) n += f.severity != analysis::Severity::info;
    return n;
}

}  // namespace revo::test::facts
