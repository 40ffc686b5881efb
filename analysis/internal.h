// Shared state of one analysis run, used by the correlation, rules and story builders.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "analysis/analyzer.h"

namespace revo::analysis::detail {

/// A host name known to serve revocation data, and how we know it.
struct ResponderHost {
    dissect::CheckKind kind = dissect::CheckKind::ocsp;
    std::string how;  ///< e.g. "AIA OCSP URL of CN=www.example.test"
};

/// One observation of a remote clock versus capture time, for CLOCK_SKEW.
struct SkewSample {
    std::string kind;          ///< "http_date", "produced_at", "this_update", "next_update", "not_before", "not_after"
    std::int64_t offset_s = 0; ///< remote time minus capture time (positive: capture host behind)
    bool exact = false;        ///< the remote clock's "now" (Date, producedAt) rather than a bound
    FrameRef frame;
    std::string text;
};

struct Ctx {
    const AnalysisOptions& opts;
    Results& r;
    dissect::CertPool& pool;
    std::map<IpAddr, std::vector<std::string>> ip_names;       ///< from DNS answers and Host headers
    std::map<std::string, ResponderHost> responder_hosts;      ///< lower-case host -> kind
    std::map<IpAddr, std::string> responder_ips;               ///< address -> responder host
    std::map<std::string, std::shared_ptr<const dissect::CertSummary>> certs;  ///< by sha256
    std::vector<std::set<std::string>> check_codes;            ///< per check: codes raised on it
    std::vector<std::set<std::string>> handshake_codes;        ///< per handshake: codes raised on it
    std::vector<std::vector<std::size_t>> handshake_checks;    ///< per handshake: its checks, in check order
    std::vector<SkewSample> skew_samples;
    bool skew = false;
    std::int64_t skew_offset_s = 0;

    Ctx(const AnalysisOptions& o, Results& res, dissect::CertPool& p) : opts(o), r(res), pool(p) {}
};

std::string lower(std::string s);
/// Host part of a URL ("http://ocsp.example.test:8080/x" -> "ocsp.example.test").
std::string url_host(const std::string& url);
/// "192.0.2.8:80 (ocsp.example.test)" or just the endpoint when no name is known.
std::string endpoint_label(const Ctx& c, const Endpoint& ep, const std::string& host = "");
/// "frame 12 at 10:00:01.123".
std::string frame_label(const FrameRef& f);
/// Time of day with milliseconds, "10:00:01.123".
std::string clock_label(Timestamp t);
/// Leaf certificate's short name: first SAN or CN.
std::string cert_name(const dissect::CertSummary& c);
std::string check_noun(dissect::CheckKind k);  ///< "OCSP request", "CRL download", "issuer fetch"
std::string code_prefix(dissect::CheckKind k); ///< "OCSP", "CRL", "AIA"

void run_rules(Ctx& c);
void build_stories(Ctx& c);

}  // namespace revo::analysis::detail
