// Where dissectors deliver what they found. The analysis layer implements it.
#pragma once

#include "capture/tcp_events.h"
#include "dissect/dns/dns.h"
#include "dissect/http/exchange.h"
#include "dissect/tls/handshake.h"

namespace revo::dissect {

class FactSink {
public:
    virtual ~FactSink() = default;
    virtual void on_tls_handshake(TlsHandshake&& hs) = 0;
    virtual void on_http_exchange(HttpExchange&& ex) = 0;
    virtual void on_dns_lookup(DnsLookup&& q) = 0;
    /// A TCP connection's summary, delivered when the flow ends (or at end of input).
    virtual void on_tcp_connection(capture::TcpConnection&& c) = 0;
};

}  // namespace revo::dissect
