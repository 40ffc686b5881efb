// Recognising revocation traffic inside HTTP: OCSP (RFC 6960 appendix A.1: POST body or GET path
// carrying base64 DER), CRL downloads (RFC 5280 section 4.2.1.13, RFC 2585 media types) and issuer
// certificate fetches through AIA caIssuers (RFC 5280 section 4.2.2.1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "dissect/http/exchange.h"

namespace revo::dissect {

/// Media type without parameters, lower-cased ("Application/OCSP-Response; x=y" -> "application/ocsp-response").
std::string media_type(std::string_view content_type);

/// Percent-decoding (RFC 3986 section 2.1); nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s);
/// Base64 (standard or URL-safe alphabet, padding optional, whitespace ignored); nullopt when invalid.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view s);

/// Finds an OCSP request encoded in a GET target: the longest path suffix that decodes as a DER
/// OCSPRequest. Returns the request bytes, or nullopt.
std::optional<std::vector<std::uint8_t>> ocsp_request_from_get_target(std::string_view target);

/// Kind suggested by a request target alone (".crl" -> crl, ".crt"/".cer"/".p7c" -> aia_issuer).
CheckKind kind_from_path(std::string_view target);
/// Kind suggested by a content type alone.
CheckKind kind_from_media_type(std::string_view media);

/// Classifies a finished exchange: sets kind, ocsp_request, ocsp_response, ocsp_request_form, url,
/// via_proxy; drops kept bodies that turn out not to be revocation data.
void classify_exchange(HttpExchange& ex);

}  // namespace revo::dissect
