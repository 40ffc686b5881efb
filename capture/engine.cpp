// The capture pipeline for one run; see engine.h.
#include "capture/engine.h"

#include <algorithm>

namespace revo::capture {

const char* to_string(EndReason r) {
    switch (r) {
        case EndReason::fin: return "fin";
        case EndReason::rst: return "rst";
        case EndReason::idle_timeout: return "idle_timeout";
        case EndReason::evicted: return "evicted";
        case EndReason::capture_end: return "capture_end";
    }
    return "unknown";
}

const char* to_string(ConnState s) {
    switch (s) {
        case ConnState::syn_sent: return "syn_sent";
        case ConnState::refused: return "refused";
        case ConnState::icmp_rejected: return "icmp_rejected";
        case ConnState::established: return "established";
        case ConnState::closed: return "closed";
        case ConnState::reset: return "reset";
    }
    return "unknown";
}

std::optional<double> TcpConnection::connect_ms() const {
    if (syns.empty() || !syn_ack) return std::nullopt;
    return ms_between(syns.front().ts, syn_ack->ts);
}

Engine::Engine(const Limits& limits, EngineHooks hooks)
    : limits_(limits), hooks_(std::move(hooks)), decoder_(limits_, stats_.anomalies) {
    FlowHooks fh;
    fh.make_consumer = hooks_.make_consumer;
    fh.on_connection = hooks_.on_connection;
    flows_ = std::make_unique<FlowTable>(limits_, stats_.anomalies, std::move(fh));
}

Engine::~Engine() = default;

InputFileInfo& Engine::begin_input(InputFileInfo info) {
    info.first_frame = frame_ + 1;
    stats_.files.push_back(std::move(info));
    flows_at_input_start_ = flows_->flows_created();
    last_linktype_ = -1;
    return stats_.files.back();
}

void Engine::packet(int linktype, const std::uint8_t* data, std::uint32_t caplen, std::uint32_t wire_len,
                    Timestamp ts) {
    ++frame_;
    InputFileInfo* in = stats_.files.empty() ? nullptr : &stats_.files.back();
    if (in) {
        if (in->packets == 0) in->first_ts = ts;
        in->last_ts = std::max(in->last_ts, ts);
        ++in->packets;
        in->bytes += caplen;
        if (linktype != last_linktype_) {
            last_linktype_ = linktype;
            std::string name = link_type_name(linktype);
            if (std::find(in->link_types.begin(), in->link_types.end(), name) == in->link_types.end())
                in->link_types.push_back(name);
        }
    }
    if (stats_.packets == 0 || ts < stats_.first_ts) stats_.first_ts = ts;
    stats_.last_ts = std::max(stats_.last_ts, ts);
    ++stats_.packets;
    stats_.bytes += caplen;

    FrameRef frame{frame_, ts};
    last_frame_ = frame;
    if (decoder_.decode(linktype, ByteView(data, caplen), wire_len, frame, pkt_)) {
        switch (pkt_.l4) {
            case L4::tcp:
                flows_->tcp_packet(pkt_);
                break;
            case L4::udp:
                if (in) ++in->udp_datagrams;
                if (hooks_.on_udp)
                    hooks_.on_udp(Endpoint{pkt_.src, pkt_.sport}, Endpoint{pkt_.dst, pkt_.dport}, pkt_.payload, frame);
                break;
            case L4::icmp:
                if (pkt_.icmp.is_error) flows_->icmp_error(pkt_);
                break;
            default:
                break;
        }
    }
    flows_->expire(ts);
}

void Engine::end_input() {
    if (stats_.files.empty()) return;
    stats_.files.back().tcp_flows = flows_->flows_created() - flows_at_input_start_;
}

void Engine::finish() {
    if (finished_) return;
    finished_ = true;
    flows_->finish(last_frame_);
    if (decoder_.fragments_held()) stats_.anomalies.add("ip_fragments_incomplete", decoder_.fragments_held());
    stats_.tcp_flows = flows_->flows_created();
    stats_.flows_evicted = flows_->flows_evicted();
}

}  // namespace revo::capture
