// What the reassembler hands to a protocol dissector: ordered bytes, explicit gaps, and endings.
//
// One StreamConsumer per TCP connection receives both directions. Byte offsets are relative to the
// first byte of the direction's stream (0 = first payload byte after the SYN). Every data callback
// carries the frame that delivered those bytes, so each byte can be traced to its frame.
#pragma once

#include <cstdint>

#include "common/bytes.h"
#include "common/frame.h"
#include "common/net.h"

namespace revo::capture {

/// Which peer sent the bytes.
enum class Side : std::uint8_t { client = 0, server = 1 };
inline Side other(Side s) { return s == Side::client ? Side::server : Side::client; }
inline int index(Side s) { return static_cast<int>(s); }

enum class EndReason : std::uint8_t {
    fin,          ///< orderly close by this side
    rst,          ///< reset sent by this side
    idle_timeout, ///< flow evicted after inactivity
    evicted,      ///< flow evicted under the memory or flow cap
    capture_end,  ///< input ended with the direction still open
};
const char* to_string(EndReason r);

/// Identity of a connection as the dissector sees it.
struct ConnInfo {
    std::uint64_t flow_id = 0;  ///< dense id, unique within a run
    Endpoint client;
    Endpoint server;
    bool roles_from_syn = true;  ///< false when guessed (capture started mid-stream)
};

class StreamConsumer {
public:
    virtual ~StreamConsumer() = default;
    /// In-order bytes from one side, starting at stream offset `offset`.
    virtual void on_data(Side from, std::uint64_t offset, ByteView bytes, const FrameRef& frame) = 0;
    /// `length` bytes at `offset` were never seen (lost or not captured). Later data follows the hole.
    virtual void on_gap(Side from, std::uint64_t offset, std::uint64_t length, const FrameRef& frame) = 0;
    /// The direction ended; no more callbacks for it.
    virtual void on_end(Side from, EndReason why, const FrameRef& frame) = 0;
    /// False once the consumer needs no more bytes from that side; the reassembler then stops buffering it.
    virtual bool wants(Side from) const = 0;
};

}  // namespace revo::capture
