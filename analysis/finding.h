// Findings: what went wrong with revocation checking, with evidence and the fix.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/box.h"
#include "common/frame.h"
#include "capture/tcp_events.h"
#include "common/net.h"
#include "dissect/http/exchange.h"
#include "dissect/tls/handshake.h"
#include "dissect/x509/crl.h"

namespace revo::analysis {

enum class Severity : std::uint8_t { info = 0, warning = 1, error = 2, critical = 3 };
const char* to_string(Severity s);

/// One revocation check as the analysis sees it, whatever carried it.
struct OcspCheck {
    std::string transport;              ///< "http" | "staple" | "tcp-only" (a connection that never carried HTTP)
    dissect::CheckKind kind = dissect::CheckKind::ocsp;
    std::string role;                   ///< "client", "server-staple-fetch", "server-client-auth", "unknown"
    Endpoint client;
    Endpoint responder;
    std::string host;                   ///< Host header, DNS name, or AIA URL host
    std::string method;
    std::string url;
    FrameRef request_first, request_last, response_first, response_last;
    std::optional<double> latency_ms;   ///< request first byte -> response last byte
    std::optional<double> connect_ms;   ///< SYN -> SYN-ACK
    int http_status = 0;
    std::string content_type;
    std::uint64_t body_size = 0;
    std::string outcome;                ///< "ok", "reset", "closed", "capture_end", "no_answer", "refused", "icmp", ...
    // Boxed: most checks in a busy capture are connections that never carried a message.
    Box<dissect::OcspRequestInfo> request;
    Box<dissect::OcspResponseInfo> response;
    dissect::OcspVerification verification;
    std::vector<std::string> cert_fingerprints;  ///< certificates (sha256) this check is about, when matched
    std::optional<std::size_t> handshake_index;  ///< index in Results::handshakes it belongs to
    std::uint64_t flow_id = 0;
    bool via_proxy = false;             ///< sent to a proxy (absolute-form target)
    std::string http_reason;            ///< reason phrase of the HTTP status line
    std::optional<std::int64_t> http_date;  ///< response Date header, unix seconds
    std::vector<std::pair<std::string, std::string>> response_headers;
    std::string body_preview;           ///< first bytes of a non-OCSP response body, printable only
    std::string host_source;            ///< how the responder was identified: "http-host", "dns", "aia-url", "port-heuristic"
    std::optional<capture::TcpConnection> tcp;  ///< the TCP connection that carried (or failed to carry) the check
    std::shared_ptr<const dissect::CrlInfo> crl;  ///< decoded CRL, for a CRL download that returned one
    std::optional<bool> crl_signature_ok;       ///< set when the CRL's issuer is known
    std::string crl_signer;                     ///< subject of the certificate whose key verified the CRL
    /// Further failed attempts to the same server with the same fate that were counted, not stored
    /// (AnalysisOptions::max_failed_per_place); findings on this check count them too.
    std::uint64_t folded_attempts = 0;
    /// First moment of the check: request first byte, else first SYN, else the staple frame.
    FrameRef start() const;
    /// Last moment of the check seen on the wire.
    FrameRef end() const;
};

struct Finding {
    std::string code;                   ///< e.g. "OCSP_BLOCKED_DROP"
    Severity severity = Severity::warning;
    std::string cause;                  ///< clock-skew, network-blocked, proxy-interference, signer-invalid,
                                        ///< stapling, chain-incomplete, responder-failure, revoked, expired
    std::string summary;                ///< one line with the concrete names
    std::vector<std::string> evidence;  ///< each a line: frame numbers, times, decoded values
    std::string fix;                    ///< the concrete remedy for this case
    std::string why;                    ///< one sentence on why the fix works
    std::vector<std::uint64_t> frames;  ///< frames cited in the evidence
    std::vector<std::uint64_t> flow_ids;
    std::uint32_t count = 1;            ///< occurrences folded into this finding
    std::string source;                 ///< "ocsp", "staple", "crl", "tls", ... where relevant
    FrameRef first_seen;
    std::string place;                  ///< what the finding is about (responder ip:port, server, certificate); folding key
    std::vector<std::size_t> checks;    ///< indexes into Results::checks
    std::vector<std::size_t> handshakes;///< indexes into Results::handshakes
};

/// Static facts about each finding code: the table behind docs/findings.md.
struct CodeInfo {
    const char* code;
    Severity severity;
    const char* cause;
    const char* meaning;
    const char* typical_fix;
};
const std::vector<CodeInfo>& code_catalogue();
/// nullptr for an unknown code.
const CodeInfo* find_code(const std::string& code);

/// Per TLS connection, the chain of events an operator reads top-down.
struct ConnectionStory {
    std::size_t handshake_index = 0;
    std::vector<std::string> steps;     ///< "ClientHello sni=... status_request" -> "Certificate 2 certs" -> ...
    std::string verdict;                ///< "ok", "revocation unknown", "revoked", ...
    std::vector<std::size_t> checks;    ///< indexes into Results::checks linked to this connection
    std::vector<std::string> codes;     ///< codes of findings that concern this connection
};

}  // namespace revo::analysis
