// HTML report: one self-contained file (inline CSS and SVG, no external assets) to attach to a ticket.
#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "report/detail.h"

namespace revo::report::detail {

std::string html_escape(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

namespace {

/// Escapes text and turns `backticked` spans into <code>.
std::string rich(const std::string& s) {
    std::string out;
    bool in = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= s.size(); ++i) {
        if (i == s.size() || s[i] == '`') {
            out += html_escape(s.substr(start, i - start));
            if (i < s.size()) out += in ? "</code>" : "<code>";
            in = !in;
            start = i + 1;
        }
    }
    if (!in) out += "</code>";  // unbalanced backtick: close it
    return out;
}

const char* sev_class(analysis::Severity s) { return analysis::to_string(s); }

const char* sev_color(int s) {
    switch (s) {
        case 3: return "#7b1fa2";
        case 2: return "#c62828";
        case 1: return "#ef6c00";
        case 0: return "#0277bd";
        default: return "#2e7d32";
    }
}

struct Mark {
    std::int64_t ns;
    std::string label;
    std::string color;
};
struct Bar {
    std::int64_t a, b;
    std::string color;
    bool dashed = false;
    std::string label;
};
struct Row {
    std::string label;
    std::vector<Mark> marks;
    std::vector<Bar> bars;
};

std::string tick_label(std::int64_t ns) {
    double ms = ns / 1e6;
    if (std::fabs(ms) < 1000) return fmt::format("+{:.0f} ms", ms);
    if (std::fabs(ms) < 86'400'000.0) return fmt::format("+{:.1f} s", ms / 1000);
    return fmt::format("+{:.0f} d", ms / 86'400'000.0);
}

std::string svg_timeline(const std::vector<Row>& rows) {
    std::int64_t t0 = INT64_MAX, t1 = INT64_MIN;
    for (auto& r : rows) {
        for (auto& m : r.marks) t0 = std::min(t0, m.ns), t1 = std::max(t1, m.ns);
        for (auto& b : r.bars) t0 = std::min(t0, b.a), t1 = std::max(t1, b.b);
    }
    if (t0 == INT64_MAX) return "";
    std::int64_t span = std::max<std::int64_t>(t1 - t0, 1'000'000);
    // Round the axis to a friendly step.
    const std::int64_t steps[] = {1'000'000, 2'000'000, 5'000'000, 10'000'000, 20'000'000, 50'000'000, 100'000'000,
                                  200'000'000, 500'000'000, 1'000'000'000, 2'000'000'000, 5'000'000'000,
                                  10'000'000'000, 20'000'000'000, 30'000'000'000, 60'000'000'000, 120'000'000'000,
                                  300'000'000'000, 600'000'000'000, 1'800'000'000'000, 3'600'000'000'000};
    // Beyond the table (a capture spanning more than 8 hours, or a damaged one spanning years) the step is
    // whole days, so that there are never more than 8 steps whatever the span.
    constexpr std::int64_t kDay = 86'400'000'000'000;
    std::int64_t step = 0;
    for (auto s : steps)
        if (span / s <= 8) {
            step = s;
            break;
        }
    if (step == 0) step = (span / 8 / kDay + 1) * kDay;
    const std::int64_t nsteps = span / step + (span % step != 0 ? 1 : 0);  // at most 8
    const double axis = static_cast<double>(nsteps) * static_cast<double>(step);  // may exceed int64 near the limit
    const int W = 1100, L = 270, R = 1080, RH = 52, TOP = 8;
    const int H = TOP + static_cast<int>(rows.size()) * RH + 34;
    auto X = [&](std::int64_t ns) { return L + static_cast<double>(ns - t0) / axis * (R - L); };
    std::string s = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
        "font-family=\"sans-serif\" font-size=\"11\">\n",
        W, H, W, H);
    for (std::int64_t k = 0; k <= nsteps; ++k) {
        const double x = L + static_cast<double>(k) / static_cast<double>(nsteps) * (R - L);
        const std::int64_t rel = k <= INT64_MAX / step ? k * step : INT64_MAX;
        s += fmt::format("<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"#e0e0e0\"/>\n", x, TOP, x,
                         H - 28);
        s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555\">{}</text>\n", x, H - 12,
                         tick_label(rel));
    }
    s += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#888\"/>\n", L, H - 28, R, H - 28);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& row = rows[i];
        int mid = TOP + static_cast<int>(i) * RH + RH / 2 + 6;
        if (i % 2 == 0)
            s += fmt::format("<rect x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fafafa\"/>\n",
                             TOP + static_cast<int>(i) * RH, W, RH);
        std::string label = row.label.size() > 42 ? row.label.substr(0, 41) + "…" : row.label;
        s += fmt::format("<text x=\"8\" y=\"{}\" fill=\"#222\">{}</text>\n", mid + 4, html_escape(label));
        for (auto& b : row.bars) {
            double x1 = X(b.a), x2 = std::max(X(b.b), x1 + 2);
            if (b.dashed)
                s += fmt::format("<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"3\" "
                                 "stroke-dasharray=\"6 4\"/>\n",
                                 x1, mid, x2, mid, b.color);
            else
                s += fmt::format("<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"10\" rx=\"2\" fill=\"{}\" "
                                 "opacity=\"0.85\"/>\n",
                                 x1, mid - 5, x2 - x1, b.color);
            if (!b.label.empty()) {
                bool right = x1 > (L + R) / 2.0;
                s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" fill=\"{}\" text-anchor=\"{}\">{}</text>\n",
                                 right ? x2 : x1, mid + 19, b.color, right ? "end" : "start", html_escape(b.label));
            }
        }
        // Marks closer than a label's width share one label ("ClientHello … Certificate").
        std::vector<Mark> marks = row.marks;
        std::sort(marks.begin(), marks.end(), [](const Mark& a, const Mark& b) { return a.ns < b.ns; });
        for (std::size_t m = 0; m < marks.size();) {
            std::size_t e = m + 1;
            while (e < marks.size() && X(marks[e].ns) - X(marks[m].ns) < 70) ++e;
            for (std::size_t q = m; q < e; ++q) {
                double x = X(marks[q].ns);
                s += fmt::format("<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"{}\" "
                                 "stroke-width=\"2\"/>\n",
                                 x, mid - 8, x, mid + 8, marks[q].color);
                s += fmt::format("<circle cx=\"{:.1f}\" cy=\"{}\" r=\"3\" fill=\"{}\"/>\n", x, mid, marks[q].color);
            }
            std::string label = marks[m].label;
            std::string color = marks[m].color;
            for (std::size_t q = m + 1; q < e; ++q)
                if (marks[q].color != "#1565c0" && marks[q].color != color) color = marks[q].color;
            if (e - m > 1) label += " … " + marks[e - 1].label;
            if (e - m > 2) label += fmt::format(" ({} events)", e - m);
            double x = X(marks[m].ns);
            s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" fill=\"{}\" text-anchor=\"{}\">{}</text>\n",
                             x > R - 120 ? X(marks[e - 1].ns) : x - 4, mid - 12, color, x > R - 120 ? "end" : "start",
                             html_escape(label));
            m = e;
        }
    }
    s += "</svg>\n";
    return s;
}

int check_severity(const analysis::Results& r, std::size_t i) {
    int s = -1;
    for (auto& f : r.findings)
        if (std::find(f.checks.begin(), f.checks.end(), i) != f.checks.end()) s = std::max(s, static_cast<int>(f.severity));
    return s;
}

Row check_row(const analysis::Results& r, std::size_t i) {
    const auto& k = r.checks[i];
    Row row;
    std::string kind = k.kind == dissect::CheckKind::crl ? "CRL" : k.kind == dissect::CheckKind::aia_issuer ? "AIA" : "OCSP";
    std::string who = k.role == "server-staple-fetch" ? "server " : "";
    row.label = fmt::format("{}{} {} → {}", who, kind, k.transport, k.host.empty() ? k.responder.to_string() : k.host);
    int sev = check_severity(r, i);
    std::string color = sev_color(sev >= 1 ? sev : -1);
    if (k.tcp) {
        const auto& t = *k.tcp;
        for (std::size_t n = 0; n < t.syns.size(); ++n)
            row.marks.push_back({t.syns[n].ts.ns, n == 0 ? "SYN" : fmt::format("SYN #{}", n + 1), n ? "#c62828" : "#555"});
        if (t.syn_ack && !t.syns.empty())
            row.bars.push_back({t.syns.front().ts.ns, t.syn_ack->ts.ns, "#9e9e9e", false,
                                k.transport == "tcp-only" ? fmt::format("connect {:.0f} ms", ms_between(t.syns.front().ts, t.syn_ack->ts)) : ""});
        for (auto& x : t.rsts) row.marks.push_back({x.frame.ts.ns, "RST", "#c62828"});
        for (auto& e : t.icmp) row.marks.push_back({e.frame.ts.ns, "ICMP " + e.meaning, "#c62828"});
        if (k.transport == "tcp-only" && t.state == capture::ConnState::syn_sent && !t.syns.empty())
            row.bars.push_back({t.syns.front().ts.ns, t.last_frame.ts.ns, "#c62828", true,
                                fmt::format("{} SYN(s), no answer for {}", t.syns.size(),
                                            format_duration_ns(t.last_frame.ts.ns - t.syns.front().ts.ns))});
    }
    if (k.transport == "http" && k.request_first.valid()) {
        if (k.http_status) {
            std::string lbl = fmt::format("{} → HTTP {}", k.method, k.http_status);
            if (k.latency_ms) lbl += fmt::format(", {:.0f} ms", *k.latency_ms);
            if (k.response && k.response->parse_error.empty()) lbl += " " + k.response->response_status_name;
            row.bars.push_back({k.request_first.ts.ns, k.response_last.valid() ? k.response_last.ts.ns : k.response_first.ts.ns,
                                sev >= 1 ? color : "#2e7d32", false, lbl});
        } else {
            row.bars.push_back({k.request_first.ts.ns, k.end().ts.ns, "#c62828", true,
                                fmt::format("{} → no response ({})", k.method, k.outcome)});
        }
    }
    if (k.transport == "staple") {
        std::string st = k.response && !k.response->singles.empty() ? dissect::to_string(k.response->singles[0].status) : "?";
        row.marks.push_back({k.response_first.ts.ns, "staple " + st, sev >= 1 ? color : "#2e7d32"});
    }
    return row;
}

Row handshake_row(const dissect::TlsHandshake& h) {
    Row row;
    row.label = fmt::format("TLS {} → {}", h.conn.client.addr.to_string(),
                            h.client_hello && !h.client_hello->sni.empty() ? h.client_hello->sni : h.conn.server.to_string());
    std::int64_t end = h.end ? h.end->ts.ns : h.start.ts.ns;
    if (h.client_hello) row.marks.push_back({h.client_hello->frame.ts.ns, "ClientHello", "#1565c0"});
    if (h.server_hello) row.marks.push_back({h.server_hello->frame.ts.ns, "ServerHello", "#1565c0"});
    if (h.certificate_frame) row.marks.push_back({h.certificate_frame->ts.ns, "Certificate", "#1565c0"});
    if (h.certificate_status_frame) row.marks.push_back({h.certificate_status_frame->ts.ns, "Status", "#1565c0"});
    for (auto& a : h.alerts) {
        row.marks.push_back({a.frame.ts.ns, "alert " + (a.encrypted && !a.decrypted ? std::string("(enc)") : a.name), "#c62828"});
        end = std::max(end, a.frame.ts.ns);
    }
    for (auto& m : row.marks) end = std::max(end, m.ns);
    row.bars.push_back({h.start.ts.ns, end, "#90caf9", false, h.fate.empty() ? "" : h.fate});
    std::sort(row.marks.begin(), row.marks.end(), [](auto& a, auto& b) { return a.ns < b.ns; });
    return row;
}

}  // namespace

void write_html(std::ostream& out, const analysis::Results& r, const RunInfo& run) {
    auto sev = severity_counts(r);
    int top = r.findings.empty() ? -1 : static_cast<int>(r.findings.front().severity);
    if (top == 0) top = -1;
    std::string title = run.capture.files.empty() ? "capture" : run.capture.files.front().name;
    out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>revoscope report — "
        << html_escape(title) << "</title>\n<style>\n"
        << "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1140px;color:#222;"
           "line-height:1.4;padding:0 12px}\n"
           "h1{font-size:22px;margin:0 0 12px}h2{font-size:18px;border-bottom:2px solid #ddd;padding-bottom:4px;"
           "margin-top:28px}h3{font-size:15px;margin:18px 0 6px}\n"
           ".verdict{padding:12px 16px;border-radius:6px;color:#fff;font-size:16px;font-weight:600}\n"
           ".counts span{display:inline-block;margin:8px 8px 0 0;padding:2px 10px;border-radius:10px;color:#fff;"
           "font-size:13px}\n"
           "table{border-collapse:collapse;font-size:13px;width:100%}td,th{border:1px solid #ddd;padding:4px 8px;"
           "text-align:left;vertical-align:top}th{background:#f3f3f3}\n"
           "table.meta td:first-child{width:160px;font-weight:600;background:#f9f9f9}\n"
           ".finding{border:1px solid #ddd;border-left:6px solid #999;border-radius:4px;margin:10px 0;padding:8px 12px}\n"
           ".finding .head{font-weight:600}.badge{color:#fff;border-radius:3px;padding:1px 6px;font-size:12px;"
           "margin-right:6px;text-transform:uppercase}\n"
           ".finding ul{margin:6px 0;padding-left:20px;font-size:13px}.fix{background:#f1f8e9;padding:6px 8px;"
           "border-radius:4px;font-size:13px}.why{color:#555;font-size:13px;font-style:italic;margin:4px 0}\n"
           "code{background:#eee;padding:0 3px;border-radius:3px;font-size:12px}.count{color:#555;font-weight:400}\n"
           ".story{font-size:13px;color:#333;margin:2px 0 8px}svg.timeline{border:1px solid #e3e3e3;background:#fff;"
           "max-width:100%;height:auto}\n";
    for (int s = 0; s < 4; ++s)
        out << ".sev-" << sev_class(static_cast<analysis::Severity>(s)) << "{border-left-color:" << sev_color(s) << "}\n"
            << ".bg-" << sev_class(static_cast<analysis::Severity>(s)) << "{background:" << sev_color(s) << "}\n";
    out << ".bg-ok{background:#2e7d32}\n</style></head><body>\n";
    out << "<h1>revoscope report — " << html_escape(title) << "</h1>\n";
    out << "<div class=\"verdict\" id=\"verdict\" style=\"background:" << sev_color(top) << "\">" << html_escape(verdict(r))
        << "</div>\n<div class=\"counts\">";
    const char* names[4] = {"info", "warning", "error", "critical"};
    for (int s = 3; s >= 0; --s)
        if (sev[s]) out << "<span class=\"bg-" << names[s] << "\">" << sev[s] << " " << names[s] << "</span>";
    if (!sev[1] && !sev[2] && !sev[3]) out << "<span class=\"bg-ok\">no problems at warning or above</span>";
    out << "</div>\n";

    // Capture metadata.
    out << "<h2>Capture</h2>\n<table class=\"meta\">\n";
    for (auto& f : run.capture.files) {
        out << "<tr><td>file</td><td>" << html_escape(f.name) << " — " << human_bytes(f.size_bytes) << " ("
            << f.size_bytes << " bytes), " << html_escape(f.format) << ", " << f.packets << " packets";
        if (!f.link_types.empty()) out << ", link " << html_escape(fmt::format("{}", fmt::join(f.link_types, ", ")));
        out << "</td></tr>\n<tr><td>SHA-256</td><td><code>" << html_escape(f.sha256.empty() ? "-" : f.sha256)
            << "</code></td></tr>\n";
        if (!f.error.empty())
            out << "<tr><td>read error</td><td>" << html_escape(f.error) << (f.partial ? " (partial results)" : "")
                << "</td></tr>\n";
    }
    auto [a, b] = time_span(r, run);
    out << "<tr><td>time span</td><td>" << format_rfc3339(a) << " .. " << format_rfc3339(b) << " ("
        << format_duration_ns(b.ns - a.ns) << ")</td></tr>\n";
    out << fmt::format("<tr><td>traffic</td><td>{} packets, {} TCP flows, {} TLS handshakes, {} revocation checks, {} "
                       "DNS lookups</td></tr>\n",
                       run.capture.packets, run.capture.tcp_flows, r.handshakes.size(), r.checks.size(), r.dns.size());
    std::string problems;
    for (auto& [k, v] : run.capture.anomalies.all()) problems += fmt::format("{}{}={}", problems.empty() ? "" : ", ", k, v);
    for (auto& [k, v] : r.anomalies.all()) problems += fmt::format("{}{}={}", problems.empty() ? "" : ", ", k, v);
    out << "<tr><td>decode problems</td><td>" << html_escape(problems.empty() ? "none" : problems) << "</td></tr>\n";
    out << "<tr><td>tool</td><td>revoscope " << html_escape(run.tool_version) << "</td></tr>\n";
    out << "<tr><td>options</td><td><code>"
        << html_escape(run.command_line.empty() ? "-" : fmt::format("{}", fmt::join(run.command_line, " ")))
        << "</code><br>" << fmt::format("slow threshold {} ms, clock tolerance {} s, correlation window {} s",
                                        r.options.slow_ms, r.options.clock_tolerance_s, r.options.correlation_window_s)
        << (run.redact ? "; addresses and host names redacted" : "") << "</td></tr>\n";
    if (!r.trust_error.empty())
        out << "<tr><td>trust store</td><td>" << html_escape(r.trust_error) << "</td></tr>\n";
    out << "</table>\n";

    // Findings.
    out << "<h2>Findings</h2>\n";
    if (r.findings.empty()) out << "<p>None: no revocation problems were found in this capture.</p>\n";
    for (auto& [cause, list] : group_by_cause(r)) {
        out << "<h3>" << html_escape(cause) << "</h3>\n";
        for (auto* f : list) {
            out << "<div class=\"finding sev-" << sev_class(f->severity) << "\" data-code=\"" << f->code << "\">\n"
                << "<div class=\"head\"><span class=\"badge bg-" << sev_class(f->severity) << "\">"
                << sev_class(f->severity) << "</span><code>" << f->code << "</code> " << html_escape(f->summary)
                << "</div>\n<ul>\n";
            for (auto& e : f->evidence) out << "<li>" << rich(e) << "</li>\n";
            out << "</ul>\n<div class=\"fix\"><b>Fix:</b> " << rich(f->fix) << "</div>\n";
            if (!f->why.empty()) out << "<div class=\"why\">" << rich(f->why) << "</div>\n";
            out << "</div>\n";
        }
    }

    // Timelines of affected connections.
    std::vector<std::pair<std::string, std::vector<Row>>> timelines;
    std::set<std::size_t> drawn;
    for (auto& st : r.stories) {
        bool affected = false;
        for (auto& code : st.codes)
            if (const auto* info = analysis::find_code(code); info && info->severity != analysis::Severity::info)
                affected = true;
        for (auto& f : r.findings)
            if (f.severity != analysis::Severity::info &&
                std::find(f.handshakes.begin(), f.handshakes.end(), st.handshake_index) != f.handshakes.end())
                affected = true;
        if (!affected || timelines.size() >= 30) continue;
        const auto& h = r.handshakes[st.handshake_index];
        std::vector<Row> rows{handshake_row(h)};
        for (auto j : st.checks) {
            rows.push_back(check_row(r, j));
            drawn.insert(j);
        }
        std::string sni = h.client_hello && !h.client_hello->sni.empty() ? " (" + h.client_hello->sni + ")" : "";
        timelines.push_back({fmt::format("{} → {}{} — {}", h.conn.client.to_string(), h.conn.server.to_string(), sni,
                                         st.verdict),
                             std::move(rows)});
    }
    std::map<std::string, std::vector<Row>> loose;
    for (std::size_t j = 0; j < r.checks.size(); ++j)
        if (!drawn.count(j) && !r.checks[j].handshake_index && check_severity(r, j) >= 1)
            loose[r.checks[j].client.addr.to_string()].push_back(check_row(r, j));
    for (auto& [client, rows] : loose)
        if (timelines.size() < 40) timelines.push_back({"revocation checks by " + client + " (no TLS connection seen)", rows});
    if (!timelines.empty()) {
        out << "<h2>Timelines</h2>\n<p class=\"story\">Time runs left to right to scale; each SYN is a tick, dashed red "
               "lines are waits that got no answer, bars are request-to-response latencies.</p>\n";
        for (auto& [title2, rows] : timelines) {
            out << "<h3>" << html_escape(title2) << "</h3>\n" << svg_timeline(rows);
        }
    }

    // Stories and handshakes.
    if (!r.stories.empty()) {
        out << "<h2>Connections</h2>\n<table><tr><th>client → server</th><th>story</th><th>verdict</th></tr>\n";
        for (auto& st : r.stories) {
            const auto& h = r.handshakes[st.handshake_index];
            out << "<tr><td>" << html_escape(h.conn.client.to_string()) << " → " << html_escape(h.conn.server.to_string())
                << (h.client_hello && !h.client_hello->sni.empty() ? "<br>" + html_escape(h.client_hello->sni) : "")
                << "</td><td>" << html_escape(fmt::format("{}", fmt::join(st.steps, " → "))) << "</td><td>"
                << html_escape(st.verdict) << "</td></tr>\n";
        }
        out << "</table>\n";
    }
    if (!r.checks.empty()) {
        out << "<h2>Revocation checks</h2>\n<table><tr><th>frame</th><th>transport</th><th>kind</th><th>role</th>"
               "<th>client</th><th>responder</th><th>HTTP</th><th>OCSP</th><th>latency</th><th>outcome</th></tr>\n";
        for (std::size_t j = 0; j < r.checks.size(); ++j) {
            const auto& k = r.checks[j];
            std::string ocsp = k.response && k.response->parse_error.empty() ? k.response->response_status_name : "-";
            if (k.response)
                for (auto& s : k.response->singles) ocsp += std::string(" ") + dissect::to_string(s.status);
            if (k.verification.performed)
                ocsp += k.verification.ok ? ", verified" : ", failed: " + fmt::format("{}", fmt::join(k.verification.reasons, ", "));
            out << fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                               "<td>{}</td><td>{}</td></tr>\n",
                               k.start().frame, k.transport, dissect::to_string(k.kind), html_escape(k.role),
                               html_escape(k.client.to_string()),
                               html_escape(k.responder.to_string() + (k.host.empty() ? "" : " " + k.host)),
                               k.http_status ? std::to_string(k.http_status) : "-", html_escape(ocsp),
                               k.latency_ms ? fmt::format("{:.0f} ms", *k.latency_ms) : "-", html_escape(k.outcome));
        }
        out << "</table>\n";
    }
    out << "<p class=\"story\">Generated by revoscope " << html_escape(run.tool_version)
        << ". Times are capture times (UTC).</p>\n</body></html>\n";
}

}  // namespace revo::report::detail
