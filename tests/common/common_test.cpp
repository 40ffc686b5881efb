#include <catch2/catch.hpp>

#include "common/bytes.h"
#include "common/net.h"
#include "common/time.h"

using namespace revo;

TEST_CASE("ByteReader reads network order and never past the end") {
    const std::uint8_t data[] = {0x16, 0x03, 0x01, 0x00, 0x05, 0xaa};
    ByteReader r{ByteView(data)};
    CHECK(r.u8() == 0x16);
    CHECK(r.u16() == 0x0301);
    auto body = r.prefixed16();
    CHECK_FALSE(body.has_value());  // claims 5 bytes, only 1 left
    CHECK(r.remaining() == 1);      // the failed prefixed read consumed the length only
    CHECK(r.u16() == std::nullopt);
    CHECK(r.u8() == 0xaa);
    CHECK(r.empty());
}

TEST_CASE("24-bit lengths and sub-readers") {
    const std::uint8_t data[] = {0x00, 0x00, 0x02, 0x01, 0x02, 0x03};
    ByteReader r{ByteView(data)};
    auto sub = r.prefixed24();
    REQUIRE(sub);
    CHECK(sub->remaining() == 2);
    CHECK(sub->u16() == 0x0102);
    CHECK(r.u8() == 0x03);
}

TEST_CASE("timestamps format as RFC 3339 with microseconds") {
    Timestamp t{1764124171LL * 1000000000LL + 123456789};
    CHECK(format_rfc3339(t) == "2025-11-26T02:29:31.123456Z");
    CHECK(format_rfc3339_seconds(0) == "1970-01-01T00:00:00Z");
    CHECK(format_duration_ns(7380LL * 1000000000LL) == "2 h 03 min");
    CHECK(format_duration_ns(7'000'000'000LL) == "7.0 s");
    CHECK(format_duration_ns(350'000'000LL) == "350 ms");
}

TEST_CASE("IP addresses round-trip and print endpoints") {
    IpAddr a;
    REQUIRE(IpAddr::parse("192.0.2.8", a));
    CHECK(a.v4);
    CHECK(Endpoint{a, 80}.to_string() == "192.0.2.8:80");
    IpAddr b;
    REQUIRE(IpAddr::parse("2001:db8::1", b));
    CHECK_FALSE(b.v4);
    CHECK(Endpoint{b, 443}.to_string() == "[2001:db8::1]:443");
    CHECK_FALSE(IpAddr::parse("not an address", b));
    CHECK(to_hex(as_bytes("\x01\xab"), ':') == "01:ab");
}
