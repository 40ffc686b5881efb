// The capture pipeline for one run: frames in, decoded packets through the flow table, ordered TCP
// bytes to stream consumers, UDP datagrams to a callback, and statistics per input.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "capture/capture_stats.h"
#include "capture/decode.h"
#include "capture/flow_table.h"
#include "common/limits.h"

namespace revo::capture {

struct EngineHooks {
    std::function<std::unique_ptr<StreamConsumer>(const ConnInfo&)> make_consumer;
    std::function<void(TcpConnection&&)> on_connection;
    /// A UDP datagram (payload view valid during the call only).
    std::function<void(const Endpoint& src, const Endpoint& dst, ByteView payload, const FrameRef& frame)> on_udp;
};

class Engine {
public:
    Engine(const Limits& limits, EngineHooks hooks);
    ~Engine();

    /// Starts a new input (file, stdin or interface); frame numbers continue across inputs.
    InputFileInfo& begin_input(InputFileInfo info);
    /// One captured frame of the current input.
    void packet(int linktype, const std::uint8_t* data, std::uint32_t caplen, std::uint32_t wire_len, Timestamp ts);
    /// The current input ended (its per-input counters are final).
    void end_input();
    /// End of the run: every open flow is ended and reported.
    void finish();

    CaptureStats& stats() { return stats_; }
    const FlowTable& flows() const { return *flows_; }
    std::uint64_t frames() const { return frame_; }

private:
    Limits limits_;
    EngineHooks hooks_;
    CaptureStats stats_;
    PacketDecoder decoder_;
    std::unique_ptr<FlowTable> flows_;
    Packet pkt_;
    std::uint64_t frame_ = 0;
    std::uint64_t flows_at_input_start_ = 0;
    int last_linktype_ = -1;
    FrameRef last_frame_{};
    bool finished_ = false;
};

}  // namespace revo::capture
