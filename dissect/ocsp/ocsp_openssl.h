// OpenSSL helpers shared by the OCSP decoder, the certificate pool and response verification.
// Internal to dissect/: OpenSSL types never appear in the plain structs handed to other layers.
#pragma once

#include <openssl/asn1.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "dissect/ocsp/ocsp.h"

namespace revo::dissect::ossl {

struct X509Free { void operator()(X509* p) const { X509_free(p); } };
struct OcspReqFree { void operator()(OCSP_REQUEST* p) const { OCSP_REQUEST_free(p); } };
struct OcspRespFree { void operator()(OCSP_RESPONSE* p) const { OCSP_RESPONSE_free(p); } };
struct OcspBasicFree { void operator()(OCSP_BASICRESP* p) const { OCSP_BASICRESP_free(p); } };
struct OcspCertIdFree { void operator()(OCSP_CERTID* p) const { OCSP_CERTID_free(p); } };
struct StoreFree { void operator()(X509_STORE* p) const { X509_STORE_free(p); } };
struct StoreCtxFree { void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); } };
struct X509StackFree { void operator()(STACK_OF(X509)* p) const { sk_X509_pop_free(p, X509_free); } };
struct GenNameFree { void operator()(GENERAL_NAME* p) const { GENERAL_NAME_free(p); } };

using X509Ptr = std::unique_ptr<X509, X509Free>;
using OcspReqPtr = std::unique_ptr<OCSP_REQUEST, OcspReqFree>;
using OcspRespPtr = std::unique_ptr<OCSP_RESPONSE, OcspRespFree>;
using OcspBasicPtr = std::unique_ptr<OCSP_BASICRESP, OcspBasicFree>;
using OcspCertIdPtr = std::unique_ptr<OCSP_CERTID, OcspCertIdFree>;
using StorePtr = std::unique_ptr<X509_STORE, StoreFree>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, StoreCtxFree>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackFree>;

/// Parses one DER certificate; null when it does not decode or has trailing garbage.
X509Ptr x509_from_der(ByteView der);
/// DER encoding of a certificate (empty on failure).
std::vector<std::uint8_t> x509_to_der(X509* x);
/// ASN1_TIME (UTCTime or GeneralizedTime) to unix seconds.
std::optional<std::int64_t> asn1_time_to_unix(const ASN1_TIME* t);
/// A distinguished name in the RFC 2253 one-line form.
std::string name_to_string(const X509_NAME* n);
/// Upper-case hex of a positive INTEGER's magnitude, leading zero bytes dropped ("00" for zero).
std::string integer_to_hex(const ASN1_INTEGER* i);
/// Upper- or lower-case hex of an OCTET STRING's content.
std::string octets_to_hex(const ASN1_OCTET_STRING* s);
/// Plain CertID fields of an OpenSSL CertID.
OcspCertId cert_id_from(const OCSP_CERTID* cid);
/// Long name of a digest/algorithm OID, lower-case for digests ("sha1", "sha256WithRSAEncryption").
std::string oid_name(const ASN1_OBJECT* o);
/// Nonce value as hex: the inner OCTET STRING content when the extension wraps one (RFC 8954), else the raw value.
std::optional<std::string> nonce_from_extension(const X509_EXTENSION* ext);
/// Text of the most recent OpenSSL error (and clears the queue).
std::string last_error();

}  // namespace revo::dissect::ossl
