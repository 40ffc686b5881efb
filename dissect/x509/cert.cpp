// X.509 certificate summaries (RFC 5280) decoded with OpenSSL 3, with the extensions revocation
// diagnosis looks at: AIA (RFC 5280 4.2.2.1), CRL distribution points (4.2.1.13), TLS Feature
// (RFC 7633, "must-staple"), and the embedded SCT list (RFC 6962 3.3).
//
// OpenSSL objects never leave this file; every one is owned by a unique_ptr with its free function.
#include "dissect/x509/cert.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <ctime>
#include <deque>
#include <mutex>
#include <unordered_map>

namespace revo::dissect {
namespace {

struct X509Free {
    void operator()(X509* p) const { X509_free(p); }
};
struct BioFree {
    void operator()(BIO* p) const { BIO_free(p); }
};
struct BnFree {
    void operator()(BIGNUM* p) const { BN_free(p); }
};
struct OsslStrFree {
    void operator()(char* p) const { OPENSSL_free(p); }
};
struct GeneralNamesFree {
    void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
};
struct AiaFree {
    void operator()(AUTHORITY_INFO_ACCESS* p) const { AUTHORITY_INFO_ACCESS_free(p); }
};
struct CrlDpFree {
    void operator()(CRL_DIST_POINTS* p) const { CRL_DIST_POINTS_free(p); }
};
struct EkuFree {
    void operator()(EXTENDED_KEY_USAGE* p) const { EXTENDED_KEY_USAGE_free(p); }
};
struct BasicConstraintsFree {
    void operator()(BASIC_CONSTRAINTS* p) const { BASIC_CONSTRAINTS_free(p); }
};
struct TlsFeatureFree {
    void operator()(TLS_FEATURE* p) const { sk_ASN1_INTEGER_pop_free(p, ASN1_INTEGER_free); }
};

using X509Ptr = std::unique_ptr<X509, X509Free>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using OsslStr = std::unique_ptr<char, OsslStrFree>;

std::string name_rfc2253(const X509_NAME* name) {
    if (!name) return {};
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio) return {};
    if (X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) return {};
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    if (n <= 0 || !data) return {};
    return std::string(data, static_cast<std::size_t>(n));
}

std::string serial_upper_hex(const ASN1_INTEGER* serial) {
    if (!serial) return {};
    BnPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
    if (!bn) return {};
    if (BN_is_zero(bn.get())) return "00";
    OsslStr hex(BN_bn2hex(bn.get()));
    return hex ? std::string(hex.get()) : std::string();
}

std::int64_t asn1_time_unix(const ASN1_TIME* t) {
    if (!t) return 0;
    std::tm tm{};
    if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
    return static_cast<std::int64_t>(timegm(&tm));
}

std::string oct_hex(const ASN1_OCTET_STRING* s) {
    if (!s) return {};
    return to_hex(ByteView(ASN1_STRING_get0_data(s), static_cast<std::size_t>(ASN1_STRING_length(s))));
}

std::string asn1_string_text(const ASN1_STRING* s) {
    if (!s) return {};
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<std::size_t>(ASN1_STRING_length(s)));
}

std::string object_name(const ASN1_OBJECT* obj) {
    if (!obj) return {};
    int nid = OBJ_obj2nid(obj);
    if (nid != NID_undef) {
        if (const char* sn = OBJ_nid2sn(nid)) return sn;
    }
    char buf[128];
    int n = OBJ_obj2txt(buf, sizeof buf, obj, 1);
    if (n <= 0) return {};
    return std::string(buf, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1));
}

std::string ip_text(const ASN1_OCTET_STRING* s) {
    if (!s) return {};
    const unsigned char* p = ASN1_STRING_get0_data(s);
    int len = ASN1_STRING_length(s);
    char buf[INET6_ADDRSTRLEN] = {};
    if (len == 4 && inet_ntop(AF_INET, p, buf, sizeof buf)) return buf;
    if (len == 16 && inet_ntop(AF_INET6, p, buf, sizeof buf)) return buf;
    return "invalid:" + to_hex(ByteView(p, static_cast<std::size_t>(len > 0 ? len : 0)));
}

void read_san(X509* x, CertSummary& c) {
    std::unique_ptr<GENERAL_NAMES, GeneralNamesFree> names(
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr)));
    if (!names) return;
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
        const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), i);
        if (gn->type == GEN_DNS) c.san_dns.push_back(asn1_string_text(gn->d.dNSName));
        else if (gn->type == GEN_IPADD) c.san_ip.push_back(ip_text(gn->d.iPAddress));
    }
}

void read_key(X509* x, CertSummary& c) {
    if (EVP_PKEY* pk = X509_get0_pubkey(x)) {
        switch (EVP_PKEY_get_base_id(pk)) {
        case EVP_PKEY_RSA: c.key_type = "RSA"; break;
        case EVP_PKEY_RSA_PSS: c.key_type = "RSA-PSS"; break;
        case EVP_PKEY_EC: c.key_type = "EC"; break;
        case EVP_PKEY_DSA: c.key_type = "DSA"; break;
        case EVP_PKEY_ED25519: c.key_type = "Ed25519"; break;
        case EVP_PKEY_ED448: c.key_type = "Ed448"; break;
        default: {
            const char* t = EVP_PKEY_get0_type_name(pk);
            c.key_type = t ? t : "unknown";
        }
        }
        c.key_bits = EVP_PKEY_get_bits(pk);
        return;
    }
    // Algorithms this OpenSSL build does not know (e.g. post-quantum test certificates): keep the OID.
    X509_PUBKEY* xpk = X509_get_X509_PUBKEY(x);
    ASN1_OBJECT* alg = nullptr;
    if (xpk && X509_PUBKEY_get0_param(&alg, nullptr, nullptr, nullptr, xpk) == 1) c.key_type = object_name(alg);
    if (c.key_type.empty()) c.key_type = "unknown";
}

void read_sig_alg(X509* x, CertSummary& c) {
    const X509_ALGOR* alg = nullptr;
    X509_get0_signature(nullptr, &alg, x);
    if (!alg) return;
    const ASN1_OBJECT* obj = nullptr;
    X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
    int nid = OBJ_obj2nid(obj);
    if (nid != NID_undef) {
        if (const char* ln = OBJ_nid2ln(nid)) {
            c.sig_alg = ln;
            return;
        }
    }
    c.sig_alg = object_name(obj);
}

void read_key_ids(X509* x, CertSummary& c) {
    c.ski_hex = oct_hex(X509_get0_subject_key_id(x));
    c.aki_hex = oct_hex(X509_get0_authority_key_id(x));
}

void read_basic_constraints(X509* x, CertSummary& c) {
    std::unique_ptr<BASIC_CONSTRAINTS, BasicConstraintsFree> bc(
        static_cast<BASIC_CONSTRAINTS*>(X509_get_ext_d2i(x, NID_basic_constraints, nullptr, nullptr)));
    if (!bc) return;
    c.is_ca = bc->ca != 0;
    if (bc->pathlen) {
        long v = ASN1_INTEGER_get(bc->pathlen);
        if (v >= 0 && v < 1'000'000) c.path_len = static_cast<int>(v);
    }
}

void read_key_usage(X509* x, CertSummary& c) {
    if (!(X509_get_extension_flags(x) & EXFLAG_KUSAGE)) return;
    std::uint32_t ku = X509_get_key_usage(x);
    static const std::pair<std::uint32_t, const char*> names[] = {
        {KU_DIGITAL_SIGNATURE, "digitalSignature"}, {KU_NON_REPUDIATION, "nonRepudiation"},
        {KU_KEY_ENCIPHERMENT, "keyEncipherment"},   {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
        {KU_KEY_AGREEMENT, "keyAgreement"},         {KU_KEY_CERT_SIGN, "keyCertSign"},
        {KU_CRL_SIGN, "cRLSign"},                   {KU_ENCIPHER_ONLY, "encipherOnly"},
        {KU_DECIPHER_ONLY, "decipherOnly"},
    };
    for (auto& [bit, name] : names)
        if (ku & bit) c.key_usage.push_back(name);
}

void read_eku(X509* x, CertSummary& c) {
    std::unique_ptr<EXTENDED_KEY_USAGE, EkuFree> eku(
        static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(x, NID_ext_key_usage, nullptr, nullptr)));
    if (!eku) return;
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i)
        c.ext_key_usage.push_back(object_name(sk_ASN1_OBJECT_value(eku.get(), i)));
}

void read_aia(X509* x, CertSummary& c) {
    std::unique_ptr<AUTHORITY_INFO_ACCESS, AiaFree> aia(
        static_cast<AUTHORITY_INFO_ACCESS*>(X509_get_ext_d2i(x, NID_info_access, nullptr, nullptr)));
    if (!aia) return;
    for (int i = 0; i < sk_ACCESS_DESCRIPTION_num(aia.get()); ++i) {
        const ACCESS_DESCRIPTION* ad = sk_ACCESS_DESCRIPTION_value(aia.get(), i);
        if (!ad->location || ad->location->type != GEN_URI) continue;
        int nid = OBJ_obj2nid(ad->method);
        std::string uri = asn1_string_text(ad->location->d.uniformResourceIdentifier);
        if (nid == NID_ad_OCSP) c.ocsp_urls.push_back(std::move(uri));
        else if (nid == NID_ad_ca_issuers) c.ca_issuers_urls.push_back(std::move(uri));
    }
}

void read_crl_dp(X509* x, CertSummary& c) {
    std::unique_ptr<CRL_DIST_POINTS, CrlDpFree> dps(
        static_cast<CRL_DIST_POINTS*>(X509_get_ext_d2i(x, NID_crl_distribution_points, nullptr, nullptr)));
    if (!dps) return;
    for (int i = 0; i < sk_DIST_POINT_num(dps.get()); ++i) {
        const DIST_POINT* dp = sk_DIST_POINT_value(dps.get(), i);
        if (!dp->distpoint || dp->distpoint->type != 0) continue;  // 0 = fullName
        const GENERAL_NAMES* names = dp->distpoint->name.fullname;
        for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
            const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, j);
            if (gn->type == GEN_URI) c.crl_urls.push_back(asn1_string_text(gn->d.uniformResourceIdentifier));
        }
    }
}

void read_tls_feature(X509* x, CertSummary& c) {
    // RFC 7633: Features ::= SEQUENCE OF INTEGER; status_request is 5.
    std::unique_ptr<TLS_FEATURE, TlsFeatureFree> feat(
        static_cast<TLS_FEATURE*>(X509_get_ext_d2i(x, NID_tlsfeature, nullptr, nullptr)));
    if (!feat) return;
    for (int i = 0; i < sk_ASN1_INTEGER_num(feat.get()); ++i)
        if (ASN1_INTEGER_get(sk_ASN1_INTEGER_value(feat.get(), i)) == 5) c.must_staple = true;
}

std::shared_ptr<CertSummary> decode_uncached(ByteView der, const std::string& fingerprint) {
    auto c = std::make_shared<CertSummary>();
    c->sha256 = fingerprint;
    c->der.assign(der.begin(), der.end());
    const unsigned char* p = der.data();
    X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!x) {
        c->parse_error = der.empty() ? "empty certificate" : "not a decodable DER X.509 certificate";
        return c;
    }
    c->subject = name_rfc2253(X509_get_subject_name(x.get()));
    c->issuer = name_rfc2253(X509_get_issuer_name(x.get()));
    c->serial_hex = serial_upper_hex(X509_get0_serialNumber(x.get()));
    c->not_before = asn1_time_unix(X509_get0_notBefore(x.get()));
    c->not_after = asn1_time_unix(X509_get0_notAfter(x.get()));
    read_san(x.get(), *c);
    read_key(x.get(), *c);
    read_sig_alg(x.get(), *c);
    read_key_ids(x.get(), *c);
    read_basic_constraints(x.get(), *c);
    read_key_usage(x.get(), *c);
    read_eku(x.get(), *c);
    read_aia(x.get(), *c);
    read_crl_dp(x.get(), *c);
    read_tls_feature(x.get(), *c);
    c->has_sct_list = X509_get_ext_by_NID(x.get(), NID_ct_precert_scts, -1) >= 0;
    c->self_signed = X509_self_signed(x.get(), 1) == 1;
    return c;
}

/// Bounded cache of decoded certificates keyed by SHA-256 of the DER; the oldest entry goes first.
class CertCache {
public:
    static constexpr std::size_t capacity = 4096;

    std::shared_ptr<const CertSummary> get(const std::string& key) {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = map_.find(key);
        return it == map_.end() ? nullptr : it->second;
    }
    void put(const std::string& key, std::shared_ptr<const CertSummary> v) {
        std::lock_guard<std::mutex> lock(mu_);
        if (map_.count(key)) return;
        if (order_.size() >= capacity) {
            map_.erase(order_.front());
            order_.pop_front();
        }
        order_.push_back(key);
        map_.emplace(key, std::move(v));
    }

private:
    std::mutex mu_;
    std::unordered_map<std::string, std::shared_ptr<const CertSummary>> map_;
    std::deque<std::string> order_;
};

CertCache& cache() {
    static CertCache c;
    return c;
}

}  // namespace

std::vector<std::string> CertSummary::revocation_mechanisms() const {
    std::vector<std::string> out;
    if (!ocsp_urls.empty()) out.emplace_back("ocsp");
    if (!crl_urls.empty()) out.emplace_back("crl");
    if (must_staple) out.emplace_back("must-staple");
    if (out.empty()) out.emplace_back("none");
    return out;
}

std::shared_ptr<const CertSummary> decode_certificate(ByteView der) {
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(der.data(), der.size(), md);
    std::string fp = to_hex(ByteView(md, sizeof md));
    if (auto hit = cache().get(fp)) return hit;
    std::shared_ptr<const CertSummary> c = decode_uncached(der, fp);
    cache().put(fp, c);
    return c;
}

}  // namespace revo::dissect
