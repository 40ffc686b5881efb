// Verification of an OCSP response as a client would do it (RFC 6960 section 3.2 and section 4.2.2.2),
// at the time the capture was taken. Each failed check becomes its own reason id (see ocsp.h).
#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <ctime>
#include <memory>
#include <optional>
#include <utility>

#include "common/time.h"
#include "dissect/ocsp/ocsp.h"
#include "dissect/x509/verify_pool_impl.h"

namespace revo::dissect {

namespace {

void add_reason(OcspVerification& v, const std::string& id, const std::string& detail) {
    if (std::find(v.reasons.begin(), v.reasons.end(), id) != v.reasons.end()) return;
    if (v.reasons.empty()) v.detail = detail;
    v.reasons.push_back(id);
}

std::string fmt_time(std::int64_t t) { return format_rfc3339_seconds(t); }


// True when `ca` is the issuer named by the CertID (same name hash and key hash under its algorithm).
bool matches_issuer(const OCSP_CERTID* cid, X509* ca) {
    if (!cid || !ca) return false;
    ASN1_OBJECT* alg = nullptr;
    if (OCSP_id_get0_info(nullptr, &alg, nullptr, nullptr, const_cast<OCSP_CERTID*>(cid)) != 1 || !alg) return false;
    const EVP_MD* md = EVP_get_digestbyobj(alg);
    if (!md) {
        ERR_clear_error();
        return false;
    }
    ossl::OcspCertIdPtr mine(OCSP_cert_id_new(md, X509_get_subject_name(ca), X509_get0_pubkey_bitstr(ca), nullptr));
    bool ok = mine && OCSP_id_issuer_cmp(mine.get(), cid) == 0;
    ERR_clear_error();
    return ok;
}

// True when `x` is the certificate a ResponderID names (RFC 6960 section 4.2.1: byName or byKey,
// the key hash being SHA-1 of the subjectPublicKey bits).
bool matches_responder(X509* x, const ASN1_OCTET_STRING* key_id, const X509_NAME* name) {
    if (!x) return false;
    if (name) return X509_NAME_cmp(X509_get_subject_name(x), name) == 0;
    if (!key_id || ASN1_STRING_length(key_id) != SHA_DIGEST_LENGTH) return false;
    unsigned char md[SHA_DIGEST_LENGTH];
    if (X509_pubkey_digest(x, EVP_sha1(), md, nullptr) != 1) {
        ERR_clear_error();
        return false;
    }
    return std::equal(md, md + SHA_DIGEST_LENGTH, ASN1_STRING_get0_data(key_id));
}

// Signature over tbsResponseData with the signer's key, nothing else (no chain, no signer checks).
bool signature_valid(OCSP_BASICRESP* bs, X509* signer) {
    ossl::X509StackPtr sk(sk_X509_new_null());
    ossl::StorePtr empty(X509_STORE_new());
    if (!sk || !empty || X509_up_ref(signer) != 1) return false;
    if (sk_X509_push(sk.get(), signer) <= 0) {
        X509_free(signer);
        return false;
    }
    int r = OCSP_basic_verify(bs, sk.get(), empty.get(), OCSP_NOINTERN | OCSP_NOVERIFY);
    ERR_clear_error();
    return r > 0;
}

bool issued_and_signed(X509* issuer, X509* subject) {
    bool ok = X509_check_issued(issuer, subject) == X509_V_OK;
    if (ok) {
        EVP_PKEY* key = X509_get0_pubkey(issuer);
        ok = key && X509_verify(subject, key) == 1;
    }
    ERR_clear_error();
    return ok;
}

bool has_ocsp_signing(X509* x) {
    return (X509_get_extension_flags(x) & EXFLAG_XKUSAGE) && (X509_get_extended_key_usage(x) & XKU_OCSP_SIGN);
}

bool same_cert(X509* a, X509* b) { return a && b && X509_cmp(a, b) == 0; }

}  // namespace

// What verifying a response finds that does not depend on the time it is checked at: who signed it,
// whether the signature and the signer's authority hold, and whether the signer chains to a trust
// anchor at all. Remembered per response (by DER) in the pool; identical responses are common
// (responders and CDNs serve one pre-signed response to every client for hours).
struct VerifyCore {
    bool performed = false;
    std::vector<std::pair<std::string, std::string>> reasons;  ///< before the signer's dates, in order
    std::string signer_subject;
    std::string signer_kind = "unknown";
    bool has_signer = false;
    std::optional<std::int64_t> signer_not_before, signer_not_after;
    std::optional<std::pair<std::string, std::string>> chain_failure;  ///< pass without time checks
    /// Validity of the certificates above the signer in the chain found without time checks.
    std::vector<std::pair<std::optional<std::int64_t>, std::optional<std::int64_t>>> upper;
    ossl::X509Ptr signer;               ///< kept for the pass at the capture time when `upper` is not enough
    ossl::X509StackPtr untrusted;
};

namespace {

// A verification context for the signer over the pool's trust store; null when one cannot be made.
ossl::StoreCtxPtr signer_context(const CertPool::Impl& pi, X509* signer, STACK_OF(X509)* untrusted) {
    ossl::StoreCtxPtr ctx(X509_STORE_CTX_new());
    if (!ctx || !pi.store || !signer || X509_STORE_CTX_init(ctx.get(), pi.store.get(), signer, untrusted) != 1) {
        ERR_clear_error();
        return nullptr;
    }
    return ctx;
}

std::shared_ptr<const VerifyCore> compute_core(const OcspResponseInfo* info, const CertPool& pool) {
    auto core = std::make_shared<VerifyCore>();
    VerifyCore& v = *core;
    const unsigned char* p = info->der.data();
    ossl::OcspRespPtr resp(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(info->der.size())));
    if (!resp) {
        ERR_clear_error();
        return core;
    }
    ossl::OcspBasicPtr bs(OCSP_response_get1_basic(resp.get()));
    if (!bs) {
        ERR_clear_error();
        return core;
    }
    v.performed = true;
    auto& pi = pool.impl();
    auto reason = [&](const std::string& id, const std::string& detail) { v.reasons.emplace_back(id, detail); };

    // Candidate certificates: those the response carries, those seen in the capture, trust anchors in memory.
    std::vector<X509*> candidates;
    const STACK_OF(X509)* carried = OCSP_resp_get0_certs(bs.get());
    for (int i = 0; i < sk_X509_num(carried); ++i) candidates.push_back(sk_X509_value(carried, i));
    for (auto& x : pi.seen_x509)
        if (x) candidates.push_back(x.get());
    std::vector<ossl::X509Ptr> anchors = pi.trusted_in_memory();
    for (auto& x : anchors) candidates.push_back(x.get());

    // The CA that issued the certificates asked about, found through the first CertID.
    const OCSP_CERTID* first_id = nullptr;
    if (OCSP_resp_count(bs.get()) > 0) first_id = OCSP_SINGLERESP_get0_id(OCSP_resp_get0(bs.get(), 0));
    X509* issuer = nullptr;
    for (X509* c : candidates)
        if (matches_issuer(first_id, c)) {
            issuer = c;
            break;
        }

    // The signer named by the ResponderID.
    const ASN1_OCTET_STRING* key_id = nullptr;
    const X509_NAME* rname = nullptr;
    OCSP_resp_get0_id(bs.get(), &key_id, &rname);
    std::vector<ossl::X509Ptr> by_name;
    if (rname) by_name = pi.trusted_by_subject(rname);
    std::vector<X509*> signers;
    for (X509* c : candidates)
        if (matches_responder(c, key_id, rname)) signers.push_back(c);
    for (auto& x : by_name) signers.push_back(x.get());

    // With several certificates under the responder's name, the one whose key verifies the signature wins.
    X509* signer = nullptr;
    bool sig_ok = false;
    for (X509* s : signers)
        if (signature_valid(bs.get(), s)) {
            signer = s;
            sig_ok = true;
            break;
        }
    if (!signer && !signers.empty()) signer = signers.front();

    // The CA's own certificate may be found only by the signer's issuer name (hashed trust directory).
    std::vector<ossl::X509Ptr> issuer_lookup;
    if (!issuer && signer) {
        issuer_lookup = pi.trusted_by_subject(X509_get_issuer_name(signer));
        issuer_lookup.push_back(nullptr);
        for (auto& c : issuer_lookup)
            if (c && matches_issuer(first_id, c.get())) {
                issuer = c.get();
                break;
            }
    }
    if (!issuer && signer && matches_issuer(first_id, signer)) issuer = signer;

    if (!signer) {
        std::string rid = info->responder_id.empty() ? std::string("(none)") : info->responder_id;
        reason("signer_unknown", "no certificate in the response, the capture or the trust store matches responder " + rid);
    } else {
        v.signer_subject = ossl::name_to_string(X509_get_subject_name(signer));
        if (!sig_ok) reason("bad_signature", "response signature does not verify with the key of " + v.signer_subject);
    }

    if (!issuer) {
        reason("issuer_unknown", "the issuing CA named by the response's CertID is not in the capture or the trust store");
    }
    if (!signer) return core;

    v.has_signer = true;
    if (issuer && (same_cert(signer, issuer) || matches_issuer(first_id, signer))) {
        v.signer_kind = "issuer";
    } else {
        v.signer_kind = "delegated";
        if (issuer) {
            bool by_ca = issued_and_signed(issuer, signer);
            bool eku = has_ocsp_signing(signer);
            if (!by_ca)
                reason("signer_unauthorized", "responder certificate " + v.signer_subject +
                                                  " is not issued by the CA that issued the checked certificate");
            else if (!eku)
                reason("signer_unauthorized", "responder certificate " + v.signer_subject +
                                                  " lacks the id-kp-OCSPSigning extended key usage");
        }
    }
    v.signer_not_before = ossl::asn1_time_to_unix(X509_get0_notBefore(signer));
    v.signer_not_after = ossl::asn1_time_to_unix(X509_get0_notAfter(signer));

    // Chain of the signer to a trust anchor without time checks (a trust failure). The chain found is kept
    // for the check at the capture time, where only certificates above the signer count.
    v.untrusted.reset(sk_X509_new_null());
    if (v.untrusted) {
        for (X509* c : candidates)
            if (X509_up_ref(c) == 1 && sk_X509_push(v.untrusted.get(), c) <= 0) X509_free(c);
    }
    if (X509_up_ref(signer) == 1) v.signer.reset(signer);
    ossl::StoreCtxPtr ctx = signer_context(pi, v.signer.get(), v.untrusted.get());
    if (!ctx) {
        v.chain_failure.emplace("signer_untrusted", "cannot build a verification context");
        return core;
    }
    X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx.get()), X509_V_FLAG_NO_CHECK_TIME);
    int ok = X509_verify_cert(ctx.get());
    int err = X509_STORE_CTX_get_error(ctx.get());
    if (ok != 1) {
        ERR_clear_error();
        v.chain_failure.emplace("signer_untrusted", std::string("responder certificate does not chain to a trusted root: ") +
                                                        X509_verify_cert_error_string(err));
        return core;
    }
    STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
    for (int i = 1; i < sk_X509_num(chain); ++i) {
        X509* c = sk_X509_value(chain, i);
        v.upper.emplace_back(ossl::asn1_time_to_unix(X509_get0_notBefore(c)), ossl::asn1_time_to_unix(X509_get0_notAfter(c)));
    }
    ERR_clear_error();
    return core;
}

// The signer's chain checked at capture time `at`; a failure of the signer's own dates is reported apart.
void chain_at_time(const VerifyCore& core, const CertPool& pool, std::int64_t at, OcspVerification& v) {
    // When every certificate above the signer in the chain already found is valid at `at`, that chain
    // passes at `at` as well.
    bool upper_valid = true;
    for (auto& [nb, na] : core.upper)
        if (!nb || !na || *nb > at || *na < at) upper_valid = false;
    if (upper_valid) return;
    ossl::StoreCtxPtr ctx = signer_context(pool.impl(), core.signer.get(), core.untrusted.get());
    if (!ctx) {
        add_reason(v, "signer_untrusted", "cannot build a verification context");
        return;
    }
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()), static_cast<time_t>(at));
    int ok = X509_verify_cert(ctx.get());
    int err = X509_STORE_CTX_get_error(ctx.get());
    int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    ERR_clear_error();
    if (ok == 1) return;
    bool time_err = err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID;
    if (!time_err || depth > 0)
        add_reason(v, "signer_untrusted", std::string("responder chain fails at capture time (depth ") +
                                              std::to_string(depth) + "): " + X509_verify_cert_error_string(err));
}

}  // namespace

OcspVerification verify_ocsp_response(const OcspVerifyInput& in, const CertPool& pool) {
    OcspVerification v;
    v.signer_kind = "unknown";
    const OcspResponseInfo* info = in.response;
    if (!info || info->response_status != 0 || !info->basic || info->der.empty()) return v;
    auto& pi = pool.impl();
    std::string key(info->der.begin(), info->der.end());
    std::shared_ptr<const VerifyCore> core;
    if (auto it = pi.verify_cache.find(key); it != pi.verify_cache.end()) {
        core = it->second;
    } else {
        core = compute_core(info, pool);
        if (pi.verify_cache.size() >= 4096) pi.verify_cache.clear();
        pi.verify_cache.emplace(std::move(key), core);
    }
    if (!core->performed) return v;
    v.performed = true;
    const std::int64_t at = in.at_time;
    const std::int64_t tol = in.clock_tolerance_s;
    for (auto& [id, detail] : core->reasons) add_reason(v, id, detail);
    v.signer_subject = core->signer_subject;
    v.signer_kind = core->signer_kind;
    if (core->has_signer) {
        auto nb = core->signer_not_before;
        auto na = core->signer_not_after;
        if (na && *na < at)
            add_reason(v, "signer_expired", "responder certificate expired " + fmt_time(*na) + ", before the capture time " + fmt_time(at));
        if (nb && *nb > at)
            add_reason(v, "signer_not_yet_valid", "responder certificate valid only from " + fmt_time(*nb) + ", after the capture time " + fmt_time(at));
        if (core->chain_failure) add_reason(v, core->chain_failure->first, core->chain_failure->second);
        else chain_at_time(*core, pool, at, v);
    }

    // Freshness against the capture time.
    if (info->produced_at && *info->produced_at > at + tol)
        add_reason(v, "produced_in_future", "producedAt " + fmt_time(*info->produced_at) + " is after the capture time " + fmt_time(at));
    for (const auto& s : info->singles) {
        if (s.this_update > at + tol)
            add_reason(v, "not_yet_valid", "thisUpdate " + fmt_time(s.this_update) + " is after the capture time " + fmt_time(at));
        if (s.next_update && *s.next_update + tol < at)
            add_reason(v, "stale", "nextUpdate " + fmt_time(*s.next_update) + " passed before the capture time " + fmt_time(at));
    }

    // Consistency with the request.
    if (in.request) {
        for (const auto& want : in.request->cert_ids) {
            bool answered = std::any_of(info->singles.begin(), info->singles.end(),
                                        [&](const OcspSingle& s) { return s.cert_id == want; });
            if (!answered) {
                add_reason(v, "certid_mismatch", "the response does not answer the requested certificate serial " + want.serial_hex);
                break;
            }
        }
        if (in.request->nonce_hex && info->nonce_hex != in.request->nonce_hex)
            add_reason(v, "nonce_mismatch", info->nonce_hex ? "the response nonce differs from the request nonce"
                                                            : "the request sent a nonce and the response does not echo it");
    }
    v.ok = v.reasons.empty();
    return v;
}

}  // namespace revo::dissect
