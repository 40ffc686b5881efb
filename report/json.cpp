// JSON records for --format jsonl (one object per line) and the data behind the other reports.
#include <algorithm>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "report/detail.h"
#include "report/json_writer.h"

namespace revo::report::detail {


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

void frame_or_null(JsonWriter& w, const std::optional<FrameRef>& f) {
    w.value_or_null(f && f->valid(), [&] { return f->frame; });
}
void frame_or_null(JsonWriter& w, const FrameRef& f) { w.value_or_null(f.valid(), [&] { return f.frame; }); }
void ts_or_null(JsonWriter& w, const FrameRef& f) { w.value_or_null(f.valid(), [&] { return format_rfc3339(f.ts); }); }
void secs_or_null(JsonWriter& w, const std::optional<std::int64_t>& s) {
    w.value_or_null(s.has_value(), [&] { return format_rfc3339_seconds(*s); });
}

void cert_id_json(JsonWriter& w, const dissect::OcspCertId& id) {
    w.begin_object();
    w.key("hash_alg").value(id.hash_alg);
    w.key("issuer_key_hash").value(id.issuer_key_hash);
    w.key("issuer_name_hash").value(id.issuer_name_hash);
    w.key("serial").value(id.serial_hex);
    w.end_object();
}

void singles_json(JsonWriter& w, const std::vector<dissect::OcspSingle>& singles) {
    w.begin_array();
    for (auto& s : singles) {
        w.begin_object();
        cert_id_json(w.key("cert_id"), s.cert_id);
        secs_or_null(w.key("next_update"), s.next_update);
        w.key("revocation_reason").value(s.revocation_reason);
        secs_or_null(w.key("revocation_time"), s.revocation_time);
        w.key("serial").value(s.cert_id.serial_hex);
        w.key("status").value(dissect::to_string(s.status));
        w.key("this_update").value(format_rfc3339_seconds(s.this_update));
        w.end_object();
    }
    w.end_array();
}

void verification_json(JsonWriter& w, const dissect::OcspVerification& v) {
    w.begin_object();
    w.key("detail").value(v.detail);
    w.key("ok").value_or_null(v.performed, [&] { return v.ok; });
    w.key("performed").value(v.performed);
    w.key("reasons").value(v.reasons);
    w.key("signer").value(v.signer_subject);
    w.key("signer_kind").value(v.signer_kind);
    w.end_object();
}

/// An OCSP response; a staple adds where it came from (`staple`, with its check when there is one).
void response_json(JsonWriter& w, const dissect::OcspResponseInfo& r, const dissect::Staple* staple = nullptr,
                   const analysis::OcspCheck* staple_check = nullptr) {
    w.begin_object();
    w.key("certs").begin_array();
    for (auto& c : r.certs)
        if (c) {
            w.begin_object();
            w.key("sha256").value(c->sha256);
            w.key("subject").value(c->subject);
            w.end_object();
        }
    w.end_array();
    if (staple) w.key("frame").value(staple->frame.frame);
    w.key("nonce").value(r.nonce_hex);
    if (!r.parse_error.empty()) w.key("parse_error").value(r.parse_error);
    secs_or_null(w.key("produced_at"), r.produced_at);
    w.key("responder_id").value(r.responder_id);
    w.key("response_status");
    if (r.response_status_name.empty())
        w.value(r.response_status);
    else
        w.value(r.response_status_name);
    w.key("sig_alg").value(r.sig_alg);
    singles_json(w.key("singles"), r.singles);
    w.key("size").value(r.der.size());
    if (staple) w.key("source").value(staple->source);
    if (staple_check) verification_json(w.key("verification"), staple_check->verification);
    w.end_object();
}

}  // namespace

void cert_json(JsonWriter& w, const dissect::CertSummary& c) {
    w.begin_object();
    w.key("ca_issuers_urls").value(c.ca_issuers_urls);
    w.key("crl_urls").value(c.crl_urls);
    w.key("is_ca").value(c.is_ca);
    w.key("issuer").value(c.issuer);
    w.key("key").value(c.key_type + (c.key_bits ? fmt::format(" {}", c.key_bits) : ""));
    w.key("must_staple").value(c.must_staple);
    w.key("not_after").value(format_rfc3339_seconds(c.not_after));
    w.key("not_before").value(format_rfc3339_seconds(c.not_before));
    w.key("ocsp_urls").value(c.ocsp_urls);
    if (!c.parse_error.empty()) w.key("parse_error").value(c.parse_error);
    w.key("revocation_mechanisms").value(c.revocation_mechanisms());
    w.key("san_dns").value(c.san_dns);
    w.key("san_ip").value(c.san_ip);
    w.key("self_signed").value(c.self_signed);
    w.key("serial").value(c.serial_hex);
    w.key("sha256").value(c.sha256);
    w.key("sig_alg").value(c.sig_alg);
    w.key("subject").value(c.subject);
    w.end_object();
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

void handshake_json(JsonWriter& w, const analysis::Results& r, std::size_t i, const HandshakeLinks& links) {
    const auto& h = r.handshakes[i];
    const auto* ch = h.client_hello ? &*h.client_hello : nullptr;
    const auto* sh = h.server_hello ? &*h.server_hello : nullptr;
    const auto* st = links.story[i];
    w.begin_object();
    w.key("alerts").begin_array();
    for (auto& a : h.alerts) {
        w.begin_object();
        w.key("after").value(a.after);
        w.key("description").value(a.description);
        w.key("encrypted").value(a.encrypted && !a.decrypted);
        w.key("frame").value(a.frame.frame);
        w.key("from").value(a.from == capture::Side::client ? "client" : "server");
        w.key("level").value(a.level);
        w.key("name").value(a.name);
        w.key("ts").value(format_rfc3339(a.frame.ts));
        w.end_object();
    }
    w.end_array();
    w.key("alpn").value_or_null(sh && !sh->alpn.empty(), [&]() -> const std::string& { return sh->alpn; });
    w.key("alpn_offered");
    if (ch) {
        w.value(ch->alpn);
    } else {
        w.begin_array();
        w.end_array();
    }
    w.key("chain").begin_array();
    for (auto& c : h.chain)
        if (c) cert_json(w, *c);
    w.end_array();
    w.key("cipher").value_or_null(sh != nullptr, [&] { return cipher_name(sh->cipher_suite); });
    w.key("client").value(h.conn.client.to_string());
    w.key("complete").value(h.complete);
    w.key("decrypt_note").string_or_null(h.decrypt_note);
    w.key("decrypted").value(h.decrypted);
    w.key("duration_ms").value_or_null(h.end.has_value(), [&] { return ms_between(h.start.ts, h.end->ts); });
    w.key("encrypted").value(h.encrypted);
    w.key("errors").begin_array();
    for (auto& e : h.errors) {
        w.begin_object();
        w.key("frame").value(e.frame.frame);
        w.key("message").value(e.message_type);
        w.key("offset").value(e.offset);
        w.key("what").value(e.what);
        w.end_object();
    }
    w.end_array();
    w.key("fate").value(h.fate);
    if (st) w.key("findings").value(st->codes);
    w.key("flow_id").value(h.conn.flow_id);
    w.key("frames").begin_object();
    frame_or_null(w.key("certificate"), h.certificate_frame);
    frame_or_null(w.key("certificate_status"), h.certificate_status_frame);
    w.key("client_hello").value_or_null(ch != nullptr, [&] { return ch->frame.frame; });
    w.key("server_hello").value_or_null(sh != nullptr, [&] { return sh->frame.frame; });
    w.end_object();
    if (st) w.key("revocation").value(st->verdict);
    w.key("server").value(h.conn.server.to_string());
    w.key("sni").string_or_null(ch ? std::string_view(ch->sni) : std::string_view());
    w.key("staple");
    if (h.staple)
        response_json(w, h.staple->response, &*h.staple, links.staple_check[i]);
    else
        w.null();
    w.key("status_request").value(ch ? ch->status_request : false);
    w.key("status_request_ack").value(sh ? sh->status_request_ack : false);
    w.key("ts").value(format_rfc3339(h.start.ts));
    w.key("type").value("tls_handshake");
    w.key("version").value_or_null(sh != nullptr, [&] { return version_name(sh->selected_version); });
    w.end_object();
}

void check_json(JsonWriter& w, const analysis::Results& r, std::size_t i) {
    const auto& k = r.checks[i];
    const bool response_decoded = k.response && k.response->parse_error.empty();
    w.begin_object();
    w.key("body_size").value(k.body_size);
    w.key("certs").value(k.cert_fingerprints);
    w.key("client").value(k.client.to_string());
    w.key("connect_ms").value(k.connect_ms);
    w.key("content_type").string_or_null(k.content_type);
    w.key("flow_id").value(k.flow_id);
    if (k.folded_attempts) w.key("folded_attempts").value(k.folded_attempts);
    w.key("frames").begin_object();
    frame_or_null(w.key("request"), k.request_first);
    frame_or_null(w.key("response"), k.response_first);
    frame_or_null(w.key("response_end"), k.response_last);
    w.key("syns").begin_array();
    if (k.tcp)
        for (auto& s : k.tcp->syns) w.value(s.frame);
    w.end_array();
    w.end_object();
    w.key("handshake_flow_id").value_or_null(k.handshake_index.has_value(),
                                             [&] { return r.handshakes[*k.handshake_index].conn.flow_id; });
    w.key("host").string_or_null(k.host);
    w.key("http_status").value_or_null(k.http_status != 0, [&] { return k.http_status; });
    w.key("kind").value(dissect::to_string(k.kind));
    w.key("latency_ms").value(k.latency_ms);
    w.key("method").string_or_null(k.method);
    w.key("outcome").value(k.outcome);
    w.key("request");
    if (k.request) {
        w.begin_object();
        w.key("cert_ids").begin_array();
        for (auto& id : k.request->cert_ids) cert_id_json(w, id);
        w.end_array();
        w.key("nonce").value(k.request->nonce_hex);
        w.key("signed").value(k.request->signed_request);
        w.end_object();
    } else {
        w.null();
    }
    ts_or_null(w.key("request_time"), k.transport == "tcp-only" ? k.start() : k.request_first);
    w.key("responder").value(k.responder.to_string());
    w.key("response");
    if (k.response)
        response_json(w, *k.response);
    else
        w.null();
    w.key("response_status").value_or_null(response_decoded,
                                           [&]() -> const std::string& { return k.response->response_status_name; });
    ts_or_null(w.key("response_time"), k.response_last.valid() ? k.response_last : k.response_first);
    w.key("role").value(k.role);
    w.key("singles");
    if (k.response) {
        singles_json(w, k.response->singles);
    } else {
        w.begin_array();
        w.end_array();
    }
    w.key("tcp");
    if (k.tcp) {
        w.begin_object();
        w.key("icmp").begin_array();
        for (auto& e : k.tcp->icmp) {
            w.begin_object();
            w.key("code").value(e.code);
            w.key("frame").value(e.frame.frame);
            w.key("from").value(e.reporter.to_string());
            w.key("meaning").value(e.meaning);
            w.key("type").value(e.type);
            w.end_object();
        }
        w.end_array();
        w.key("rst_frames").begin_array();
        for (auto& x : k.tcp->rsts) w.value(x.frame.frame);
        w.end_array();
        w.key("state").value(capture::to_string(k.tcp->state));
        w.key("syns").value(k.tcp->syns.size());
        w.end_object();
    } else {
        w.null();
    }
    w.key("transport").value(k.transport);
    w.key("type").value("ocsp_exchange");
    w.key("url").string_or_null(k.url);
    verification_json(w.key("verification"), k.verification);
    w.key("via_proxy").value(k.via_proxy);
    w.end_object();
}

void dns_json(JsonWriter& w, const dissect::DnsLookup& q) {
    w.begin_object();
    w.key("answers").begin_array();
    for (auto& a : q.answers) {
        w.begin_object();
        w.key("data").value(a.data);
        w.key("name").value(a.name);
        w.key("ttl").value(a.ttl);
        w.key("type").value(a.type);
        w.end_object();
    }
    w.end_array();
    w.key("client").value(q.client.to_string());
    w.key("frames").begin_object();
    w.key("query").value(q.query.frame);
    frame_or_null(w.key("response"), q.response);
    w.end_object();
    w.key("qname").value(q.qname);
    w.key("qtype").value(q.qtype);
    w.key("rcode").value_or_null(q.rcode >= 0, [&]() -> const std::string& { return q.rcode_name; });
    w.key("retransmissions").value(q.retransmissions);
    w.key("server").value(q.server.to_string());
    w.key("transport").value(q.transport);
    w.key("ts").value(format_rfc3339(q.query.ts));
    w.key("type").value("dns");
    w.end_object();
}

void finding_json(JsonWriter& w, const analysis::Finding& f) {
    w.begin_object();
    w.key("cause").value(f.cause);
    w.key("code").value(f.code);
    w.key("count").value(f.count);
    w.key("evidence").value(f.evidence);
    w.key("first_seen").value_or_null(f.first_seen.valid(), [&] { return format_rfc3339(f.first_seen.ts); });
    w.key("fix").value(f.fix);
    w.key("flow_ids").value(f.flow_ids);
    w.key("frames").value(f.frames);
    w.key("place").value(f.place);
    w.key("severity").value(analysis::to_string(f.severity));
    w.key("source").value(f.source);
    w.key("summary").value(f.summary);
    w.key("type").value("finding");
    w.key("why").value(f.why);
    w.end_object();
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

void summary_json(JsonWriter& w, const analysis::Results& r, const RunInfo& run) {
    std::map<std::string, std::uint64_t, std::less<>> counts;
    for (auto& f : r.findings) counts[f.code] += f.count;
    // Analysis counts win over capture counts of the same name.
    std::map<std::string, std::uint64_t, std::less<>> anomalies = run.capture.anomalies.all();
    for (auto& [k, v] : r.anomalies.all()) anomalies[k] = v;
    const auto sev = severity_counts(r);
    const auto [a, b] = time_span(r, run);
    auto map_json = [&w](const std::map<std::string, std::uint64_t, std::less<>>& m) {
        w.begin_object();
        for (auto& [k, v] : m) w.key(k).value(v);
        w.end_object();
    };
    w.begin_object();
    w.key("bytes").value(run.capture.bytes);
    w.key("counts");
    map_json(counts);
    w.key("decode_problems");
    map_json(anomalies);
    w.key("dns_lookups").value(r.dns.size());
    w.key("duration_ms").value(ms_between(a, b));
    w.key("end").value(format_rfc3339(b));
    w.key("exit_status").value(exit_status_for(r));
    w.key("files").begin_array();
    for (auto& f : run.capture.files) {
        w.begin_object();
        w.key("error").string_or_null(f.error);
        w.key("first").value(format_rfc3339(f.first_ts));
        w.key("format").value(f.format);
        w.key("last").value(format_rfc3339(f.last_ts));
        w.key("link_types").value(f.link_types);
        w.key("name").value(f.name);
        w.key("packets").value(f.packets);
        w.key("partial").value(f.partial);
        w.key("sha256").value(f.sha256);
        w.key("size").value(f.size_bytes);
        w.end_object();
    }
    w.end_array();
    if (run.capture.live) {
        w.key("live").begin_object();
        w.key("dropped").value(run.capture.live_stats.dropped);
        w.key("if_dropped").value(run.capture.live_stats.if_dropped);
        w.key("received").value(run.capture.live_stats.received);
        w.end_object();
    }
    w.key("options").begin_object();
    w.key("clock_tolerance_s").value(r.options.clock_tolerance_s);
    w.key("command_line").value(run.command_line);
    w.key("correlation_window_s").value(r.options.correlation_window_s);
    w.key("slow_ms").value(r.options.slow_ms);
    w.end_object();
    w.key("packets").value(run.capture.packets);
    w.key("revocation_checks").value(r.checks.size());
    w.key("severities").begin_object();
    w.key("critical").value(sev[3]);
    w.key("error").value(sev[2]);
    w.key("info").value(sev[0]);
    w.key("warning").value(sev[1]);
    w.end_object();
    w.key("start").value(format_rfc3339(a));
    w.key("tcp_flows").value(run.capture.tcp_flows);
    w.key("tls_handshakes").value(r.handshakes.size());
    w.key("tool").value("revoscope");
    if (!r.trust_error.empty()) w.key("trust_error").value(r.trust_error);
    w.key("type").value("summary");
    w.key("verdict").value(verdict(r));
    w.key("version").value(run.tool_version);
    w.end_object();
}

void write_jsonl(std::ostream& out, const analysis::Results& r, const RunInfo& run) {
    std::string buf;
    buf.reserve(1u << 17);
    auto line = [&](auto&& write_record) {
        JsonWriter w(buf);
        write_record(w);
        buf += '\n';
        if (buf.size() >= (1u << 16)) {
            out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
            buf.clear();
        }
    };
    const HandshakeLinks links(r);
    for (std::size_t i = 0; i < r.handshakes.size(); ++i) line([&](JsonWriter& w) { handshake_json(w, r, i, links); });
    for (std::size_t i = 0; i < r.checks.size(); ++i) line([&](JsonWriter& w) { check_json(w, r, i); });
    for (auto& q : r.dns) line([&](JsonWriter& w) { dns_json(w, q); });
    for (auto& f : r.findings) line([&](JsonWriter& w) { finding_json(w, f); });
    line([&](JsonWriter& w) { summary_json(w, r, run); });
    out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
}

}  // namespace revo::report::detail
