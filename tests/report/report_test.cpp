// Reporters: JSON lines schema, text and Markdown layout, redaction, exit status, and the HTML page
// rendered by headless Chromium.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "report/report.h"
#include "tests/analysis/facts.h"

using namespace revo;
using namespace revo::test;
using namespace revo::test::facts;
using nlohmann::json;

namespace {

/// A blocked OCSP check caused by a TLS connection, plus a DNS answer naming the responder.
analysis::Results blocked_results() {
    analysis::Analyzer a(options());
    a.on_tls_handshake(handshake(1, "192.0.2.10", "198.51.100.10", "www.revo.example",
                                 {pki_cert("www"), pki_cert("intermediate")}, 0.0, true));
    a.on_dns_lookup(dns("ocsp.pki.example", "203.0.113.20", 0, 7, 0.010));
    a.on_tcp_connection(facts::tcp(2, "192.0.2.10", "203.0.113.20", 80,
                                   {fr(9, 0.020), fr(10, 1.020), fr(11, 3.020), fr(12, 7.020)},
                                   capture::ConnState::syn_sent));
    return a.finish();
}

report::RunInfo run_info() {
    report::RunInfo run;
    run.tool_version = "test";
    run.command_line = {"revoscope", "analyze", "blocked.pcap"};
    capture::InputFileInfo f;
    f.name = "blocked.pcap";
    f.size_bytes = 4321;
    f.sha256 = std::string(64, 'a');
    f.format = "pcap";
    f.packets = 12;
    run.capture.files.push_back(f);
    run.capture.packets = 12;
    run.capture.tcp_flows = 2;
    run.capture.first_ts = fr(1, 0.0).ts;
    run.capture.last_ts = fr(12, 7.020).ts;
    run.capture.anomalies.add("tcp_bad_checksum", 2);
    return run;
}

std::string render(report::Format f, const analysis::Results& r, const report::RunInfo& run) {
    std::ostringstream out;
    report::write_report(f, out, r, run);
    return out.str();
}

}  // namespace

TEST_CASE("format names parse, and unknown ones are refused") {
    report::Format f;
    CHECK(report::parse_format("jsonl", f));
    CHECK(f == report::Format::jsonl);
    CHECK(report::parse_format("md", f));
    CHECK(f == report::Format::markdown);
    CHECK(report::parse_format("html", f));
    CHECK_FALSE(report::parse_format("xml", f));
}

TEST_CASE("exit status: 1 with a finding at warning or above, 0 otherwise") {
    auto r = blocked_results();
    CHECK(report::exit_status_for(r) == 1);
    analysis::Results clean;
    CHECK(report::exit_status_for(clean) == 0);
    analysis::Finding info;
    info.code = "CRL_FALLBACK";
    info.severity = analysis::Severity::info;
    clean.findings.push_back(info);
    CHECK(report::exit_status_for(clean) == 0);
}

TEST_CASE("JSON lines: one object per line, every record type, documented field names") {
    auto r = blocked_results();
    auto out = render(report::Format::jsonl, r, run_info());
    auto lines = split_lines(out);
    REQUIRE(lines.size() >= 5);
    std::map<std::string, std::vector<json>> by_type;
    for (auto& l : lines) {
        json j = json::parse(l);
        by_type[j.at("type").get<std::string>()].push_back(j);
    }
    CHECK(json::parse(lines.back())["type"] == "summary");
    REQUIRE(by_type["tls_handshake"].size() == 1);
    const json& h = by_type["tls_handshake"][0];
    CHECK(h["client"] == "192.0.2.10:40001");
    CHECK(h["server"] == "198.51.100.10:443");
    CHECK(std::regex_match(h["ts"].get<std::string>(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")));
    CHECK(h["sni"] == "www.revo.example");
    CHECK(h["version"] == "TLS 1.2");
    CHECK(h["cipher"] == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    CHECK(h["status_request"] == true);
    CHECK(h["status_request_ack"] == false);
    CHECK(h["staple"].is_null());
    REQUIRE(h["chain"].size() == 2);
    CHECK(h["chain"][0]["serial"] == pki_cert("www")->serial_hex);
    CHECK(h["chain"][0]["ocsp_urls"][0] == "http://ocsp.pki.example/");
    CHECK(h["chain"][0]["revocation_mechanisms"].size() >= 1);
    CHECK(h["frames"]["client_hello"] == 3);
    for (auto* key : {"duration_ms", "alpn", "alerts", "complete", "encrypted", "frames"}) CHECK(h.contains(key));

    REQUIRE(by_type["ocsp_exchange"].size() == 1);
    const json& k = by_type["ocsp_exchange"][0];
    CHECK(k["transport"] == "tcp-only");
    CHECK(k["responder"] == "203.0.113.20:80");
    CHECK(k["host"] == "ocsp.pki.example");
    CHECK(k["frames"]["syns"] == json::array({9, 10, 11, 12}));
    for (auto* key : {"client", "method", "url", "request_time", "response_time", "latency_ms", "connect_ms",
                      "http_status", "response_status", "singles", "verification"})
        CHECK(k.contains(key));

    REQUIRE(by_type["dns"].size() == 1);
    CHECK(by_type["dns"][0]["qname"] == "ocsp.pki.example");
    CHECK(by_type["dns"][0]["answers"][0]["data"] == "203.0.113.20");

    bool drop = false;
    for (auto& f : by_type["finding"])
        if (f["code"] == "OCSP_BLOCKED_DROP") {
            drop = true;
            CHECK(f["severity"] == "error");
            CHECK(f["cause"] == "network-blocked");
            CHECK(f["frames"] == json::array({9, 10, 11, 12}));
            CHECK_FALSE(f["fix"].get<std::string>().empty());
            CHECK_FALSE(f["why"].get<std::string>().empty());
        }
    CHECK(drop);
    const json& s = by_type["summary"][0];
    CHECK(s["counts"]["OCSP_BLOCKED_DROP"] == 1);
    CHECK(s["exit_status"] == 1);
    CHECK(s["files"][0]["name"] == "blocked.pcap");
    CHECK(s["decode_problems"]["tcp_bad_checksum"] == 2);
}

TEST_CASE("text report: summary, verdict, findings by cause with evidence and fix, stories, handshakes") {
    auto out = render(report::Format::text, blocked_results(), run_info());
    auto pos = [&](const std::string& s) { return out.find(s); };
    REQUIRE(pos("Verdict: error:") != std::string::npos);
    CHECK(pos("tcp_bad_checksum=2") != std::string::npos);
    CHECK(pos("== network-blocked ==") != std::string::npos);
    CHECK(pos("[ERROR] OCSP_BLOCKED_DROP") != std::string::npos);
    CHECK(pos("SYN sent 4 times over 7.0 s to 203.0.113.20:80 (ocsp.pki.example), no answer") != std::string::npos);
    CHECK(pos("fix: Allow the client 192.0.2.10") != std::string::npos);
    // Most severe group first: network-blocked (error) before stapling (warning).
    CHECK(pos("== network-blocked ==") < pos("== stapling =="));
    CHECK(pos("Connections") < pos("Handshakes"));
    CHECK(pos("sni=www.revo.example TLS 1.2") != std::string::npos);
    CHECK(out.find("\033[") == std::string::npos);  // no colour unless asked
}

TEST_CASE("Markdown report carries the verdict, findings and checks table") {
    auto out = render(report::Format::markdown, blocked_results(), run_info());
    CHECK(out.find("**Verdict:** error:") != std::string::npos);
    CHECK(out.find("## Findings") != std::string::npos);
    CHECK(out.find("`OCSP_BLOCKED_DROP`") != std::string::npos);
    CHECK(out.find("| 9 | tcp-only | ocsp |") != std::string::npos);
}

TEST_CASE("redaction (--redact) replaces addresses and non-certificate names with stable pseudonyms") {
    auto r = blocked_results();
    auto run = run_info();
    run.redact = true;
    for (auto fmt : {report::Format::text, report::Format::jsonl, report::Format::html}) {
        auto out = render(fmt, r, run);
        CHECK(out.find("192.0.2.10") == std::string::npos);
        CHECK(out.find("203.0.113.20") == std::string::npos);
        CHECK(out.find("198.51.100.10") == std::string::npos);
        CHECK(out.find("192.0.2.53") == std::string::npos);
        CHECK(out.find("ip-1") != std::string::npos);
        // The certificates' own names stay: SAN and the AIA responder host.
        CHECK(out.find("www.revo.example") != std::string::npos);
        CHECK(out.find("ocsp.pki.example") != std::string::npos);
        CHECK(out.find("OCSP_BLOCKED_DROP") != std::string::npos);
        // Same input, same pseudonyms.
        CHECK(out == render(fmt, r, run));
    }
    // JSON stays valid after replacement.
    for (auto& l : split_lines(render(report::Format::jsonl, r, run))) CHECK_NOTHROW(json::parse(l));
}

TEST_CASE("a host name outside the certificates is redacted, one inside is kept") {
    analysis::Analyzer a(options());
    a.on_tls_handshake(handshake(1, "192.0.2.10", "198.51.100.10", "www.revo.example",
                                 {pki_cert("www"), pki_cert("intermediate")}, 0.0, false));
    a.on_dns_lookup(dns("intranet.corp.example", "10.1.2.3", 0, 20, 0.5));
    auto ex = ocsp_exchange(2, "10.1.2.3", 80, 0.1, 403, 0.01);
    ex.request.host = "intranet.corp.example";
    ex.url = "http://intranet.corp.example/";
    a.on_http_exchange(std::move(ex));
    auto r = a.finish();
    auto run = run_info();
    run.redact = true;
    auto out = render(report::Format::jsonl, r, run);
    CHECK(out.find("intranet.corp.example") == std::string::npos);
    CHECK(out.find("host-1") != std::string::npos);
    CHECK(out.find("www.revo.example") != std::string::npos);
}

TEST_CASE("HTML report is one self-contained page with metadata, verdict, findings and timelines") {
    auto out = render(report::Format::html, blocked_results(), run_info());
    CHECK(out.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(out.find("</html>") != std::string::npos);
    // Nothing loaded from elsewhere.
    CHECK(out.find("<script") == std::string::npos);
    CHECK(out.find("<link") == std::string::npos);
    CHECK(out.find("src=") == std::string::npos);
    CHECK(out.find("url(") == std::string::npos);
    CHECK(out.find("id=\"verdict\"") < out.find("data-code=\"OCSP_BLOCKED_DROP\""));
    CHECK(out.find(std::string(64, 'a')) != std::string::npos);  // SHA-256
    CHECK(out.find("blocked.pcap") != std::string::npos);
    CHECK(out.find("revoscope analyze blocked.pcap") != std::string::npos);
    CHECK(out.find("<svg") != std::string::npos);
    // Every SYN of the blocked check is drawn.
    CHECK(out.find(">SYN #4<") != std::string::npos);
    CHECK(out.find("4 SYN(s), no answer for 7.0 s") != std::string::npos);
}

TEST_CASE("HTML report renders in headless Chromium with the findings on the page") {
    std::string browser;
    for (auto* b : {"chromium", "chromium-browser", "google-chrome"})
        if (have_program(b)) {
            browser = b;
            break;
        }
    if (browser.empty()) {
        WARN("chromium not installed (scripts/deps.sh --test installs it); skipped");
        return;
    }
    auto dir = std::filesystem::temp_directory_path() / ("revo-html-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto html = dir / "report.html";
    auto png = dir / "report.png";
    {
        std::ofstream f(html);
        report::write_report(report::Format::html, f, blocked_results(), run_info());
    }
    std::string common = browser + " --headless --no-sandbox --disable-gpu --disable-background-networking "
                                   "--disable-component-update --no-first-run --user-data-dir=" +
                         shell_quote((dir / "profile").string());
    auto shot = run_command(common + " --screenshot=" + shell_quote(png.string()) + " --window-size=1280,2000 " +
                            shell_quote("file://" + html.string()));
    INFO(shot.err);
    REQUIRE(file_exists(png.string()));
    CHECK(std::filesystem::file_size(png) > 20000);  // a rendered page, not a blank one
    auto dom = run_command(common + " --dump-dom " + shell_quote("file://" + html.string()));
    CHECK(dom.out.find("OCSP_BLOCKED_DROP") != std::string::npos);
    CHECK(dom.out.find("STAPLE_MISSING") != std::string::npos);
    CHECK(dom.out.find("<svg") != std::string::npos);
    std::filesystem::remove_all(dir);
}
