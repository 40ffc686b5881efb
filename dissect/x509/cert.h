// Certificate summaries decoded with OpenSSL. No OpenSSL type leaves dissect/x509.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"

namespace revo::dissect {

/// Everything revocation diagnosis needs from one X.509 certificate.
struct CertSummary {
    std::string sha256;               ///< hex fingerprint of the DER, the certificate's identity in a run
    std::string subject;              ///< RFC 2253 one-line form
    std::string issuer;
    std::string serial_hex;           ///< upper-case hex, no separators, no leading zero byte
    std::int64_t not_before = 0;      ///< unix seconds
    std::int64_t not_after = 0;
    std::vector<std::string> san_dns;
    std::vector<std::string> san_ip;
    std::string key_type;             ///< "RSA", "EC", "Ed25519", ...
    int key_bits = 0;
    std::string sig_alg;              ///< e.g. "sha256WithRSAEncryption"
    std::string ski_hex;
    std::string aki_hex;
    bool is_ca = false;
    std::optional<int> path_len;
    std::vector<std::string> key_usage;     ///< "digitalSignature", "keyCertSign", ...
    std::vector<std::string> ext_key_usage; ///< "serverAuth", "OCSPSigning", ...
    std::vector<std::string> ocsp_urls;     ///< AIA id-ad-ocsp
    std::vector<std::string> ca_issuers_urls; ///< AIA id-ad-caIssuers
    std::vector<std::string> crl_urls;      ///< CRL distribution points (URIs)
    bool must_staple = false;               ///< TLS Feature extension lists status_request (5)
    bool has_sct_list = false;
    bool self_signed = false;
    std::vector<std::uint8_t> der;          ///< the certificate as received
    std::string parse_error;                ///< non-empty when OpenSSL could not decode the DER

    /// Names the revocation mechanisms the certificate advertises: "ocsp", "crl", "must-staple" (or "none").
    std::vector<std::string> revocation_mechanisms() const;
};

/// CRLReason name as RFC 5280 section 5.3.1 spells it ("keyCompromise", ...), or nullptr for a code it
/// does not define. Shared by CRL entries and OCSP revocation reasons.
const char* crl_reason_name(long code);

/// Decodes one DER certificate. Never throws; on failure returns a summary with parse_error set.
/// Results are cached by the DER's SHA-256, so a certificate seen many times is decoded once.
std::shared_ptr<const CertSummary> decode_certificate(ByteView der);

}  // namespace revo::dissect
