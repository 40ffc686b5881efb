// HTTP/1.x stream parsing: framing, pairing, gaps and limits. The messages are typed out the way curl,
// openssl and tinyproxy send them; each is fed in one piece and byte by byte with identical results.
#include <catch2/catch.hpp>

#include "dissect/http/http_classify.h"
#include "dissect/http/http_stream.h"
#include "http_harness.h"

using namespace revo;
using namespace revo::dissect;
using capture::EndReason;
using capture::Side;

namespace {

struct Ev {
    enum Kind { data, gap, end } kind;
    Side side;
    std::string bytes;
    std::uint64_t gap_len = 0;
    EndReason why = EndReason::fin;
};
Ev C(std::string s) { return {Ev::data, Side::client, std::move(s)}; }
Ev S(std::string s) { return {Ev::data, Side::server, std::move(s)}; }
Ev Gap(Side s, std::uint64_t n) { return {Ev::gap, s, {}, n}; }
Ev End(Side s, EndReason why) { return {Ev::end, s, {}, 0, why}; }

struct Run {
    test::CollectSink sink;
    Anomalies anomalies;
    Limits limits;
    DissectContext ctx;
};

// Feeds events; `chunk` = 0 delivers each event whole, otherwise in pieces of that many bytes.
std::unique_ptr<Run> drive(const std::vector<Ev>& evs, std::size_t chunk, Limits limits = {}) {
    auto r = std::make_unique<Run>();
    r->limits = limits;
    r->ctx.limits = &r->limits;
    r->ctx.sink = &r->sink;
    r->ctx.anomalies = &r->anomalies;
    capture::ConnInfo conn;
    conn.flow_id = 7;
    IpAddr::parse("192.0.2.10", conn.client.addr);
    conn.client.port = 40000;
    IpAddr::parse("203.0.113.20", conn.server.addr);
    conn.server.port = 80;
    auto s = make_http_stream(conn, r->ctx);
    std::uint64_t frame = 0;
    std::uint64_t off[2] = {0, 0};
    for (const auto& e : evs) {
        FrameRef f{++frame, Timestamp{static_cast<std::int64_t>(frame) * 1000000}};
        int i = capture::index(e.side);
        if (e.kind == Ev::data) {
            ByteView b = as_bytes(e.bytes);
            std::size_t step = chunk ? chunk : b.size();
            for (std::size_t p = 0; p < b.size(); p += step) {
                auto piece = b.subspan(p, std::min(step, b.size() - p));
                s->on_data(e.side, off[i], piece, f);
                off[i] += piece.size();
            }
        } else if (e.kind == Ev::gap) {
            s->on_gap(e.side, off[i], e.gap_len, f);
            off[i] += e.gap_len;
        } else {
            s->on_end(e.side, e.why, f);
        }
    }
    s.reset();
    return r;
}

// Runs whole and byte by byte and checks both give the same exchanges; returns the whole run.
std::unique_ptr<Run> drive_both(const std::vector<Ev>& evs, Limits limits = {}) {
    auto whole = drive(evs, 0, limits);
    for (std::size_t chunk : {1, 3}) {
        auto bytewise = drive(evs, chunk, limits);
        REQUIRE(bytewise->sink.http.size() == whole->sink.http.size());
        for (std::size_t i = 0; i < whole->sink.http.size(); ++i) {
            const auto& a = whole->sink.http[i];
            const auto& b = bytewise->sink.http[i];
            CHECK(a.request.method == b.request.method);
            CHECK(a.request.target == b.request.target);
            CHECK(a.request.body_size == b.request.body_size);
            CHECK(a.request.first.frame == b.request.first.frame);
            CHECK(a.request.last.frame == b.request.last.frame);
            CHECK(a.outcome == b.outcome);
            CHECK(a.index_on_conn == b.index_on_conn);
            CHECK(a.response.has_value() == b.response.has_value());
            if (a.response && b.response) {
                CHECK(a.response->status == b.response->status);
                CHECK(a.response->body_size == b.response->body_size);
                CHECK(a.response->body == b.response->body);
                CHECK(a.response->first.frame == b.response->first.frame);
                CHECK(a.response->last.frame == b.response->last.frame);
            }
        }
    }
    return whole;
}

}  // namespace

TEST_CASE("http: looks_like_http", "[http]") {
    CHECK(looks_like_http(as_bytes("GET / HTTP/1.1\r\n")));
    CHECK(looks_like_http(as_bytes("POST /")));
    CHECK(looks_like_http(as_bytes("CONNECT ocsp.test:443 HTTP/1.1")));
    CHECK(looks_like_http(as_bytes("HTTP/1.1 200 OK")));
    CHECK(!looks_like_http(as_bytes("GET")));
    CHECK(!looks_like_http(as_bytes("\x16\x03\x01\x02\x00")));
    CHECK(!looks_like_http(as_bytes("SSH-2.0-OpenSSH")));
    CHECK(!looks_like_http(as_bytes("EHLO mail.test")));
}

TEST_CASE("http: keep-alive pipelined requests pair in order", "[http]") {
    auto r = drive_both({
        C("GET /a HTTP/1.1\r\nHost: ocsp.test\r\n\r\nGET /b.crl HTTP/1.1\r\nHost: ocsp.test\r\n\r\n"),
        S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello"),
        S("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n"),
        End(Side::client, EndReason::fin),
        End(Side::server, EndReason::fin),
    });
    auto& h = r->sink.http;
    REQUIRE(h.size() == 2);
    CHECK(h[0].request.target == "/a");
    CHECK(h[0].request.host == "ocsp.test");
    CHECK(h[0].url == "http://ocsp.test/a");
    CHECK(h[0].response->status == 200);
    CHECK(h[0].response->body_size == 5);
    CHECK(h[0].response->body.empty());  // not revocation data: not kept
    CHECK(h[0].outcome == "ok");
    CHECK(h[0].kind == CheckKind::none);
    CHECK(h[0].index_on_conn == 0);
    CHECK(h[1].request.target == "/b.crl");
    CHECK(h[1].kind == CheckKind::crl);
    CHECK(h[1].response->status == 404);
    CHECK(h[1].response->date_unix == std::optional<std::int64_t>(784111777));
    CHECK(h[1].index_on_conn == 1);
    CHECK(h[1].response->first.frame == 3);
}

TEST_CASE("http: chunked, close-delimited, 100-continue and HEAD", "[http]") {
    auto r = drive_both({
        C("POST /up HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n"),
        S("HTTP/1.1 100 Continue\r\n\r\n"),
        C("4\r\nabcd\r\n0;ext=1\r\nX-Trailer: y\r\n\r\n"),
        S("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Type: application/pkix-crl\r\n\r\n"
          "3\r\nxyz\r\n002\r\n12\r\n0\r\n\r\n"),
        C("HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n"),
        S("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"),
        C("GET /ca.crt HTTP/1.0\r\n\r\n"),
        S("HTTP/1.0 200 OK\r\nContent-Type: application/pkix-cert\r\n\r\nCERTBYTES"),
        End(Side::server, EndReason::fin),
    });
    auto& h = r->sink.http;
    REQUIRE(h.size() == 3);
    CHECK(h[0].request.body_size == 4);
    CHECK(h[0].response->status == 200);
    CHECK(h[0].response->body_size == 5);
    CHECK(std::string(h[0].response->body.begin(), h[0].response->body.end()) == "xyz12");
    CHECK(h[0].kind == CheckKind::crl);
    CHECK(h[0].response->body_complete);
    CHECK(h[1].request.method == "HEAD");
    CHECK(h[1].response->body_size == 0);
    CHECK(h[1].outcome == "ok");
    CHECK(h[2].kind == CheckKind::aia_issuer);
    CHECK(h[2].response->body_size == 9);
    CHECK(h[2].response->body_complete);
    CHECK(h[2].outcome == "ok");
}

TEST_CASE("http: CONNECT refused then accepted through a proxy", "[http]") {
    auto r = drive_both({
        C("CONNECT www.test:443 HTTP/1.1\r\nHost: www.test:443\r\n\r\n"),
        S("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"p\"\r\nContent-Length: 0\r\n\r\n"),
        C("CONNECT www.test:443 HTTP/1.1\r\nHost: www.test:443\r\nProxy-Authorization: Basic eDp5\r\n\r\n"),
        S("HTTP/1.1 200 Connection established\r\n\r\n"),
        C("\x16\x03\x01\x00\x05hello"),
        S("\x16\x03\x03\x00\x05world"),
        End(Side::client, EndReason::fin),
        End(Side::server, EndReason::fin),
    });
    auto& h = r->sink.http;
    REQUIRE(h.size() == 2);
    CHECK(h[0].via_proxy);
    CHECK(h[0].url == "www.test:443");
    CHECK(h[0].response->status == 407);
    CHECK(h[0].response->proxy_authenticate == "Basic realm=\"p\"");
    CHECK(h[1].response->status == 200);
    CHECK(h[1].outcome == "ok");
    CHECK(r->anomalies.get("http_parse_error") == 0);
}

TEST_CASE("http: absolute-form request through a proxy", "[http]") {
    auto r = drive_both({
        C("GET http://ocsp.test/ocsp/x.crl HTTP/1.1\r\nHost: ocsp.test\r\n\r\n"),
        S("HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\nContent-Length: 10\r\nServer: tinyproxy/1.11.1\r\n\r\n<h1>no</h1"),
        End(Side::server, EndReason::fin),
    });
    auto& h = r->sink.http;
    REQUIRE(h.size() == 1);
    CHECK(h[0].via_proxy);
    CHECK(h[0].url == "http://ocsp.test/ocsp/x.crl");
    CHECK(h[0].kind == CheckKind::crl);
    CHECK(h[0].response->status == 403);
    CHECK(h[0].response->server == "tinyproxy/1.11.1");
}

TEST_CASE("http: requests without a response take the connection's ending", "[http]") {
    auto reset = drive_both({C("GET /a HTTP/1.1\r\nHost: a\r\n\r\n"), End(Side::server, EndReason::rst)});
    REQUIRE(reset->sink.http.size() == 1);
    CHECK(reset->sink.http[0].outcome == "reset");
    CHECK(!reset->sink.http[0].response);

    auto closed = drive_both({C("GET /a HTTP/1.1\r\nHost: a\r\n\r\n"), End(Side::server, EndReason::fin)});
    CHECK(closed->sink.http.at(0).outcome == "closed");

    auto cut = drive_both({C("GET /a HTTP/1.1\r\nHost: a\r\n\r\n"), S("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc"),
                           End(Side::server, EndReason::capture_end)});
    REQUIRE(cut->sink.http.size() == 1);
    CHECK(cut->sink.http[0].outcome == "capture_end");
    CHECK(cut->sink.http[0].response->body_size == 3);
    CHECK(!cut->sink.http[0].response->body_complete);

    // No end events at all: the consumer going away delivers what is pending.
    auto silent = drive_both({C("POST /ocsp HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nab")});
    REQUIRE(silent->sink.http.size() == 1);
    CHECK(silent->sink.http[0].outcome == "capture_end");
    CHECK(silent->sink.http[0].request.body_size == 2);
}

TEST_CASE("http: gaps", "[http]") {
    // A hole inside a body of known length keeps the framing; the next exchange still parses.
    auto body = drive({C("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n"),
                       S("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab"), Gap(Side::server, 5), S("cde"),
                       S("HTTP/1.1 204 No Content\r\n\r\n"), End(Side::server, EndReason::fin)},
                      0);
    REQUIRE(body->sink.http.size() == 2);
    CHECK(body->sink.http[0].outcome == "gap");
    CHECK(body->sink.http[0].response->body_size == 10);
    CHECK(body->sink.http[1].outcome == "ok");
    CHECK(body->sink.http[1].response->status == 204);

    // A hole in a header section: resync at the next request line.
    auto head = drive({C("GET /a HTTP/1.1\r\nHo"), Gap(Side::client, 40), C("ost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: a\r\n\r\n"),
                       S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
                       End(Side::server, EndReason::fin)},
                      0);
    REQUIRE(head->sink.http.size() == 2);
    CHECK(head->sink.http[0].outcome == "gap");
    CHECK(head->sink.http[1].request.target == "/c");
    CHECK(head->sink.http[1].outcome == "ok");
    CHECK(head->anomalies.get("http_gap") == 1);
}

TEST_CASE("http: malformed input gives a per-exchange error and parsing goes on", "[http]") {
    auto r = drive_both({
        C("GET /a HTTP/1.1\r\nHost: a\r\nContent-Length: 12x\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n"),
        S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
        End(Side::server, EndReason::fin),
    });
    auto& h = r->sink.http;
    REQUIRE(h.size() == 2);
    CHECK(h[0].outcome == "parse_error");
    CHECK(h[0].error == "invalid Content-Length");
    CHECK(h[1].request.target == "/b");
    CHECK(h[1].outcome == "ok");

    auto bad_status = drive_both({C("GET /a HTTP/1.1\r\n\r\n"), S("HTTP/1.1 2x0 OK\r\n\r\n"), End(Side::server, EndReason::fin)});
    REQUIRE(bad_status->sink.http.size() == 1);
    CHECK(bad_status->sink.http[0].outcome == "parse_error");
    CHECK(bad_status->sink.http[0].error == "malformed status code");

    auto bad_chunk = drive_both({C("GET /a HTTP/1.1\r\n\r\n"), S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
                                 End(Side::server, EndReason::fin)});
    REQUIRE(bad_chunk->sink.http.size() == 1);
    CHECK(bad_chunk->sink.http[0].error == "invalid chunk size");

    // Garbage with an OCSP media type: the exchange is OCSP with an undecodable response.
    auto garbage = drive_both({C("POST / HTTP/1.1\r\nContent-Type: application/ocsp-request\r\nContent-Length: 4\r\n\r\n\x30\x02\x01\x01"),
                               S("HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\nContent-Length: 4\r\n\r\nabcd"),
                               End(Side::server, EndReason::fin)});
    REQUIRE(garbage->sink.http.size() == 1);
    auto& g = garbage->sink.http[0];
    CHECK(g.kind == CheckKind::ocsp);
    CHECK(g.outcome == "ok");
    REQUIRE(g.ocsp_request);
    CHECK(!g.ocsp_request->parse_error.empty());
    REQUIRE(g.ocsp_response);
    CHECK(!g.ocsp_response->parse_error.empty());
}

TEST_CASE("http: header and body limits are enforced and counted", "[http]") {
    Limits lim;
    lim.max_http_header_bytes = 100;
    lim.max_http_body = 4;
    auto r = drive_both({C("GET /a HTTP/1.1\r\nX-Long: " + std::string(200, 'a') + "\r\n\r\nGET /b.crl HTTP/1.1\r\n\r\n"),
                         S("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nContent-Type: application/pkix-crl\r\n\r\n0123456789"),
                         End(Side::server, EndReason::fin)},
                        lim);
    auto& h = r->sink.http;
    REQUIRE(h.size() == 2);
    CHECK(h[0].outcome == "parse_error");
    CHECK(r->anomalies.get("http_header_too_large") == 1);
    CHECK(h[1].request.target == "/b.crl");
    CHECK(h[1].response->body_size == 10);
    CHECK(h[1].response->body.size() == 4);
    CHECK(h[1].response->body_truncated);
    CHECK(r->anomalies.get("http_body_truncated") == 1);
}

TEST_CASE("http: OCSP GET target decoding", "[http][ocsp]") {
    // Target taken from samples/05-ocsp-get-good.pcap (openssl ocsp -url ... with GET).
    std::string target = "/MEMwQTA%2FMD0wOzAJBgUrDgMCGgUABBTVzjJ4xZ6UKOoyf14KdJAblYe2OAQU1PmvjltSzzWeLPP1v9%2FR3vzbMqgCAhAB";
    auto der = ocsp_request_from_get_target(target);
    REQUIRE(der);
    auto req = decode_ocsp_request(ByteView(*der));
    CHECK(req.parse_error.empty());
    REQUIRE(req.cert_ids.size() == 1);
    CHECK(req.cert_ids[0].serial_hex == "1001");
    CHECK(req.cert_ids[0].hash_alg == "sha1");
    // With a path prefix, URL-safe alphabet and no padding.
    std::string safe = "/ocsp/MEMwQTA_MD0wOzAJBgUrDgMCGgUABBTVzjJ4xZ6UKOoyf14KdJAblYe2OAQU1PmvjltSzzWeLPP1v9_R3vzbMqgCAhAB";
    auto der2 = ocsp_request_from_get_target(safe);
    REQUIRE(der2);
    CHECK(*der2 == *der);
    CHECK(!ocsp_request_from_get_target("/index.html"));
    CHECK(!ocsp_request_from_get_target("/aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ="));
    CHECK(percent_decode("%2") == std::nullopt);
    CHECK(base64_decode("aGk") == std::optional<std::vector<std::uint8_t>>({'h', 'i'}));
}
