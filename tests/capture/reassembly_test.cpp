// Reassembly of one TCP direction: every arrival order gives the same bytes; duplicates, overlaps,
// wrap-around, holes and caps behave as documented.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "capture/reassembly.h"

using namespace revo;
using namespace revo::capture;

namespace {

struct Recorder : StreamConsumer {
    std::string bytes;                       // delivered bytes in order ('?' never used: gaps are separate)
    std::vector<std::pair<std::uint64_t, std::uint64_t>> gaps;
    std::vector<std::uint64_t> frames;       // frame of each delivered byte
    std::uint64_t expect = 0;                // next offset: callbacks must be contiguous
    bool contiguous = true;
    int ends = 0;
    EndReason end_reason = EndReason::capture_end;
    std::size_t stop_after = SIZE_MAX;

    void on_data(Side, std::uint64_t off, ByteView b, const FrameRef& f) override {
        if (off != expect) contiguous = false;
        bytes.append(as_chars(b));
        frames.insert(frames.end(), b.size(), f.frame);
        expect = off + b.size();
    }
    void on_gap(Side, std::uint64_t off, std::uint64_t len, const FrameRef&) override {
        if (off != expect) contiguous = false;
        gaps.emplace_back(off, len);
        expect = off + len;
    }
    void on_end(Side, EndReason why, const FrameRef&) override {
        ++ends;
        end_reason = why;
    }
    bool wants(Side) const override { return bytes.size() < stop_after; }
};

struct Seg {
    std::uint64_t off;
    std::uint64_t len;
};

std::string make_payload(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>('a' + rng() % 26);
    return s;
}

struct Harness {
    Limits limits;
    ReassemblyBudget budget;
    Anomalies anomalies;
    DirectionReassembler r;
    Recorder rec;
    std::uint32_t isn;
    explicit Harness(std::uint32_t isn_, Limits l = Limits{}) : limits(l), isn(isn_) {
        budget.cap = limits.flow_memory_bytes;
        r.init(&limits, &budget, &anomalies, Side::client);
        r.set_origin(isn);
    }
    void send(const std::string& payload, Seg s, std::uint64_t frame) {
        ByteView v = as_bytes(payload).subspan(s.off, s.len);
        r.segment(static_cast<std::uint32_t>(isn + s.off), v, 0, FrameRef{frame, {}}, &rec);
    }
};

}  // namespace

TEST_CASE("every order of 6 segments across the 2^32 wrap gives the same stream") {
    const std::string payload = make_payload(90, 1);
    // Boundaries chosen so that the sequence space wraps inside the third segment.
    const std::vector<Seg> segs = {{0, 10}, {10, 15}, {25, 15}, {40, 1}, {41, 29}, {70, 20}};  // {offset, length}
    std::vector<int> order = {0, 1, 2, 3, 4, 5};
    int permutations = 0;
    do {
        Harness h(0xFFFFFFFFu - 30);
        for (int i : order) h.send(payload, segs[i], static_cast<std::uint64_t>(i + 1));
        h.r.close(EndReason::capture_end, {}, &h.rec);
        REQUIRE(h.rec.bytes == payload);
        REQUIRE(h.rec.gaps.empty());
        REQUIRE(h.rec.contiguous);
        REQUIRE(h.r.payload_bytes() == payload.size());
        REQUIRE(h.budget.used == 0);
        // Each byte is attributed to the frame of the segment that carried it.
        for (std::size_t i = 0; i < segs.size(); ++i)
            REQUIRE(h.rec.frames[segs[i].off] == i + 1);
        ++permutations;
    } while (std::next_permutation(order.begin(), order.end()));
    CHECK(permutations == 720);
}

TEST_CASE("every order of 7 segments with duplicates and overlaps gives the same stream") {
    const std::string payload = make_payload(64, 2);
    // Overlapping, nested and duplicated segments carrying the same bytes, as {begin, end}.
    const std::vector<Seg> segs = {{0, 16}, {8, 24}, {16, 16}, {20, 30}, {30, 48}, {30, 48}, {40, 64}};
    std::vector<Seg> real;
    for (auto s : segs) real.push_back({s.off, s.len - s.off});
    std::vector<int> order = {0, 1, 2, 3, 4, 5, 6};
    do {
        Harness h(123456);
        for (int i : order)
            if (real[i].len) h.send(payload, real[i], static_cast<std::uint64_t>(i + 1));
        h.r.close(EndReason::fin, {}, &h.rec);
        REQUIRE(h.rec.bytes == payload);
        REQUIRE(h.rec.gaps.empty());
        REQUIRE(h.rec.contiguous);
        REQUIRE(h.anomalies.get("tcp_overlap_inconsistent") == 0);
        REQUIRE(h.r.payload_bytes() == payload.size());
    } while (std::next_permutation(order.begin(), order.end()));
}

TEST_CASE("random shuffles of many overlapping segments give the same stream") {
    std::mt19937 rng(7);
    for (int round = 0; round < 300; ++round) {
        const std::string payload = make_payload(2000 + rng() % 3000, round);
        std::vector<Seg> segs;
        std::uint64_t pos = 0;
        while (pos < payload.size()) {
            std::uint64_t len = 1 + rng() % 200;
            len = std::min<std::uint64_t>(len, payload.size() - pos);
            segs.push_back({pos, len});
            // Sometimes a retransmission that straddles the boundary.
            if (rng() % 4 == 0 && pos > 30) segs.push_back({pos - 30, std::min<std::uint64_t>(60, payload.size() - pos + 30)});
            pos += len;
        }
        std::shuffle(segs.begin(), segs.end(), rng);
        Harness h(static_cast<std::uint32_t>(rng()));
        for (std::size_t i = 0; i < segs.size(); ++i) h.send(payload, segs[i], i + 1);
        h.r.close(EndReason::capture_end, {}, &h.rec);
        REQUIRE(h.rec.bytes == payload);
        REQUIRE(h.rec.gaps.empty());
        REQUIRE(h.rec.contiguous);
    }
}

TEST_CASE("a hole is reported as a gap of its exact size, in every order") {
    const std::string payload = make_payload(100, 3);
    const std::vector<Seg> present = {{0, 20}, {35, 30}, {65, 35}};  // bytes 20..34 never arrive
    std::vector<int> order = {0, 1, 2};
    do {
        Harness h(4000000000u);
        for (int i : order) h.send(payload, present[i], static_cast<std::uint64_t>(i + 1));
        CHECK(h.rec.bytes == payload.substr(0, 20));  // the rest waits behind the hole
        h.r.close(EndReason::capture_end, {}, &h.rec);
        REQUIRE(h.rec.gaps.size() == 1);
        CHECK(h.rec.gaps[0].first == 20);
        CHECK(h.rec.gaps[0].second == 15);
        CHECK(h.rec.bytes == payload.substr(0, 20) + payload.substr(35));
        CHECK(h.rec.contiguous);
        CHECK(h.r.gap_bytes() == 15);
        CHECK(h.r.payload_bytes() == 85);
    } while (std::next_permutation(order.begin(), order.end()));
}

TEST_CASE("an acknowledgement past a hole releases the data behind it at once") {
    const std::string payload = make_payload(60, 4);
    Harness h(1000);
    h.send(payload, {0, 10}, 1);
    h.send(payload, {30, 30}, 2);  // 10..29 lost before the capture point
    CHECK(h.rec.bytes.size() == 10);
    h.r.peer_ack(1000 + 45, FrameRef{3, {}}, &h.rec);
    REQUIRE(h.rec.gaps.size() == 1);
    CHECK(h.rec.gaps[0] == std::make_pair<std::uint64_t, std::uint64_t>(10, 20));
    CHECK(h.rec.bytes == payload.substr(0, 10) + payload.substr(30));
    CHECK(h.rec.ends == 0);
}

TEST_CASE("FIN ends the direction only after the bytes before it arrived") {
    const std::string payload = make_payload(30, 5);
    Harness h(0xFFFFFFF0u);
    h.send(payload, {10, 20}, 2);
    h.r.fin(0xFFFFFFF0u + 10, 20, FrameRef{2, {}}, &h.rec);
    CHECK(h.rec.ends == 0);
    h.send(payload, {0, 10}, 3);
    CHECK(h.rec.ends == 1);
    CHECK(h.rec.end_reason == EndReason::fin);
    CHECK(h.rec.bytes == payload);
    CHECK(h.r.ended());
}

TEST_CASE("conflicting overlaps: the bytes seen first win and the conflict is counted") {
    std::string first = "AAAAAAAAAA", second = "BBBBBBBBBB";
    Harness h(500);
    // Segment [5,15) arrives first out of order, then [0,10) with different bytes for 5..9.
    h.r.segment(505, as_bytes(first), 0, FrameRef{1, {}}, &h.rec);
    h.r.segment(500, as_bytes(second), 0, FrameRef{2, {}}, &h.rec);
    CHECK(h.rec.bytes == "BBBBB" + first);
    CHECK(h.anomalies.get("tcp_overlap_inconsistent") == 1);
}

TEST_CASE("the out-of-order cap forces a gap instead of growing") {
    Limits l;
    l.max_ooo_segments_per_direction = 4;
    const std::string payload = make_payload(200, 6);
    Harness h(77, l);
    // First 10 bytes lost; then 10 segments of 19 bytes arrive in order behind the hole.
    for (int i = 0; i < 10; ++i) h.send(payload, {10 + std::uint64_t(i) * 19, 19}, static_cast<std::uint64_t>(i + 1));
    CHECK(h.anomalies.get("tcp_out_of_order_cap") >= 1);
    REQUIRE(h.rec.gaps.size() == 1);
    CHECK(h.rec.gaps[0] == std::make_pair<std::uint64_t, std::uint64_t>(0, 10));
    CHECK(h.rec.bytes == payload.substr(10));
    CHECK(h.r.buffered_segments() <= 4);
}

TEST_CASE("a consumer that is done stops buffering and frees memory") {
    const std::string payload = make_payload(300, 8);
    Harness h(9);
    h.rec.stop_after = 50;
    h.send(payload, {100, 100}, 1);  // buffered out of order
    CHECK(h.budget.used == 100);
    h.send(payload, {0, 60}, 2);     // delivered; consumer says it is done after this
    CHECK(h.rec.bytes == payload.substr(0, 60));
    CHECK(h.budget.used == 0);
    CHECK(h.r.buffered_bytes() == 0);
    h.send(payload, {200, 100}, 3);
    CHECK(h.rec.bytes.size() == 60);  // nothing more delivered
    CHECK(h.r.payload_bytes() == 300 - 40);  // bytes 60..99 never seen
}

TEST_CASE("data before the stream start (mid-stream) is trimmed, not delivered twice") {
    const std::string payload = make_payload(50, 9);
    Harness h(1000);
    h.send(payload, {0, 50}, 1);
    // Retransmission that begins 20 bytes before the origin (the capture started mid-stream).
    std::string older = std::string(20, 'z') + payload.substr(0, 10);
    h.r.segment(980, as_bytes(older), 0, FrameRef{2, {}}, &h.rec);
    h.r.segment(970, as_bytes(std::string(5, 'q')), 0, FrameRef{3, {}}, &h.rec);
    CHECK(h.rec.bytes == payload);
    CHECK(h.anomalies.get("tcp_data_before_stream_start") == 1);
}

TEST_CASE("bytes cut off by the snap length become a gap") {
    const std::string payload = make_payload(40, 10);
    Harness h(0);
    h.r.segment(0, as_bytes(payload).first(15), 25, FrameRef{1, {}}, &h.rec);
    REQUIRE(h.rec.gaps.size() == 1);
    CHECK(h.rec.gaps[0] == std::make_pair<std::uint64_t, std::uint64_t>(15, 25));
    CHECK(h.rec.bytes == payload.substr(0, 15));
    CHECK(h.r.next_offset() == 40);
}

TEST_CASE("relative() maps sequence numbers across the wrap onto one 64-bit line") {
    Harness h(0xFFFFFF00u);
    CHECK(h.r.relative(0xFFFFFF00u) == 0);
    CHECK(h.r.relative(0x00000000u) == 0x100);
    CHECK(h.r.relative(0xFFFFFE00u) == -0x100);
}
