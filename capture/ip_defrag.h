// IP fragment reassembly for IPv4 (RFC 791 section 3.2) and IPv6 (RFC 8200 section 4.5).
//
// Fragments are held per (source, destination, identification, protocol) until the datagram is
// complete, bounded in count (Limits::max_ip_fragments) and age (Limits::ip_fragment_timeout_ns).
// Overlapping fragments: the bytes seen first win, and the overlap is counted.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "common/anomaly.h"
#include "common/bytes.h"
#include "common/limits.h"
#include "common/net.h"
#include "common/time.h"

namespace revo::capture {

struct FragKey {
    IpAddr src, dst;
    std::uint32_t id = 0;
    std::uint8_t proto = 0;
    bool operator==(const FragKey&) const = default;
};

struct FragKeyHash {
    std::size_t operator()(const FragKey& k) const noexcept;
};

class IpDefragmenter {
public:
    IpDefragmenter(const Limits& limits, Anomalies& anomalies) : limits_(limits), anomalies_(anomalies) {}

    /// Adds one fragment (`offset` in bytes from the start of the transport payload). Returns the whole
    /// payload once every byte is present; the view is valid until the next call.
    std::optional<ByteView> add(const FragKey& key, std::uint32_t offset, bool more, ByteView data, Timestamp ts);
    /// Drops incomplete datagrams older than the timeout.
    void expire(Timestamp now);
    std::size_t fragments_held() const { return held_; }
    std::size_t datagrams_pending() const { return sets_.size(); }

private:
    struct Piece {
        std::uint32_t offset;
        std::vector<std::uint8_t> bytes;
    };
    struct Set {
        std::vector<Piece> pieces;       ///< in arrival order
        std::uint32_t total = UINT32_MAX;///< known once the last fragment arrived
        Timestamp first_seen{};
    };
    bool complete(const Set& s) const;
    void drop(std::unordered_map<FragKey, Set, FragKeyHash>::iterator it, const char* why);

    const Limits& limits_;
    Anomalies& anomalies_;
    std::unordered_map<FragKey, Set, FragKeyHash> sets_;
    std::vector<std::uint8_t> out_;
    std::size_t held_ = 0;
    Timestamp last_expire_{};
};

}  // namespace revo::capture
