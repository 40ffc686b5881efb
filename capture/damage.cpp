// Resynchronising classic pcap files after damage; see damage.h. File format: the libpcap file
// format (global header of 24 bytes, then records of a 16-byte header and caplen bytes).
#include "capture/damage.h"

#include <cstdio>
#include <vector>

#include <fmt/format.h>

namespace revo::capture {

namespace {

std::uint32_t rd32(const std::uint8_t* p, bool be) {
    if (be) return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
    return (std::uint32_t(p[3]) << 24) | (std::uint32_t(p[2]) << 16) | (std::uint32_t(p[1]) << 8) | p[0];
}

struct RecHdr {
    std::uint32_t sec = 0, sub = 0, caplen = 0, len = 0;
};
RecHdr read_hdr(const std::uint8_t* p, bool be) {
    return {rd32(p, be), rd32(p + 4, be), rd32(p + 8, be), rd32(p + 12, be)};
}

constexpr std::uint32_t kDay = 86400;

bool plausible(const RecHdr& h, const PcapLayout& l, std::uint32_t last_s) {
    if (h.caplen == 0 || h.caplen > l.snaplen || h.caplen > h.len) return false;
    if (h.len > (1u << 24)) return false;
    if (h.sub >= (l.nanoseconds ? 1'000'000'000u : 1'000'000u)) return false;
    if (last_s != 0 && (h.sec + kDay < last_s || h.sec > last_s + kDay)) return false;
    return true;
}

}  // namespace

std::optional<PcapLayout> parse_pcap_header(ByteView h) {
    if (h.size() < 24) return std::nullopt;
    const std::uint32_t be_magic = rd32(h.data(), true);
    PcapLayout l;
    switch (be_magic) {
        case 0xa1b2c3d4: l.big_endian = true; break;
        case 0xa1b23c4d: l.big_endian = true, l.nanoseconds = true; break;
        case 0xd4c3b2a1: break;
        case 0x4d3cb2a1: l.nanoseconds = true; break;
        default: return std::nullopt;
    }
    l.snaplen = rd32(h.data() + 16, l.big_endian);
    if (l.snaplen == 0 || l.snaplen > (1u << 24)) l.snaplen = 262144;
    l.linktype = static_cast<int>(rd32(h.data() + 20, l.big_endian) & 0x0fffffff);
    return l;
}

std::optional<std::size_t> find_pcap_record(ByteView w, std::size_t from, const PcapLayout& l, std::uint32_t last_s,
                                            bool window_is_file_end) {
    for (std::size_t off = from; off + 16 <= w.size(); ++off) {
        const RecHdr h = read_hdr(w.data() + off, l.big_endian);
        if (!plausible(h, l, last_s)) continue;
        const std::size_t next = off + 16 + h.caplen;
        if (next == w.size() && window_is_file_end) return off;
        if (next + 16 > w.size()) {
            if (window_is_file_end) continue;  // runs past the end: not a record
            return std::nullopt;               // undecidable in this window
        }
        const RecHdr n = read_hdr(w.data() + next, l.big_endian);
        if (plausible(n, l, h.sec)) return off;
    }
    return std::nullopt;
}

ResyncResult resume_pcap_after_damage(const std::string& path, std::uint64_t damage_offset, Engine& engine,
                                      InputFileInfo& info) {
    ResyncResult res;
    if (path == "-") return res;
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return res;
    struct Closer {
        std::FILE* f;
        ~Closer() { std::fclose(f); }
    } closer{f};
    std::uint8_t gh[24];
    if (std::fread(gh, 1, 24, f) != 24) return res;
    const auto layout = parse_pcap_header(ByteView(gh, 24));
    if (!layout) return res;
    if (std::fseek(f, 0, SEEK_END) != 0) return res;
    const auto size = static_cast<std::uint64_t>(std::ftell(f));

    std::uint32_t last_s = static_cast<std::uint32_t>(info.last_ts.ns / 1'000'000'000);
    std::uint64_t pos = damage_offset + 1;  // the damaged header itself is not a record
    std::vector<std::uint8_t> buf;
    constexpr std::size_t kWindow = 1u << 20;
    std::vector<std::uint8_t> data;
    bool first = true;
    while (pos + 16 <= size) {
        // Look for a record start in a window; windows overlap by one record so none is missed.
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(kWindow + 16 + layout->snaplen, size - pos));
        buf.resize(want);
        if (std::fseek(f, static_cast<long>(pos), SEEK_SET) != 0 || std::fread(buf.data(), 1, want, f) != want) break;
        const bool at_end = pos + want == size;
        auto found = find_pcap_record(ByteView(buf.data(), buf.size()), 0, *layout, last_s, at_end);
        if (!found) {
            if (at_end) {
                res.skipped_bytes += size - pos;
                break;
            }
            res.skipped_bytes += kWindow;
            pos += kWindow;
            continue;
        }
        res.skipped_bytes += *found;
        pos += *found;
        ++res.resumed;
        if (first) res.first_resume_offset = pos;
        first = false;
        // Read records from here until the end or the next implausible header.
        std::uint8_t rh[16];
        while (pos + 16 <= size) {
            if (std::fseek(f, static_cast<long>(pos), SEEK_SET) != 0 || std::fread(rh, 1, 16, f) != 16) break;
            const RecHdr h = read_hdr(rh, layout->big_endian);
            if (!plausible(h, *layout, last_s) || pos + 16 + h.caplen > size) break;
            data.resize(h.caplen);
            if (std::fread(data.data(), 1, h.caplen, f) != h.caplen) break;
            const std::int64_t sub_ns = layout->nanoseconds ? h.sub : static_cast<std::int64_t>(h.sub) * 1000;
            engine.packet(layout->linktype, data.data(), h.caplen, h.len,
                          Timestamp{static_cast<std::int64_t>(h.sec) * 1'000'000'000LL + sub_ns});
            ++res.packets;
            last_s = h.sec;
            pos += 16 + h.caplen;
        }
        if (pos + 16 > size) {
            if (pos < size) res.skipped_bytes += size - pos;  // a partial header at the very end
            break;
        }
        ++pos;  // damage again: search after this header
    }
    if (res.resumed) {
        engine.stats().anomalies.add("capture_resynchronised", res.resumed);
        info.error += fmt::format("; resumed at file offset {} ({} packets recovered)", res.first_resume_offset,
                                  res.packets);
    }
    if (res.skipped_bytes) engine.stats().anomalies.add("capture_bytes_skipped", res.skipped_bytes);
    return res;
}

std::string describe_damage(const InputFileInfo& info) {
    const std::uint64_t frame = info.error_frame ? info.error_frame : info.first_frame + info.packets;
    const std::uint64_t before = frame >= info.first_frame ? frame - info.first_frame : info.packets;
    return fmt::format("cut short at file offset {} (frame {}, after {} packets): {}", info.error_offset, frame,
                       before, info.error);
}

}  // namespace revo::capture
