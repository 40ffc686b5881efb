// Markdown report, to paste into a ticket.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "report/detail.h"

namespace revo::report::detail {

namespace {

std::string md(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '|') out += "\\|";
        else if (c == '\n') out += ' ';
        else out += c;
    }
    return out;
}

}  // namespace

void write_markdown(std::ostream& out, const analysis::Results& r, const RunInfo& run) {
    out << "# revoscope report\n\n";
    out << "**Verdict:** " << md(verdict(r)) << "\n\n";
    out << "## Capture\n\n| | |\n|---|---|\n";
    for (auto& f : run.capture.files)
        out << fmt::format("| file | `{}` ({}, {}, {} packets{}) |\n| sha256 | `{}` |\n", md(f.name), human_bytes(f.size_bytes),
                           f.format, f.packets, f.error.empty() ? "" : ", " + md(f.error), f.sha256.empty() ? "-" : f.sha256);
    auto [a, b] = time_span(r, run);
    out << fmt::format("| time span | {} .. {} ({}) |\n", format_rfc3339(a), format_rfc3339(b), format_duration_ns(b.ns - a.ns));
    out << fmt::format("| traffic | {} packets, {} TCP flows, {} TLS handshakes, {} revocation checks |\n",
                       run.capture.packets, run.capture.tcp_flows, r.handshakes.size(), r.checks.size());
    std::string problems;
    for (auto& [k, v] : run.capture.anomalies.all()) problems += fmt::format("{}`{}`={}", problems.empty() ? "" : ", ", k, v);
    for (auto& [k, v] : r.anomalies.all()) problems += fmt::format("{}`{}`={}", problems.empty() ? "" : ", ", k, v);
    out << "| decode problems | " << (problems.empty() ? "none" : problems) << " |\n";
    out << fmt::format("| tool | revoscope {} |\n", run.tool_version);
    if (!run.command_line.empty()) out << "| options | `" << md(fmt::format("{}", fmt::join(run.command_line, " "))) << "` |\n";
    out << "\n## Findings\n\n";
    if (r.findings.empty()) out << "None.\n";
    for (auto& [cause, list] : group_by_cause(r)) {
        out << "### " << cause << "\n\n";
        for (auto* f : list) {
            out << fmt::format("#### {} `{}` — {}\n\n", analysis::to_string(f->severity), f->code, f->summary);
            out << "Evidence:\n\n";
            for (auto& e : f->evidence) out << "- " << e << "\n";
            out << "\n**Fix:** " << f->fix << "\n\n";
            if (!f->why.empty()) out << "*Why:* " << f->why << "\n\n";
        }
    }
    if (!r.stories.empty()) {
        out << "## Connections\n\n";
        for (auto& st : r.stories) {
            const auto& h = r.handshakes[st.handshake_index];
            out << fmt::format("- `{}` -> `{}`{}: **{}**  \n  {}\n", h.conn.client.to_string(), h.conn.server.to_string(),
                               h.client_hello && !h.client_hello->sni.empty() ? " " + h.client_hello->sni : "",
                               st.verdict, fmt::format("{}", fmt::join(st.steps, " → ")));
        }
        out << "\n";
    }
    if (!r.checks.empty()) {
        out << "## Revocation checks\n\n| frame | transport | kind | client | responder | status | latency | outcome |\n"
               "|---|---|---|---|---|---|---|---|\n";
        for (auto& k : r.checks)
            out << fmt::format("| {} | {} | {} | {} | {}{} | {} | {} | {} |\n", k.start().frame, k.transport,
                               dissect::to_string(k.kind), k.client.to_string(), k.responder.to_string(),
                               k.host.empty() ? "" : " " + k.host, k.http_status ? std::to_string(k.http_status) : "-",
                               k.latency_ms ? fmt::format("{:.0f} ms", *k.latency_ms) : "-", k.outcome);
    }
}

}  // namespace revo::report::detail
