// Fuzz target: one direction of TCP reassembly (RFC 9293 3.4, 3.10.7.4) against a model.
//
// The input is a script. The first 5 bytes choose the initial sequence number (often within a few KB
// of 2^32 so that wrap-around happens mid-stream) and the consumer's appetite (after how many bytes it
// stops wanting data). Then each 6-byte step is one of: a data segment at an offset relative to the
// true stream (in order, ahead, behind, overlapping, retransmitted), a segment whose bytes differ from
// the first copy, a snap-length-cut segment, an ACK from the peer, a FIN, or closing the direction.
//
// The true stream is a fixed function of the offset, so any delivered byte can be checked. Asserted:
// callbacks are contiguous (each event starts where the previous one ended), no callback after on_end
// and exactly one on_end, delivered bytes were sent by some segment at that offset and (unless
// conflicting copies were sent) equal the true bytes, the buffering caps and the shared budget hold,
// and the counters agree with what the consumer saw.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <algorithm>
#include <vector>

#include "capture/reassembly.h"
#include "fuzz_support.h"

using namespace revo;
using namespace revo::capture;

namespace {

REVO_FUZZ_NO_COVERAGE std::uint8_t true_byte(std::uint64_t off) { return static_cast<std::uint8_t>((off * 131u + (off >> 8) * 7u + 3u) & 0xff); }

constexpr std::uint64_t kMaxStream = 1u << 18;

/// Every delivered byte was sent at its true offset and, unless conflicting copies were sent, is the true byte.
REVO_FUZZ_NO_COVERAGE bool delivered_bytes_ok(ByteView bytes, std::uint64_t first, const std::vector<std::uint8_t>& sent,
                                              bool conflicting) {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const std::uint64_t o = first + i;
        if (o >= kMaxStream || !sent[o]) return false;
        if (!conflicting && bytes[i] != true_byte(o)) return false;
    }
    return true;
}

/// The true bytes at [off, off + len), and marks them sent.
REVO_FUZZ_NO_COVERAGE void make_segment(std::vector<std::uint8_t>& seg, std::uint64_t off, std::uint32_t len,
                                        std::vector<std::uint8_t>& sent) {
    seg.resize(len);
    for (std::uint32_t k = 0; k < len; ++k) seg[k] = true_byte(off + k);
    std::memset(sent.data() + off, 1, len);
}
std::uint64_t g_segment_cap_exceeded = 0;  // inputs where more pieces than the cap were held

class ModelConsumer final : public StreamConsumer {
public:
    std::uint64_t cursor = 0;           // next offset the consumer expects
    std::uint64_t data_bytes = 0, gap_bytes = 0;
    int ends = 0;
    std::uint64_t appetite = UINT64_MAX;
    bool conflicting = false;           // some segment carried bytes different from the true stream
    const std::vector<std::uint8_t>* sent = nullptr;  // per true offset: was any data byte sent there
    std::uint64_t base = 0;             // true offset of the reassembler's offset 0

    void on_data(Side, std::uint64_t offset, ByteView bytes, const FrameRef&) override {
        REVO_FUZZ_ASSERT(ends == 0);
        REVO_FUZZ_ASSERT(offset == cursor);
        REVO_FUZZ_ASSERT(!bytes.empty());
        REVO_FUZZ_ASSERT(delivered_bytes_ok(bytes, base + offset, *sent, conflicting));
        cursor += bytes.size();
        data_bytes += bytes.size();
    }
    void on_gap(Side, std::uint64_t offset, std::uint64_t length, const FrameRef&) override {
        REVO_FUZZ_ASSERT(ends == 0);
        REVO_FUZZ_ASSERT(offset == cursor);
        REVO_FUZZ_ASSERT(length > 0);
        cursor += length;
        gap_bytes += length;
    }
    void on_end(Side, EndReason, const FrameRef&) override {
        REVO_FUZZ_ASSERT(ends == 0);
        ++ends;
    }
    bool wants(Side) const override { return data_bytes < appetite; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 5) return 0;
    std::uint32_t isn;
    switch (data[0] & 3) {
        case 0: isn = 0xffffffffu - (std::uint32_t(data[1]) << 6); break;         // wraps within 16 KB
        case 1: isn = 0x7fffffffu - (std::uint32_t(data[1]) << 6); break;         // signed boundary
        case 2: isn = std::uint32_t(data[1]) << 24 | std::uint32_t(data[2]) << 8; break;
        default: isn = 0; break;
    }
    Limits limits = fuzz::small_limits();
    limits.max_ooo_bytes_per_direction = 4096;
    limits.max_ooo_segments_per_direction = 8 + (data[3] & 15);
    ReassemblyBudget budget{0, (data[0] & 4) ? 2048u : (1u << 20)};
    Anomalies anomalies;
    // One buffer for all inputs; only the prefix an input touched is cleared again.
    static std::vector<std::uint8_t> sent(kMaxStream, 0);
    struct Clear {
        std::vector<std::uint8_t>& v;
        std::uint64_t& hi;
        ~Clear() { std::memset(v.data(), 0, static_cast<std::size_t>(std::min<std::uint64_t>(hi, kMaxStream))); }
    };
    std::uint64_t touched = 0;
    Clear clear{sent, touched};
    ModelConsumer model;
    model.sent = &sent;
    if (data[4] & 0x80) model.appetite = std::uint64_t(data[4] & 0x7f) * 64;
    {
        DirectionReassembler r;
        r.init(&limits, &budget, &anomalies, Side::client);
        // SYN seen: offset 0 is the true stream's first byte. Otherwise the first segment (or FIN)
        // sets the origin, and the model shifts by its true offset.
        bool origin = false;
        if (data[0] & 8) {
            r.set_origin(isn);
            origin = true;
        }
        std::vector<std::uint8_t> seg;
        std::uint64_t frame_no = 0;
        std::uint64_t hi = 0;  // highest true offset sent so far
        bool closed = false;
        for (std::size_t i = 5; i + 6 <= size && !closed; i += 6) {
            const std::uint8_t op = data[i];
            // Offset relative to the highest byte sent so far: mostly near it, sometimes far behind.
            const std::int32_t delta = static_cast<std::int16_t>((data[i + 1] << 8) | data[i + 2]);
            std::int64_t off = static_cast<std::int64_t>(hi) + (delta >> 2);
            if (off < 0) off = 0;
            const std::uint32_t len = ((std::uint32_t(data[i + 3]) << 8) | data[i + 4]) & 0x7ff;
            const std::uint32_t miss = (op & 0x40) ? data[i + 5] : 0;
            FrameRef frame{++frame_no, Timestamp{static_cast<std::int64_t>(frame_no)}};
            const std::uint32_t seq = isn + static_cast<std::uint32_t>(off);
            const int kind = op & 7;
            if (!origin && (kind <= 3 || kind == 6)) {
                if (kind <= 3 && len == 0 && miss == 0) continue;  // ignored without setting the origin
                if (kind <= 3 && static_cast<std::uint64_t>(off) + len + miss >= kMaxStream) continue;
                origin = true;
                model.base = static_cast<std::uint64_t>(off);
            }
            switch (kind) {
                case 0: case 1: case 2: case 3: {
                    if (static_cast<std::uint64_t>(off) + len + miss >= kMaxStream) break;
                    make_segment(seg, static_cast<std::uint64_t>(off), len, sent);
                    if ((op & 7) == 3 && len) {  // a copy whose bytes differ from the first one
                        seg[data[i + 5] % len] ^= 0x5a;
                        model.conflicting = true;
                    }
                    touched = std::max<std::uint64_t>(touched, off + len);
                    hi = std::max<std::uint64_t>(hi, off + len + miss);
                    r.segment(seq, ByteView(seg.data(), seg.size()), miss, frame, &model);
                    break;
                }
                case 4:
                case 5:
                    r.peer_ack(seq, frame, &model);
                    break;
                case 6:
                    r.fin(seq, len & 0xff, frame, &model);
                    break;
                default:
                    r.close((op & 8) ? EndReason::rst : EndReason::capture_end, frame, &model);
                    closed = true;
                    break;
            }
            REVO_FUZZ_ASSERT(r.buffered_bytes() <= limits.max_ooo_bytes_per_direction);
            // Every piece a segment is split into around held ones counts against the cap.
            if (r.buffered_segments() > limits.max_ooo_segments_per_direction) ++g_segment_cap_exceeded;
            REVO_FUZZ_ASSERT(r.buffered_segments() <= limits.max_ooo_segments_per_direction);
            REVO_FUZZ_ASSERT(budget.used == r.buffered_bytes());
            REVO_FUZZ_ASSERT(budget.used <= budget.cap);
            if (!r.ended()) REVO_FUZZ_ASSERT(model.ends == 0);
            // What the consumer was told never runs ahead of the reassembler's position.
            REVO_FUZZ_ASSERT(model.cursor <= r.next_offset());
            REVO_FUZZ_ASSERT(r.gap_bytes() >= model.gap_bytes);
        }
        if (!closed) r.close(EndReason::capture_end, FrameRef{frame_no + 1, Timestamp{0}}, &model);
        REVO_FUZZ_ASSERT(r.ended());
        REVO_FUZZ_ASSERT(model.ends == 1);
        REVO_FUZZ_ASSERT(r.buffered_bytes() == 0);
        REVO_FUZZ_ASSERT(budget.used == 0);
        REVO_FUZZ_ASSERT(r.payload_bytes() + r.gap_bytes() >= model.data_bytes + model.gap_bytes);
        if (model.appetite == UINT64_MAX) {
            // The consumer wanted everything: every byte it was told about is accounted for exactly.
            REVO_FUZZ_ASSERT(model.cursor == r.next_offset());
            REVO_FUZZ_ASSERT(model.gap_bytes == r.gap_bytes());
        }
    }
    return 0;
}
