// Certificates known to a run: every certificate seen in the capture plus the trust store.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dissect/x509/cert.h"

namespace revo::dissect {

struct TrustOptions {
    std::string ca_file;   ///< PEM bundle; empty = none
    std::string ca_path;   ///< hashed directory; empty = none
    bool use_system_store = true;
};

struct CertIdMatch;
struct OcspCertId;

class CertPool {
public:
    CertPool();
    ~CertPool();
    CertPool(const CertPool&) = delete;
    CertPool& operator=(const CertPool&) = delete;

    /// Loads trust anchors. Returns an error message, or empty on success.
    std::string load_trust(const TrustOptions& opts);
    /// Adds a certificate seen in the capture (dedupes by fingerprint).
    void add_seen(const std::shared_ptr<const CertSummary>& cert);
    const std::vector<std::shared_ptr<const CertSummary>>& seen() const;
    /// Candidate issuers of `cert` (by name and key identifier), from the capture and the trust store.
    /// Remembered per certificate until the pool changes (signature checks are the costly part).
    std::vector<std::shared_ptr<const CertSummary>> issuers_of(const CertSummary& cert) const;
    bool is_trust_anchor(const CertSummary& cert) const;
    /// compute_cert_id, remembered per (certificate, issuer, algorithm).
    OcspCertId cert_id(const CertSummary& cert, const CertSummary& issuer, const std::string& hash_alg) const;
    /// Opaque OpenSSL state (X509_STORE and friends) for verification code in dissect/.
    struct Impl;
    Impl& impl() const { return *impl_; }

private:
    std::unique_ptr<Impl> impl_;
};

/// CertID of `cert` issued by `issuer` under hash algorithm `hash_alg` ("sha1", "sha256", ...).
struct OcspCertId;
OcspCertId compute_cert_id(const CertSummary& cert, const CertSummary& issuer, const std::string& hash_alg);

}  // namespace revo::dissect
