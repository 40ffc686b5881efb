// Small text helpers shared by the correlation, rules and stories.
#include <algorithm>
#include <cctype>

#include "analysis/internal.h"

namespace revo::analysis::detail {

std::string lower(std::string s) {
    for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
}

std::string url_host(const std::string& url) {
    auto p = url.find("://");
    std::string rest = p == std::string::npos ? url : url.substr(p + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (auto at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
    if (!rest.empty() && rest[0] == '[') {
        auto e = rest.find(']');
        return lower(rest.substr(1, e == std::string::npos ? std::string::npos : e - 1));
    }
    if (auto c = rest.find(':'); c != std::string::npos) rest = rest.substr(0, c);
    return lower(rest);
}

std::string endpoint_label(const Ctx& c, const Endpoint& ep, const std::string& host) {
    std::string name = host;
    if (name.empty() || name == ep.addr.to_string()) {
        name.clear();
        if (auto it = c.ip_names.find(ep.addr); it != c.ip_names.end() && !it->second.empty())
            name = it->second.front();
    }
    return name.empty() ? ep.to_string() : ep.to_string() + " (" + name + ")";
}

std::string clock_label(Timestamp t) {
    std::string s = format_rfc3339(t);  // 2026-11-26T02:29:31.123456Z
    return s.size() >= 23 ? s.substr(11, 12) : s;
}

std::string frame_label(const FrameRef& f) {
    if (!f.valid()) return "no frame";
    return "frame " + std::to_string(f.frame) + " at " + clock_label(f.ts);
}

std::string cert_name(const dissect::CertSummary& c) {
    if (!c.parse_error.empty())
        return "undecodable certificate " + (c.sha256.empty() ? std::string("?") : c.sha256.substr(0, 16));
    if (!c.san_dns.empty()) return c.san_dns.front();
    auto p = c.subject.find("CN=");
    if (p != std::string::npos) {
        auto e = c.subject.find(',', p);
        return c.subject.substr(p + 3, e == std::string::npos ? std::string::npos : e - p - 3);
    }
    return c.subject.empty() ? "serial " + c.serial_hex : c.subject;
}

std::string check_noun(dissect::CheckKind k) {
    switch (k) {
        case dissect::CheckKind::crl: return "CRL download";
        case dissect::CheckKind::aia_issuer: return "issuer certificate fetch";
        default: return "OCSP request";
    }
}

std::string code_prefix(dissect::CheckKind k) {
    switch (k) {
        case dissect::CheckKind::crl: return "CRL";
        case dissect::CheckKind::aia_issuer: return "AIA";
        default: return "OCSP";
    }
}

}  // namespace revo::analysis::detail
