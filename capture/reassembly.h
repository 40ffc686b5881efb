// TCP byte-stream reassembly for one direction of a connection (RFC 9293 section 3.4, 3.10.7.4).
//
// Sequence numbers are mapped once, in relative(), onto a 64-bit offset from the first payload byte,
// so wrap-around never needs modular arithmetic anywhere else. Segments ahead of the next expected
// byte are held in an ordered map (bounded per direction and by a budget shared by all flows); bytes
// seen first win where segments overlap, and overlaps with different contents are counted. Holes become
// explicit gap events: when the peer acknowledges past a hole that has data buffered behind it, at FIN,
// RST and end of input, and when a buffering cap is hit.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "capture/stream.h"
#include "common/anomaly.h"
#include "common/bytes.h"
#include "common/frame.h"
#include "common/limits.h"

namespace revo::capture {

/// Bytes held by all reassemblers of a flow table, against Limits::flow_memory_bytes.
struct ReassemblyBudget {
    std::size_t used = 0;
    std::size_t cap = 0;
};

class DirectionReassembler {
public:
    DirectionReassembler() = default;
    DirectionReassembler(const DirectionReassembler&) = delete;
    DirectionReassembler& operator=(const DirectionReassembler&) = delete;
    ~DirectionReassembler();

    /// Binds the limits, the shared budget and the counters. Must be called before use.
    void init(const Limits* limits, ReassemblyBudget* budget, Anomalies* anomalies, Side side);

    /// Sets the sequence number of stream offset 0 (the byte after the SYN, or the first byte seen).
    void set_origin(std::uint32_t seq_of_offset0);
    bool has_origin() const { return has_origin_; }
    /// Forgets everything (a new connection reused the 4-tuple, or a new ISN in a retransmitted SYN).
    void reset();

    /// Maps a 32-bit sequence number to a signed offset relative to the origin, choosing the value
    /// closest to the next expected byte. The only wrap-around arithmetic in the reassembler.
    std::int64_t relative(std::uint32_t seq) const;

    /// A segment carrying `data` at `seq`; `missing` more bytes followed it on the wire but were not
    /// captured (snap length), and become a gap.
    void segment(std::uint32_t seq, ByteView data, std::uint32_t missing, const FrameRef& frame,
                 StreamConsumer* consumer);
    /// The other side acknowledged up to `ack` (a hole behind it was delivered but not captured).
    void peer_ack(std::uint32_t ack, const FrameRef& frame, StreamConsumer* consumer);
    /// A FIN at `seq` after `len` payload bytes; the direction ends once all bytes before it are in.
    void fin(std::uint32_t seq, std::size_t len, const FrameRef& frame, StreamConsumer* consumer);
    /// Ends the direction now: remaining holes become gaps, buffered bytes are delivered, then on_end.
    void close(EndReason why, const FrameRef& frame, StreamConsumer* consumer);

    bool ended() const { return ended_; }
    std::uint64_t next_offset() const { return next_; }
    /// Distinct stream bytes seen (delivered or skipped once the consumer stopped wanting them).
    std::uint64_t payload_bytes() const { return delivered_ + skipped_; }
    std::uint64_t gap_bytes() const { return gap_bytes_; }
    std::size_t buffered_bytes() const { return ooo_bytes_; }
    std::size_t buffered_segments() const { return ooo_.size(); }

private:
    struct Held {
        std::vector<std::uint8_t> bytes;  ///< empty for a known-missing span
        std::uint64_t length = 0;
        FrameRef frame;
        bool missing = false;
    };

    bool wants(StreamConsumer* c) const;
    void enter_skip_mode();
    void insert_held(std::uint64_t off, ByteView data, std::uint64_t len, bool missing, const FrameRef& frame);
    void add_held(std::uint64_t off, ByteView data, std::uint64_t len, bool missing, const FrameRef& frame);
    /// Whether holding `extra` more bytes in `pieces` more held pieces would pass a cap.
    bool over_caps(std::size_t extra, std::size_t pieces) const;
    /// The first held piece that reaches past `off` (it may start before it).
    std::map<std::uint64_t, Held>::const_iterator first_reaching(std::uint64_t off) const;
    /// How many held pieces inserting [off, off+len) creates: one per stretch not yet covered.
    std::size_t pieces_for(std::uint64_t off, std::uint64_t len) const;
    void accept(std::uint64_t off, ByteView data, std::uint64_t missing, const FrameRef& frame, StreamConsumer* c);
    void deliver(ByteView data, const FrameRef& frame, StreamConsumer* c);
    void gap(std::uint64_t len, const FrameRef& frame, StreamConsumer* c);
    void drain(StreamConsumer* c);
    void gap_to_first_held(const FrameRef& frame, StreamConsumer* c);
    void check_ack_gap(const FrameRef& frame, StreamConsumer* c);
    void check_fin(const FrameRef& frame, StreamConsumer* c);
    void release_all();

    const Limits* limits_ = nullptr;
    ReassemblyBudget* budget_ = nullptr;
    Anomalies* anomalies_ = nullptr;
    Side side_ = Side::client;

    bool has_origin_ = false;
    bool skip_ = false;
    bool ended_ = false;
    std::uint32_t origin_ = 0;
    std::uint64_t next_ = 0;
    std::int64_t max_ack_ = -1;
    std::optional<std::uint64_t> fin_off_;
    std::uint64_t delivered_ = 0;
    std::uint64_t skipped_ = 0;
    std::uint64_t gap_bytes_ = 0;
    std::map<std::uint64_t, Held> ooo_;
    std::size_t ooo_bytes_ = 0;
};

}  // namespace revo::capture
