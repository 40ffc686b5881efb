// Entry point of dissect/: picks a protocol for each TCP connection by content, and parses UDP payloads.
#pragma once

#include <memory>

#include "capture/stream.h"
#include "common/anomaly.h"
#include "common/limits.h"
#include "dissect/sink.h"

namespace revo::dissect {

class KeyLog;      // dissect/tls/keylog.h
class DnsPairing;  // dissect/dns/dns_pairing.h

struct DissectContext {
    const Limits* limits = nullptr;
    FactSink* sink = nullptr;
    Anomalies* anomalies = nullptr;
    const KeyLog* keylog = nullptr;  ///< optional: decrypts TLS handshakes
    std::shared_ptr<DnsPairing> udp_dns;  ///< DNS-over-UDP query/answer state, created by dissect_udp
};

/// A consumer for a new TCP connection. It buffers the first bytes until the protocol is known
/// (TLS, HTTP/1.x, DNS over TCP), then parses; unknown protocols stop being buffered at once.
std::unique_ptr<capture::StreamConsumer> make_stream_dissector(const capture::ConnInfo& conn,
                                                                DissectContext& ctx);

/// A UDP datagram (DNS on any port where it parses as DNS, with port 53 as the hint).
void dissect_udp(const Endpoint& src, const Endpoint& dst, ByteView payload, const FrameRef& frame,
                 DissectContext& ctx);

/// Ends all pending UDP state (unanswered DNS queries are delivered to the sink).
void finish_udp(DissectContext& ctx);

}  // namespace revo::dissect
