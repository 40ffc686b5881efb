// Text report for a terminal: capture summary, findings by cause, connection stories, handshakes.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "report/detail.h"

namespace revo::report::detail {

namespace {

const char* sev_color(analysis::Severity s) {
    switch (s) {
        case analysis::Severity::critical: return "\033[1;35m";
        case analysis::Severity::error: return "\033[1;31m";
        case analysis::Severity::warning: return "\033[1;33m";
        default: return "\033[36m";
    }
}

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

/// Findings grouped by cause; groups ordered by their most severe finding (findings arrive sorted).
std::vector<std::pair<std::string, std::vector<const analysis::Finding*>>> group_by_cause(const analysis::Results& r) {
    std::vector<std::pair<std::string, std::vector<const analysis::Finding*>>> groups;
    for (auto& f : r.findings) {
        auto it = std::find_if(groups.begin(), groups.end(), [&](auto& g) { return g.first == f.cause; });
        if (it == groups.end()) groups.push_back({f.cause, {&f}});
        else it->second.push_back(&f);
    }
    return groups;
}

void write_text(std::ostream& out, const analysis::Results& r, const RunInfo& run) {
    auto c = [&](const char* code) { return run.color ? code : ""; };
    const char* reset = run.color ? "\033[0m" : "";
    const char* bold = run.color ? "\033[1m" : "";
    out << bold << "revoscope " << run.tool_version << reset << "\n";
    for (auto& f : run.capture.files) {
        out << fmt::format("  file     {} ({}, {}, {} packets){}\n", f.name, human_bytes(f.size_bytes),
                           f.format.empty() ? "?" : f.format, f.packets,
                           f.error.empty() ? "" : " — " + f.error + (f.partial ? " (partial)" : ""));
    }
    auto [a, b] = time_span(r, run);
    out << fmt::format("  span     {} .. {} ({})\n", format_rfc3339(a), format_rfc3339(b),
                       format_duration_ns(b.ns - a.ns));
    out << fmt::format("  traffic  {} packets, {} TCP flows, {} TLS handshakes, {} revocation checks, {} DNS "
                       "lookups\n",
                       run.capture.packets, run.capture.tcp_flows, r.handshakes.size(), r.checks.size(), r.dns.size());
    std::string problems;
    for (auto& [k, v] : run.capture.anomalies.all()) problems += fmt::format("{}{}={}", problems.empty() ? "" : ", ", k, v);
    for (auto& [k, v] : r.anomalies.all()) problems += fmt::format("{}{}={}", problems.empty() ? "" : ", ", k, v);
    out << "  decode   " << (problems.empty() ? "no problems" : problems) << "\n";
    if (!r.trust_error.empty()) out << "  trust    " << r.trust_error << "\n";
    out << "\n" << bold << "Verdict: " << reset << verdict(r) << "\n";

    if (!r.findings.empty()) {
        out << "\n" << bold << "Findings" << reset << "\n";
        for (auto& [cause, list] : group_by_cause(r)) {
            out << "\n== " << cause << " ==\n";
            for (auto* f : list) {
                out << fmt::format("{}[{}]{} {} — {}\n", c(sev_color(f->severity)), upper(analysis::to_string(f->severity)),
                                   reset, f->code, f->summary);
                for (auto& e : f->evidence) out << "    - " << e << "\n";
                if (!f->fix.empty()) out << "    fix: " << f->fix << "\n";
                if (!f->why.empty()) out << "    why: " << f->why << "\n";
            }
        }
    }
    if (!r.stories.empty()) {
        out << "\n" << bold << "Connections" << reset << "\n";
        for (auto& st : r.stories) {
            const auto& h = r.handshakes[st.handshake_index];
            std::string sni = h.client_hello && !h.client_hello->sni.empty() ? " " + h.client_hello->sni : "";
            out << fmt::format("  {} -> {}{}: {}\n", h.conn.client.to_string(), h.conn.server.to_string(), sni, st.verdict);
            out << "      " << fmt::format("{}", fmt::join(st.steps, " -> ")) << "\n";
        }
    }
    bool orphan = false;
    for (std::size_t i = 0; i < r.checks.size(); ++i) {
        const auto& k = r.checks[i];
        if (k.handshake_index) continue;
        if (!orphan) out << "\n" << bold << "Checks not tied to a TLS connection in the capture" << reset << "\n";
        orphan = true;
        out << fmt::format("  {} {} {} -> {}{}: {}{}\n", k.transport, dissect::to_string(k.kind), k.client.to_string(),
                           k.responder.to_string(), k.host.empty() ? "" : " (" + k.host + ")",
                           k.http_status ? fmt::format("HTTP {} ", k.http_status) : "", k.outcome);
    }
    if (!r.handshakes.empty()) {
        out << "\n" << bold << "Handshakes" << reset << "\n";
        for (auto& h : r.handshakes) {
            std::string ver = h.server_hello ? version_name(h.server_hello->selected_version) : "-";
            std::string staple = h.staple ? (h.staple->response.singles.empty()
                                                 ? std::string("staple")
                                                 : std::string("staple=") + dissect::to_string(h.staple->response.singles[0].status))
                                          : (h.client_hello && h.client_hello->status_request ? "no-staple" : "-");
            out << fmt::format("  frame {:<6} {} -> {} sni={} {} {} sr={} {} chain={}{} {}\n", h.start.frame,
                               h.conn.client.to_string(), h.conn.server.to_string(),
                               h.client_hello && !h.client_hello->sni.empty() ? h.client_hello->sni : "-", ver,
                               h.server_hello ? cipher_name(h.server_hello->cipher_suite) : "-",
                               h.client_hello && h.client_hello->status_request ? "yes" : "no", staple,
                               h.encrypted && !h.decrypted ? std::string("encrypted") : std::to_string(h.chain.size()),
                               h.alerts.empty() ? "" : fmt::format(" alerts={}", h.alerts.size()),
                               h.fate.empty() ? (h.complete ? "completed" : "incomplete") : h.fate);
            if (!h.decrypt_note.empty()) out << "               key log: " << h.decrypt_note << "\n";
        }
    }
}

}  // namespace revo::report::detail
