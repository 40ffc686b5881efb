// JSON records for --format jsonl (one object per line) and the data behind the other reports.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "report/detail.h"

namespace revo::report::detail {

using nlohmann::json;

std::string version_name(std::uint16_t v) {
    switch (v) {
        case 0x0002: return "SSL 2.0";
        case 0x0300: return "SSL 3.0";
        case 0x0301: return "TLS 1.0";
        case 0x0302: return "TLS 1.1";
        case 0x0303: return "TLS 1.2";
        case 0x0304: return "TLS 1.3";
        case 0: return "";
        default: return fmt::format("unknown(0x{:04x})", v);
    }
}

std::string cipher_name(std::uint16_t id) {
    static const std::map<std::uint16_t, const char*> names = {
        {0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA"},
        {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"},
        {0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256"},
        {0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
        {0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384"},
        {0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
        {0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"},
        {0x1301, "TLS_AES_128_GCM_SHA256"},
        {0x1302, "TLS_AES_256_GCM_SHA384"},
        {0x1303, "TLS_CHACHA20_POLY1305_SHA256"},
        {0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
        {0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"},
        {0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
        {0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"},
        {0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"},
        {0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
        {0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"},
        {0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
        {0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
        {0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
        {0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
        {0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
        {0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
        {0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    };
    auto it = names.find(id);
    return it != names.end() ? it->second : fmt::format("unknown(0x{:04x})", id);
}

std::string human_bytes(std::uint64_t n) {
    if (n < 1024) return fmt::format("{} B", n);
    if (n < 1024 * 1024) return fmt::format("{:.1f} KiB", n / 1024.0);
    if (n < 1024ull * 1024 * 1024) return fmt::format("{:.1f} MiB", n / 1048576.0);
    return fmt::format("{:.2f} GiB", n / 1073741824.0);
}

namespace {

json frame_or_null(const std::optional<FrameRef>& f) {
    if (!f || !f->valid()) return nullptr;
    return f->frame;
}
json frame_or_null(const FrameRef& f) { return f.valid() ? json(f.frame) : json(nullptr); }
json ts_or_null(const FrameRef& f) { return f.valid() ? json(format_rfc3339(f.ts)) : json(nullptr); }
json secs_or_null(const std::optional<std::int64_t>& s) { return s ? json(format_rfc3339_seconds(*s)) : json(nullptr); }

json cert_id_json(const dissect::OcspCertId& id) {
    return {{"hash_alg", id.hash_alg},
            {"issuer_name_hash", id.issuer_name_hash},
            {"issuer_key_hash", id.issuer_key_hash},
            {"serial", id.serial_hex}};
}

json response_json(const dissect::OcspResponseInfo& r) {
    json j;
    j["response_status"] = r.response_status_name.empty() ? json(r.response_status) : json(r.response_status_name);
    j["responder_id"] = r.responder_id;
    j["produced_at"] = secs_or_null(r.produced_at);
    json singles = json::array();
    for (auto& s : r.singles)
        singles.push_back({{"cert_id", cert_id_json(s.cert_id)},
                           {"serial", s.cert_id.serial_hex},
                           {"status", dissect::to_string(s.status)},
                           {"this_update", format_rfc3339_seconds(s.this_update)},
                           {"next_update", secs_or_null(s.next_update)},
                           {"revocation_time", secs_or_null(s.revocation_time)},
                           {"revocation_reason", s.revocation_reason ? json(*s.revocation_reason) : json(nullptr)}});
    j["singles"] = singles;
    j["nonce"] = r.nonce_hex ? json(*r.nonce_hex) : json(nullptr);
    j["sig_alg"] = r.sig_alg;
    json certs = json::array();
    for (auto& c : r.certs)
        if (c) certs.push_back({{"subject", c->subject}, {"sha256", c->sha256}});
    j["certs"] = certs;
    j["size"] = r.der.size();
    if (!r.parse_error.empty()) j["parse_error"] = r.parse_error;
    return j;
}

json verification_json(const dissect::OcspVerification& v) {
    return {{"performed", v.performed},
            {"ok", v.performed ? json(v.ok) : json(nullptr)},
            {"reasons", v.reasons},
            {"signer", v.signer_subject},
            {"signer_kind", v.signer_kind},
            {"detail", v.detail}};
}

}  // namespace

json cert_json(const dissect::CertSummary& c) {
    json j = {{"subject", c.subject},
              {"issuer", c.issuer},
              {"serial", c.serial_hex},
              {"not_before", format_rfc3339_seconds(c.not_before)},
              {"not_after", format_rfc3339_seconds(c.not_after)},
              {"sha256", c.sha256},
              {"san_dns", c.san_dns},
              {"san_ip", c.san_ip},
              {"key", c.key_type + (c.key_bits ? fmt::format(" {}", c.key_bits) : "")},
              {"sig_alg", c.sig_alg},
              {"is_ca", c.is_ca},
              {"self_signed", c.self_signed},
              {"ocsp_urls", c.ocsp_urls},
              {"crl_urls", c.crl_urls},
              {"ca_issuers_urls", c.ca_issuers_urls},
              {"must_staple", c.must_staple},
              {"revocation_mechanisms", c.revocation_mechanisms()}};
    if (!c.parse_error.empty()) j["parse_error"] = c.parse_error;
    return j;
}

HandshakeLinks::HandshakeLinks(const analysis::Results& r)
    : staple_check(r.handshakes.size(), nullptr), story(r.handshakes.size(), nullptr) {
    // Later entries win, as a scan from the front would have it.
    for (auto& k : r.checks)
        if (k.transport == "staple" && k.handshake_index && *k.handshake_index < r.handshakes.size())
            staple_check[*k.handshake_index] = &k;
    for (auto& st : r.stories)
        if (st.handshake_index < r.handshakes.size()) story[st.handshake_index] = &st;
}

json handshake_json(const analysis::Results& r, std::size_t i, const HandshakeLinks& links) {
    const auto& h = r.handshakes[i];
    json j;
    j["type"] = "tls_handshake";
    j["flow_id"] = h.conn.flow_id;
    j["client"] = h.conn.client.to_string();
    j["server"] = h.conn.server.to_string();
    j["ts"] = format_rfc3339(h.start.ts);
    j["duration_ms"] = h.end ? json(ms_between(h.start.ts, h.end->ts)) : json(nullptr);
    const auto* ch = h.client_hello ? &*h.client_hello : nullptr;
    const auto* sh = h.server_hello ? &*h.server_hello : nullptr;
    j["sni"] = ch && !ch->sni.empty() ? json(ch->sni) : json(nullptr);
    j["version"] = sh ? json(version_name(sh->selected_version)) : json(nullptr);
    j["cipher"] = sh ? json(cipher_name(sh->cipher_suite)) : json(nullptr);
    j["alpn"] = sh && !sh->alpn.empty() ? json(sh->alpn) : json(nullptr);
    j["alpn_offered"] = ch ? json(ch->alpn) : json::array();
    j["status_request"] = ch ? ch->status_request : false;
    j["status_request_ack"] = sh ? sh->status_request_ack : false;
    json staple = nullptr;
    if (h.staple) {
        staple = response_json(h.staple->response);
        staple["frame"] = h.staple->frame.frame;
        staple["source"] = h.staple->source;
        if (const auto* k = links.staple_check[i]) staple["verification"] = verification_json(k->verification);
    }
    j["staple"] = staple;
    json chain = json::array();
    for (auto& c : h.chain)
        if (c) chain.push_back(cert_json(*c));
    j["chain"] = chain;
    json alerts = json::array();
    for (auto& a : h.alerts)
        alerts.push_back({{"frame", a.frame.frame},
                          {"ts", format_rfc3339(a.frame.ts)},
                          {"from", a.from == capture::Side::client ? "client" : "server"},
                          {"encrypted", a.encrypted && !a.decrypted},
                          {"level", a.level},
                          {"description", a.description},
                          {"name", a.name},
                          {"after", a.after}});
    j["alerts"] = alerts;
    j["complete"] = h.complete;
    j["encrypted"] = h.encrypted;
    j["decrypted"] = h.decrypted;
    j["decrypt_note"] = h.decrypt_note.empty() ? nlohmann::json(nullptr) : nlohmann::json(h.decrypt_note);
    j["fate"] = h.fate;
    j["frames"] = {{"client_hello", ch ? json(ch->frame.frame) : json(nullptr)},
                   {"server_hello", sh ? json(sh->frame.frame) : json(nullptr)},
                   {"certificate", frame_or_null(h.certificate_frame)},
                   {"certificate_status", frame_or_null(h.certificate_status_frame)}};
    json errors = json::array();
    for (auto& e : h.errors)
        errors.push_back({{"frame", e.frame.frame}, {"message", e.message_type}, {"offset", e.offset}, {"what", e.what}});
    j["errors"] = errors;
    if (const auto* st = links.story[i]) {
        j["revocation"] = st->verdict;
        j["findings"] = st->codes;
    }
    return j;
}

json check_json(const analysis::Results& r, std::size_t i) {
    const auto& k = r.checks[i];
    json j;
    j["type"] = "ocsp_exchange";
    j["transport"] = k.transport;
    j["kind"] = dissect::to_string(k.kind);
    j["role"] = k.role;
    j["flow_id"] = k.flow_id;
    if (k.folded_attempts) j["folded_attempts"] = k.folded_attempts;
    j["client"] = k.client.to_string();
    j["responder"] = k.responder.to_string();
    j["host"] = k.host.empty() ? json(nullptr) : json(k.host);
    j["method"] = k.method.empty() ? json(nullptr) : json(k.method);
    j["url"] = k.url.empty() ? json(nullptr) : json(k.url);
    j["via_proxy"] = k.via_proxy;
    j["request_time"] = ts_or_null(k.transport == "tcp-only" ? k.start() : k.request_first);
    j["response_time"] = ts_or_null(k.response_last.valid() ? k.response_last : k.response_first);
    j["latency_ms"] = k.latency_ms ? json(*k.latency_ms) : json(nullptr);
    j["connect_ms"] = k.connect_ms ? json(*k.connect_ms) : json(nullptr);
    j["http_status"] = k.http_status ? json(k.http_status) : json(nullptr);
    j["content_type"] = k.content_type.empty() ? json(nullptr) : json(k.content_type);
    j["body_size"] = k.body_size;
    j["outcome"] = k.outcome;
    j["response_status"] = k.response && k.response->parse_error.empty() ? json(k.response->response_status_name)
                                                                          : json(nullptr);
    if (k.request) {
        json ids = json::array();
        for (auto& id : k.request->cert_ids) ids.push_back(cert_id_json(id));
        j["request"] = {{"cert_ids", ids},
                        {"nonce", k.request->nonce_hex ? json(*k.request->nonce_hex) : json(nullptr)},
                        {"signed", k.request->signed_request}};
    } else {
        j["request"] = nullptr;
    }
    j["response"] = k.response ? response_json(*k.response) : json(nullptr);
    j["singles"] = k.response ? j["response"]["singles"] : json::array();
    j["verification"] = verification_json(k.verification);
    j["certs"] = k.cert_fingerprints;
    j["handshake_flow_id"] = k.handshake_index ? json(r.handshakes[*k.handshake_index].conn.flow_id) : json(nullptr);
    json syns = json::array();
    json tcp = nullptr;
    if (k.tcp) {
        for (auto& s : k.tcp->syns) syns.push_back(s.frame);
        json rsts = json::array();
        for (auto& x : k.tcp->rsts) rsts.push_back(x.frame.frame);
        json icmp = json::array();
        for (auto& e : k.tcp->icmp)
            icmp.push_back({{"frame", e.frame.frame}, {"from", e.reporter.to_string()}, {"type", e.type},
                            {"code", e.code}, {"meaning", e.meaning}});
        tcp = {{"state", capture::to_string(k.tcp->state)}, {"syns", k.tcp->syns.size()}, {"rst_frames", rsts},
               {"icmp", icmp}};
    }
    j["tcp"] = tcp;
    j["frames"] = {{"syns", syns},
                   {"request", frame_or_null(k.request_first)},
                   {"response", frame_or_null(k.response_first)},
                   {"response_end", frame_or_null(k.response_last)}};
    return j;
}

json dns_json(const dissect::DnsLookup& q) {
    json answers = json::array();
    for (auto& a : q.answers) answers.push_back({{"name", a.name}, {"type", a.type}, {"ttl", a.ttl}, {"data", a.data}});
    return {{"type", "dns"},
            {"ts", format_rfc3339(q.query.ts)},
            {"client", q.client.to_string()},
            {"server", q.server.to_string()},
            {"transport", q.transport},
            {"qname", q.qname},
            {"qtype", q.qtype},
            {"rcode", q.rcode < 0 ? json(nullptr) : json(q.rcode_name)},
            {"answers", answers},
            {"retransmissions", q.retransmissions},
            {"frames", {{"query", q.query.frame}, {"response", frame_or_null(q.response)}}}};
}

json finding_json(const analysis::Finding& f) {
    return {{"type", "finding"},
            {"code", f.code},
            {"severity", analysis::to_string(f.severity)},
            {"cause", f.cause},
            {"summary", f.summary},
            {"evidence", f.evidence},
            {"fix", f.fix},
            {"why", f.why},
            {"count", f.count},
            {"source", f.source},
            {"place", f.place},
            {"first_seen", f.first_seen.valid() ? json(format_rfc3339(f.first_seen.ts)) : json(nullptr)},
            {"frames", f.frames},
            {"flow_ids", f.flow_ids}};
}

std::array<std::size_t, 4> severity_counts(const analysis::Results& r) {
    std::array<std::size_t, 4> n{};
    for (auto& f : r.findings) n[static_cast<int>(f.severity)]++;
    return n;
}

std::string verdict(const analysis::Results& r) {
    auto n = severity_counts(r);
    std::size_t serious = n[1] + n[2] + n[3];
    if (serious == 0)
        return fmt::format("No revocation problems found ({} TLS handshake(s), {} revocation check(s){}).",
                           r.handshakes.size(), r.checks.size(),
                           n[0] ? fmt::format(", {} informational note(s)", n[0]) : "");
    const analysis::Finding* top = &r.findings.front();
    std::vector<std::string> parts;
    const char* names[4] = {"info", "warning", "error", "critical"};
    for (int s = 3; s >= 0; --s)
        if (n[s]) parts.push_back(fmt::format("{} {}", n[s], names[s]));
    return fmt::format("{}: {} [{}] — {}", analysis::to_string(top->severity), top->summary, top->code,
                       fmt::format("{} finding(s): {}", r.findings.size(), fmt::join(parts, ", ")));
}

std::pair<Timestamp, Timestamp> time_span(const analysis::Results& r, const RunInfo& run) {
    Timestamp a = run.capture.first_ts, b = run.capture.last_ts;
    if (a.ns == 0 && b.ns == 0) {
        bool any = false;
        auto see = [&](const FrameRef& f) {
            if (!f.valid()) return;
            if (!any || f.ts < a) a = f.ts;
            if (!any || f.ts > b) b = f.ts;
            any = true;
        };
        for (auto& h : r.handshakes) {
            see(h.start);
            if (h.end) see(*h.end);
        }
        for (auto& k : r.checks) {
            see(k.start());
            see(k.end());
        }
    }
    return {a, b};
}

json summary_json(const analysis::Results& r, const RunInfo& run) {
    json counts = json::object();
    for (auto& f : r.findings) counts[f.code] = counts.value(f.code, 0u) + f.count;
    auto sev = severity_counts(r);
    json files = json::array();
    for (auto& f : run.capture.files)
        files.push_back({{"name", f.name},
                         {"size", f.size_bytes},
                         {"sha256", f.sha256},
                         {"format", f.format},
                         {"link_types", f.link_types},
                         {"packets", f.packets},
                         {"first", format_rfc3339(f.first_ts)},
                         {"last", format_rfc3339(f.last_ts)},
                         {"error", f.error.empty() ? json(nullptr) : json(f.error)},
                         {"partial", f.partial}});
    json anomalies = json::object();
    for (auto& [k, v] : run.capture.anomalies.all()) anomalies[k] = v;
    for (auto& [k, v] : r.anomalies.all()) anomalies[k] = v;
    auto [a, b] = time_span(r, run);
    json j = {{"type", "summary"},
              {"tool", "revoscope"},
              {"version", run.tool_version},
              {"files", files},
              {"packets", run.capture.packets},
              {"bytes", run.capture.bytes},
              {"tcp_flows", run.capture.tcp_flows},
              {"start", format_rfc3339(a)},
              {"end", format_rfc3339(b)},
              {"duration_ms", ms_between(a, b)},
              {"tls_handshakes", r.handshakes.size()},
              {"revocation_checks", r.checks.size()},
              {"dns_lookups", r.dns.size()},
              {"decode_problems", anomalies},
              {"counts", counts},
              {"severities", {{"info", sev[0]}, {"warning", sev[1]}, {"error", sev[2]}, {"critical", sev[3]}}},
              {"verdict", verdict(r)},
              {"exit_status", exit_status_for(r)},
              {"options",
               {{"slow_ms", r.options.slow_ms},
                {"clock_tolerance_s", r.options.clock_tolerance_s},
                {"correlation_window_s", r.options.correlation_window_s},
                {"command_line", run.command_line}}}};
    if (!r.trust_error.empty()) j["trust_error"] = r.trust_error;
    if (run.capture.live)
        j["live"] = {{"received", run.capture.live_stats.received},
                     {"dropped", run.capture.live_stats.dropped},
                     {"if_dropped", run.capture.live_stats.if_dropped}};
    return j;
}

void write_jsonl(std::ostream& out, const analysis::Results& r, const RunInfo& run) {
    auto line = [&](const json& j) { out << j.dump(-1, ' ', false, json::error_handler_t::replace) << '\n'; };
    const HandshakeLinks links(r);
    for (std::size_t i = 0; i < r.handshakes.size(); ++i) line(handshake_json(r, i, links));
    for (std::size_t i = 0; i < r.checks.size(); ++i) line(check_json(r, i));
    for (auto& q : r.dns) line(dns_json(q));
    for (auto& f : r.findings) line(finding_json(f));
    line(summary_json(r, run));
}

}  // namespace revo::report::detail
