// Classification of HTTP exchanges as OCSP, CRL or AIA issuer fetches (see http_classify.h).
#include "dissect/http/http_classify.h"

#include <algorithm>
#include <cctype>

namespace revo::dissect {

const char* to_string(CheckKind k) {
    switch (k) {
        case CheckKind::none: return "none";
        case CheckKind::ocsp: return "ocsp";
        case CheckKind::crl: return "crl";
        case CheckKind::aia_issuer: return "aia_issuer";
    }
    return "none";
}

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int b64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

// The path of a target without query and fragment; for absolute-form, without scheme and authority.
std::string_view path_of(std::string_view target) {
    auto scheme = target.find("://");
    if (scheme != std::string_view::npos && scheme < target.find('/')) {
        auto slash = target.find('/', scheme + 3);
        target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
    auto q = target.find_first_of("?#");
    if (q != std::string_view::npos) target = target.substr(0, q);
    return target;
}

bool ends_with_ci(std::string_view s, std::string_view suffix) {
    if (s.size() < suffix.size()) return false;
    return lower(s.substr(s.size() - suffix.size())) == suffix;
}

}  // namespace

std::string media_type(std::string_view ct) {
    auto semi = ct.find(';');
    if (semi != std::string_view::npos) ct = ct.substr(0, semi);
    while (!ct.empty() && (ct.front() == ' ' || ct.front() == '\t')) ct.remove_prefix(1);
    while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) ct.remove_suffix(1);
    return lower(ct);
}

std::optional<std::string> percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out.push_back(s[i]);
            continue;
        }
        if (i + 2 >= s.size()) return std::nullopt;
        int hi = hex_value(s[i + 1]);
        int lo = hex_value(s[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view s) {
    std::vector<std::uint8_t> out;
    out.reserve(s.size() * 3 / 4);
    std::uint32_t acc = 0;
    int bits = 0;
    bool padding = false;
    for (char c : s) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
        if (c == '=') {
            padding = true;
            continue;
        }
        if (padding) return std::nullopt;  // data after padding
        int v = b64_value(c);
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xff));
        }
    }
    if (bits >= 6) return std::nullopt;  // a lone trailing character cannot encode a byte
    return out;
}

std::optional<std::vector<std::uint8_t>> ocsp_request_from_get_target(std::string_view target) {
    std::string_view path = path_of(target);
    if (path.size() < 20) return std::nullopt;
    // The base64 text may itself contain '/', so try every suffix that starts after a '/', longest first.
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (path[i] != '/') continue;
        std::string_view cand = path.substr(i + 1);
        if (cand.size() < 20) break;
        auto text = percent_decode(cand);
        if (!text) continue;
        auto der = base64_decode(*text);
        if (!der || der->size() < 10 || (*der)[0] != 0x30) continue;
        auto req = decode_ocsp_request(ByteView(*der));
        if (req.parse_error.empty() && !req.cert_ids.empty()) return der;
    }
    return std::nullopt;
}

CheckKind kind_from_path(std::string_view target) {
    std::string_view path = path_of(target);
    if (ends_with_ci(path, ".crl")) return CheckKind::crl;
    if (ends_with_ci(path, ".crt") || ends_with_ci(path, ".cer") || ends_with_ci(path, ".p7c")) return CheckKind::aia_issuer;
    return CheckKind::none;
}

CheckKind kind_from_media_type(std::string_view m) {
    if (m == "application/ocsp-request" || m == "application/ocsp-response") return CheckKind::ocsp;
    if (m == "application/pkix-crl" || m == "application/x-pkcs7-crl") return CheckKind::crl;
    if (m == "application/pkix-cert" || m == "application/pkcs7-mime" || m == "application/x-x509-ca-cert" ||
        m == "application/x-pkcs7-certificates")
        return CheckKind::aia_issuer;
    return CheckKind::none;
}

void classify_exchange(HttpExchange& ex) {
    auto& rq = ex.request;
    // URL and proxy form.
    if (rq.method == "CONNECT") {
        ex.via_proxy = true;
        ex.url = rq.target;
    } else if (rq.target.rfind("http://", 0) == 0 || rq.target.rfind("https://", 0) == 0 ||
               rq.target.rfind("HTTP://", 0) == 0) {
        ex.via_proxy = true;
        ex.url = rq.target;
    } else if (!rq.target.empty()) {
        std::string host = rq.host.empty() ? ex.conn.server.to_string() : rq.host;
        ex.url = "http://" + host + rq.target;
    }

    CheckKind kind = CheckKind::none;
    std::string req_media = media_type(rq.content_type);
    if (!rq.body.empty() && (req_media == "application/ocsp-request" || rq.method == "POST")) {
        auto req = decode_ocsp_request(ByteView(rq.body));
        // With the OCSP media type a failure is reported; otherwise only a clean decode counts.
        if (req_media == "application/ocsp-request" || (req.parse_error.empty() && !req.cert_ids.empty())) {
            ex.ocsp_request = std::move(req);
            ex.ocsp_request_form = "post";
            kind = CheckKind::ocsp;
        }
    } else if (req_media == "application/ocsp-request") {
        OcspRequestInfo req;
        req.parse_error = rq.body_truncated ? "request body too large" : "empty OCSP request body";
        ex.ocsp_request = std::move(req);
        ex.ocsp_request_form = "post";
        kind = CheckKind::ocsp;
    }
    if (kind == CheckKind::none && rq.method == "GET") {
        if (auto der = ocsp_request_from_get_target(rq.target)) {
            ex.ocsp_request = decode_ocsp_request(ByteView(*der));
            ex.ocsp_request_form = "get";
            kind = CheckKind::ocsp;
        }
    }
    if (kind == CheckKind::none) kind = kind_from_path(rq.target);

    if (ex.response) {
        auto& rs = *ex.response;
        std::string media = media_type(rs.content_type);
        CheckKind by_type = kind_from_media_type(media);
        if (kind == CheckKind::none && by_type != CheckKind::none) kind = by_type;
        bool ocsp_type = media == "application/ocsp-response";
        if (kind == CheckKind::ocsp || ocsp_type) {
            // Decode what an OCSP client would try to decode: an OCSP media type, or any 200 body.
            if (ocsp_type || (rs.status == 200 && !rs.body.empty())) {
                if (rs.body.empty()) {
                    OcspResponseInfo r;
                    r.parse_error = rs.body_truncated ? "response body too large" : "empty OCSP response body";
                    ex.ocsp_response = std::move(r);
                } else {
                    ex.ocsp_response = decode_ocsp_response(ByteView(rs.body));
                }
            }
        } else if (kind == CheckKind::none && !rs.body.empty() && rs.body[0] == 0x30 &&
                   (media.empty() || media == "application/octet-stream")) {
            auto r = decode_ocsp_response(ByteView(rs.body));
            if (r.parse_error.empty()) {
                ex.ocsp_response = std::move(r);
                kind = CheckKind::ocsp;
            }
        }
    }
    ex.kind = kind;
    if (kind == CheckKind::none) {
        rq.body.clear();
        rq.body.shrink_to_fit();
        if (ex.response) {
            ex.response->body.clear();
            ex.response->body.shrink_to_fit();
        }
    }
}

}  // namespace revo::dissect
