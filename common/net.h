// IP addresses and transport endpoints.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <string>

namespace revo {

/// An IPv4 or IPv6 address; IPv4 is stored v4-mapped (::ffff:a.b.c.d).
struct IpAddr {
    std::array<std::uint8_t, 16> bytes{};
    bool v4 = false;

    static IpAddr from_v4(const std::uint8_t* p);
    static IpAddr from_v6(const std::uint8_t* p);
    /// Parses dotted IPv4 or textual IPv6; returns false on error.
    static bool parse(const std::string& text, IpAddr& out);
    std::string to_string() const;
    auto operator<=>(const IpAddr&) const = default;
};

struct Endpoint {
    IpAddr addr;
    std::uint16_t port = 0;
    /// "192.0.2.1:80" or "[2001:db8::1]:443".
    std::string to_string() const;
    auto operator<=>(const Endpoint&) const = default;
};

struct IpAddrHash {
    std::size_t operator()(const IpAddr& a) const noexcept;
};

}  // namespace revo
