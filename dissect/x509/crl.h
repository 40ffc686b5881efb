// Certificate revocation lists (RFC 5280 section 5), decoded with OpenSSL into plain structs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "dissect/x509/cert.h"

namespace revo::dissect {

struct CrlEntry {
    std::string serial_hex;                 ///< upper-case hex, same form as CertSummary::serial_hex
    std::int64_t revocation_time = 0;       ///< unix seconds
    std::optional<std::string> reason;      ///< "keyCompromise", ... when the entry carries a reason code
};

struct CrlInfo {
    std::string issuer;                     ///< RFC 2253 one-line form
    std::int64_t this_update = 0;           ///< unix seconds
    std::optional<std::int64_t> next_update;
    std::optional<std::string> crl_number;  ///< hex
    bool delta = false;                     ///< carries a delta CRL indicator
    std::vector<CrlEntry> entries;
    std::size_t size = 0;                   ///< bytes of DER
    std::string sig_alg;
    std::string parse_error;                ///< non-empty when the bytes are not a CRL
    std::vector<std::uint8_t> der;
};

/// Decodes a DER (or PEM) CRL. Never throws; on failure parse_error is set.
CrlInfo decode_crl(ByteView bytes);
/// True when `issuer`'s public key verifies the CRL's signature.
bool crl_signed_by(const CrlInfo& crl, const CertSummary& issuer);

}  // namespace revo::dissect
