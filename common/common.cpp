#include <arpa/inet.h>

#include <cstdio>
#include <ctime>

#include "common/bytes.h"
#include "common/net.h"
#include "common/time.h"

namespace revo {

std::string to_hex(ByteView v, char sep) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    out.reserve(v.size() * (sep ? 3 : 2));
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (sep && i) out.push_back(sep);
        out.push_back(digits[v[i] >> 4]);
        out.push_back(digits[v[i] & 15]);
    }
    return out;
}

static std::string format_utc(std::int64_t secs, const char* suffix_fmt, long sub) {
    std::time_t t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char tail[32];
    std::snprintf(tail, sizeof tail, suffix_fmt, sub);
    return std::string(buf, n) + tail;
}

std::string format_rfc3339(Timestamp t) {
    std::int64_t secs = t.ns / 1000000000LL;
    std::int64_t rem = t.ns % 1000000000LL;
    if (rem < 0) {
        rem += 1000000000LL;
        --secs;
    }
    return format_utc(secs, ".%06ldZ", static_cast<long>(rem / 1000));
}

std::string format_rfc3339_seconds(std::int64_t unix_seconds) { return format_utc(unix_seconds, "Z", 0); }

std::string format_duration_ns(std::int64_t ns) {
    bool neg = ns < 0;
    std::uint64_t a = neg ? 0 - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
    char buf[64];
    if (a < 1'000'000'000ULL) {
        std::snprintf(buf, sizeof buf, "%.0f ms", static_cast<double>(a) / 1e6);
    } else if (a < 60ULL * 1'000'000'000ULL) {
        std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(a) / 1e9);
    } else if (a < 3600ULL * 1'000'000'000ULL) {
        std::uint64_t s = a / 1'000'000'000ULL;
        std::snprintf(buf, sizeof buf, "%llu min %02llu s", (unsigned long long)(s / 60), (unsigned long long)(s % 60));
    } else if (a < 86400ULL * 1'000'000'000ULL) {
        std::uint64_t m = a / 60'000'000'000ULL;
        std::snprintf(buf, sizeof buf, "%llu h %02llu min", (unsigned long long)(m / 60), (unsigned long long)(m % 60));
    } else {
        return format_duration_s(ns / 1'000'000'000LL);  // days and hours: one wording for both units
    }
    return neg ? std::string("-") + buf : std::string(buf);
}

std::string format_duration_s(std::int64_t s) {
    const bool neg = s < 0;
    const std::uint64_t a = neg ? 0 - static_cast<std::uint64_t>(s) : static_cast<std::uint64_t>(s);
    if (a < 86400ULL) return format_duration_ns(static_cast<std::int64_t>(a) * 1'000'000'000LL * (neg ? -1 : 1));
    char buf[64];
    const std::uint64_t h = a / 3600ULL;
    std::snprintf(buf, sizeof buf, "%llu d %02llu h", (unsigned long long)(h / 24), (unsigned long long)(h % 24));
    return neg ? std::string("-") + buf : std::string(buf);
}

IpAddr IpAddr::from_v4(const std::uint8_t* p) {
    IpAddr a;
    a.v4 = true;
    a.bytes[10] = 0xff;
    a.bytes[11] = 0xff;
    for (int i = 0; i < 4; ++i) a.bytes[12 + i] = p[i];
    return a;
}

IpAddr IpAddr::from_v6(const std::uint8_t* p) {
    IpAddr a;
    for (int i = 0; i < 16; ++i) a.bytes[i] = p[i];
    return a;
}

bool IpAddr::parse(const std::string& text, IpAddr& out) {
    std::uint8_t buf[16];
    if (inet_pton(AF_INET, text.c_str(), buf) == 1) {
        out = from_v4(buf);
        return true;
    }
    if (inet_pton(AF_INET6, text.c_str(), buf) == 1) {
        out = from_v6(buf);
        return true;
    }
    return false;
}

std::string IpAddr::to_string() const {
    char buf[INET6_ADDRSTRLEN];
    if (v4) inet_ntop(AF_INET, bytes.data() + 12, buf, sizeof buf);
    else inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
    return buf;
}

std::string Endpoint::to_string() const {
    if (addr.v4) return addr.to_string() + ":" + std::to_string(port);
    return "[" + addr.to_string() + "]:" + std::to_string(port);
}

std::size_t IpAddrHash::operator()(const IpAddr& a) const noexcept {
    std::uint64_t h = 1469598103934665603ULL;
    for (auto b : a.bytes) h = (h ^ b) * 1099511628211ULL;
    return static_cast<std::size_t>(h ^ a.v4);
}

}  // namespace revo
