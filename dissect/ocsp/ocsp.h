// OCSP requests and responses (RFC 6960), decoded with OpenSSL into plain structs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "dissect/x509/cert.h"

namespace revo::dissect {

/// CertID: hash algorithm, issuer name hash, issuer key hash, serial.
struct OcspCertId {
    std::string hash_alg;         ///< "sha1", "sha256", ...
    std::string issuer_name_hash; ///< hex
    std::string issuer_key_hash;  ///< hex
    std::string serial_hex;       ///< upper-case hex, same form as CertSummary::serial_hex
    bool operator==(const OcspCertId&) const = default;
};

struct OcspRequestInfo {
    std::vector<OcspCertId> cert_ids;
    std::optional<std::string> nonce_hex;
    std::string requestor_name;
    bool signed_request = false;
    std::string parse_error;
};

enum class OcspCertStatus : std::uint8_t { good, revoked, unknown };
const char* to_string(OcspCertStatus s);

struct OcspSingle {
    OcspCertId cert_id;
    OcspCertStatus status = OcspCertStatus::unknown;
    std::optional<std::int64_t> revocation_time;  ///< unix seconds
    std::optional<std::string> revocation_reason; ///< "keyCompromise", ...
    std::int64_t this_update = 0;
    std::optional<std::int64_t> next_update;
};

struct OcspResponseInfo {
    int response_status = -1;           ///< 0 successful, 1 malformedRequest, 2 internalError, 3 tryLater, 5 sigRequired, 6 unauthorized
    std::string response_status_name;   ///< "successful", "tryLater", ...
    bool basic = false;                 ///< a BasicOCSPResponse is present
    std::string responder_id;           ///< "byName: CN=..." or "byKey: <hex>"
    std::optional<std::int64_t> produced_at;
    std::vector<OcspSingle> singles;
    std::optional<std::string> nonce_hex;
    std::vector<std::shared_ptr<const CertSummary>> certs;  ///< certificates carried in the response
    std::string sig_alg;
    std::vector<std::uint8_t> der;
    std::string parse_error;            ///< non-empty when the bytes are not a decodable OCSP response
};

OcspRequestInfo decode_ocsp_request(ByteView der);
OcspResponseInfo decode_ocsp_response(ByteView der);

/// Outcome of verifying a response the way a client would, at capture time.
struct OcspVerification {
    bool performed = false;       ///< false when there was nothing to verify (not successful, undecodable)
    bool ok = false;
    /// Precise failure reasons, each a stable id: "bad_signature", "signer_expired", "signer_not_yet_valid",
    /// "signer_unauthorized" (delegated signer without id-kp-OCSPSigning or not issued by the CA),
    /// "signer_untrusted" (chain to the trust store fails), "signer_unknown" (no certificate found for
    /// the responder id), "issuer_unknown", "certid_mismatch", "nonce_mismatch", "stale" (nextUpdate passed),
    /// "not_yet_valid" (thisUpdate in the future), "produced_in_future".
    std::vector<std::string> reasons;
    std::string signer_subject;   ///< certificate that signed the response, when identified
    std::string signer_kind;      ///< "issuer" (the CA itself), "delegated", "unknown"
    std::string detail;           ///< one line of human text for the first reason
};

/// Pool of certificates seen in the capture and the trust store, used to find issuers and signers.
class CertPool;

struct OcspVerifyInput {
    const OcspResponseInfo* response = nullptr;
    const OcspRequestInfo* request = nullptr;   ///< for CertID and nonce consistency, when known
    std::int64_t at_time = 0;                   ///< capture time of the response, unix seconds
    std::int64_t clock_tolerance_s = 300;
};

OcspVerification verify_ocsp_response(const OcspVerifyInput& in, const CertPool& pool);

}  // namespace revo::dissect
