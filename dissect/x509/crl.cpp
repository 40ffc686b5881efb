// CRL decoding (RFC 5280 section 5.1: tbsCertList, revokedCertificates, crlNumber 5.2.3, deltaCRLIndicator
// 5.2.4, reasonCode 5.3.1) and signature check against an issuer certificate.
#include "dissect/x509/crl.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "dissect/ocsp/ocsp_openssl.h"

namespace revo::dissect {

namespace {

struct CrlFree { void operator()(X509_CRL* p) const { X509_CRL_free(p); } };
using CrlPtr = std::unique_ptr<X509_CRL, CrlFree>;

CrlPtr parse(ByteView bytes, std::vector<std::uint8_t>& der_out) {
    if (bytes.empty()) return nullptr;
    if (bytes[0] == 0x30) {
        const unsigned char* p = bytes.data();
        CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(bytes.size())));
        if (crl) der_out.assign(bytes.begin(), bytes.end());
        return crl;
    }
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())), BIO_free);
    if (!bio) return nullptr;
    CrlPtr crl(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
    if (crl) {
        unsigned char* out = nullptr;
        int n = i2d_X509_CRL(crl.get(), &out);
        if (n > 0) der_out.assign(out, out + n);
        OPENSSL_free(out);
    }
    return crl;
}


}  // namespace

// CRLReason names as RFC 5280 section 5.3.1 spells them (code 7 is not used).
const char* crl_reason_name(long r) {
    switch (r) {
        case 0: return "unspecified";
        case 1: return "keyCompromise";
        case 2: return "cACompromise";
        case 3: return "affiliationChanged";
        case 4: return "superseded";
        case 5: return "cessationOfOperation";
        case 6: return "certificateHold";
        case 8: return "removeFromCRL";
        case 9: return "privilegeWithdrawn";
        case 10: return "aACompromise";
        default: return nullptr;
    }
}

CrlInfo decode_crl(ByteView bytes) {
    CrlInfo info;
    CrlPtr crl = parse(bytes, info.der);
    if (!crl) {
        info.parse_error = "not a CRL: " + ossl::last_error();
        return info;
    }
    info.size = info.der.size();
    info.issuer = ossl::name_to_string(X509_CRL_get_issuer(crl.get()));
    if (auto t = ossl::asn1_time_to_unix(X509_CRL_get0_lastUpdate(crl.get()))) info.this_update = *t;
    if (const ASN1_TIME* nu = X509_CRL_get0_nextUpdate(crl.get()))
        if (auto t = ossl::asn1_time_to_unix(nu)) info.next_update = *t;
    int crit = 0;
    if (auto* num = static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl.get(), NID_crl_number, &crit, nullptr))) {
        info.crl_number = ossl::integer_to_hex(num);
        ASN1_INTEGER_free(num);
    }
    if (auto* d = static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl.get(), NID_delta_crl, &crit, nullptr))) {
        info.delta = true;
        ASN1_INTEGER_free(d);
    }
    {
        const X509_ALGOR* alg = nullptr;
        X509_CRL_get0_signature(crl.get(), nullptr, &alg);
        const ASN1_OBJECT* o = nullptr;
        if (alg) X509_ALGOR_get0(&o, nullptr, nullptr, alg);
        if (o) info.sig_alg = ossl::oid_name(o);
    }
    STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
    for (int i = 0; revoked && i < sk_X509_REVOKED_num(revoked); ++i) {
        const X509_REVOKED* r = sk_X509_REVOKED_value(revoked, i);
        CrlEntry e;
        e.serial_hex = ossl::integer_to_hex(X509_REVOKED_get0_serialNumber(r));
        if (auto t = ossl::asn1_time_to_unix(X509_REVOKED_get0_revocationDate(r))) e.revocation_time = *t;
        if (auto* code = static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(r, NID_crl_reason, &crit, nullptr))) {
            const char* name = crl_reason_name(ASN1_ENUMERATED_get(code));
            e.reason = name ? name : "unknown";
            ASN1_ENUMERATED_free(code);
        }
        info.entries.push_back(std::move(e));
    }
    ERR_clear_error();
    return info;
}

bool crl_signed_by(const CrlInfo& crl, const CertSummary& issuer) {
    std::vector<std::uint8_t> der;
    CrlPtr c = parse(ByteView(crl.der), der);
    ossl::X509Ptr x = ossl::x509_from_der(ByteView(issuer.der));
    if (!c || !x) return false;
    EVP_PKEY* key = X509_get0_pubkey(x.get());
    bool ok = key && X509_CRL_verify(c.get(), key) == 1;
    ERR_clear_error();
    return ok;
}

}  // namespace revo::dissect
