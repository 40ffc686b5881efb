// HTTP/OCSP/DNS dissection of the sample captures (real openssl, nginx, tinyproxy and dnsmasq traffic),
// checked against tshark for the same bytes.
#include <catch2/catch.hpp>

#include <ctime>
#include <map>

#include "http_harness.h"
#include "tests/test_support.h"

using namespace revo;
using namespace revo::dissect;

namespace {

std::string sample(const std::string& name) {
    auto p = test::source_path("samples/" + name);
    return test::file_exists(p) ? p : std::string();
}

bool can_run(const std::string& path) {
    if (path.empty()) {
        WARN("sample capture not present; skipped");
        return false;
    }
    if (!test::have_program("tshark")) {
        WARN("tshark not installed; skipped");
        return false;
    }
    return true;
}

// tshark field rows for frames matching a display filter.
std::vector<std::vector<std::string>> tshark_rows(const std::string& path, const std::string& filter,
                                                  const std::vector<std::string>& fields) {
    std::string cmd = "tshark -r " + test::shell_quote(path) + " -Y " + test::shell_quote(filter) + " -T fields -E separator='|'";
    for (auto& f : fields) cmd += " -e " + f;
    auto r = test::run_command(cmd + " 2>/dev/null");
    std::vector<std::vector<std::string>> rows;
    for (auto& line : test::split_lines(r.out)) {
        if (line.empty()) continue;
        std::vector<std::string> cols;
        std::size_t pos = 0;
        while (true) {
            auto bar = line.find('|', pos);
            cols.push_back(line.substr(pos, bar == std::string::npos ? std::string::npos : bar - pos));
            if (bar == std::string::npos) break;
            pos = bar + 1;
        }
        rows.push_back(cols);
    }
    return rows;
}

std::int64_t tshark_time(const std::string& s) {  // "Nov 26, 2026 02:45:45.000000000 UTC"
    std::tm tm{};
    if (!strptime(s.c_str(), "%b %d, %Y %H:%M:%S", &tm)) return -1;
    return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace

TEST_CASE("http samples: every HTTP exchange matches tshark", "[http][samples]") {
    for (std::string name : {"04-ocsp-post-good.pcap", "05-ocsp-get-good.pcap", "06-ocsp-proxy-good.pcap",
                             "16-proxy-407.pcap", "17-captive-portal.pcap", "19-ocsp-trylater.pcap",
                             "21-signer-expired.pcap", "27-ocsp-revoked.pcap", "02-nginx-stapling-good.pcap"}) {
        auto path = sample(name);
        if (!can_run(path)) continue;
        INFO(name);
        auto d = test::dissect_pcap(path);
        REQUIRE(d->ok);
        auto reqs = tshark_rows(path, "http.request", {"frame.number", "http.request.method", "http.request.uri", "http.host"});
        auto resps = tshark_rows(path, "http.response", {"frame.number", "http.response.code", "http.content_type"});
        const auto& h = d->sink.http;
        REQUIRE(h.size() == reqs.size());
        REQUIRE(h.size() == resps.size());
        for (std::size_t i = 0; i < h.size(); ++i) {
            CHECK(h[i].request.method == reqs[i][1]);
            CHECK(h[i].request.target == reqs[i][2]);
            CHECK(h[i].request.host == reqs[i][3]);
            // tshark reports a message at the frame that completes it.
            CHECK(std::to_string(h[i].request.last.frame) == reqs[i][0]);
            REQUIRE(h[i].response);
            CHECK(std::to_string(h[i].response->status) == resps[i][1]);
            CHECK(h[i].response->content_type == resps[i][2]);
            CHECK(std::to_string(h[i].response->last.frame) == resps[i][0]);
            CHECK(h[i].outcome == "ok");
            CHECK(h[i].kind == CheckKind::ocsp);
            CHECK(h[i].request.first.ts <= h[i].request.last.ts);
            CHECK(h[i].request.last.ts <= h[i].response->first.ts);
        }
        // OCSP fields against tshark's OCSP dissector.
        auto singles = tshark_rows(path, "http && ocsp.responseStatus == 0",
                                   {"ocsp.serialNumber", "ocsp.certStatus", "ocsp.thisUpdate", "ocsp.nextUpdate", "ocsp.producedAt",
                                    "ocsp.issuerNameHash", "ocsp.revocationTime", "ocsp.revocationReason"});
        std::size_t k = 0;
        for (const auto& ex : h) {
            if (!ex.ocsp_response || ex.ocsp_response->response_status != 0) continue;
            REQUIRE(k < singles.size());
            const auto& row = singles[k++];
            REQUIRE(ex.ocsp_response->singles.size() == 1);
            const auto& s = ex.ocsp_response->singles[0];
            CHECK(s.cert_id.serial_hex == row[0]);
            CHECK(std::to_string(static_cast<int>(s.status)) == row[1]);
            CHECK(s.this_update == tshark_time(row[2]));
            REQUIRE(s.next_update);
            CHECK(*s.next_update == tshark_time(row[3]));
            CHECK(*ex.ocsp_response->produced_at == tshark_time(row[4]));
            CHECK(s.cert_id.issuer_name_hash == row[5]);
            if (s.status == OcspCertStatus::revoked) {
                REQUIRE(s.revocation_time);
                CHECK(*s.revocation_time == tshark_time(row[6]));
                CHECK(row[7] == "1");
                CHECK(s.revocation_reason == std::optional<std::string>("keyCompromise"));
            }
        }
        CHECK(k == singles.size());
    }
}

TEST_CASE("http samples: request forms, proxies and non-OCSP answers", "[http][samples]") {
    auto post = sample("04-ocsp-post-good.pcap");
    if (!can_run(post)) return;
    {
        auto d = test::dissect_pcap(post);
        REQUIRE(d->sink.http.size() == 1);
        const auto& e = d->sink.http[0];
        CHECK(e.ocsp_request_form == "post");
        CHECK(e.request.content_type == "application/ocsp-request");
        REQUIRE(e.ocsp_request);
        CHECK(e.ocsp_request->nonce_hex);
        CHECK(e.ocsp_request->cert_ids.size() == 1);
        CHECK(e.ocsp_response->nonce_hex == e.ocsp_request->nonce_hex);
        CHECK(e.url == "http://ocsp.pki.example/");
        CHECK(!e.via_proxy);
    }
    if (auto get = sample("05-ocsp-get-good.pcap"); !get.empty()) {
        auto d = test::dissect_pcap(get);
        REQUIRE(d->sink.http.size() == 1);
        CHECK(d->sink.http[0].ocsp_request_form == "get");
        REQUIRE(d->sink.http[0].ocsp_request);
        CHECK(d->sink.http[0].ocsp_request->cert_ids.at(0).serial_hex ==
              d->sink.http[0].ocsp_response->singles.at(0).cert_id.serial_hex);
    }
    if (auto proxy = sample("06-ocsp-proxy-good.pcap"); !proxy.empty()) {
        auto d = test::dissect_pcap(proxy);
        REQUIRE(d->sink.http.size() == 1);
        CHECK(d->sink.http[0].via_proxy);
        CHECK(d->sink.http[0].url == "http://ocsp.pki.example:80/");
        CHECK(d->sink.http[0].conn.server.port == 3128);
    }
    if (auto denied = sample("15-proxy-403.pcap"); !denied.empty()) {
        auto d = test::dissect_pcap(denied);
        REQUIRE(d->sink.http.size() == 1);
        const auto& e = d->sink.http[0];
        CHECK(e.response->status == 403);
        CHECK(e.response->server.rfind("tinyproxy", 0) == 0);
        CHECK(!e.ocsp_response);  // an error page is not decoded as OCSP
        CHECK(e.response->body_complete);
    }
    if (auto auth = sample("16-proxy-407.pcap"); !auth.empty()) {
        auto d = test::dissect_pcap(auth);
        REQUIRE(d->sink.http.size() == 1);
        CHECK(d->sink.http[0].response->status == 407);
        CHECK(!d->sink.http[0].response->proxy_authenticate.empty());
    }
    if (auto portal = sample("17-captive-portal.pcap"); !portal.empty()) {
        auto d = test::dissect_pcap(portal);
        REQUIRE(d->sink.http.size() == 1);
        const auto& e = d->sink.http[0];
        CHECK(e.response->status == 200);
        CHECK(e.response->content_type.rfind("text/html", 0) == 0);
        REQUIRE(e.ocsp_response);
        CHECK(e.ocsp_response->parse_error.rfind("not a DER OCSPResponse", 0) == 0);
    }
    for (auto [name, status] : std::map<std::string, std::string>{{"19-ocsp-trylater.pcap", "tryLater"},
                                                                   {"20-ocsp-unauthorized.pcap", "unauthorized"}}) {
        auto p = sample(name);
        if (p.empty()) continue;
        auto d = test::dissect_pcap(p);
        REQUIRE(d->sink.http.size() == 1);
        REQUIRE(d->sink.http[0].ocsp_response);
        CHECK(d->sink.http[0].ocsp_response->response_status_name == status);
        CHECK(!d->sink.http[0].ocsp_response->basic);
    }
}

TEST_CASE("dns samples: lookups match tshark, NXDOMAIN is kept", "[dns][samples]") {
    for (std::string name : {"04-ocsp-post-good.pcap", "14-ocsp-nxdomain.pcap", "06-ocsp-proxy-good.pcap"}) {
        auto path = sample(name);
        if (!can_run(path)) continue;
        INFO(name);
        auto d = test::dissect_pcap(path);
        auto answers = tshark_rows(path, "dns.flags.response == 1",
                                   {"frame.number", "dns.qry.name", "dns.qry.type", "dns.flags.rcode", "dns.a", "dns.response_to"});
        REQUIRE(d->sink.dns.size() == answers.size());
        std::map<std::uint64_t, const DnsLookup*> by_frame;
        for (auto& q : d->sink.dns) {
            REQUIRE(q.response);
            by_frame[q.response->frame] = &q;
        }
        for (auto& row : answers) {
            auto it = by_frame.find(std::stoull(row[0]));
            REQUIRE(it != by_frame.end());
            const DnsLookup& q = *it->second;
            CHECK(q.qname == row[1]);
            CHECK(std::to_string(q.qtype) == row[2]);
            CHECK(std::to_string(q.rcode) == row[3]);
            CHECK(std::to_string(q.query.frame) == row[5]);
            std::string a;
            for (auto& ans : q.answers)
                if (ans.type == 1) a += (a.empty() ? "" : ",") + ans.data;
            CHECK(a == row[4]);
            CHECK(q.transport == "udp");
        }
    }
    auto nx = sample("14-ocsp-nxdomain.pcap");
    if (nx.empty()) return;
    auto d = test::dissect_pcap(nx);
    bool seen = false;
    for (auto& q : d->sink.dns)
        if (q.qname == "ocsp-old.pki.example" && q.qtype == 1) {
            seen = true;
            CHECK(q.rcode_name == "NXDOMAIN");
            CHECK(q.answers.empty());
        }
    CHECK(seen);
}
