// Bidirectional TCP flow table: canonical 5-tuple keys, client/server roles, per-connection TCP facts
// (RFC 9293 section 3.5 handshake, 3.6 close, 3.10.7 resets), idle timeouts and bounded memory.
//
// The key is the whole canonical tuple (lower endpoint first), compared in full; the hash only picks a
// bucket. Each flow owns two DirectionReassemblers and the StreamConsumer a factory made for it.
// A TcpConnection summary is handed out when the flow leaves the table.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

#include "capture/decode.h"
#include "capture/reassembly.h"
#include "capture/stream.h"
#include "capture/tcp_events.h"
#include "common/anomaly.h"
#include "common/limits.h"

namespace revo::capture {

/// Canonical transport key: the lower (address, port) endpoint first.
struct FlowKey {
    std::array<std::uint8_t, 16> lo_addr{};
    std::array<std::uint8_t, 16> hi_addr{};
    std::uint16_t lo_port = 0;
    std::uint16_t hi_port = 0;
    std::uint8_t proto = 0;
    std::uint8_t v4 = 0;
    bool operator==(const FlowKey&) const = default;
};

struct FlowKeyHash {
    std::size_t operator()(const FlowKey& k) const noexcept;
};

/// Builds the canonical key; `src_is_lo` tells whether (src, sport) became the lower endpoint.
FlowKey make_flow_key(const Endpoint& src, const Endpoint& dst, std::uint8_t proto, bool& src_is_lo);

/// True for ports where a server usually listens (HTTP, TLS, OCSP/CRL, proxies, ...).
bool is_server_port(std::uint16_t port);

struct FlowHooks {
    /// Makes the consumer for a new connection; may return null (bytes are then only counted).
    std::function<std::unique_ptr<StreamConsumer>(const ConnInfo&)> make_consumer;
    /// Receives each connection's summary when its flow leaves the table.
    std::function<void(TcpConnection&&)> on_connection;
};

class FlowTable {
public:
    FlowTable(const Limits& limits, Anomalies& anomalies, FlowHooks hooks);
    ~FlowTable();
    FlowTable(const FlowTable&) = delete;
    FlowTable& operator=(const FlowTable&) = delete;

    /// A decoded TCP packet (Packet::l4 == L4::tcp).
    void tcp_packet(const Packet& p);
    /// An ICMP/ICMPv6 error whose quote names a TCP connection.
    void icmp_error(const Packet& p);
    /// Ends flows idle for longer than their timeout; call as capture time advances.
    void expire(Timestamp now);
    /// Ends every flow (end of input).
    void finish(const FrameRef& last);

    std::uint64_t flows_created() const { return next_id_ - 1; }
    std::uint64_t flows_evicted() const { return evicted_; }
    std::uint64_t flows_timed_out() const { return timed_out_; }
    std::size_t active() const { return flows_.size(); }
    const ReassemblyBudget& budget() const { return budget_; }
    /// Visits the summary so far of every connection still in the table (live mode looks for attempts
    /// that are already failures, e.g. a SYN nobody answers).
    void for_each_open(const std::function<void(const TcpConnection&)>& fn) const;

private:
    struct Flow;
    struct Lru {
        Flow* head = nullptr;  ///< most recently active
        Flow* tail = nullptr;
    };

    Flow* create(const FlowKey& key, bool src_is_lo, const Packet& p);
    void process(Flow& f, Side side, const Packet& p);
    void end_flow(Flow* f, EndReason why, const FrameRef& frame);
    void make_room(std::size_t need);
    void lru_unlink(Flow* f);
    void lru_push_front(Lru& l, Flow* f);

    const Limits& limits_;
    Anomalies& anomalies_;
    FlowHooks hooks_;
    ReassemblyBudget budget_;  // declared before flows_: reassemblers return their bytes to it
    std::unordered_map<FlowKey, std::unique_ptr<Flow>, FlowKeyHash> flows_;
    Lru open_;
    Lru done_;  ///< both directions ended; kept briefly for trailing ACKs and retransmissions
    std::uint64_t next_id_ = 1;
    std::uint64_t evicted_ = 0;
    std::uint64_t timed_out_ = 0;
    Timestamp last_expire_{};
};

}  // namespace revo::capture
