// Capture timestamps: nanoseconds since the Unix epoch, and their text forms.
#pragma once

#include <cstdint>
#include <string>

namespace revo {

/// A point in capture time, nanoseconds since 1970-01-01T00:00:00Z.
struct Timestamp {
    std::int64_t ns = 0;
    auto operator<=>(const Timestamp&) const = default;
    double seconds() const { return static_cast<double>(ns) / 1e9; }
    static Timestamp from_seconds(std::int64_t s, std::int64_t sub_ns = 0) { return {s * 1000000000LL + sub_ns}; }
};

/// Whole seconds representable as a Timestamp (up to about the year 2262), with room for the fraction.
inline constexpr std::int64_t kMaxTimestampSeconds = INT64_MAX / 1'000'000'000LL - 1;

/// Capture time from seconds and nanoseconds (0 <= sub_ns < 10^9). False, with the time clamped to the
/// nearest representable second, when the seconds are out of range: pcapng's 64-bit timestamps (and its
/// signed per-interface offset) can claim any time at all. Capture times are kept between 1970 and about
/// 2262, so that the difference of any two is representable too.
inline bool timestamp_from_parts(std::int64_t s, std::int64_t sub_ns, Timestamp& out) {
    if (s > kMaxTimestampSeconds || s < 0) {
        out.ns = s > 0 ? kMaxTimestampSeconds * 1'000'000'000LL : 0;
        return false;
    }
    out.ns = s * 1'000'000'000LL + sub_ns;
    return true;
}

/// Milliseconds between two timestamps (b - a).
inline double ms_between(Timestamp a, Timestamp b) { return static_cast<double>(b.ns - a.ns) / 1e6; }

/// RFC 3339 in UTC with microseconds, e.g. 2026-11-26T02:29:31.123456Z.
std::string format_rfc3339(Timestamp t);
/// RFC 3339 in UTC, whole seconds (for certificate and OCSP times).
std::string format_rfc3339_seconds(std::int64_t unix_seconds);
/// Human duration such as "2 h 03 min", "7.0 s", "350 ms".
std::string format_duration_ns(std::int64_t ns);
/// The same wording for a duration in whole seconds, of any size (validity periods reach thousands of years,
/// beyond what nanoseconds in 64 bits hold).
std::string format_duration_s(std::int64_t s);

}  // namespace revo
