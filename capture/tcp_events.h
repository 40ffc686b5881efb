// Per-connection TCP facts kept for diagnosis: the handshake, resets, closes and ICMP errors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "capture/stream.h"
#include "common/frame.h"
#include "common/net.h"

namespace revo::capture {

/// An ICMP/ICMPv6 destination-unreachable (or similar) that quoted a packet of this connection.
struct IcmpError {
    FrameRef frame;
    IpAddr reporter;          ///< router or host that sent the ICMP message
    bool v6 = false;
    std::uint8_t type = 0;
    std::uint8_t code = 0;
    std::string meaning;      ///< "port-unreachable", "admin-prohibited", "host-unreachable", ...
};

struct RstEvent {
    FrameRef frame;
    Side from = Side::server;
    bool answers_syn = false;  ///< RST+ACK in reply to a SYN (connection refused)
};

enum class ConnState : std::uint8_t {
    syn_sent,       ///< SYN(s) seen, never answered
    refused,        ///< SYN answered by RST
    icmp_rejected,  ///< SYN answered by ICMP unreachable
    established,    ///< SYN-ACK seen (or mid-stream data)
    closed,         ///< FIN both ways
    reset,          ///< RST after establishment
};
const char* to_string(ConnState s);

/// Summary of one TCP connection, finalised when the flow ends or the input ends.
struct TcpConnection {
    ConnInfo info;
    std::vector<FrameRef> syns;       ///< first SYN and every retransmission
    std::optional<FrameRef> syn_ack;
    std::optional<FrameRef> first_ack;
    std::vector<RstEvent> rsts;
    std::optional<FrameRef> fin[2];   ///< by side
    std::vector<IcmpError> icmp;
    FrameRef first_frame;
    FrameRef last_frame;
    std::uint64_t packets[2] = {0, 0};
    std::uint64_t payload_bytes[2] = {0, 0};  ///< distinct stream bytes per side (retransmissions excluded)
    std::uint64_t gap_bytes[2] = {0, 0};
    std::uint64_t wire_bytes[2] = {0, 0};     ///< frame lengths on the wire per side (what tshark -z conv counts)
    ConnState state = ConnState::syn_sent;
    std::optional<EndReason> end_reason;

    /// SYN to SYN-ACK in milliseconds, when both are seen.
    std::optional<double> connect_ms() const;
};

}  // namespace revo::capture
