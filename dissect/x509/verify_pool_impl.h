// Internal state of CertPool: OpenSSL objects for the certificates of a run and the trust store.
// Only dissect/x509 and dissect/ocsp include this.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "dissect/ocsp/ocsp.h"
#include "dissect/ocsp/ocsp_openssl.h"
#include "dissect/x509/cert_pool.h"

namespace revo::dissect {

struct VerifyCore;

struct CertPool::Impl {
    ossl::StorePtr store;  ///< trust anchors (file, directory, system defaults)
    std::vector<std::shared_ptr<const CertSummary>> seen;
    std::vector<ossl::X509Ptr> seen_x509;  ///< parallel to `seen`; null when the DER did not parse
    std::unordered_map<std::string, std::size_t> by_fingerprint;
    /// Answers remembered by fingerprint; issuers are forgotten when a certificate joins the pool,
    /// everything when trust anchors are loaded.
    std::unordered_map<std::string, std::vector<std::shared_ptr<const CertSummary>>> issuers_cache;
    std::unordered_map<std::string, bool> anchor_cache;
    std::unordered_map<std::string, OcspCertId> cert_id_cache;  ///< cert|issuer|alg
    /// Time-independent part of OCSP response verification, by response DER (verify_ocsp.cpp).
    std::unordered_map<std::string, std::shared_ptr<const VerifyCore>> verify_cache;

    /// The parsed certificate: the pool's own copy when it is a seen one, else a fresh decode.
    ossl::X509Ptr x509_of(const CertSummary& cert, X509** borrowed) const;

    /// Trust-store certificates whose subject is `name` (from memory and hashed directories).
    std::vector<ossl::X509Ptr> trusted_by_subject(const X509_NAME* name) const;
    /// Trust-store certificates already in memory (loaded from files).
    std::vector<ossl::X509Ptr> trusted_in_memory() const;
};

}  // namespace revo::dissect
