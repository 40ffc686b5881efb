// IP fragment reassembly (RFC 791 section 3.2, RFC 8200 section 4.5); see ip_defrag.h.
#include "capture/ip_defrag.h"

#include <algorithm>
#include <cstring>

namespace revo::capture {

namespace {
constexpr std::uint32_t kMaxDatagram = 65535;

inline std::uint64_t mix64(std::uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}
inline std::uint64_t load64(const std::uint8_t* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}
}  // namespace

std::size_t FragKeyHash::operator()(const FragKey& k) const noexcept {
    std::uint64_t h = mix64(load64(k.src.bytes.data()) ^ 0x9e3779b97f4a7c15ULL);
    h = mix64(h ^ load64(k.src.bytes.data() + 8));
    h = mix64(h ^ load64(k.dst.bytes.data()));
    h = mix64(h ^ load64(k.dst.bytes.data() + 8));
    h = mix64(h ^ (std::uint64_t(k.id) << 8) ^ k.proto ^ (std::uint64_t(k.src.v4) << 40));
    return static_cast<std::size_t>(h);
}

bool IpDefragmenter::complete(const Set& s) const {
    if (s.total == UINT32_MAX) return false;
    // Coverage check over pieces sorted by offset.
    std::vector<std::pair<std::uint32_t, std::uint32_t>> spans;
    spans.reserve(s.pieces.size());
    for (auto& p : s.pieces) spans.emplace_back(p.offset, p.offset + static_cast<std::uint32_t>(p.bytes.size()));
    std::sort(spans.begin(), spans.end());
    std::uint32_t covered = 0;
    for (auto& [b, e] : spans) {
        if (b > covered) return false;
        covered = std::max(covered, e);
    }
    return covered >= s.total;
}

void IpDefragmenter::drop(std::unordered_map<FragKey, Set, FragKeyHash>::iterator it, const char* why) {
    anomalies_.add(why, it->second.pieces.size());
    held_ -= it->second.pieces.size();
    sets_.erase(it);
}

std::optional<ByteView> IpDefragmenter::add(const FragKey& key, std::uint32_t offset, bool more, ByteView data,
                                            Timestamp ts) {
    if (ts.ns - last_expire_.ns > 1'000'000'000LL) expire(ts);
    if (std::uint64_t(offset) + data.size() > kMaxDatagram) {
        anomalies_.add("ip_fragment_too_large");
        return std::nullopt;
    }
    if (held_ >= limits_.max_ip_fragments) {
        // Make room by dropping the oldest pending datagram.
        auto oldest = sets_.end();
        for (auto it = sets_.begin(); it != sets_.end(); ++it)
            if (oldest == sets_.end() || it->second.first_seen < oldest->second.first_seen) oldest = it;
        if (oldest != sets_.end()) drop(oldest, "ip_fragments_cap");
        if (held_ >= limits_.max_ip_fragments) {
            anomalies_.add("ip_fragments_cap");
            return std::nullopt;
        }
    }
    auto [it, fresh] = sets_.try_emplace(key);
    Set& s = it->second;
    if (fresh) s.first_seen = ts;
    std::uint32_t end = offset + static_cast<std::uint32_t>(data.size());
    if (!more) {
        if (s.total != UINT32_MAX && s.total != end) anomalies_.add("ip_fragment_inconsistent_length");
        if (s.total == UINT32_MAX) s.total = end;
    }
    for (auto& p : s.pieces) {
        std::uint32_t pe = p.offset + static_cast<std::uint32_t>(p.bytes.size());
        if (offset < pe && p.offset < end) {
            std::uint32_t b = std::max(offset, p.offset), e = std::min(end, pe);
            if (std::memcmp(data.data() + (b - offset), p.bytes.data() + (b - p.offset), e - b) != 0)
                anomalies_.add("ip_fragment_overlap_inconsistent");
            else
                anomalies_.add("ip_fragment_overlap");
            break;
        }
    }
    s.pieces.push_back(Piece{offset, std::vector<std::uint8_t>(data.begin(), data.end())});
    ++held_;
    if (!complete(s)) return std::nullopt;

    out_.assign(s.total, 0);
    // Later pieces first, so that bytes seen first overwrite them: first-seen wins.
    for (auto p = s.pieces.rbegin(); p != s.pieces.rend(); ++p) {
        if (p->offset >= s.total) continue;
        std::size_t n = std::min<std::size_t>(p->bytes.size(), s.total - p->offset);
        std::memcpy(out_.data() + p->offset, p->bytes.data(), n);
    }
    held_ -= s.pieces.size();
    sets_.erase(it);
    return ByteView(out_.data(), out_.size());
}

void IpDefragmenter::expire(Timestamp now) {
    last_expire_ = now;
    for (auto it = sets_.begin(); it != sets_.end();) {
        auto next = std::next(it);
        if (now.ns - it->second.first_seen.ns > limits_.ip_fragment_timeout_ns) drop(it, "ip_fragments_timed_out");
        it = next;
    }
}

}  // namespace revo::capture
