// OCSP request and response decoding (RFC 6960 section 4.1 OCSPRequest, section 4.2 OCSPResponse and
// BasicOCSPResponse) through OpenSSL, into the plain structs of ocsp.h. Never throws.
#include "dissect/ocsp/ocsp.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include <cctype>
#include <ctime>

#include "dissect/ocsp/ocsp_openssl.h"

namespace revo::dissect {

const char* to_string(OcspCertStatus s) {
    switch (s) {
        case OcspCertStatus::good: return "good";
        case OcspCertStatus::revoked: return "revoked";
        case OcspCertStatus::unknown: return "unknown";
    }
    return "unknown";
}

namespace ossl {

X509Ptr x509_from_der(ByteView der) {
    if (der.empty() || der.size() > 0x7fffffff) return nullptr;
    const unsigned char* p = der.data();
    X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!x) ERR_clear_error();
    return x;
}

std::vector<std::uint8_t> x509_to_der(X509* x) {
    std::vector<std::uint8_t> out;
    if (!x) return out;
    int n = i2d_X509(x, nullptr);
    if (n <= 0) return out;
    out.resize(static_cast<std::size_t>(n));
    unsigned char* p = out.data();
    if (i2d_X509(x, &p) != n) out.clear();
    return out;
}

std::optional<std::int64_t> asn1_time_to_unix(const ASN1_TIME* t) {
    if (!t) return std::nullopt;
    std::tm tm{};
    if (ASN1_TIME_to_tm(t, &tm) != 1) {
        ERR_clear_error();
        return std::nullopt;
    }
    return static_cast<std::int64_t>(timegm(&tm));
}

std::string name_to_string(const X509_NAME* n) {
    if (!n) return {};
    BIO* bio = BIO_new(BIO_s_mem());
    if (!bio) return {};
    std::string out;
    if (X509_NAME_print_ex(bio, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        char* data = nullptr;
        long len = BIO_get_mem_data(bio, &data);
        if (data && len > 0) out.assign(data, static_cast<std::size_t>(len));
    }
    BIO_free(bio);
    return out;
}

std::string integer_to_hex(const ASN1_INTEGER* i) {
    if (!i) return {};
    const unsigned char* d = ASN1_STRING_get0_data(i);
    int len = ASN1_STRING_length(i);
    int start = 0;
    while (start < len && d[start] == 0) ++start;
    if (start == len) return "00";  // same form as CertSummary::serial_hex
    static const char* digits = "0123456789ABCDEF";
    std::string out;
    if (ASN1_STRING_type(i) == V_ASN1_NEG_INTEGER) out.push_back('-');
    for (int k = start; k < len; ++k) {
        out.push_back(digits[d[k] >> 4]);
        out.push_back(digits[d[k] & 15]);
    }
    return out;
}

std::string octets_to_hex(const ASN1_OCTET_STRING* s) {
    if (!s) return {};
    return to_hex(ByteView(ASN1_STRING_get0_data(s), static_cast<std::size_t>(ASN1_STRING_length(s))));
}

std::string oid_name(const ASN1_OBJECT* o) {
    if (!o) return {};
    int nid = OBJ_obj2nid(o);
    if (nid != NID_undef) {
        const char* ln = OBJ_nid2ln(nid);
        if (ln) return ln;
    }
    char buf[128];
    int n = OBJ_obj2txt(buf, sizeof buf, o, 1);
    if (n <= 0) return "unknown";
    return std::string(buf, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1));
}

OcspCertId cert_id_from(const OCSP_CERTID* cid) {
    OcspCertId out;
    if (!cid) return out;
    ASN1_OCTET_STRING* name_hash = nullptr;
    ASN1_OBJECT* alg = nullptr;
    ASN1_OCTET_STRING* key_hash = nullptr;
    ASN1_INTEGER* serial = nullptr;
    // OpenSSL's getter takes a non-const CertID but does not modify it.
    if (OCSP_id_get0_info(&name_hash, &alg, &key_hash, &serial, const_cast<OCSP_CERTID*>(cid)) != 1) return out;
    out.hash_alg = oid_name(alg);
    out.issuer_name_hash = octets_to_hex(name_hash);
    out.issuer_key_hash = octets_to_hex(key_hash);
    out.serial_hex = integer_to_hex(serial);
    return out;
}

std::optional<std::string> nonce_from_extension(const X509_EXTENSION* ext) {
    if (!ext) return std::nullopt;
    const ASN1_OCTET_STRING* v = X509_EXTENSION_get_data(const_cast<X509_EXTENSION*>(ext));
    if (!v) return std::nullopt;
    const unsigned char* p = ASN1_STRING_get0_data(v);
    long len = ASN1_STRING_length(v);
    // RFC 8954: the extension value is an OCTET STRING; some clients put the raw bytes instead.
    const unsigned char* q = p;
    ASN1_OCTET_STRING* inner = d2i_ASN1_OCTET_STRING(nullptr, &q, len);
    if (inner && q == p + len) {
        std::string hex = octets_to_hex(inner);
        ASN1_OCTET_STRING_free(inner);
        return hex;
    }
    if (inner) ASN1_OCTET_STRING_free(inner);
    ERR_clear_error();
    return to_hex(ByteView(p, static_cast<std::size_t>(len)));
}

std::string last_error() {
    unsigned long e = ERR_get_error();
    std::string out;
    if (e != 0) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        out = buf;
    }
    ERR_clear_error();
    return out;
}

}  // namespace ossl

namespace {

// Minimal DER walk used only for the requestorName, which OpenSSL has no getter for.
//   OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest, optionalSignature [0] EXPLICIT Signature OPTIONAL }
//   TBSRequest  ::= SEQUENCE { version [0] EXPLICIT, requestorName [1] EXPLICIT GeneralName OPTIONAL, ... }
struct Tlv {
    std::uint8_t tag = 0;
    ByteView content;
    ByteView whole;
};

std::optional<Tlv> read_tlv(ByteReader& r) {
    std::size_t start = r.position();
    ByteView all = r.whole();
    auto tag = r.u8();
    auto l0 = r.u8();
    if (!tag || !l0) return std::nullopt;
    if ((*tag & 0x1f) == 0x1f) return std::nullopt;  // high tag numbers do not occur here
    std::size_t len = 0;
    if (*l0 < 0x80) {
        len = *l0;
    } else {
        int n = *l0 & 0x7f;
        if (n == 0 || n > 4) return std::nullopt;
        for (int i = 0; i < n; ++i) {
            auto b = r.u8();
            if (!b) return std::nullopt;
            len = (len << 8) | *b;
        }
    }
    auto content = r.bytes(len);
    if (!content) return std::nullopt;
    return Tlv{*tag, *content, all.subspan(start, r.position() - start)};
}

std::string general_name_text(ByteView der) {
    const unsigned char* p = der.data();
    std::unique_ptr<GENERAL_NAME, ossl::GenNameFree> gn(d2i_GENERAL_NAME(nullptr, &p, static_cast<long>(der.size())));
    if (!gn) {
        ERR_clear_error();
        return "undecodable";
    }
    if (gn->type == GEN_DIRNAME) return ossl::name_to_string(gn->d.directoryName);
    BIO* bio = BIO_new(BIO_s_mem());
    if (!bio) return {};
    std::string out;
    if (GENERAL_NAME_print(bio, gn.get()) > 0) {
        char* data = nullptr;
        long len = BIO_get_mem_data(bio, &data);
        if (data && len > 0) out.assign(data, static_cast<std::size_t>(len));
    }
    BIO_free(bio);
    return out;
}

std::string requestor_name(ByteView der) {
    ByteReader r(der);
    auto outer = read_tlv(r);
    if (!outer || outer->tag != 0x30) return {};
    ByteReader o(outer->content);
    auto tbs = read_tlv(o);
    if (!tbs || tbs->tag != 0x30) return {};
    ByteReader t(tbs->content);
    while (!t.empty()) {
        auto e = read_tlv(t);
        if (!e) return {};
        if (e->tag == 0xa1) return general_name_text(e->content);
        if (e->tag != 0xa0) break;  // requestList reached: no requestorName
    }
    return {};
}

const char* status_name(int s) {
    switch (s) {
        case 0: return "successful";
        case 1: return "malformedRequest";
        case 2: return "internalError";
        case 3: return "tryLater";
        case 5: return "sigRequired";
        case 6: return "unauthorized";
        default: return nullptr;
    }
}

// OCSP revocation reasons use the CRLReason codes; an undefined code keeps its number.
std::string reason_name(int r) {
    const char* name = crl_reason_name(r);
    return name ? name : "unknown(" + std::to_string(r) + ")";
}

}  // namespace

OcspRequestInfo decode_ocsp_request(ByteView der) {
    OcspRequestInfo info;
    if (der.empty()) {
        info.parse_error = "empty OCSP request";
        return info;
    }
    if (der.size() > 0x7fffffff) {
        info.parse_error = "OCSP request too large";
        return info;
    }
    const unsigned char* p = der.data();
    ossl::OcspReqPtr req(d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(der.size())));
    if (!req) {
        std::string e = ossl::last_error();
        info.parse_error = "not a DER OCSPRequest" + (e.empty() ? std::string() : " (" + e + ")");
        return info;
    }
    if (p != der.data() + der.size()) info.parse_error = "trailing bytes after OCSPRequest";
    int n = OCSP_request_onereq_count(req.get());
    for (int i = 0; i < n; ++i) {
        OCSP_ONEREQ* one = OCSP_request_onereq_get0(req.get(), i);
        if (!one) continue;
        info.cert_ids.push_back(ossl::cert_id_from(OCSP_onereq_get0_id(one)));
    }
    int idx = OCSP_REQUEST_get_ext_by_NID(req.get(), NID_id_pkix_OCSP_Nonce, -1);
    if (idx >= 0) info.nonce_hex = ossl::nonce_from_extension(OCSP_REQUEST_get_ext(req.get(), idx));
    info.signed_request = OCSP_request_is_signed(req.get()) == 1;
    info.requestor_name = requestor_name(der);
    ERR_clear_error();
    return info;
}

OcspResponseInfo decode_ocsp_response(ByteView der) {
    OcspResponseInfo info;
    if (der.empty()) {
        info.parse_error = "empty OCSP response";
        return info;
    }
    if (der.size() > 0x7fffffff) {
        info.parse_error = "OCSP response too large";
        return info;
    }
    info.der.assign(der.begin(), der.end());
    const unsigned char* p = der.data();
    ossl::OcspRespPtr resp(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size())));
    if (!resp) {
        std::string e = ossl::last_error();
        info.parse_error = "not a DER OCSPResponse" + (e.empty() ? std::string() : " (" + e + ")");
        return info;
    }
    if (p != der.data() + der.size()) info.parse_error = "trailing bytes after OCSPResponse";
    info.response_status = OCSP_response_status(resp.get());
    const char* sn = status_name(info.response_status);
    info.response_status_name = sn ? sn : "unknown(" + std::to_string(info.response_status) + ")";
    if (info.response_status != OCSP_RESPONSE_STATUS_SUCCESSFUL) return info;

    ossl::OcspBasicPtr bs(OCSP_response_get1_basic(resp.get()));
    if (!bs) {
        std::string e = ossl::last_error();
        if (info.parse_error.empty())
            info.parse_error = "successful response without a decodable BasicOCSPResponse" +
                               (e.empty() ? std::string() : " (" + e + ")");
        return info;
    }
    info.basic = true;

    const ASN1_OCTET_STRING* key_id = nullptr;
    const X509_NAME* name = nullptr;
    if (OCSP_resp_get0_id(bs.get(), &key_id, &name) == 1) {
        if (name) info.responder_id = "byName: " + ossl::name_to_string(name);
        else if (key_id) info.responder_id = "byKey: " + ossl::octets_to_hex(key_id);
    }
    info.produced_at = ossl::asn1_time_to_unix(OCSP_resp_get0_produced_at(bs.get()));

    int n = OCSP_resp_count(bs.get());
    for (int i = 0; i < n; ++i) {
        OCSP_SINGLERESP* single = OCSP_resp_get0(bs.get(), i);
        if (!single) continue;
        OcspSingle s;
        s.cert_id = ossl::cert_id_from(OCSP_SINGLERESP_get0_id(single));
        int reason = -1;
        ASN1_GENERALIZEDTIME* rev = nullptr;
        ASN1_GENERALIZEDTIME* thisupd = nullptr;
        ASN1_GENERALIZEDTIME* nextupd = nullptr;
        int st = OCSP_single_get0_status(single, &reason, &rev, &thisupd, &nextupd);
        switch (st) {
            case V_OCSP_CERTSTATUS_GOOD: s.status = OcspCertStatus::good; break;
            case V_OCSP_CERTSTATUS_REVOKED: s.status = OcspCertStatus::revoked; break;
            default: s.status = OcspCertStatus::unknown; break;
        }
        if (rev) s.revocation_time = ossl::asn1_time_to_unix(rev);
        if (st == V_OCSP_CERTSTATUS_REVOKED && reason >= 0) s.revocation_reason = reason_name(reason);
        if (auto t = ossl::asn1_time_to_unix(thisupd)) s.this_update = *t;
        if (nextupd) s.next_update = ossl::asn1_time_to_unix(nextupd);
        info.singles.push_back(std::move(s));
    }

    int idx = OCSP_BASICRESP_get_ext_by_NID(bs.get(), NID_id_pkix_OCSP_Nonce, -1);
    if (idx >= 0) info.nonce_hex = ossl::nonce_from_extension(OCSP_BASICRESP_get_ext(bs.get(), idx));

    const STACK_OF(X509)* certs = OCSP_resp_get0_certs(bs.get());
    for (int i = 0; i < sk_X509_num(certs); ++i) {
        auto bytes = ossl::x509_to_der(sk_X509_value(certs, i));
        if (bytes.empty()) continue;
        if (auto c = decode_certificate(ByteView(bytes))) info.certs.push_back(std::move(c));
    }

    if (const X509_ALGOR* alg = OCSP_resp_get0_tbs_sigalg(bs.get())) {
        const ASN1_OBJECT* obj = nullptr;
        X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
        info.sig_alg = ossl::oid_name(obj);
    }
    ERR_clear_error();
    return info;
}

}  // namespace revo::dissect
