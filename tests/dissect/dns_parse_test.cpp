// DNS message parsing: real dnsmasq answers from the samples, and targeted malformed messages
// (compression loops, forward pointers, truncation), plus DNS over TCP framing.
#include <catch2/catch.hpp>

#include "dissect/dns/dns.h"
#include "dissect/dns/dns_stream.h"
#include "http_harness.h"
#include "tests/test_support.h"

using namespace revo;
using namespace revo::dissect;

namespace {

std::vector<std::uint8_t> unhex(const std::string& h) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<std::uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
    return out;
}

// Header: id 0x1234, flags, qd, an, ns, ar.
std::vector<std::uint8_t> header(std::uint16_t flags, std::uint16_t qd, std::uint16_t an) {
    return {0x12, 0x34, static_cast<std::uint8_t>(flags >> 8), static_cast<std::uint8_t>(flags), 0, static_cast<std::uint8_t>(qd),
            0, static_cast<std::uint8_t>(an), 0, 0, 0, 0};
}

}  // namespace

TEST_CASE("dns: real answers from the samples parse like tshark says", "[dns]") {
    auto path = test::source_path("samples/04-ocsp-post-good.pcap");
    if (!test::file_exists(path) || !test::have_program("tshark")) {
        WARN("sample or tshark missing; skipped");
        return;
    }
    auto r = test::run_command("tshark -r " + test::shell_quote(path) +
                               " -Y 'dns.flags.response==1 && dns.qry.type==1' -T fields -E separator='|' -e udp.payload -e dns.qry.name -e dns.a 2>/dev/null");
    auto lines = test::split_lines(r.out);
    REQUIRE(!lines.empty());
    int checked = 0;
    for (auto& line : lines) {
        if (line.empty()) continue;
        auto b1 = line.find('|');
        auto b2 = line.find('|', b1 + 1);
        auto msg = unhex(line.substr(0, b1));
        std::string err;
        auto m = parse_dns_message(ByteView(msg), &err);
        REQUIRE(m);
        CHECK(err.empty());
        CHECK(m->response);
        CHECK(m->qname == line.substr(b1 + 1, b2 - b1 - 1));
        CHECK(m->qtype == 1);
        REQUIRE(!m->answers.empty());
        CHECK(m->answers.back().data == line.substr(b2 + 1));
        ++checked;
    }
    CHECK(checked >= 1);
}

TEST_CASE("dns: compression pointers, CNAME chains and AAAA", "[dns]") {
    // Question ocsp.test A; answers: ocsp.test CNAME edge.ocsp.test (compressed), edge.ocsp.test AAAA.
    auto m = header(0x8180, 1, 2);
    std::vector<std::uint8_t> q = {4, 'o', 'c', 's', 'p', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1};
    m.insert(m.end(), q.begin(), q.end());
    std::vector<std::uint8_t> cname = {0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 7, 4, 'e', 'd', 'g', 'e', 0xc0, 12};
    m.insert(m.end(), cname.begin(), cname.end());
    std::vector<std::uint8_t> aaaa = {0xc0, 39, 0, 28, 0, 1, 0, 0, 0, 60, 0, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    m.insert(m.end(), aaaa.begin(), aaaa.end());
    std::string err;
    auto p = parse_dns_message(ByteView(m), &err);
    REQUIRE(p);
    CHECK(err.empty());
    CHECK(p->id == 0x1234);
    CHECK(p->rcode == 0);
    REQUIRE(p->answers.size() == 2);
    CHECK(p->answers[0].type == 5);
    CHECK(p->answers[0].data == "edge.ocsp.test");
    CHECK(p->answers[0].ttl == 60);
    CHECK(p->answers[1].name == "edge.ocsp.test");
    CHECK(p->answers[1].data == "2001:db8::1");
    CHECK(std::string(dns_rcode_name(3)) == "NXDOMAIN");
    CHECK(std::string(dns_rcode_name(5)) == "REFUSED");
    CHECK(std::string(dns_rcode_name(2)) == "SERVFAIL");
}

TEST_CASE("dns: malformed messages fail cleanly", "[dns]") {
    std::string err;
    CHECK(!parse_dns_message(ByteView(std::vector<std::uint8_t>{1, 2, 3}), &err));
    CHECK(err == "shorter than the 12-byte header");

    // Pointer to itself.
    auto self = header(0x0100, 1, 0);
    std::vector<std::uint8_t> s = {0xc0, 12, 0, 1, 0, 1};
    self.insert(self.end(), s.begin(), s.end());
    CHECK(!parse_dns_message(ByteView(self), &err));
    CHECK(err.find("loop") != std::string::npos);

    // Two names pointing at each other (the second through a backward pointer into the first's label).
    auto loop = header(0x8180, 1, 1);
    std::vector<std::uint8_t> l = {1, 'a', 0xc0, 14, 0, 1, 0, 1, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4};
    loop.insert(loop.end(), l.begin(), l.end());
    CHECK(!parse_dns_message(ByteView(loop), &err));

    // Forward pointer.
    auto fwd = header(0x0100, 1, 0);
    std::vector<std::uint8_t> f = {0xc0, 20, 0, 1, 0, 1, 0, 0, 1, 'a', 0};
    fwd.insert(fwd.end(), f.begin(), f.end());
    CHECK(!parse_dns_message(ByteView(fwd), &err));

    // Label running past the end, and every truncation of a valid message.
    auto ok = header(0x8180, 1, 1);
    std::vector<std::uint8_t> body = {4, 'o', 'c', 's', 'p', 0, 0, 1, 0, 1, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 192, 0, 2, 1};
    ok.insert(ok.end(), body.begin(), body.end());
    REQUIRE(parse_dns_message(ByteView(ok)));
    CHECK(parse_dns_message(ByteView(ok))->answers.at(0).data == "192.0.2.1");
    for (std::size_t n = 0; n < ok.size(); ++n) CHECK(!parse_dns_message(ByteView(ok.data(), n)));
    // A record with a wrong length.
    auto bad = ok;
    bad[bad.size() - 5] = 3;
    CHECK(!parse_dns_message(ByteView(bad.data(), bad.size() - 1)));
}

TEST_CASE("dns: UDP pairing, retransmissions and unanswered queries", "[dns]") {
    test::CollectSink sink;
    Anomalies an;
    Limits lim;
    DissectContext ctx;
    ctx.sink = &sink;
    ctx.anomalies = &an;
    ctx.limits = &lim;
    Endpoint cli, srv;
    IpAddr::parse("192.0.2.10", cli.addr);
    cli.port = 5353;
    IpAddr::parse("192.0.2.53", srv.addr);
    srv.port = 53;
    std::vector<std::uint8_t> q = header(0x0100, 1, 0);
    std::vector<std::uint8_t> name = {4, 'o', 'c', 's', 'p', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1};
    q.insert(q.end(), name.begin(), name.end());
    auto nx = q;
    nx[2] = 0x81;
    nx[3] = 0x83;  // response, NXDOMAIN
    auto other = q;
    other[1] = 0x35;  // another id: never answered
    dissect_udp(cli, srv, ByteView(q), FrameRef{1, {}}, ctx);
    dissect_udp(cli, srv, ByteView(q), FrameRef{2, {}}, ctx);
    dissect_udp(cli, srv, ByteView(other), FrameRef{3, {}}, ctx);
    dissect_udp(srv, cli, ByteView(nx), FrameRef{4, {}}, ctx);
    dissect_udp(srv, cli, ByteView(nx), FrameRef{5, {}}, ctx);
    REQUIRE(sink.dns.size() == 1);
    CHECK(sink.dns[0].query.frame == 1);
    CHECK(sink.dns[0].response->frame == 4);
    CHECK(sink.dns[0].retransmissions == 1);
    CHECK(sink.dns[0].rcode_name == "NXDOMAIN");
    CHECK(sink.dns[0].qname == "ocsp.test");
    CHECK(an.get("dns_duplicate_response") == 1);
    finish_udp(ctx);
    REQUIRE(sink.dns.size() == 2);
    CHECK(sink.dns[1].id == 0x1235);
    CHECK(!sink.dns[1].response);
    CHECK(sink.dns[1].rcode == -1);
}

TEST_CASE("dns: TCP framing byte by byte", "[dns]") {
    std::vector<std::uint8_t> q = header(0x0100, 1, 0);
    std::vector<std::uint8_t> name = {4, 'o', 'c', 's', 'p', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1};
    q.insert(q.end(), name.begin(), name.end());
    auto a = q;
    a[2] = 0x81;
    a[3] = 0x80;
    a[7] = 1;
    std::vector<std::uint8_t> rr = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 203, 0, 113, 20};
    a.insert(a.end(), rr.begin(), rr.end());
    auto framed = [](const std::vector<std::uint8_t>& m) {
        std::vector<std::uint8_t> f = {static_cast<std::uint8_t>(m.size() >> 8), static_cast<std::uint8_t>(m.size())};
        f.insert(f.end(), m.begin(), m.end());
        return f;
    };
    auto fq = framed(q), fa = framed(a);
    CHECK(looks_like_dns_tcp(ByteView(fq)));
    CHECK(!looks_like_dns_tcp(as_bytes("GET / HTTP/1.1\r\n")));
    for (std::size_t step : {std::size_t(1), std::size_t(1000)}) {
        test::CollectSink sink;
        DissectContext ctx;
        ctx.sink = &sink;
        capture::ConnInfo conn;
        conn.server.port = 53;
        auto s = make_dns_tcp_stream(conn, ctx);
        for (std::size_t p = 0; p < fq.size(); p += step)
            s->on_data(capture::Side::client, p, ByteView(fq).subspan(p, std::min(step, fq.size() - p)), FrameRef{1, {}});
        for (std::size_t p = 0; p < fa.size(); p += step)
            s->on_data(capture::Side::server, p, ByteView(fa).subspan(p, std::min(step, fa.size() - p)), FrameRef{2, {}});
        s.reset();
        REQUIRE(sink.dns.size() == 1);
        CHECK(sink.dns[0].transport == "tcp");
        CHECK(sink.dns[0].answers.at(0).data == "203.0.113.20");
        CHECK(sink.dns[0].rcode_name == "NOERROR");
    }
}
