// Golden tests: the whole pipeline on the real sample captures, checked on stable JSON-lines fields
// (finding codes, severities and key evidence), never on volatile ones (times, ports, hashes).
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/test_support.h"

using namespace revo::test;
using nlohmann::json;

namespace {

struct Outcome {
    int exit_code = -1;
    std::vector<json> findings;
    std::vector<json> checks;
    json summary;
    std::string err;
};

Outcome analyze(const std::string& sample) {
    Outcome o;
    std::string pcap = source_path("samples/" + sample);
    std::string args = "analyze --format jsonl --ca-file " + shell_quote(source_path("samples/pki/root.pem"));
    std::string keylog = pcap.substr(0, pcap.size() - 5) + ".keylog";
    if (file_exists(keylog)) args += " --keylog " + shell_quote(keylog);
    auto r = run_revoscope(args + " " + shell_quote(pcap));
    o.exit_code = r.exit_code;
    o.err = r.err;
    for (auto& line : split_lines(r.out)) {
        json j = json::parse(line, nullptr, false);
        if (j.is_discarded()) continue;
        if (j["type"] == "finding") o.findings.push_back(j);
        else if (j["type"] == "ocsp_exchange") o.checks.push_back(j);
        else if (j["type"] == "summary") o.summary = j;
    }
    return o;
}

const json* finding(const Outcome& o, const std::string& code) {
    for (auto& f : o.findings)
        if (f["code"] == code) return &f;
    return nullptr;
}

bool mentions(const json& f, const std::string& needle) {
    if (f["summary"].get<std::string>().find(needle) != std::string::npos) return true;
    for (auto& e : f["evidence"])
        if (e.get<std::string>().find(needle) != std::string::npos) return true;
    return false;
}

std::set<std::string> serious_codes(const Outcome& o) {
    std::set<std::string> s;
    for (auto& f : o.findings)
        if (f["severity"] != "info") s.insert(f["code"]);
    return s;
}

struct Expect {
    const char* sample;
    std::vector<std::string> codes;     ///< must be raised
    std::vector<std::string> absent;    ///< must not be raised
    std::vector<std::pair<std::string, std::string>> evidence;  ///< code -> text in its summary or evidence
};

const std::vector<Expect>& table() {
    static const std::vector<Expect> t = {
        {"10-ocsp-drop.pcap", {"OCSP_BLOCKED_DROP"}, {}, {{"OCSP_BLOCKED_DROP", "no answer"}, {"OCSP_BLOCKED_DROP", "(ocsp.pki.example)"}}},
        {"11-ocsp-reset.pcap", {"OCSP_BLOCKED_RESET"}, {"OCSP_BLOCKED_DROP"}, {{"OCSP_BLOCKED_RESET", "RST"}}},
        {"12-ocsp-icmp-port.pcap", {"OCSP_BLOCKED_ICMP"}, {}, {{"OCSP_BLOCKED_ICMP", "port-unreachable"}}},
        {"13-ocsp-icmp-admin.pcap", {"OCSP_BLOCKED_ICMP"}, {}, {{"OCSP_BLOCKED_ICMP", "admin-prohibited"}}},
        {"14-ocsp-nxdomain.pcap", {"OCSP_DNS_FAILURE"}, {}, {{"OCSP_DNS_FAILURE", "NXDOMAIN"}}},
        {"15-proxy-403.pcap", {"OCSP_PROXY_DENIED"}, {"OCSP_HTTP_ERROR"}, {{"OCSP_PROXY_DENIED", "HTTP 403"}}},
        {"16-proxy-407.pcap", {"OCSP_PROXY_DENIED"}, {"OCSP_HTTP_ERROR"}, {{"OCSP_PROXY_DENIED", "HTTP 407"}}},
        {"17-captive-portal.pcap", {"OCSP_NOT_OCSP"}, {}, {{"OCSP_NOT_OCSP", "body starts:"}}},
        {"18-ocsp-slow.pcap", {"OCSP_SLOW"}, {}, {{"OCSP_SLOW", "threshold 1000 ms"}}},
        {"19-ocsp-trylater.pcap", {"OCSP_RESPONDER_ERROR"}, {}, {{"OCSP_RESPONDER_ERROR", "tryLater"}}},
        {"20-ocsp-unauthorized.pcap", {"OCSP_RESPONDER_ERROR"}, {}, {{"OCSP_RESPONDER_ERROR", "unauthorized"}}},
        {"21-signer-expired.pcap", {"OCSP_SIGNER_EXPIRED"}, {}, {}},
        {"22-signer-no-eku.pcap", {"OCSP_SIGNER_UNAUTHORIZED"}, {"OCSP_SIGNER_UNTRUSTED"}, {}},
        {"23-signer-untrusted.pcap", {"OCSP_SIGNER_UNTRUSTED"}, {}, {}},
        {"24-staple-bad-signature.pcap", {"STAPLE_INVALID"}, {}, {{"STAPLE_INVALID", "bad_signature"}}},
        {"25-staple-certid-mismatch.pcap", {"STAPLE_INVALID"}, {}, {{"STAPLE_INVALID", "certid_mismatch"}}},
        {"26-ocsp-nonce-mismatch.pcap", {"OCSP_NONCE_MISMATCH"}, {}, {}},
        {"27-ocsp-revoked.pcap", {"CERT_REVOKED"}, {}, {{"CERT_REVOKED", "revoked.revo.example"}, {"CERT_REVOKED", "keyCompromise"}}},
        {"28-ocsp-stale.pcap", {"OCSP_STALE"}, {"CLOCK_SKEW"}, {}},
        {"29-ocsp-not-yet-valid.pcap", {"OCSP_NOT_YET_VALID"}, {"CLOCK_SKEW"}, {}},
        {"30-clock-behind.pcap", {"CLOCK_SKEW"}, {"OCSP_NOT_YET_VALID", "OCSP_STALE"}, {{"CLOCK_SKEW", "2 h 03 min behind"}}},
        {"31-chain-incomplete.pcap", {"CHAIN_INCOMPLETE"}, {}, {}},
        {"32-must-staple-missing.pcap", {"MUST_STAPLE_VIOLATED"}, {}, {}},
        {"33-gnutls-revoked-staple-alert.pcap", {"CERT_REVOKED", "TLS_ALERT_REVOCATION"}, {}, {}},
        {"43-crl-drop.pcap", {"CRL_BLOCKED_DROP"}, {}, {}},
        {"44-crl-reset.pcap", {"CRL_BLOCKED_RESET"}, {}, {}},
        {"45-aia-fetch.pcap", {"AIA_FETCH", "CHAIN_INCOMPLETE"}, {}, {}},
        {"46-aia-fetch-blocked.pcap", {"AIA_FETCH_FAILED"}, {}, {}},
        {"47-nginx-staple-fetch-blocked.pcap", {"STAPLE_FETCH_FAILED", "OCSP_BLOCKED_DROP"}, {}, {}},
    };
    return t;
}

const char* healthy[] = {"01-tls12-staple-good.pcap", "02-nginx-stapling-good.pcap", "03-tls13-staple-good.pcap",
                         "04-ocsp-post-good.pcap",    "05-ocsp-get-good.pcap",       "06-ocsp-proxy-good.pcap",
                         "40-crl-good.pcap"};

}  // namespace

TEST_CASE("golden: each problem sample raises its finding with its evidence") {
    for (const auto& e : table()) {
        DYNAMIC_SECTION(e.sample) {
            if (!file_exists(source_path(std::string("samples/") + e.sample))) {
                WARN(std::string(e.sample) + " not present; skipped");
                continue;
            }
            auto o = analyze(e.sample);
            INFO(o.err);
            CHECK(o.exit_code == 1);
            for (auto& code : e.codes) {
                INFO(code);
                const json* f = finding(o, code);
                REQUIRE(f);
                CHECK_FALSE((*f)["fix"].get<std::string>().empty());
                CHECK_FALSE((*f)["evidence"].empty());
                CHECK_FALSE((*f)["frames"].empty());
            }
            for (auto& code : e.absent) {
                INFO(code);
                CHECK(finding(o, code) == nullptr);
            }
            for (auto& [code, text] : e.evidence) {
                INFO(code << " should mention " << text);
                const json* f = finding(o, code);
                REQUIRE(f);
                CHECK(mentions(*f, text));
            }
            CHECK(o.summary["counts"].size() >= e.codes.size());
        }
    }
}

TEST_CASE("golden: healthy samples raise nothing at warning or above and exit 0") {
    for (auto* s : healthy) {
        DYNAMIC_SECTION(s) {
            if (!file_exists(source_path(std::string("samples/") + s))) {
                WARN(std::string(s) + " not present; skipped");
                continue;
            }
            auto o = analyze(s);
            INFO(o.err);
            std::string codes;
            for (auto& c : serious_codes(o)) codes += c + " ";
            INFO("serious findings: " << codes);
            CHECK(serious_codes(o).empty());
            CHECK(o.exit_code == 0);
            CHECK_FALSE(o.checks.empty());  // the revocation check itself was seen
        }
    }
}

TEST_CASE("golden: samples/EXPECTED.tsv rows") {
    std::string path = source_path("samples/EXPECTED.tsv");
    if (!file_exists(path)) {
        WARN("samples/EXPECTED.tsv not present; skipped");
        return;
    }
    std::size_t rows = 0;
    for (auto& line : split_lines(read_file(path))) {
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> cols;
        std::stringstream ss(line);
        std::string col;
        while (std::getline(ss, col, '\t')) cols.push_back(col);
        if (cols.empty() || cols[0] == "file" || cols[0] == "sample") continue;
        std::string sample = cols[0];
        if (sample.find(".pcap") == std::string::npos) sample += ".pcap";
        if (sample.rfind("samples/", 0) == 0) sample = sample.substr(8);
        // Codes are the upper-case tokens of the remaining columns.
        std::set<std::string> codes;
        for (std::size_t i = 1; i < cols.size(); ++i) {
            std::string tok;
            for (char ch : cols[i] + " ") {
                if (std::isupper(static_cast<unsigned char>(ch)) || ch == '_' || std::isdigit(static_cast<unsigned char>(ch))) {
                    tok += ch;
                } else {
                    if (tok.size() > 4 && tok.find('_') != std::string::npos) codes.insert(tok);
                    tok.clear();
                }
            }
        }
        if (!file_exists(source_path("samples/" + sample))) continue;
        ++rows;
        DYNAMIC_SECTION(sample) {
            auto o = analyze(sample);
            std::set<std::string> got;
            for (auto& f : o.findings) got.insert(f["code"]);
            for (auto& c : codes) {
                INFO(sample << " should raise " << c);
                CHECK(got.count(c) == 1);
            }
            if (codes.empty()) {
                INFO(sample << " is healthy");
                CHECK(serious_codes(o).empty());
            }
        }
    }
    CHECK(rows > 0);
}
