// Test harness for HTTP/DNS dissection: a sink that keeps what it receives, a pcap runner through the
// capture engine, and a driver that feeds a consumer scripted stream events.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "capture/engine.h"
#include "capture/source.h"
#include "common/anomaly.h"
#include "common/limits.h"
#include "dissect/dispatch.h"
#include "dissect/dns/dns_stream.h"
#include "dissect/http/http_stream.h"
#include "dissect/sink.h"
#include "tests/test_support.h"

namespace revo::test {

struct CollectSink : dissect::FactSink {
    std::vector<dissect::HttpExchange> http;
    std::vector<dissect::DnsLookup> dns;
    std::vector<capture::TcpConnection> tcp;
    void on_tls_handshake(dissect::TlsHandshake&&) override {}
    void on_http_exchange(dissect::HttpExchange&& ex) override { http.push_back(std::move(ex)); }
    void on_dns_lookup(dissect::DnsLookup&& q) override { dns.push_back(std::move(q)); }
    void on_tcp_connection(capture::TcpConnection&& c) override { tcp.push_back(std::move(c)); }
};

/// Everything a dissection run produced.
struct Dissected {
    CollectSink sink;
    Anomalies anomalies;
    Limits limits;
    dissect::DissectContext ctx;
    bool ok = false;
    std::string error;
};

/// Runs a capture file through the engine and the protocol dispatcher (TCP by content, UDP as DNS).
inline std::unique_ptr<Dissected> dissect_pcap(const std::string& path, bool use_udp = true) {
    auto d = std::make_unique<Dissected>();
    d->ctx.limits = &d->limits;
    d->ctx.sink = &d->sink;
    d->ctx.anomalies = &d->anomalies;
    Dissected* dp = d.get();
    capture::EngineHooks hooks;
    hooks.make_consumer = [dp](const capture::ConnInfo& c) { return dissect::make_stream_dissector(c, dp->ctx); };
    hooks.on_connection = [dp](capture::TcpConnection&& c) { dp->sink.on_tcp_connection(std::move(c)); };
    if (use_udp)
        hooks.on_udp = [dp](const Endpoint& s, const Endpoint& t, ByteView p, const FrameRef& f) {
            dissect::dissect_udp(s, t, p, f, dp->ctx);
        };
    capture::Engine engine(d->limits, hooks);
    capture::FileReadOptions opts;
    auto err = capture::read_capture_file(path, engine, opts, d->error);
    engine.finish();
    if (use_udp) dissect::finish_udp(d->ctx);
    d->ok = err == capture::OpenError::none;
    return d;
}

}  // namespace revo::test
