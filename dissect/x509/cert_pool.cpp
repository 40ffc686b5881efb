// Certificates known to a run (RFC 5280 section 4.2.1.1/4.2.1.2 key identifiers, section 6 issuer
// matching through OpenSSL) and CertID computation (RFC 6960 section 4.1.1).
#include "dissect/x509/cert_pool.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "dissect/ocsp/ocsp.h"
#include "dissect/x509/verify_pool_impl.h"

namespace revo::dissect {

namespace {

/// Decoded certificates shared by every pool of the process, by fingerprint: a pool made for each live
/// re-evaluation (or each fuzz input) does not decode the same certificates again. Bounded; the oldest
/// entry goes first. OpenSSL counts the references, so an entry can leave while a pool still uses it.
class DecodedCache {
public:
    static constexpr std::size_t capacity = 512;

    ossl::X509Ptr get(const CertSummary& cert) {
        if (cert.sha256.empty()) return ossl::x509_from_der(ByteView(cert.der));
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (auto it = map_.find(cert.sha256); it != map_.end()) return share(it->second.get());
        }
        ossl::X509Ptr x = ossl::x509_from_der(ByteView(cert.der));
        if (!x) return x;
        std::lock_guard<std::mutex> lock(mu_);
        if (map_.count(cert.sha256)) return x;
        if (order_.size() >= capacity) {
            map_.erase(order_.front());
            order_.pop_front();
        }
        order_.push_back(cert.sha256);
        map_.emplace(cert.sha256, share(x.get()));
        return x;
    }

private:
    static ossl::X509Ptr share(X509* x) {
        X509_up_ref(x);
        return ossl::X509Ptr(x);
    }
    std::mutex mu_;
    std::unordered_map<std::string, ossl::X509Ptr> map_;
    std::deque<std::string> order_;
};

DecodedCache& decoded() {
    static DecodedCache c;
    return c;
}

}  // namespace

std::vector<ossl::X509Ptr> CertPool::Impl::trusted_by_subject(const X509_NAME* name) const {
    std::vector<ossl::X509Ptr> out;
    if (!store || !name) return out;
    ossl::StoreCtxPtr ctx(X509_STORE_CTX_new());
    if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), nullptr, nullptr) != 1) {
        ERR_clear_error();
        return out;
    }
    ossl::X509StackPtr certs(X509_STORE_CTX_get1_certs(ctx.get(), const_cast<X509_NAME*>(name)));
    ERR_clear_error();
    if (!certs) return out;
    while (sk_X509_num(certs.get()) > 0) out.emplace_back(sk_X509_shift(certs.get()));
    return out;
}

std::vector<ossl::X509Ptr> CertPool::Impl::trusted_in_memory() const {
    std::vector<ossl::X509Ptr> out;
    if (!store) return out;
    ossl::X509StackPtr certs(X509_STORE_get1_all_certs(store.get()));
    ERR_clear_error();
    if (!certs) return out;
    while (sk_X509_num(certs.get()) > 0) out.emplace_back(sk_X509_shift(certs.get()));
    return out;
}

CertPool::CertPool() : impl_(std::make_unique<Impl>()) { impl_->store.reset(X509_STORE_new()); }
CertPool::~CertPool() = default;

std::string CertPool::load_trust(const TrustOptions& opts) {
    if (!impl_->store) return "cannot create a certificate store";
    impl_->issuers_cache.clear();
    impl_->anchor_cache.clear();
    impl_->verify_cache.clear();
    std::string err;
    if (!opts.ca_file.empty() && X509_STORE_load_file(impl_->store.get(), opts.ca_file.c_str()) != 1) {
        err = "cannot load CA file " + opts.ca_file;
        std::string e = ossl::last_error();
        if (!e.empty()) err += " (" + e + ")";
        return err;
    }
    if (!opts.ca_path.empty() && X509_STORE_load_path(impl_->store.get(), opts.ca_path.c_str()) != 1) {
        err = "cannot use CA directory " + opts.ca_path;
        std::string e = ossl::last_error();
        if (!e.empty()) err += " (" + e + ")";
        return err;
    }
    if (opts.use_system_store && X509_STORE_set_default_paths(impl_->store.get()) != 1) {
        // A missing system bundle is not fatal: verification then reports signer_untrusted.
        ERR_clear_error();
    }
    ERR_clear_error();
    return {};
}

void CertPool::add_seen(const std::shared_ptr<const CertSummary>& cert) {
    if (!cert || cert->sha256.empty()) return;
    if (impl_->by_fingerprint.count(cert->sha256)) return;
    impl_->issuers_cache.clear();
    impl_->verify_cache.clear();
    impl_->by_fingerprint.emplace(cert->sha256, impl_->seen.size());
    impl_->seen.push_back(cert);
    impl_->seen_x509.push_back(decoded().get(*cert));
}

const std::vector<std::shared_ptr<const CertSummary>>& CertPool::seen() const { return impl_->seen; }

namespace {

// True when `issuer` names, identifies (AKI/SKI) and has signed `subject`.
bool issued_by(X509* issuer, X509* subject) {
    if (!issuer || !subject) return false;
    bool ok = X509_check_issued(issuer, subject) == X509_V_OK;
    if (ok) {
        EVP_PKEY* key = X509_get0_pubkey(issuer);
        ok = key && X509_verify(subject, key) == 1;
    }
    ERR_clear_error();
    return ok;
}

std::shared_ptr<const CertSummary> summary_of(X509* x) {
    auto der = ossl::x509_to_der(x);
    if (der.empty()) return nullptr;
    return decode_certificate(ByteView(der));
}

}  // namespace

ossl::X509Ptr CertPool::Impl::x509_of(const CertSummary& cert, X509** borrowed) const {
    *borrowed = nullptr;
    if (!cert.sha256.empty())
        if (auto it = by_fingerprint.find(cert.sha256); it != by_fingerprint.end() && seen_x509[it->second]) {
            *borrowed = seen_x509[it->second].get();
            return nullptr;
        }
    ossl::X509Ptr x = decoded().get(cert);
    *borrowed = x.get();
    return x;
}

std::vector<std::shared_ptr<const CertSummary>> CertPool::issuers_of(const CertSummary& cert) const {
    const bool cacheable = !cert.sha256.empty();
    if (cacheable)
        if (auto it = impl_->issuers_cache.find(cert.sha256); it != impl_->issuers_cache.end()) return it->second;
    std::vector<std::shared_ptr<const CertSummary>> out;
    X509* subject = nullptr;
    ossl::X509Ptr owned = impl_->x509_of(cert, &subject);
    if (!subject) return out;
    for (std::size_t i = 0; i < impl_->seen.size(); ++i) {
        if (impl_->seen[i]->sha256 == cert.sha256 && !cert.self_signed) continue;
        if (issued_by(impl_->seen_x509[i].get(), subject)) out.push_back(impl_->seen[i]);
    }
    for (auto& t : impl_->trusted_by_subject(X509_get_issuer_name(subject))) {
        if (!issued_by(t.get(), subject)) continue;
        auto s = summary_of(t.get());
        if (!s) continue;
        bool dup = false;
        for (auto& o : out) dup = dup || o->sha256 == s->sha256;
        if (!dup) out.push_back(std::move(s));
    }
    if (cacheable) impl_->issuers_cache.emplace(cert.sha256, out);
    return out;
}

bool CertPool::is_trust_anchor(const CertSummary& cert) const {
    if (!cert.sha256.empty())
        if (auto it = impl_->anchor_cache.find(cert.sha256); it != impl_->anchor_cache.end()) return it->second;
    X509* x = nullptr;
    ossl::X509Ptr owned = impl_->x509_of(cert, &x);
    bool anchor = false;
    if (x)
        for (auto& t : impl_->trusted_by_subject(X509_get_subject_name(x)))
            if (X509_cmp(t.get(), x) == 0) anchor = true;
    if (!cert.sha256.empty()) impl_->anchor_cache.emplace(cert.sha256, anchor);
    return anchor;
}

namespace {

/// CertID of `subject` issued by `issuer` under `hash_alg`; empty when any is missing or unknown.
OcspCertId cert_id_of(X509* subject, X509* issuer, const std::string& hash_alg) {
    const EVP_MD* md = EVP_get_digestbyname(hash_alg.c_str());
    if (!subject || !issuer || !md) {
        ERR_clear_error();
        return {};
    }
    ossl::OcspCertIdPtr id(OCSP_cert_to_id(md, subject, issuer));
    ERR_clear_error();
    if (!id) return {};
    return ossl::cert_id_from(id.get());
}

}  // namespace

OcspCertId CertPool::cert_id(const CertSummary& cert, const CertSummary& issuer, const std::string& hash_alg) const {
    if (cert.sha256.empty() || issuer.sha256.empty()) return compute_cert_id(cert, issuer, hash_alg);
    std::string key = cert.sha256 + "|" + issuer.sha256 + "|" + hash_alg;
    if (auto it = impl_->cert_id_cache.find(key); it != impl_->cert_id_cache.end()) return it->second;
    // Certificates already in the pool are not decoded again.
    X509 *subject = nullptr, *iss = nullptr;
    ossl::X509Ptr owned_subject = impl_->x509_of(cert, &subject);
    ossl::X509Ptr owned_issuer = impl_->x509_of(issuer, &iss);
    OcspCertId id = cert_id_of(subject, iss, hash_alg);
    impl_->cert_id_cache.emplace(std::move(key), id);
    return id;
}

OcspCertId compute_cert_id(const CertSummary& cert, const CertSummary& issuer, const std::string& hash_alg) {
    ossl::X509Ptr subject = ossl::x509_from_der(ByteView(cert.der));
    ossl::X509Ptr iss = ossl::x509_from_der(ByteView(issuer.der));
    return cert_id_of(subject.get(), iss.get(), hash_alg);
}

}  // namespace revo::dissect
