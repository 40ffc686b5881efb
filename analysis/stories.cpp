// Per-connection stories: ClientHello -> Certificate -> staple or check -> verdict -> fate.
#include <algorithm>

#include <fmt/format.h>

#include "analysis/internal.h"

namespace revo::analysis::detail {

namespace {

std::string version_name(std::uint16_t v) {
    switch (v) {
        case 0x0300: return "SSL 3.0";
        case 0x0301: return "TLS 1.0";
        case 0x0302: return "TLS 1.1";
        case 0x0303: return "TLS 1.2";
        case 0x0304: return "TLS 1.3";
        default: return fmt::format("0x{:04x}", v);
    }
}

std::string check_step(const Ctx& c, const OcspCheck& k) {
    std::string where = endpoint_label(c, k.responder, k.host);
    std::string who = k.role == "server-staple-fetch" ? "server's " : "";
    std::string s = fmt::format("{}{} ({}) to {}", who, check_noun(k.kind), k.transport, where);
    if (k.transport == "tcp-only" && k.tcp) {
        s += fmt::format(": {} SYN(s), {}", k.tcp->syns.size(), k.outcome);
    } else if (k.http_status) {
        s += fmt::format(": HTTP {}", k.http_status);
        if (k.latency_ms) s += fmt::format(" in {:.0f} ms", *k.latency_ms);
    } else if (k.transport == "http") {
        s += ": no response (" + k.outcome + ")";
    }
    if (k.response && k.response->parse_error.empty()) {
        s += ", " + k.response->response_status_name;
        for (auto& one : k.response->singles) s += ", " + std::string(dissect::to_string(one.status));
        if (k.verification.performed)
            s += k.verification.ok ? ", verified" : ", verification failed";
    }
    return s;
}

}  // namespace

void build_stories(Ctx& c) {
    for (std::size_t i = 0; i < c.r.handshakes.size(); ++i) {
        const auto& h = c.r.handshakes[i];
        ConnectionStory st;
        st.handshake_index = i;
        if (h.client_hello) {
            const auto& ch = *h.client_hello;
            st.steps.push_back(fmt::format("ClientHello frame {}{}{}", ch.frame.frame, ch.sni.empty() ? "" : " sni=" + ch.sni,
                                           ch.status_request ? " status_request" : ""));
        }
        if (h.server_hello)
            st.steps.push_back(fmt::format("ServerHello frame {} {}{}", h.server_hello->frame.frame,
                                           version_name(h.server_hello->selected_version),
                                           h.server_hello->status_request_ack ? " status_request ack" : ""));
        if (h.encrypted && !h.decrypted)
            st.steps.push_back("Certificate encrypted (TLS 1.3, no key log): chain unknown");
        else if (!h.chain.empty() && h.chain[0])
            st.steps.push_back(fmt::format("Certificate frame {}: {} cert(s), leaf {}",
                                           h.certificate_frame ? h.certificate_frame->frame : 0, h.chain.size(),
                                           cert_name(*h.chain[0])));
        for (std::size_t j : c.handshake_checks[i]) {
            const auto& k = c.r.checks[j];
            st.checks.push_back(j);
            st.steps.push_back(k.transport == "staple" ? "CertificateStatus: " + check_step(c, k) : check_step(c, k));
            for (auto& code : c.check_codes[j]) st.codes.push_back(code);
        }
        for (auto& a : h.alerts)
            st.steps.push_back(fmt::format("Alert {} from {} frame {}", a.encrypted && !a.decrypted ? "(encrypted)" : a.name,
                                           a.from == capture::Side::client ? "client" : "server", a.frame.frame));
        for (auto& code : c.handshake_codes[i])
            if (std::find(st.codes.begin(), st.codes.end(), code) == st.codes.end()) st.codes.push_back(code);
        st.steps.push_back("fate: " + (h.fate.empty() ? std::string(h.complete ? "completed" : "incomplete") : h.fate));

        auto has = [&](const char* code) { return std::find(st.codes.begin(), st.codes.end(), code) != st.codes.end(); };
        bool any_problem = false;
        std::string worst;
        int worst_sev = -1;
        for (auto& code : st.codes)
            if (const auto* info = find_code(code); info && info->severity != Severity::info) {
                any_problem = true;
                if (static_cast<int>(info->severity) > worst_sev) {
                    worst_sev = static_cast<int>(info->severity);
                    worst = code;
                }
            }
        bool good = false;
        for (auto j : st.checks) {
            const auto& k = c.r.checks[j];
            if (k.response && k.verification.ok)
                for (auto& one : k.response->singles) good = good || one.status == dissect::OcspCertStatus::good;
        }
        if (has("CERT_REVOKED")) st.verdict = "revoked";
        else if (any_problem) st.verdict = "problem: " + worst;
        else if (good) st.verdict = "ok: status good";
        else if (h.encrypted && !h.decrypted) st.verdict = "revocation status unknown (handshake encrypted)";
        else if (st.checks.empty()) st.verdict = "no revocation check seen";
        else st.verdict = "checked";
        c.r.stories.push_back(std::move(st));
    }
}

}  // namespace revo::analysis::detail
