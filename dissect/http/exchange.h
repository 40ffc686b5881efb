// HTTP/1.x exchanges, and what they carry for revocation: OCSP, CRLs, issuer certificates.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "capture/stream.h"
#include "common/frame.h"
#include "dissect/ocsp/ocsp.h"

namespace revo::dissect {

struct HttpRequest {
    FrameRef first;                   ///< first byte of the request line
    FrameRef last;                    ///< last byte of the request
    std::string method;
    std::string target;               ///< as sent (origin-form or absolute-form)
    std::string version;              ///< "HTTP/1.1"
    std::string host;
    std::string content_type;
    std::vector<std::pair<std::string, std::string>> headers;
    std::uint64_t body_size = 0;
    std::vector<std::uint8_t> body;   ///< kept only when it may be OCSP/CRL/certificate, bounded
    bool body_truncated = false;
};

struct HttpResponse {
    FrameRef first;
    FrameRef last;
    std::string version;
    int status = 0;
    std::string reason;
    std::string content_type;
    std::string date;                 ///< Date header, as sent
    std::optional<std::int64_t> date_unix;
    std::string proxy_authenticate;
    std::string server;
    std::vector<std::pair<std::string, std::string>> headers;
    std::uint64_t body_size = 0;
    std::vector<std::uint8_t> body;   ///< bounded by Limits::max_http_body
    bool body_truncated = false;
    bool body_complete = false;
};

/// What an exchange is, for revocation purposes.
enum class CheckKind : std::uint8_t { none, ocsp, crl, aia_issuer };
const char* to_string(CheckKind k);

struct HttpExchange {
    capture::ConnInfo conn;
    std::uint32_t index_on_conn = 0;  ///< 0 for the first exchange on the connection
    HttpRequest request;
    std::optional<HttpResponse> response;
    /// "ok", "reset", "closed", "capture_end", "gap", "parse_error"
    std::string outcome;
    std::string error;                ///< parse error text when outcome is parse_error
    bool via_proxy = false;           ///< absolute-form target or CONNECT
    CheckKind kind = CheckKind::none;
    std::string url;                  ///< full URL reconstructed from Host and target
    std::optional<OcspRequestInfo> ocsp_request;
    std::optional<OcspResponseInfo> ocsp_response;
    std::string ocsp_request_form;    ///< "post" | "get"
};

}  // namespace revo::dissect
