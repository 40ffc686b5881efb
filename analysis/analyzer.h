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
    std::size_t max_failed_per_place = 64; ///< failed connection attempts kept in full per server and fate; more are counted
    double live_blocked_after_s = 10;      ///< live: a connection attempt unanswered this long is reported as blocked
};

/// Everything known at the end of a run, in capture order, with the findings.
struct Results {
    std::vector<dissect::TlsHandshake> handshakes;
    std::vector<OcspCheck> checks;         ///< every revocation check (HTTP OCSP, staple, CRL, AIA), see finding.h
    std::vector<dissect::DnsLookup> dns;
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
    /// Correlates everything and raises the findings. Call once, after the input ends. In live mode the
    /// callback then only receives findings that poll() has not announced already.
    const Results& finish();

    /// What live mode shows while capturing.
    struct LiveCounts {
        std::size_t handshakes = 0;  ///< TLS handshakes delivered so far
        std::size_t checks = 0;      ///< revocation checks at the last evaluation
        std::size_t findings = 0;    ///< findings announced so far
        std::size_t errors = 0;      ///< of which error or critical
    };
    /// Live mode: evaluates what is already established (delivered handshakes, HTTP exchanges and ended
    /// connections, plus `in_progress` connection attempts that are already failures: refused, rejected by
    /// ICMP, or a SYN unanswered for live_blocked_after_s at `now`) and passes each finding not announced
    /// before to the live callback. A finding is announced once per code and place; finish() announces
    /// only the rest. Nothing is re-evaluated when no fact changed; when evaluation is slow it is spaced
    /// out (at most a fifth of wall time is spent in it). Returns the number of findings announced.
    std::size_t poll(Timestamp now, const std::vector<capture::TcpConnection>& in_progress = {});
    LiveCounts live_counts() const;
    /// Trust store load problems, reported once.
    const std::string& trust_error() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace revo::analysis
