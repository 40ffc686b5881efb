// The analysis layer: collects facts from dissectors, correlates them, and raises findings.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "analysis/finding.h"
#include "common/anomaly.h"
#include "dissect/sink.h"
#include "dissect/x509/cert_pool.h"

namespace revo::analysis {

struct AnalysisOptions {
    double slow_ms = 1000;                 ///< --slow-ms: OCSP/CRL latency above this is slow
    std::int64_t clock_tolerance_s = 300;  ///< --clock-tolerance: slack for thisUpdate/nextUpdate/validity
    double correlation_window_s = 30;      ///< a check belongs to a TLS connection if it starts this soon after its Certificate
    dissect::TrustOptions trust;           ///< --ca-file / --ca-path / system store
    std::size_t max_records = 200'000;     ///< cap per kind of stored fact (handshakes, exchanges, lookups)
    std::size_t max_connections = 500'000; ///< cap on stored TCP connection summaries
};

/// Everything known at the end of a run, in capture order, with the findings.
struct Results {
    std::vector<dissect::TlsHandshake> handshakes;
    std::vector<OcspCheck> checks;         ///< every revocation check (HTTP OCSP, staple, CRL, AIA), see finding.h
    std::vector<dissect::DnsLookup> dns;
    std::vector<capture::TcpConnection> connections;  ///< connections that matter for revocation (checks, blocked attempts)
    std::vector<Finding> findings;         ///< most severe first
    std::vector<ConnectionStory> stories;  ///< per TLS connection: hello -> certificate -> staple/check -> verdict -> fate
    Anomalies anomalies;                   ///< facts not kept (caps hit) and other analysis-side counts
    AnalysisOptions options;               ///< thresholds used, for report headers
    std::string trust_error;               ///< trust store problem, if any
};

class Analyzer : public dissect::FactSink {
public:
    explicit Analyzer(AnalysisOptions opts);
    ~Analyzer() override;

    void on_tls_handshake(dissect::TlsHandshake&& hs) override;
    void on_http_exchange(dissect::HttpExchange&& ex) override;
    void on_dns_lookup(dissect::DnsLookup&& q) override;
    void on_tcp_connection(capture::TcpConnection&& c) override;

    /// Called for each finding as soon as it is established (live mode prints them).
    void set_live_callback(std::function<void(const Finding&)> cb);
    /// Correlates everything and raises the findings. Call once, after the input ends.
    const Results& finish();
    /// Trust store load problems, reported once.
    const std::string& trust_error() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace revo::analysis
