// TCP byte-stream reassembly for one direction (RFC 9293 section 3.4, 3.10.7.4); see reassembly.h.
#include "capture/reassembly.h"

#include <algorithm>
#include <cstring>

namespace revo::capture {

DirectionReassembler::~DirectionReassembler() { release_all(); }

void DirectionReassembler::init(const Limits* limits, ReassemblyBudget* budget, Anomalies* anomalies, Side side) {
    limits_ = limits;
    budget_ = budget;
    anomalies_ = anomalies;
    side_ = side;
}

void DirectionReassembler::reset() {
    release_all();
    has_origin_ = skip_ = ended_ = false;
    origin_ = 0;
    next_ = 0;
    max_ack_ = -1;
    fin_off_.reset();
    delivered_ = skipped_ = gap_bytes_ = 0;
}

void DirectionReassembler::set_origin(std::uint32_t seq) {
    origin_ = seq;
    has_origin_ = true;
}

std::int64_t DirectionReassembler::relative(std::uint32_t seq) const {
    // Position of the next expected byte in 32-bit space, then the signed 32-bit distance to `seq`.
    std::uint32_t expected = origin_ + static_cast<std::uint32_t>(next_);
    std::int32_t delta = static_cast<std::int32_t>(seq - expected);
    return static_cast<std::int64_t>(next_) + delta;
}

bool DirectionReassembler::wants(StreamConsumer* c) const { return c != nullptr && c->wants(side_); }

void DirectionReassembler::release_all() {
    if (budget_) budget_->used -= ooo_bytes_;
    ooo_.clear();
    ooo_bytes_ = 0;
}

void DirectionReassembler::enter_skip_mode() {
    if (skip_) return;
    skip_ = true;
    for (auto& [off, h] : ooo_) {
        std::uint64_t end = off + h.length;
        if (end <= next_) continue;
        skipped_ += end - std::max(off, next_);
        next_ = end;
    }
    release_all();
}

bool DirectionReassembler::over_caps(std::size_t extra, std::size_t pieces) const {
    if (ooo_.size() + pieces > limits_->max_ooo_segments_per_direction) return true;
    if (ooo_bytes_ + extra > limits_->max_ooo_bytes_per_direction) return true;
    if (budget_ && budget_->used + extra > budget_->cap) return true;
    return false;
}

void DirectionReassembler::add_held(std::uint64_t off, ByteView data, std::uint64_t len, bool missing,
                                    const FrameRef& frame) {
    Held h;
    if (!missing) h.bytes.assign(data.begin(), data.end());
    h.length = len;
    h.frame = frame;
    h.missing = missing;
    ooo_bytes_ += h.bytes.size();
    if (budget_) budget_->used += h.bytes.size();
    ooo_.emplace(off, std::move(h));
}

std::map<std::uint64_t, DirectionReassembler::Held>::const_iterator DirectionReassembler::first_reaching(
    std::uint64_t off) const {
    auto it = ooo_.upper_bound(off);
    if (it != ooo_.begin()) {
        auto p = std::prev(it);
        if (p->first + p->second.length > off) return p;
    }
    return it;
}

std::size_t DirectionReassembler::pieces_for(std::uint64_t off, std::uint64_t len) const {
    if (len == 0) return 0;
    const std::uint64_t end = off + len;
    std::uint64_t cur = off;
    auto it = first_reaching(off);
    std::size_t n = 0;
    for (; cur < end; ++it) {
        if (it == ooo_.end() || it->first >= end) return n + 1;
        if (it->first > cur) ++n;
        cur = std::max(cur, it->first + it->second.length);
    }
    return n;
}

void DirectionReassembler::insert_held(std::uint64_t off, ByteView data, std::uint64_t len, bool missing,
                                       const FrameRef& frame) {
    const std::uint64_t end = off + len;
    std::uint64_t cur = off;
    auto it = first_reaching(off);
    auto piece = [&](std::uint64_t b, std::uint64_t e) {
        add_held(b, missing ? ByteView{} : data.subspan(b - off, e - b), e - b, missing, frame);
    };
    bool overlapped = false;
    while (cur < end) {
        if (it == ooo_.end() || it->first >= end) {
            piece(cur, end);
            break;
        }
        const std::uint64_t s = it->first, e = s + it->second.length;
        if (s > cur) {
            piece(cur, s);
            cur = s;
        }
        const std::uint64_t oe = std::min(e, end);
        if (oe > cur) {
            overlapped = true;
            const Held& h = it->second;
            if (!missing && !h.missing &&
                std::memcmp(data.data() + (cur - off), h.bytes.data() + (cur - s), oe - cur) != 0)
                anomalies_->add("tcp_overlap_inconsistent");
        }
        cur = std::max(cur, e);
        ++it;
    }
    if (overlapped) anomalies_->add("tcp_retransmission_buffered");
}

void DirectionReassembler::deliver(ByteView data, const FrameRef& frame, StreamConsumer* c) {
    if (data.empty()) return;
    if (skip_) {
        skipped_ += data.size();
        next_ += data.size();
        return;
    }
    c->on_data(side_, next_, data, frame);
    delivered_ += data.size();
    next_ += data.size();
    if (!c->wants(side_)) enter_skip_mode();
}

void DirectionReassembler::gap(std::uint64_t len, const FrameRef& frame, StreamConsumer* c) {
    if (len == 0) return;
    if (!skip_ && c) c->on_gap(side_, next_, len, frame);
    gap_bytes_ += len;
    next_ += len;
}

void DirectionReassembler::drain(StreamConsumer* c) {
    while (!skip_ && !ooo_.empty()) {
        auto it = ooo_.begin();
        const std::uint64_t s = it->first;
        if (s > next_) break;
        auto node = ooo_.extract(it);
        Held& h = node.mapped();
        ooo_bytes_ -= h.bytes.size();
        if (budget_) budget_->used -= h.bytes.size();
        const std::uint64_t e = s + h.length;
        if (e <= next_) continue;
        const std::uint64_t cut = next_ - s;
        if (h.missing) gap(e - next_, h.frame, c);
        else deliver(ByteView(h.bytes).subspan(cut), h.frame, c);
    }
}

void DirectionReassembler::gap_to_first_held(const FrameRef& frame, StreamConsumer* c) {
    if (ooo_.empty()) return;
    const std::uint64_t first = ooo_.begin()->first;
    if (first > next_) gap(first - next_, frame, c);
    drain(c);
}

void DirectionReassembler::check_ack_gap(const FrameRef& frame, StreamConsumer* c) {
    // The receiver acknowledged bytes beyond a hole, and data behind the hole is buffered: the hole
    // reached the receiver but not the capture, so it will never be filled.
    while (!skip_ && !ooo_.empty() && max_ack_ >= 0 && ooo_.begin()->first > next_ &&
           static_cast<std::uint64_t>(max_ack_) >= ooo_.begin()->first) {
        gap_to_first_held(frame, c);
    }
}

void DirectionReassembler::check_fin(const FrameRef& frame, StreamConsumer* c) {
    if (ended_ || !fin_off_ || next_ < *fin_off_) return;
    ended_ = true;
    release_all();
    if (c) c->on_end(side_, EndReason::fin, frame);
}

void DirectionReassembler::accept(std::uint64_t off, ByteView data, std::uint64_t missing, const FrameRef& frame,
                                  StreamConsumer* c) {
    // Drop what was already delivered (retransmissions, keep-alives).
    if (off < next_) {
        const std::uint64_t cut = next_ - off;
        if (cut >= data.size() + missing) return;
        if (cut >= data.size()) {
            missing -= cut - data.size();
            data = {};
        } else {
            data = data.subspan(cut);
        }
        off = next_;
    }
    if (off == next_) {
        if (ooo_.empty()) {
            deliver(data, frame, c);
            if (missing) gap(missing, frame, c);
            return;
        }
        // Deliver directly what lies before the first held segment; the rest competes with held bytes.
        const std::uint64_t room = ooo_.begin()->first - next_;
        const std::size_t direct = static_cast<std::size_t>(std::min<std::uint64_t>(data.size(), room));
        deliver(data.first(direct), frame, c);
        if (skip_) return;
        data = data.subspan(direct);
        off += direct;
        if (data.empty() && missing == 0) {
            drain(c);
            return;
        }
    }
    // One segment laid over held ones can become several pieces; the cap counts them all.
    auto pieces = [&] { return pieces_for(off, data.size()) + pieces_for(off + data.size(), missing); };
    if (over_caps(data.size(), pieces())) {
        anomalies_->add("tcp_out_of_order_cap");
        while (!skip_ && !ooo_.empty() && over_caps(data.size(), pieces())) gap_to_first_held(frame, c);
        if (skip_) return;
        if (off > next_ && ooo_.empty() && over_caps(data.size(), pieces())) gap(off - next_, frame, c);
        if (off <= next_) {
            accept(off, data, missing, frame, c);
            return;
        }
    }
    if (!data.empty()) insert_held(off, data, data.size(), false, frame);
    if (missing) insert_held(off + data.size(), {}, missing, true, frame);
    drain(c);
}

void DirectionReassembler::segment(std::uint32_t seq, ByteView data, std::uint32_t missing, const FrameRef& frame,
                                   StreamConsumer* c) {
    if (ended_ || (data.empty() && missing == 0)) return;
    if (!has_origin_) set_origin(seq);
    std::int64_t off = relative(seq);
    std::uint64_t miss = missing;
    if (off < 0) {
        // Bytes before offset 0: a retransmission from before a mid-stream start, or garbage.
        const std::uint64_t cut = static_cast<std::uint64_t>(-off);
        if (cut >= data.size() + miss) {
            anomalies_->add("tcp_data_before_stream_start");
            return;
        }
        if (cut >= data.size()) {
            miss -= cut - data.size();
            data = {};
        } else {
            data = data.subspan(cut);
        }
        off = 0;
    }
    if (!skip_ && !wants(c)) enter_skip_mode();
    if (skip_) {
        const std::uint64_t end = static_cast<std::uint64_t>(off) + data.size() + miss;
        if (end > next_) {
            skipped_ += end - std::max<std::uint64_t>(static_cast<std::uint64_t>(off), next_);
            next_ = end;
        }
        check_fin(frame, c);
        return;
    }
    accept(static_cast<std::uint64_t>(off), data, miss, frame, c);
    check_ack_gap(frame, c);
    check_fin(frame, c);
}

void DirectionReassembler::peer_ack(std::uint32_t ack, const FrameRef& frame, StreamConsumer* c) {
    if (!has_origin_ || ended_) return;
    const std::int64_t a = relative(ack);
    if (a > max_ack_) max_ack_ = a;
    check_ack_gap(frame, c);
}

void DirectionReassembler::fin(std::uint32_t seq, std::size_t len, const FrameRef& frame, StreamConsumer* c) {
    if (ended_) return;
    if (!has_origin_) set_origin(seq);
    const std::int64_t f = relative(seq) + static_cast<std::int64_t>(len);
    if (f < 0) return;
    if (fin_off_ && *fin_off_ != static_cast<std::uint64_t>(f)) {
        anomalies_->add("tcp_fin_sequence_changed");
        return;
    }
    fin_off_ = static_cast<std::uint64_t>(f);
    check_fin(frame, c);
}

void DirectionReassembler::close(EndReason why, const FrameRef& frame, StreamConsumer* c) {
    if (ended_) return;
    if (!skip_ && has_origin_) {
        while (!skip_ && !ooo_.empty()) gap_to_first_held(frame, c);
        std::uint64_t target = next_;
        if (fin_off_) target = std::max(target, *fin_off_);
        else if (max_ack_ > static_cast<std::int64_t>(next_) && max_ack_ - static_cast<std::int64_t>(next_) <= (1LL << 30))
            target = static_cast<std::uint64_t>(max_ack_);
        if (!skip_ && target > next_) gap(target - next_, frame, c);
    }
    release_all();
    ended_ = true;
    if (c) c->on_end(side_, why, frame);
}

}  // namespace revo::capture
