// Flow table: roles, handshake facts, resets, ICMP attribution, port reuse, eviction, files and sources.
#include <catch2/catch.hpp>

#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "capture/engine.h"
#include "capture/source.h"
#include "tests/capture/packet_builder.h"
#include "tests/test_support.h"

using namespace revo;
using namespace revo::capture;
using namespace revo::test;

namespace {

struct Collector : StreamConsumer {
    std::string data[2];
    std::vector<std::pair<std::uint64_t, std::uint64_t>> gaps[2];
    int ends[2] = {0, 0};
    EndReason why[2] = {EndReason::capture_end, EndReason::capture_end};
    void on_data(Side s, std::uint64_t, ByteView b, const FrameRef&) override { data[index(s)] += as_chars(b); }
    void on_gap(Side s, std::uint64_t off, std::uint64_t len, const FrameRef&) override {
        gaps[index(s)].emplace_back(off, len);
    }
    void on_end(Side s, EndReason r, const FrameRef&) override {
        ends[index(s)]++;
        why[index(s)] = r;
    }
    bool wants(Side) const override { return true; }
};

struct Rig {
    std::vector<TcpConnection> conns;
    std::vector<Collector*> consumers;  // owned by the flows; valid until on_connection
    std::vector<std::string> client_data, server_data;
    std::unique_ptr<Engine> engine;
    std::int64_t t = 1'700'000'000LL * 1'000'000'000LL;
    explicit Rig(Limits l = Limits{}) {
        EngineHooks h;
        h.make_consumer = [this](const ConnInfo&) {
            auto c = std::make_unique<Collector>();
            consumers.push_back(c.get());
            return c;
        };
        h.on_connection = [this](TcpConnection&& c) { conns.push_back(std::move(c)); };
        engine = std::make_unique<Engine>(l, std::move(h));
        engine->begin_input(InputFileInfo{});
    }
    void raw(const Bytes& ip, std::int64_t dt_ms = 1) {
        t += dt_ms * 1'000'000;
        engine->packet(dlt::raw, ip.data(), static_cast<std::uint32_t>(ip.size()), static_cast<std::uint32_t>(ip.size()),
                       Timestamp{t});
    }
    // 10.0.0.1:40000 (client) <-> 10.0.0.2:80 (server)
    void c2s(std::uint32_t seq, std::uint32_t ack, std::uint8_t flags, const std::string& p = "", std::uint16_t sport = 40000) {
        raw(ipv4({10, 0, 0, 1}, {10, 0, 0, 2}, 6, tcp_segment(sport, 80, seq, ack, flags, text(p))));
    }
    void s2c(std::uint32_t seq, std::uint32_t ack, std::uint8_t flags, const std::string& p = "", std::uint16_t dport = 40000) {
        raw(ipv4({10, 0, 0, 2}, {10, 0, 0, 1}, 6, tcp_segment(80, dport, seq, ack, flags, text(p))));
    }
    void done() { engine->finish(); }
};

constexpr std::uint8_t SYN = 0x02, ACK = 0x10, FIN = 0x01, RST = 0x04, PSH = 0x08;

}  // namespace

TEST_CASE("a full connection: handshake, data both ways, orderly close") {
    Rig r;
    r.c2s(0xFFFFFFF0u, 0, SYN);
    r.s2c(5000, 0xFFFFFFF1u, SYN | ACK);
    r.c2s(0xFFFFFFF1u, 5001, ACK);
    r.c2s(0xFFFFFFF1u, 5001, ACK | PSH, "GET / HTTP/1.1\r\n\r\n");  // crosses the 2^32 wrap
    r.s2c(5001, 0xFFFFFFF1u + 18, ACK | PSH, "HTTP/1.1 200 OK\r\n\r\n");
    r.c2s(0xFFFFFFF1u + 18, 5020, FIN | ACK);
    r.s2c(5020, 0xFFFFFFF1u + 19, FIN | ACK);
    r.c2s(0xFFFFFFF1u + 19, 5021, ACK);
    REQUIRE(r.consumers.size() == 1);
    CHECK(r.consumers[0]->data[0] == "GET / HTTP/1.1\r\n\r\n");
    CHECK(r.consumers[0]->data[1] == "HTTP/1.1 200 OK\r\n\r\n");
    CHECK(r.consumers[0]->ends[0] == 1);
    CHECK(r.consumers[0]->why[1] == EndReason::fin);
    r.done();
    REQUIRE(r.conns.size() == 1);
    const auto& c = r.conns[0];
    CHECK(c.info.client.to_string() == "10.0.0.1:40000");
    CHECK(c.info.server.to_string() == "10.0.0.2:80");
    CHECK(c.info.roles_from_syn);
    CHECK(c.state == ConnState::closed);
    CHECK(c.syns.size() == 1);
    CHECK(c.syn_ack.has_value());
    CHECK(c.first_ack.has_value());
    CHECK(c.payload_bytes[0] == 18);
    CHECK(c.payload_bytes[1] == 19);
    CHECK(c.packets[0] == 5);
    CHECK(c.connect_ms().value() == Approx(1.0));
    CHECK(c.end_reason == EndReason::fin);
}

TEST_CASE("unanswered SYN retransmissions and a refusing RST") {
    Rig r;
    r.c2s(100, 0, SYN);
    r.c2s(100, 0, SYN, "", 40000);
    r.c2s(100, 0, SYN, "", 40000);
    r.c2s(900, 0, SYN, "", 40001);
    r.s2c(0, 901, RST | ACK, "", 40001);
    r.done();
    REQUIRE(r.conns.size() == 2);
    auto& a = r.conns[0].info.client.port == 40000 ? r.conns[0] : r.conns[1];
    auto& b = r.conns[0].info.client.port == 40000 ? r.conns[1] : r.conns[0];
    CHECK(a.state == ConnState::syn_sent);
    CHECK(a.syns.size() == 3);
    CHECK(a.end_reason == EndReason::capture_end);
    CHECK(b.state == ConnState::refused);
    REQUIRE(b.rsts.size() == 1);
    CHECK(b.rsts[0].from == Side::server);
    CHECK(b.rsts[0].answers_syn);
    CHECK(b.end_reason == EndReason::rst);
}

TEST_CASE("an ICMP error is attributed to the connection it quotes") {
    Rig r;
    r.c2s(100, 0, SYN);
    Bytes quoted = ipv4({10, 0, 0, 1}, {10, 0, 0, 2}, 6, tcp_segment(40000, 80, 100, 0, SYN, {}));
    quoted.resize(28);
    Bytes icmp = {3, 13, 0, 0, 0, 0, 0, 0};
    append(icmp, quoted);
    r.raw(ipv4({10, 0, 0, 254}, {10, 0, 0, 1}, 1, icmp));
    r.done();
    REQUIRE(r.conns.size() == 1);
    const auto& c = r.conns[0];
    CHECK(c.state == ConnState::icmp_rejected);
    REQUIRE(c.icmp.size() == 1);
    CHECK(c.icmp[0].meaning == "admin-prohibited");
    CHECK(c.icmp[0].reporter.to_string() == "10.0.0.254");
    CHECK(c.icmp[0].frame.frame == 2);
}

TEST_CASE("mid-stream start: roles from content or ports, bytes still delivered") {
    Rig r;
    // The capture begins with the server's answer; the port says who the server is.
    r.s2c(7000, 300, ACK | PSH, "HTTP/1.1 200 OK\r\n");
    r.c2s(300, 7017, ACK | PSH, "GET /x HTTP/1.1\r\n");
    r.done();
    REQUIRE(r.conns.size() == 1);
    const auto& c = r.conns[0];
    CHECK_FALSE(c.info.roles_from_syn);
    CHECK(c.info.server.port == 80);
    CHECK(c.state == ConnState::established);
    CHECK(c.payload_bytes[0] == 17);
    CHECK(c.payload_bytes[1] == 17);
}

TEST_CASE("SYN carrying data, and a new SYN reusing a finished 4-tuple") {
    Rig r;
    r.c2s(10, 0, SYN, "early");
    r.s2c(50, 16, SYN | ACK);
    r.c2s(16, 51, ACK | FIN);
    r.s2c(51, 17, ACK | FIN);
    r.c2s(17, 52, ACK);
    REQUIRE(r.consumers.size() == 1);
    CHECK(r.consumers[0]->data[0] == "early");
    r.c2s(999999, 0, SYN);  // same ports, new ISN: the old flow ends, its consumer with it
    REQUIRE(r.consumers.size() == 2);
    r.done();
    REQUIRE(r.conns.size() == 2);
    CHECK(r.conns[0].state == ConnState::closed);
    CHECK(r.conns[0].payload_bytes[0] == 5);
    CHECK(r.conns[1].state == ConnState::syn_sent);
}

TEST_CASE("the flow cap evicts the least recently active connection and counts it") {
    Limits l;
    l.max_flows = 3;
    Rig r(l);
    for (std::uint16_t p = 0; p < 5; ++p) r.c2s(1, 0, SYN, "", static_cast<std::uint16_t>(41000 + p));
    CHECK(r.engine->flows().active() == 3);
    CHECK(r.conns.size() == 2);
    CHECK(r.conns[0].info.client.port == 41000);
    CHECK(r.conns[0].end_reason == EndReason::evicted);
    r.done();
    CHECK(r.engine->stats().flows_evicted == 2);
    CHECK(r.engine->stats().anomalies.get("flows_evicted_flow_cap") == 2);
}

TEST_CASE("idle connections time out in capture time") {
    Limits l;
    l.tcp_idle_timeout_ns = 5'000'000'000LL;
    Rig r(l);
    r.c2s(1, 0, SYN);
    r.c2s(1, 0, SYN, "", 40001);
    r.raw(ipv4({10, 0, 0, 3}, {10, 0, 0, 4}, 17, udp_datagram(1, 2, {})), 6000);
    CHECK(r.conns.size() == 2);
    CHECK(r.conns[0].end_reason == EndReason::idle_timeout);
}

TEST_CASE("real captures: blocked OCSP connections keep their TCP story") {
    auto drop = source_path("samples/10-ocsp-drop.pcap");
    auto reset = source_path("samples/11-ocsp-reset.pcap");
    auto icmp = source_path("samples/12-ocsp-icmp-port.pcap");
    if (!file_exists(drop) || !file_exists(reset) || !file_exists(icmp)) {
        WARN("samples not generated yet: skipped");
        return;
    }
    auto read = [](const std::string& f) {
        std::vector<TcpConnection> conns;
        EngineHooks h;
        h.on_connection = [&](TcpConnection&& c) { conns.push_back(std::move(c)); };
        Engine e(Limits{}, std::move(h));
        std::string err;
        REQUIRE(read_capture_file(f, e, {}, err) == OpenError::none);
        e.finish();
        return conns;
    };
    auto find80 = [](const std::vector<TcpConnection>& v) -> const TcpConnection* {
        for (auto& c : v)
            if (c.info.server.port == 80) return &c;
        return nullptr;
    };
    auto d = read(drop);
    auto c = find80(d);
    REQUIRE(c);
    CHECK(c->state == ConnState::syn_sent);
    CHECK(c->syns.size() >= 3);
    CHECK_FALSE(c->syn_ack);
    CHECK(c->syns.back().ts > c->syns.front().ts);

    auto r = read(reset);
    c = find80(r);
    REQUIRE(c);
    CHECK(c->state == ConnState::refused);
    REQUIRE_FALSE(c->rsts.empty());
    CHECK(c->rsts[0].answers_syn);

    auto i = read(icmp);
    c = find80(i);
    REQUIRE(c);
    CHECK(c->state == ConnState::icmp_rejected);
    REQUIRE_FALSE(c->icmp.empty());
    CHECK(c->icmp[0].meaning == "port-unreachable");
}

TEST_CASE("files: gzip input gives the same packets and the hash of the stored file") {
    auto src = source_path("samples/01-tls12-staple-good.pcap");
    if (!file_exists(src)) {
        WARN("samples not generated yet: skipped");
        return;
    }
    std::string raw = read_file(src);
    char gzname[] = "/tmp/revo-gz-XXXXXX";
    int fd = mkstemp(gzname);
    REQUIRE(fd >= 0);
    gzFile gz = gzdopen(fd, "wb");
    gzwrite(gz, raw.data(), static_cast<unsigned>(raw.size()));
    gzclose(gz);
    auto count = [](const std::string& f, InputFileInfo& info) {
        Engine e(Limits{}, {});
        std::string err;
        REQUIRE(read_capture_file(f, e, {}, err) == OpenError::none);
        e.finish();
        info = e.stats().files.at(0);
        return e.stats().tcp_flows;
    };
    InputFileInfo a, b;
    CHECK(count(src, a) == count(gzname, b));
    CHECK(a.packets == b.packets);
    CHECK(a.packets > 0);
    CHECK(b.format == "pcap.gz");
    CHECK(b.size_bytes == read_file(gzname).size());
    if (have_program("sha256sum")) {
        auto r = run_command("sha256sum " + shell_quote(src));
        CHECK(r.out.substr(0, 64) == a.sha256);
        r = run_command("sha256sum " + shell_quote(gzname));
        CHECK(r.out.substr(0, 64) == b.sha256);
    }
    std::remove(gzname);
}

TEST_CASE("files: a capture cut in the middle of a record keeps what came before") {
    auto src = source_path("samples/04-ocsp-post-good.pcap");
    if (!file_exists(src)) {
        WARN("samples not generated yet: skipped");
        return;
    }
    std::string raw = read_file(src);
    Engine whole(Limits{}, {});
    std::string err;
    REQUIRE(read_capture_file(src, whole, {}, err) == OpenError::none);
    const auto total = whole.stats().files[0].packets;

    std::string cut = raw.substr(0, raw.size() - 30);
    char name[] = "/tmp/revo-cut-XXXXXX";
    int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, cut.data(), cut.size()) == static_cast<ssize_t>(cut.size()));
    ::close(fd);
    Engine e(Limits{}, {});
    REQUIRE(read_capture_file(name, e, {}, err) == OpenError::none);
    const auto& info = e.stats().files[0];
    CHECK(info.partial);
    CHECK_FALSE(info.error.empty());
    CHECK(info.packets == total - 1);
    // The damaged record starts right after the last good one.
    std::uint64_t expect = 24;
    {
        // Walk the record headers (little-endian pcap written by tcpdump on this host).
        const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
        for (std::uint64_t i = 0; i < total - 1; ++i) {
            std::uint32_t caplen = p[expect + 8] | (p[expect + 9] << 8) | (p[expect + 10] << 16) | (std::uint32_t(p[expect + 11]) << 24);
            expect += 16 + caplen;
        }
    }
    CHECK(info.error_offset == expect);
    // The file's hash covers all of it, the damaged tail included.
    if (have_program("sha256sum")) CHECK(run_command("sha256sum " + shell_quote(name)).out.substr(0, 64) == info.sha256);
    std::remove(name);
}

TEST_CASE("files: standard input is hashed as it is read and gives the same hash as the file") {
    auto src = source_path("samples/04-ocsp-post-good.pcap");
    if (!file_exists(src) || !have_program("sha256sum")) {
        WARN("samples or sha256sum missing: skipped");
        return;
    }
    const std::string want = run_command("sha256sum " + shell_quote(src)).out.substr(0, 64);
    auto r = run_revoscope("analyze --format jsonl --quiet - < " + shell_quote(src));
    REQUIRE(r.exit_code <= 1);
    auto lines = split_lines(r.out);
    REQUIRE_FALSE(lines.empty());
    CHECK(lines.back().find("\"sha256\":\"" + want + "\"") != std::string::npos);
    // The same small file given by name is hashed as it is read, too.
    Engine e(Limits{}, {});
    std::string err;
    REQUIRE(read_capture_file(src, e, {}, err) == OpenError::none);
    CHECK(e.stats().files.at(0).sha256 == want);

    // A file of 4 MiB or more is hashed on a second thread where there is a free core: the sample followed
    // by 5 MiB of garbage gives sha256sum's value for the whole file, the tail libpcap never read included.
    char name[] = "/tmp/revo-bighash-XXXXXX";
    int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    const std::string raw = read_file(src);
    std::string tail(5u << 20, '\0');
    for (std::size_t i = 0; i < tail.size(); ++i) tail[i] = static_cast<char>((i * 2654435761u) >> 13);
    REQUIRE(::write(fd, raw.data(), raw.size()) == static_cast<ssize_t>(raw.size()));
    REQUIRE(::write(fd, tail.data(), tail.size()) == static_cast<ssize_t>(tail.size()));
    ::close(fd);
    Engine big(Limits{}, {});
    REQUIRE(read_capture_file(name, big, {}, err) == OpenError::none);
    const auto& info = big.stats().files.at(0);
    CHECK(info.partial);
    CHECK(info.sha256 == run_command("sha256sum " + shell_quote(name)).out.substr(0, 64));
    CHECK(info.sha256 != want);
    std::remove(name);
}

TEST_CASE("files: clear errors for missing, non-capture and unsupported link type inputs") {
    Engine e(Limits{}, {});
    std::string err;
    CHECK(read_capture_file("/nonexistent/x.pcap", e, {}, err) == OpenError::missing);
    CHECK(err.find("/nonexistent/x.pcap") != std::string::npos);
    CHECK(read_capture_file(source_path("README.md"), e, {}, err) == OpenError::not_capture);
    CHECK(err.find("not a capture file") != std::string::npos);
    // A pcap header announcing link type 147 (user-defined) and no packets.
    std::string hdr("\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x93\x00\x00\x00", 24);
    char name[] = "/tmp/revo-lt-XXXXXX";
    int fd = mkstemp(name);
    REQUIRE(::write(fd, hdr.data(), hdr.size()) == 24);
    ::close(fd);
    CHECK(read_capture_file(name, e, {}, err) == OpenError::unknown_link_type);
    CHECK(err.find("unsupported link type 147") != std::string::npos);
    std::remove(name);
    CHECK(e.stats().files.empty());
}
