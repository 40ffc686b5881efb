// Link, IP and transport decoding: hand-built frames for each layout and each malformed case.
#include <catch2/catch.hpp>

#include "capture/decode.h"
#include "tests/capture/packet_builder.h"

using namespace revo;
using namespace revo::capture;
using namespace revo::test;

namespace {

struct D {
    Limits limits;
    Anomalies an;
    PacketDecoder dec{limits, an};
    Packet p;
    std::uint64_t frame = 0;
    bool run(int lt, const Bytes& b, std::uint32_t wire = 0) {
        return dec.decode(lt, ByteView(b), wire ? wire : static_cast<std::uint32_t>(b.size()),
                          FrameRef{++frame, Timestamp{static_cast<std::int64_t>(frame) * 1000}}, p);
    }
};

const Bytes kHello = text("hello");

Bytes v4_tcp() { return ipv4({10, 0, 0, 1}, {10, 0, 0, 2}, 6, tcp_segment(40000, 443, 1000, 0, 0x18, kHello)); }

}  // namespace

TEST_CASE("Ethernet with 802.1Q and 802.1ad tags reaches TCP") {
    D d;
    REQUIRE(d.run(dlt::en10mb, ethernet(v4_tcp(), 0x0800, {0x88A8, 0x8100})));
    CHECK(d.p.l4 == L4::tcp);
    CHECK(d.p.sport == 40000);
    CHECK(d.p.dport == 443);
    CHECK(d.p.tcp.seq == 1000);
    CHECK(as_chars(d.p.payload) == "hello");
    CHECK(d.p.src.to_string() == "10.0.0.1");
}

TEST_CASE("Ethernet frames with link padding are trimmed to the IP length") {
    D d;
    Bytes f = ethernet(ipv4({1, 1, 1, 1}, {2, 2, 2, 2}, 6, tcp_segment(1, 2, 0, 0, 0x10, {})));
    f.resize(f.size() + 6, 0);  // minimum frame padding
    REQUIRE(d.run(dlt::en10mb, f));
    CHECK(d.p.payload.empty());
    CHECK(d.an.all().empty());
}

TEST_CASE("Linux cooked v1 and v2 headers") {
    D d;
    Bytes sll = {0, 0, 0, 1, 0, 6, 0, 1, 2, 3, 4, 5, 0, 0};
    put16(sll, 0x0800);
    append(sll, v4_tcp());
    REQUIRE(d.run(dlt::linux_sll, sll));
    CHECK(d.p.dport == 443);

    Bytes sll2;
    put16(sll2, 0x86DD);
    put16(sll2, 0);
    put32(sll2, 2);
    put16(sll2, 1);
    sll2.push_back(0);
    sll2.push_back(6);
    for (int i = 0; i < 8; ++i) sll2.push_back(0);
    append(sll2, ipv6(v6addr(1), v6addr(2), 6, tcp_segment(5555, 80, 7, 0, 0x02, {})));
    REQUIRE(d.run(dlt::linux_sll2, sll2));
    CHECK(d.p.ip_version == 6);
    CHECK(d.p.src.to_string() == "2001:db8::1");
    CHECK(d.p.tcp.has(tcp_flag::syn));
}

TEST_CASE("BSD loopback in both byte orders and raw IP") {
    D d;
    Bytes null_le = {2, 0, 0, 0};
    append(null_le, v4_tcp());
    REQUIRE(d.run(dlt::null, null_le));
    Bytes null_v6 = {0, 0, 0, 30};  // AF_INET6 on macOS, written big-endian
    append(null_v6, ipv6(v6addr(1), v6addr(2), 17, udp_datagram(53, 5353, kHello)));
    REQUIRE(d.run(dlt::null, null_v6));
    CHECK(d.p.l4 == L4::udp);
    Bytes loop = {0, 0, 0, 2};
    append(loop, v4_tcp());
    REQUIRE(d.run(dlt::loop, loop));
    REQUIRE(d.run(dlt::raw, v4_tcp()));
    REQUIRE(d.run(dlt::raw_12, ipv6(v6addr(3), v6addr(4), 6, tcp_segment(1, 2, 3, 4, 0x10, kHello))));
    CHECK(d.p.ip_version == 6);
    REQUIRE(d.run(dlt::ipv4, v4_tcp()));
}

TEST_CASE("IPv4 options are skipped; bad header lengths are counted") {
    D d;
    Bytes opts = {0x94, 0x04, 0, 0};  // router alert
    REQUIRE(d.run(dlt::raw, ipv4({1, 2, 3, 4}, {5, 6, 7, 8}, 6, tcp_segment(1, 2, 3, 4, 0x10, kHello), 1, 0, opts)));
    CHECK(as_chars(d.p.payload) == "hello");

    Bytes bad = v4_tcp();
    bad[0] = 0x44;  // IHL 4 (16 bytes)
    CHECK_FALSE(d.run(dlt::raw, bad));
    CHECK(d.an.get("ipv4_bad_header_length") == 1);

    Bytes bad_tcp = ipv4({1, 2, 3, 4}, {5, 6, 7, 8}, 6, tcp_segment(1, 2, 3, 4, 0x10, {}));
    bad_tcp[20 + 12] = 0x30;  // data offset 3
    CHECK_FALSE(d.run(dlt::raw, bad_tcp));
    CHECK(d.an.get("tcp_bad_header_length") == 1);

    Bytes short_frame = v4_tcp();
    short_frame.resize(30);
    CHECK_FALSE(d.run(dlt::raw, short_frame, 30));
    CHECK(d.an.get("tcp_truncated") == 1);
    CHECK(d.an.get("ipv4_total_length_exceeds_frame") == 1);
}

TEST_CASE("a frame cut by the snap length reports the payload bytes it lost") {
    D d;
    Bytes f = ipv4({1, 2, 3, 4}, {5, 6, 7, 8}, 6, tcp_segment(1, 2, 3, 4, 0x10, Bytes(100, 'x')));
    const auto wire = static_cast<std::uint32_t>(f.size());
    f.resize(f.size() - 60);
    REQUIRE(d.run(dlt::raw, f, wire));
    CHECK(d.p.payload.size() == 40);
    CHECK(d.p.payload_missing == 60);
    CHECK(d.an.get("frame_truncated_by_snaplen") == 1);
}

TEST_CASE("IPv4 fragments arriving out of order are reassembled") {
    D d;
    Bytes udp = udp_datagram(1000, 53, Bytes(40, 'q'));  // 48 bytes: fragments of 24 + 24
    Bytes first(udp.begin(), udp.begin() + 24), second(udp.begin() + 24, udp.end());
    CHECK_FALSE(d.run(dlt::raw, ipv4({9, 9, 9, 9}, {8, 8, 8, 8}, 17, second, 77, 24 / 8)));
    CHECK(d.dec.fragments_held() == 1);
    REQUIRE(d.run(dlt::raw, ipv4({9, 9, 9, 9}, {8, 8, 8, 8}, 17, first, 77, 0x2000)));
    CHECK(d.p.reassembled);
    CHECK(d.p.l4 == L4::udp);
    CHECK(d.p.payload.size() == 40);
    CHECK(d.dec.fragments_held() == 0);
}

TEST_CASE("IPv6 extension headers and fragments") {
    D d;
    Bytes tcp = tcp_segment(443, 50000, 1, 2, 0x18, Bytes(32, 'z'));  // 52 bytes
    // Hop-by-hop (8 bytes, next = fragment) + fragment header.
    auto frag = [&](std::uint16_t off, bool more, const Bytes& part) {
        Bytes b = {44, 0, 1, 4, 0, 0, 0, 0};  // hop-by-hop: next=44, len 0, PadN
        Bytes fh = {6, 0};
        put16(fh, static_cast<std::uint16_t>(off | (more ? 1 : 0)));
        put32(fh, 0xabcdef);
        append(b, fh);
        append(b, part);
        return ipv6(v6addr(9), v6addr(10), 0, b);
    };
    Bytes a(tcp.begin(), tcp.begin() + 32), b(tcp.begin() + 32, tcp.end());
    CHECK_FALSE(d.run(dlt::raw, frag(0, true, a)));
    REQUIRE(d.run(dlt::raw, frag(32, false, b)));
    CHECK(d.p.l4 == L4::tcp);
    CHECK(d.p.sport == 443);
    CHECK(d.p.payload.size() == 32);
}

TEST_CASE("ICMP port unreachable is decoded down to the quoted TCP 5-tuple") {
    D d;
    Bytes quoted = ipv4({192, 0, 2, 10}, {203, 0, 113, 20}, 6, tcp_segment(45326, 80, 5, 0, 0x02, {}));
    quoted.resize(28);  // IP header + 8 bytes, as routers quote
    Bytes icmp = {3, 3, 0, 0, 0, 0, 0, 0};
    append(icmp, quoted);
    REQUIRE(d.run(dlt::raw, ipv4({192, 0, 2, 1}, {192, 0, 2, 10}, 1, icmp)));
    CHECK(d.p.l4 == L4::icmp);
    CHECK(d.p.icmp.is_error);
    REQUIRE(d.p.icmp.has_quote);
    CHECK(d.p.icmp.proto == 6);
    CHECK(d.p.icmp.src.to_string() == "192.0.2.10:45326");
    CHECK(d.p.icmp.dst.to_string() == "203.0.113.20:80");
    CHECK(icmp_meaning(false, 3, 3) == "port-unreachable");
    CHECK(icmp_meaning(false, 3, 13) == "admin-prohibited");
}

TEST_CASE("ICMPv6 administratively prohibited quotes an IPv6 TCP SYN") {
    D d;
    Bytes quoted = ipv6(v6addr(1), v6addr(2), 6, tcp_segment(40001, 80, 5, 0, 0x02, {}));
    Bytes icmp = {1, 1, 0, 0, 0, 0, 0, 0};
    append(icmp, quoted);
    REQUIRE(d.run(dlt::raw, ipv6(v6addr(254), v6addr(1), 58, icmp)));
    REQUIRE(d.p.icmp.has_quote);
    CHECK(d.p.icmp.dst.to_string() == "[2001:db8::2]:80");
    CHECK(icmp_meaning(true, 1, 1) == "admin-prohibited");
}

TEST_CASE("TCP options are decoded") {
    D d;
    Bytes opts = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
    REQUIRE(d.run(dlt::raw, ipv4({1, 1, 1, 1}, {2, 2, 2, 2}, 6, tcp_segment(1, 2, 3, 0, 0x02, {}, opts))));
    CHECK(d.p.tcp.options.mss == 1460);
    CHECK(d.p.tcp.options.sack_permitted);
    CHECK(d.p.tcp.options.timestamps);
    CHECK(d.p.tcp.options.tsval == 1);
    CHECK(d.p.tcp.options.wscale == 7);
    // An option whose length runs past the header is counted, not trusted.
    Bytes bad = {2, 40};
    REQUIRE(d.run(dlt::raw, ipv4({1, 1, 1, 1}, {2, 2, 2, 2}, 6, tcp_segment(1, 2, 3, 0, 0x02, {}, bad))));
    CHECK(d.an.get("tcp_bad_option") == 1);
}

TEST_CASE("non-IP frames and unknown link types are counted, never decoded") {
    D d;
    CHECK_FALSE(d.run(dlt::en10mb, ethernet(Bytes(28, 0), 0x0806)));  // ARP
    CHECK(d.an.get("non_ip") == 1);
    CHECK_FALSE(d.run(147, v4_tcp()));
    CHECK(d.an.get("link_type_unsupported") == 1);
    CHECK_FALSE(d.run(dlt::en10mb, Bytes(10, 0)));
    CHECK(d.an.get("ethernet_truncated") == 1);
    CHECK_FALSE(link_type_supported(147));
    CHECK(link_type_name(dlt::linux_sll2) == "LINUX_SLL2");
}
