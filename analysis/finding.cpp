// Finding codes and their static facts (severity, cause, meaning, typical fix).
#include "analysis/finding.h"

namespace revo::analysis {

const char* to_string(Severity s) {
    switch (s) {
        case Severity::info: return "info";
        case Severity::warning: return "warning";
        case Severity::error: return "error";
        case Severity::critical: return "critical";
    }
    return "unknown";
}

FrameRef OcspCheck::start() const {
    if (request_first.valid()) return request_first;
    if (tcp && !tcp->syns.empty()) return tcp->syns.front();
    if (tcp && tcp->first_frame.valid()) return tcp->first_frame;
    return response_first;
}

FrameRef OcspCheck::end() const {
    FrameRef e = start();
    auto later = [&](const FrameRef& f) {
        if (f.valid() && f.ts >= e.ts) e = f;
    };
    later(request_last);
    later(response_first);
    later(response_last);
    if (tcp) later(tcp->last_frame);
    return e;
}

const std::vector<CodeInfo>& code_catalogue() {
    using S = Severity;
    static const std::vector<CodeInfo> table = {
        {"OCSP_BLOCKED_DROP", S::error, "network-blocked",
         "Connections to the OCSP responder are silently dropped: SYNs are retransmitted and never answered.",
         "Allow outbound TCP from the client to the responder address and port (usually 80)."},
        {"OCSP_BLOCKED_RESET", S::error, "network-blocked",
         "Connections or requests to the OCSP responder are answered with a TCP reset.",
         "Remove the REJECT (tcp-reset) rule or allow the responder in the firewall or filter."},
        {"OCSP_BLOCKED_ICMP", S::error, "network-blocked",
         "A router or host answers connection attempts to the OCSP responder with ICMP unreachable.",
         "Allow the responder on the router that sends the ICMP error (often admin-prohibited)."},
        {"OCSP_DNS_FAILURE", S::error, "network-blocked",
         "The OCSP responder's host name does not resolve (NXDOMAIN, SERVFAIL, REFUSED or no answer).",
         "Make the responder name resolvable from the client's resolver."},
        {"OCSP_NO_RESPONSE", S::error, "network-blocked",
         "An OCSP request was sent but no HTTP response arrived before the connection ended.",
         "Find what swallows the request between client and responder (filtering proxy, IPS, MTU)."},
        {"OCSP_PROXY_DENIED", S::error, "proxy-interference",
         "A proxy refused the OCSP request (403 or 407, or proxy headers on the refusal).",
         "Allow OCSP/CRL hosts in the proxy ACL without authentication, or bypass the proxy for them."},
        {"OCSP_HTTP_ERROR", S::error, "responder-failure",
         "The responder answered with an HTTP error status.",
         "Fix the OCSP URL in the certificate or the responder's HTTP configuration."},
        {"OCSP_NOT_OCSP", S::error, "proxy-interference",
         "A 200 answer whose body is not an OCSP response (often an HTML page from a proxy or portal).",
         "Exempt the responder from content filtering or captive portals."},
        {"OCSP_SLOW", S::warning, "responder-failure",
         "The OCSP answer took longer than the slow threshold (--slow-ms).",
         "Enable OCSP stapling so clients need not wait; investigate the path to the responder."},
        {"OCSP_RESPONDER_ERROR", S::error, "responder-failure",
         "The responder answered with a responseStatus other than successful (tryLater, unauthorized, ...).",
         "Fix the responder: it must serve the issuing CA and have status for the certificate."},
        {"OCSP_BAD_SIGNATURE", S::error, "signer-invalid",
         "The OCSP response signature does not verify.",
         "Configure the responder with the key that matches its signing certificate."},
        {"OCSP_SIGNER_EXPIRED", S::error, "signer-invalid",
         "The certificate that signed the OCSP response was not valid at capture time.",
         "Renew the responder's signing certificate."},
        {"OCSP_SIGNER_UNAUTHORIZED", S::error, "signer-invalid",
         "The response was signed by a certificate that is neither the issuing CA nor a delegated responder "
         "(id-kp-OCSPSigning, issued by that CA).",
         "Issue the responder certificate from the issuing CA with extendedKeyUsage OCSPSigning."},
        {"OCSP_SIGNER_UNTRUSTED", S::error, "signer-invalid",
         "The signer of the response does not chain to a trusted root, or could not be found.",
         "Sign responses with the issuing CA or its delegated responder; add the CA to the trust store."},
        {"OCSP_CERTID_MISMATCH", S::error, "responder-failure",
         "The response does not answer for the certificate that was asked about.",
         "Point the responder at the right CA and index; check the AIA OCSP URL."},
        {"OCSP_NONCE_MISMATCH", S::warning, "responder-failure",
         "The request carried a nonce the response does not echo.",
         "Make the responder echo nonces, or let the client send none."},
        {"OCSP_STALE", S::error, "responder-failure",
         "The response's nextUpdate had passed at capture time.",
         "Make the responder sign fresh responses; restart stapling caches that serve old ones."},
        {"OCSP_NOT_YET_VALID", S::error, "responder-failure",
         "The response's thisUpdate (or producedAt) is after capture time.",
         "Synchronise the responder's clock."},
        {"CLOCK_SKEW", S::error, "clock-skew",
         "Several independent timestamps (HTTP Date, producedAt, thisUpdate, certificate validity) are all "
         "offset from capture time by a similar amount: the capture host's clock is wrong.",
         "Synchronise the clock of the host (NTP, chrony)."},
        {"CERT_REVOKED", S::critical, "revoked",
         "A certificate in use is reported revoked (OCSP, staple or CRL; `source` says which).",
         "Replace the certificate with a newly issued one."},
        {"CERT_STATUS_UNKNOWN", S::warning, "responder-failure",
         "The responder answered 'unknown' for the certificate.",
         "Make the responder know the certificate (right CA, up-to-date index)."},
        {"STAPLE_MISSING", S::warning, "stapling",
         "The client asked for a stapled OCSP response (status_request) and the server sent none.",
         "Enable stapling (nginx ssl_stapling on; Apache SSLUseStapling on) and let the server reach its responder."},
        {"STAPLE_INVALID", S::error, "stapling",
         "The stapled OCSP response fails a check (signature, signer, validity, CertID, status); the evidence "
         "names which.",
         "Fix the responder the server fetches from, or reload the server's stapling cache."},
        {"MUST_STAPLE_VIOLATED", S::critical, "stapling",
         "The certificate requires stapling (TLS Feature status_request) and the server sent no staple.",
         "Enable stapling on the server, or issue the certificate without must-staple."},
        {"CHAIN_INCOMPLETE", S::error, "chain-incomplete",
         "The leaf's issuer is neither in the chain the server sent nor in the trust store.",
         "Configure the full chain (leaf followed by intermediates) on the server."},
        {"CERT_UNDECODABLE", S::error, "chain-incomplete",
         "A certificate the server sends does not decode as DER X.509, so no client can validate it.",
         "Reinstall the certificate (and chain) file from the CA's original."},
        {"CERT_EXPIRED", S::critical, "expired",
         "A certificate in the chain had expired at capture time.",
         "Renew the certificate."},
        {"CERT_NOT_YET_VALID", S::error, "expired",
         "A certificate in the chain was not yet valid at capture time.",
         "Check the issuing time and the clocks involved."},
        {"TLS_ALERT_REVOCATION", S::error, "revoked",
         "A TLS alert (bad_certificate, certificate_revoked, certificate_expired, certificate_unknown, "
         "bad_certificate_status_response) ended the handshake after a revocation problem; linked to it.",
         "Fix the revocation problem the alert points at."},
        {"CRL_FALLBACK", S::info, "responder-failure",
         "After an OCSP check failed, the client downloaded a CRL instead.",
         "None needed if the CRL check succeeds; fix the OCSP failure to avoid the slower path."},
        {"CRL_BLOCKED_DROP", S::error, "network-blocked",
         "Connections to the CRL distribution point are silently dropped.",
         "Allow outbound TCP to the CRL distribution point."},
        {"CRL_BLOCKED_RESET", S::error, "network-blocked",
         "Connections or requests to the CRL distribution point are reset.",
         "Remove the REJECT rule or allow the CRL host."},
        {"CRL_BLOCKED_ICMP", S::error, "network-blocked",
         "Connections to the CRL distribution point get ICMP unreachable.",
         "Allow the CRL host on the router that sends the ICMP error."},
        {"CRL_DNS_FAILURE", S::error, "network-blocked",
         "The CRL distribution point's host name does not resolve.",
         "Make the CRL host resolvable from the client's resolver."},
        {"CRL_NO_RESPONSE", S::error, "network-blocked",
         "A CRL request got no HTTP response.",
         "Find what swallows the request between client and CRL host."},
        {"CRL_PROXY_DENIED", S::error, "proxy-interference",
         "A proxy refused the CRL download.",
         "Allow CRL hosts in the proxy ACL without authentication."},
        {"CRL_HTTP_ERROR", S::error, "responder-failure",
         "The CRL download got an HTTP error status.",
         "Fix the CRL distribution point URL or the web server publishing it."},
        {"CRL_SLOW", S::warning, "responder-failure",
         "The CRL download took longer than the slow threshold; size and rate are in the evidence.",
         "Publish smaller (partitioned or delta) CRLs or fix the slow path; staple OCSP instead."},
        {"CRL_STALE", S::error, "responder-failure",
         "The downloaded CRL's nextUpdate had passed at capture time.",
         "Publish a fresh CRL before nextUpdate (automate `openssl ca -gencrl` or the CA's CRL job)."},
        {"CRL_NOT_YET_VALID", S::error, "responder-failure",
         "The downloaded CRL's thisUpdate is after capture time.",
         "Synchronise the CA's clock."},
        {"CRL_BAD_SIGNATURE", S::error, "signer-invalid",
         "The downloaded CRL is not signed by its issuer's key.",
         "Republish the CRL signed by the issuing CA; check nothing rewrites it in transit."},
        {"AIA_FETCH", S::info, "chain-incomplete",
         "The client fetched an issuer certificate through AIA CA Issuers: the server's chain is incomplete.",
         "Configure the full chain on the server."},
        {"AIA_FETCH_FAILED", S::error, "chain-incomplete",
         "The client's fetch of a missing issuer certificate (AIA CA Issuers) was blocked or failed.",
         "Configure the full chain on the server; allow the CA Issuers host."},
        {"STAPLE_FETCH_FAILED", S::error, "stapling",
         "The TLS server's own OCSP fetch (for its staple) failed, which explains a missing staple.",
         "Let the server reach its OCSP responder (firewall, DNS resolver, proxy)."},
    };
    return table;
}

const CodeInfo* find_code(const std::string& code) {
    for (const auto& c : code_catalogue())
        if (code == c.code) return &c;
    return nullptr;
}

}  // namespace revo::analysis
