// Diagnosis rules: turn correlated checks, handshakes and lookups into findings with evidence and fixes.
//
// Rules are grouped by what they look at: the clock (run first, so that a skewed clock is reported
// once instead of as many stale/not-yet-valid findings), each revocation check (network fate, HTTP,
// OCSP status and verification per RFC 6960 section 3.2), each TLS handshake (stapling per RFC 6066
// section 8 and RFC 7633, chain, validity), DNS lookups of responder names, and links between them
// (alerts after a revocation problem, CRL fallback, a server's failed staple fetch).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analysis/internal.h"

namespace revo::analysis::detail {

namespace {

using dissect::CheckKind;

constexpr std::size_t kMaxEvidence = 12;

Finding make(const std::string& code) {
    Finding f;
    f.code = code;
    if (const auto* info = find_code(code)) {
        f.severity = info->severity;
        f.cause = info->cause;
    }
    return f;
}

/// Collects findings, folding those with the same code and place into one (count, merged evidence).
/// Folding is a hash lookup and merging uses per-finding hash sets, so n findings cost O(n) however many
/// fold into one place.
class Emitter {
public:
    explicit Emitter(Ctx& c) : c_(c) {}

    void emit(Finding f) {
        for (auto i : f.checks)
            if (i < c_.check_codes.size()) c_.check_codes[i].insert(f.code);
        for (auto i : f.handshakes)
            if (i < c_.handshake_codes.size()) c_.handshake_codes[i].insert(f.code);
        std::string key = f.code;
        key += '|';
        key += f.place;
        auto [it, fresh] = index_.try_emplace(std::move(key), c_.r.findings.size());
        if (fresh) {
            Merged m;
            remember(f.frames, m.frames, kMaxRefs);
            remember(f.flow_ids, m.flow_ids, kMaxRefs);
            remember(f.checks, m.checks, SIZE_MAX);
            remember(f.handshakes, m.handshakes, SIZE_MAX);
            if (f.evidence.size() > kMaxEvidence) {
                m.dropped_evidence = f.evidence.size() - kMaxEvidence;
                f.evidence.resize(kMaxEvidence);
            }
            for (auto& e : f.evidence) m.evidence.insert(e);
            merged_.push_back(std::move(m));
            c_.r.findings.push_back(std::move(f));
            return;
        }
        Finding& g = c_.r.findings[it->second];
        Merged& m = merged_[it->second];
        g.count += f.count;
        for (auto& e : f.evidence) {
            if (g.evidence.size() >= kMaxEvidence) {
                // Only lines not shown are counted; a line already shown is not "more".
                if (!m.evidence.count(e)) ++m.dropped_evidence;
                continue;
            }
            if (m.evidence.insert(e).second) g.evidence.push_back(std::move(e));
        }
        merge(g.frames, m.frames, f.frames, kMaxRefs);
        merge(g.flow_ids, m.flow_ids, f.flow_ids, kMaxRefs);
        merge(g.checks, m.checks, f.checks, SIZE_MAX);
        merge(g.handshakes, m.handshakes, f.handshakes, SIZE_MAX);
        if (f.first_seen.valid() && (!g.first_seen.valid() || f.first_seen.frame < g.first_seen.frame))
            g.first_seen = f.first_seen;
        if (static_cast<int>(f.severity) > static_cast<int>(g.severity)) g.severity = f.severity;
    }

    void finalize() {
        for (std::size_t i = 0; i < merged_.size(); ++i) {
            Finding& f = c_.r.findings[i];
            if (merged_[i].dropped_evidence)
                f.evidence.push_back(fmt::format("... and {} more evidence lines not shown", merged_[i].dropped_evidence));
            if (f.count > 1) f.summary += fmt::format(" ({} times)", f.count);
            std::sort(f.frames.begin(), f.frames.end());
        }
        merged_.clear();
    }

private:
    /// Frames and flow ids cited per finding: enough to find the traffic; `count` says how many folded.
    static constexpr std::size_t kMaxRefs = 1024;

    struct Merged {
        std::unordered_set<std::uint64_t> frames, flow_ids, checks, handshakes;
        std::unordered_set<std::string> evidence;
        std::size_t dropped_evidence = 0;
    };

    /// The first finding of a place keeps its lists as built (cut at `cap`); later ones merge into them.
    template <class T>
    static void remember(std::vector<T>& v, std::unordered_set<std::uint64_t>& seen, std::size_t cap) {
        if (v.size() > cap) v.resize(cap);
        for (auto& x : v) seen.insert(static_cast<std::uint64_t>(x));
    }
    template <class T>
    static void merge(std::vector<T>& into, std::unordered_set<std::uint64_t>& seen, const std::vector<T>& from,
                      std::size_t cap) {
        for (auto& x : from) {
            if (into.size() >= cap) return;
            if (seen.insert(static_cast<std::uint64_t>(x)).second) into.push_back(x);
        }
    }

    Ctx& c_;
    std::unordered_map<std::string, std::size_t> index_;  ///< code|place -> index in findings
    std::vector<Merged> merged_;                           ///< parallel to findings while emitting
};

std::string about_certs(const Ctx& c, const OcspCheck& k) {
    std::string out;
    for (auto& fp : k.cert_fingerprints) {
        auto it = c.certs.find(fp);
        if (it == c.certs.end()) continue;
        if (!out.empty()) out += ", ";
        out += cert_name(*it->second) + " (serial " + it->second->serial_hex + ")";
    }
    return out;
}

std::string fmt_ms(double ms) {
    if (ms >= 10000) return fmt::format("{:.1f} s", ms / 1000);
    if (ms >= 100) return fmt::format("{:.0f} ms", ms);
    return fmt::format("{:.1f} ms", ms);
}

std::string dur_s(std::int64_t s) { return format_duration_s(s == INT64_MIN ? INT64_MAX : (s < 0 ? -s : s)); }

std::string frames_list(const std::vector<FrameRef>& fs) {
    std::string out;
    for (std::size_t i = 0; i < fs.size() && i < 10; ++i) out += (i ? ", " : "") + std::to_string(fs[i].frame);
    if (fs.size() > 10) out += ", ...";
    return out;
}

/// Common evidence: what the check was about and which connection caused it.
void context_lines(const Ctx& c, const OcspCheck& k, Finding& f) {
    std::string certs = about_certs(c, k);
    if (!certs.empty()) f.evidence.push_back("about certificate " + certs);
    if (k.handshake_index) {
        const auto& h = c.r.handshakes[*k.handshake_index];
        std::string sni = h.client_hello && !h.client_hello->sni.empty() ? " sni=" + h.client_hello->sni : "";
        if (k.role == "server-staple-fetch")
            f.evidence.push_back(fmt::format("fetched by the TLS server {} for its staple (handshake with {} at {})",
                                             h.conn.server.to_string(), h.conn.client.to_string(),
                                             frame_label(h.start)));
        else
            f.evidence.push_back(fmt::format("caused by TLS connection {} -> {}{} (ClientHello {})",
                                             h.conn.client.to_string(), h.conn.server.to_string(), sni,
                                             frame_label(h.start)));
        if (h.encrypted && !h.decrypted && k.cert_fingerprints.empty())
            f.evidence.push_back("the TLS 1.3 handshake is encrypted (no key log): which certificate this check "
                                 "was about is unknown");
        f.handshakes.push_back(*k.handshake_index);
    }
    if (k.host_source == "port-heuristic")
        f.evidence.push_back("responder not identified by name: port " + std::to_string(k.responder.port) +
                             " and no other traffic on this flow");
}

std::string firewall_fix(const Ctx& c, const OcspCheck& k, const std::string& extra) {
    bool v6 = !k.responder.addr.v4;
    std::string ipt = v6 ? "ip6tables" : "iptables";
    std::string ip = k.responder.addr.to_string();
    std::string who = k.role == "server-staple-fetch" ? "the TLS server " + k.client.addr.to_string()
                                                      : "the client " + k.client.addr.to_string();
    std::string host = k.host.empty() ? "" : " (" + k.host + ")";
    return fmt::format(
        "Allow {} to reach {}:{}{} over TCP{}. On that host: `{} -I OUTPUT -p tcp -d {} --dport {} -j ACCEPT`; "
        "on a firewall in the path: `{} -I FORWARD -s {} -d {} -p tcp --dport {} -j ACCEPT` (or the same rule "
        "in your firewall's syntax).",
        who, ip, k.responder.port, host, extra, ipt, ip, k.responder.port, ipt, k.client.addr.to_string(), ip,
        k.responder.port);
}

bool proxy_hint(const OcspCheck& k, std::string* which) {
    if (k.via_proxy) {
        if (which) *which = "request sent to a proxy (absolute-form URL)";
        return true;
    }
    for (auto& [name, value] : k.response_headers) {
        std::string n = lower(name), v = lower(value);
        if (n == "via" || n == "proxy-authenticate" || n == "proxy-connection" || n == "x-squid-error" ||
            n == "proxy-agent" || (n == "server" && (v.find("squid") != std::string::npos ||
                                                     v.find("tinyproxy") != std::string::npos ||
                                                     v.find("privoxy") != std::string::npos ||
                                                     v.find("proxy") != std::string::npos))) {
            if (which) *which = "response header " + name + ": " + value;
            return true;
        }
    }
    return false;
}

// ------------------------------------------------------------------ clock

void collect_skew(Ctx& c) {
    const auto tol = c.opts.clock_tolerance_s;
    for (const auto& k : c.r.checks) {
        FrameRef at = k.response_last.valid() ? k.response_last : k.response_first;
        if (!at.valid()) continue;
        std::int64_t now = at.ts.ns / 1'000'000'000LL;
        std::string where = k.host.empty() ? k.responder.to_string() : k.host;
        if (k.http_date) {
            std::int64_t off = *k.http_date - now;
            c.skew_samples.push_back({"http_date", off, true, at,
                                      fmt::format("HTTP Date {} from {} ({}), capture time {}",
                                                  format_rfc3339_seconds(*k.http_date), where, frame_label(at),
                                                  format_rfc3339_seconds(now))});
        }
        if (!k.response || k.response->response_status != 0) continue;
        const auto& r = *k.response;
        if (r.produced_at && *r.produced_at - now > tol)
            c.skew_samples.push_back({"produced_at", *r.produced_at - now, true, at,
                                      fmt::format("OCSP producedAt {} from {} is {} after capture time ({})",
                                                  format_rfc3339_seconds(*r.produced_at), where,
                                                  dur_s(*r.produced_at - now), frame_label(at))});
        for (const auto& s : r.singles) {
            if (s.this_update - now > tol)
                c.skew_samples.push_back({"this_update", s.this_update - now, false, at,
                                          fmt::format("OCSP thisUpdate {} is {} after capture time ({})",
                                                      format_rfc3339_seconds(s.this_update),
                                                      dur_s(s.this_update - now), frame_label(at))});
            if (s.next_update && now - *s.next_update > tol)
                c.skew_samples.push_back({"next_update", *s.next_update - now, false, at,
                                          fmt::format("OCSP nextUpdate {} is {} before capture time ({})",
                                                      format_rfc3339_seconds(*s.next_update),
                                                      dur_s(now - *s.next_update), frame_label(at))});
        }
    }
    for (const auto& h : c.r.handshakes) {
        if (h.chain.empty() || !h.chain[0] || !h.chain[0]->parse_error.empty()) continue;
        const auto& leaf = *h.chain[0];
        FrameRef at = h.certificate_frame ? *h.certificate_frame : h.start;
        std::int64_t now = at.ts.ns / 1'000'000'000LL;
        if (leaf.not_before - now > tol)
            c.skew_samples.push_back({"not_before", leaf.not_before - now, false, at,
                                      fmt::format("certificate {} notBefore {} is {} after capture time ({})",
                                                  cert_name(leaf), format_rfc3339_seconds(leaf.not_before),
                                                  dur_s(leaf.not_before - now), frame_label(at))});
        if (now - leaf.not_after > tol)
            c.skew_samples.push_back({"not_after", leaf.not_after - now, false, at,
                                      fmt::format("certificate {} notAfter {} is {} before capture time ({})",
                                                  cert_name(leaf), format_rfc3339_seconds(leaf.not_after),
                                                  dur_s(now - leaf.not_after), frame_label(at))});
    }
}

void decide_skew(Ctx& c) {
    const auto tol = c.opts.clock_tolerance_s;
    std::vector<const SkewSample*> big;
    for (auto& s : c.skew_samples) {
        if (s.exact && std::llabs(s.offset_s) <= tol) return;  // a responder agrees with the capture clock
        if (std::llabs(s.offset_s) > tol) big.push_back(&s);
    }
    if (big.size() < 2) return;
    int pos = 0, neg = 0;
    for (auto* s : big) (s->offset_s > 0 ? pos : neg)++;
    if (pos && neg) return;  // disagreeing directions: not one wrong clock
    // Independent sources: the HTTP layer's clock, the OCSP signer's clock, the CA's issuing time.
    // producedAt and thisUpdate of one response are one source.
    std::set<std::string> kinds;
    std::vector<std::int64_t> exact, bounds;
    for (auto* s : big) {
        kinds.insert(s->kind == "http_date" ? "http" : s->kind.rfind("not_", 0) == 0 ? "cert" : "ocsp");
        (s->exact ? exact : bounds).push_back(std::llabs(s->offset_s));
    }
    if (kinds.size() < 2) return;
    std::int64_t est;
    if (!exact.empty()) {
        std::sort(exact.begin(), exact.end());
        est = exact[exact.size() / 2];
        for (auto e : exact)
            if (std::llabs(e - est) > std::max<std::int64_t>(tol, est / 10)) return;
        for (auto b : bounds)
            if (b > est + tol) return;  // a bound beyond the remote clock's own time: something else
    } else {
        std::sort(bounds.begin(), bounds.end());
        est = bounds.back();
        if (bounds.front() + tol < est * 3 / 4) return;
    }
    c.skew = true;
    c.skew_offset_s = pos ? est : -est;
}

bool time_reason(const std::string& r) {
    return r == "stale" || r == "not_yet_valid" || r == "produced_in_future";
}

// ------------------------------------------------------------------ checks

/// Network or HTTP failure of a check, as a code suffix with its evidence, summary and fix.
struct Failure {
    std::string suffix;  ///< "BLOCKED_DROP", ...
    std::string summary;
    std::vector<std::string> evidence;
    std::vector<std::uint64_t> frames;
    std::string fix;
    std::string why;
    std::string cause_override;
};

std::optional<Failure> network_failure(const Ctx& c, const OcspCheck& k) {
    std::string noun = check_noun(k.kind);
    std::string where = endpoint_label(c, k.responder, k.host);
    Failure f;
    if (k.transport == "tcp-only" && k.tcp) {
        const auto& t = *k.tcp;
        for (auto& s : t.syns) f.frames.push_back(s.frame);
        using S = capture::ConnState;
        if (t.state == S::syn_sent) {
            f.suffix = "BLOCKED_DROP";
            if (t.syns.size() > 1)
                f.evidence.push_back(fmt::format("SYN sent {} times over {} to {}, no answer (frames {})",
                                                 t.syns.size(),
                                                 format_duration_ns(t.syns.back().ts.ns - t.syns.front().ts.ns), where,
                                                 frames_list(t.syns)));
            else
                f.evidence.push_back(fmt::format("SYN sent to {} at {}, no answer ({} until the flow ended)", where,
                                                 frame_label(t.first_frame),
                                                 format_duration_ns(t.last_frame.ts.ns - t.first_frame.ts.ns)));
            f.summary = fmt::format("{} to {} silently dropped: connection attempts never answered", noun, where);
            f.fix = firewall_fix(c, k, "");
            f.why = "A dropping firewall leaves the client waiting until its own timeout; allowing the flow lets the "
                    "check complete in milliseconds.";
        } else if (t.state == S::refused || t.state == S::reset) {
            f.suffix = "BLOCKED_RESET";
            std::string rst;
            for (auto& r : t.rsts) {
                f.frames.push_back(r.frame.frame);
                if (rst.empty())
                    rst = fmt::format("RST from {} at {}", r.from == capture::Side::server ? "the responder side"
                                                                                            : "the client side",
                                      frame_label(r.frame));
            }
            f.evidence.push_back(fmt::format("SYN to {} at {} answered by {}{}", where,
                                             t.syns.empty() ? frame_label(t.first_frame) : frame_label(t.syns[0]),
                                             rst.empty() ? "a reset" : rst,
                                             t.syns.size() > 1 ? fmt::format(" ({} SYNs)", t.syns.size()) : ""));
            f.summary = fmt::format("{} to {} refused with a TCP reset", noun, where);
            f.fix = firewall_fix(c, k, ", and remove the rule that rejects it with tcp-reset");
            f.why = "The reset comes from a rule or host refusing the port; once allowed, the responder can answer.";
        } else if (t.state == S::icmp_rejected) {
            f.suffix = "BLOCKED_ICMP";
            std::string reporter;
            for (auto& e : t.icmp) {
                f.frames.push_back(e.frame.frame);
                f.evidence.push_back(fmt::format("ICMP{} type {} code {} ({}) from {} at {} in reply to the SYN to {}",
                                                 e.v6 ? "v6" : "", e.type, e.code, e.meaning, e.reporter.to_string(),
                                                 frame_label(e.frame), where));
                if (reporter.empty()) reporter = e.reporter.to_string() + " answers " + e.meaning;
            }
            f.summary = fmt::format("{} to {} rejected with ICMP unreachable", noun, where);
            f.fix = firewall_fix(c, k, reporter.empty() ? "" : " (the router " + reporter + ": allow the flow there)");
            f.why = "The ICMP error names the device that refuses the traffic; allowing the flow there unblocks the check.";
        } else {
            return std::nullopt;
        }
        return f;
    }
    if (k.transport != "http") return std::nullopt;
    std::string req = fmt::format("{} {} at {}", k.method, k.url.empty() ? "(request)" : k.url, frame_label(k.request_first));
    f.frames.push_back(k.request_first.frame);
    if (k.http_status == 0) {
        if (k.outcome == "reset") {
            f.suffix = "BLOCKED_RESET";
            std::string rst;
            if (k.tcp)
                for (auto& r : k.tcp->rsts) {
                    f.frames.push_back(r.frame.frame);
                    if (rst.empty())
                        rst = fmt::format("RST from {} at {} ({} after the request)",
                                          r.from == capture::Side::server ? "the responder side" : "the client side",
                                          frame_label(r.frame),
                                          format_duration_ns(r.frame.ts.ns - k.request_first.ts.ns));
                }
            f.evidence.push_back("request " + req + " to " + where);
            f.evidence.push_back((rst.empty() ? "connection reset" : rst) + ", no HTTP response");
            f.summary = fmt::format("{} to {} reset after the request was sent", noun, where);
            f.fix = firewall_fix(c, k, ", and exempt it from the filter (IPS, proxy) that injects the reset");
            f.why = "A reset after the request shows a filter inspecting and killing the request; exempting the "
                    "responder lets the answer through.";
        } else if (k.outcome == "parse_error") {
            f.suffix = "HTTP_ERROR";
            f.evidence.push_back("request " + req + " to " + where + ": the answer is not valid HTTP");
            f.summary = fmt::format("{} to {} answered with something that is not HTTP", noun, where);
            f.fix = "Check what listens at " + where + ": it must be an HTTP server for " + noun + "s.";
            f.why = "Clients speak plain HTTP/1.x to responders and give up on anything else.";
        } else {
            f.suffix = "NO_RESPONSE";
            f.evidence.push_back("request " + req + " to " + where);
            std::string end = k.outcome == "capture_end" ? "the capture ended" : "the connection " + k.outcome;
            f.evidence.push_back(fmt::format("no HTTP response before {} ({} after the request)", end,
                                             format_duration_ns(k.end().ts.ns - k.request_first.ts.ns)));
            f.summary = fmt::format("{} to {} got no response", noun, where);
            f.fix = fmt::format("Find what holds the request between {} and {} (filtering proxy, IPS, MTU "
                                "black hole); test with `curl -v {}`.",
                                k.client.addr.to_string(), where, k.url.empty() ? "http://" + k.host + "/" : k.url);
            f.why = "Clients wait for the answer until their timeout, then soft- or hard-fail the connection.";
        }
        return f;
    }
    f.frames.push_back(k.response_first.frame);
    std::string status = fmt::format("HTTP {} {}", k.http_status, k.http_reason);
    std::string hint;
    bool proxied = proxy_hint(k, &hint);
    if (k.http_status == 407 || (k.http_status == 403 && proxied)) {
        f.suffix = "PROXY_DENIED";
        f.evidence.push_back("request " + req + " to " + where);
        f.evidence.push_back(fmt::format("answered {} at {}", status, frame_label(k.response_first)));
        if (!hint.empty()) f.evidence.push_back(hint);
        f.summary = fmt::format("proxy refused the {} for {} ({})", noun, k.host.empty() ? where : k.host, status);
        std::string host = k.host.empty() ? k.responder.addr.to_string() : k.host;
        f.fix = fmt::format(
            "Allow {} through the proxy without authentication: squid `acl revocation dstdomain {}` and "
            "`http_access allow revocation` before the authentication rule; tinyproxy: add it to the Filter "
            "allow-list; or exempt OCSP/CRL hosts from the proxy.",
            host, host);
        f.why = "OCSP and CRL clients cannot answer a proxy's authentication challenge, so the check fails until "
                "the host is allowed.";
        return f;
    }
    if (k.http_status < 200 || k.http_status >= 300) {
        f.suffix = "HTTP_ERROR";
        f.evidence.push_back("request " + req + " to " + where);
        f.evidence.push_back(fmt::format("answered {} at {}{}", status, frame_label(k.response_first),
                                         k.content_type.empty() ? "" : ", Content-Type " + k.content_type));
        if (!k.body_preview.empty()) f.evidence.push_back("body starts: " + k.body_preview.substr(0, 100));
        f.summary = fmt::format("{} to {} failed with {}", noun, where, status);
        f.fix = fmt::format("Fix the responder at {}: the URL {} must answer 200 with the {} (check the "
                            "certificate's AIA/CDP URL and the web server's configuration).",
                            where, k.url, k.kind == CheckKind::crl ? "CRL" : "response");
        f.why = "Clients treat any status other than 200 as a failed check.";
        return f;
    }
    if (k.kind == CheckKind::ocsp && (!k.response || !k.response->parse_error.empty())) {
        f.suffix = "NOT_OCSP";
        f.evidence.push_back("request " + req + " to " + where);
        f.evidence.push_back(fmt::format("answered {} at {} with Content-Type '{}' and {} bytes that are not an "
                                         "OCSP response{}",
                                         status, frame_label(k.response_first), k.content_type, k.body_size,
                                         k.response && !k.response->parse_error.empty()
                                             ? " (" + k.response->parse_error + ")"
                                             : ""));
        if (!k.body_preview.empty()) f.evidence.push_back("body starts: " + k.body_preview.substr(0, 100));
        if (!hint.empty()) f.evidence.push_back(hint);
        bool html = lower(k.content_type).find("html") != std::string::npos ||
                    lower(k.body_preview).find("<html") != std::string::npos;
        if (!proxied && !html) f.cause_override = "responder-failure";
        f.summary = fmt::format("{} to {} answered with {} instead of OCSP", noun, where,
                                html ? "an HTML page" : "a non-OCSP body");
        f.fix = proxied || html
                    ? fmt::format("Exempt {} from the proxy's or portal's interception (let plain HTTP to it through "
                                  "unchanged); the page it returns replaces the OCSP answer.",
                                  k.host.empty() ? where : k.host)
                    : fmt::format("Fix the responder at {} so it returns application/ocsp-response DER.", where);
        f.why = "A client can only use a DER OCSP response; anything else counts as a failed check.";
        return f;
    }
    return std::nullopt;
}

template <class Base>
void crl_rules(Ctx& c, Emitter& em, std::size_t i, Base& base) {
    const OcspCheck& k = c.r.checks[i];
    const auto& crl = *k.crl;
    std::string where = endpoint_label(c, k.responder, k.host);
    std::string got = fmt::format("CRL {} from {} at {}", k.url, where, frame_label(k.response_first));
    if (!crl.parse_error.empty()) {
        Finding f = base("CRL_HTTP_ERROR");
        f.summary = fmt::format("CRL download {} returned something that is not a CRL", k.url);
        f.evidence.push_back(fmt::format("{}: HTTP {}, Content-Type '{}', {} bytes: {}", got, k.http_status,
                                         k.content_type, k.body_size, crl.parse_error));
        f.frames = {k.request_first.frame, k.response_first.frame};
        f.fix = "Publish the DER CRL at " + k.url + " (the certificate's CRL distribution point).";
        f.why = "Clients can only use a CRL signed by the issuer.";
        context_lines(c, k, f);
        em.emit(std::move(f));
        return;
    }
    std::int64_t now = (k.response_last.valid() ? k.response_last : k.response_first).ts.ns / 1'000'000'000LL;
    std::string head = fmt::format("{}: issuer {}, thisUpdate {}, nextUpdate {}, {} entries{}, {} bytes", got,
                                   crl.issuer, format_rfc3339_seconds(crl.this_update),
                                   crl.next_update ? format_rfc3339_seconds(*crl.next_update) : "none",
                                   crl.entries.size(), crl.crl_number ? ", CRL number " + *crl.crl_number : "",
                                   crl.size);
    if (k.crl_signature_ok && !*k.crl_signature_ok) {
        Finding f = base("CRL_BAD_SIGNATURE");
        f.summary = fmt::format("CRL {} is not signed by its issuer {}", k.url, crl.issuer);
        f.evidence.push_back(head);
        f.frames = {k.response_first.frame};
        f.fix = "Republish the CRL signed with the key of " + crl.issuer + ", and check nothing rewrites it in transit.";
        f.why = "A CRL whose signature fails is ignored, so revocation cannot be checked.";
        context_lines(c, k, f);
        em.emit(std::move(f));
    }
    const auto tol = c.opts.clock_tolerance_s;
    if (!c.skew && crl.next_update && *crl.next_update + tol < now) {
        Finding f = base("CRL_STALE");
        f.summary = fmt::format("CRL {} is stale: nextUpdate {} passed {} before the capture", k.url,
                                format_rfc3339_seconds(*crl.next_update), dur_s(now - *crl.next_update));
        f.evidence.push_back(head);
        f.frames = {k.response_first.frame};
        f.fix = "Publish a fresh CRL at " + k.url + " before nextUpdate (automate `openssl ca -gencrl` or the CA's "
                "CRL publication job) and make sure the web server serves the new file.";
        f.why = "Clients reject a CRL past its nextUpdate, so every certificate it covers fails its check.";
        context_lines(c, k, f);
        em.emit(std::move(f));
    }
    if (!c.skew && crl.this_update - tol > now) {
        Finding f = base("CRL_NOT_YET_VALID");
        f.summary = fmt::format("CRL {} is not yet valid: thisUpdate {} is {} after the capture", k.url,
                                format_rfc3339_seconds(crl.this_update), dur_s(crl.this_update - now));
        f.evidence.push_back(head);
        f.frames = {k.response_first.frame};
        f.fix = "Synchronise the CA's clock; it issues CRLs dated in the future.";
        f.why = "Clients reject a CRL dated after the check.";
        context_lines(c, k, f);
        em.emit(std::move(f));
    }
    for (auto& fp : k.cert_fingerprints) {
        auto it = c.certs.find(fp);
        if (it == c.certs.end()) continue;
        const auto& cert = *it->second;
        for (auto& e : crl.entries) {
            std::string a = e.serial_hex, b = cert.serial_hex;
            while (a.size() > 1 && a[0] == '0') a.erase(0, 1);
            while (b.size() > 1 && b[0] == '0') b.erase(0, 1);
            if (a != b) continue;
            Finding f = base("CERT_REVOKED");
            f.source = "crl";
            f.place = "cert " + fp;
            f.summary = fmt::format("certificate {} (serial {}) is revoked (listed in the CRL {})", cert_name(cert),
                                    cert.serial_hex, k.url);
            f.evidence.push_back(head);
            f.evidence.push_back(fmt::format("entry: serial {}, revoked {}{}", e.serial_hex,
                                             format_rfc3339_seconds(e.revocation_time),
                                             e.reason ? ", reason " + *e.reason : ""));
            if (!k.crl_signature_ok) f.evidence.push_back("note: the CRL's issuer certificate was not found, signature not checked");
            f.frames = {k.response_first.frame};
            f.fix = fmt::format("Replace the certificate {}: issue a new key and certificate and install it on the server; "
                                "revocation is final.", cert_name(cert));
            f.why = "The CA has withdrawn the certificate; clients are right to refuse it and only a new one helps.";
            context_lines(c, k, f);
            em.emit(std::move(f));
        }
    }
}

void check_rules(Ctx& c, Emitter& em, std::size_t i) {
    const OcspCheck& k = c.r.checks[i];
    std::string P = code_prefix(k.kind);
    std::string where = endpoint_label(c, k.responder, k.host);
    std::string place = k.transport == "staple" ? "staple " + k.responder.to_string() : k.responder.to_string();
    auto base = [&](const std::string& code) {
        Finding f = make(code);
        f.place = place;
        f.checks.push_back(i);
        f.flow_ids.push_back(k.flow_id);
        f.first_seen = k.start();
        f.count += static_cast<std::uint32_t>(k.folded_attempts);
        f.source = k.transport == "staple" ? "staple" : k.kind == CheckKind::crl ? "crl" : k.kind == CheckKind::aia_issuer ? "aia" : "ocsp";
        return f;
    };

    if (k.transport == "http" && k.http_status && k.kind != CheckKind::aia_issuer && k.latency_ms &&
        *k.latency_ms > c.opts.slow_ms) {
        Finding f = base(P + "_SLOW");
        std::string size;
        if (k.kind == CheckKind::crl && *k.latency_ms > 0)
            size = fmt::format(", {} bytes at {:.1f} KB/s", k.body_size, k.body_size / *k.latency_ms);
        f.summary = fmt::format("{} to {} took {} (threshold {})", check_noun(k.kind), where, fmt_ms(*k.latency_ms),
                                fmt_ms(c.opts.slow_ms));
        f.evidence.push_back(fmt::format("request at {}, response complete at {}: {}{}", frame_label(k.request_first),
                                         frame_label(k.response_last), fmt_ms(*k.latency_ms), size));
        if (k.connect_ms) f.evidence.push_back(fmt::format("TCP connect took {}", fmt_ms(*k.connect_ms)));
        f.frames = {k.request_first.frame, k.response_last.frame};
        f.fix = k.kind == CheckKind::crl
                    ? "Publish smaller CRLs (partitioned CRL distribution points or delta CRLs), serve them from a "
                      "closer cache, or staple OCSP so clients skip the download."
                    : fmt::format("Enable OCSP stapling on the server (nginx `ssl_stapling on;`, Apache `SSLUseStapling "
                                  "on`) so clients do not wait on {}; investigate the path to it.",
                                  k.host.empty() ? where : k.host);
        f.why = "Clients block the handshake on the check; a stapled or faster answer removes the wait.";
        context_lines(c, k, f);
        em.emit(std::move(f));
    }
    if (auto fail = network_failure(c, k)) {
        std::string code = k.kind == CheckKind::aia_issuer ? "AIA_FETCH_FAILED" : P + "_" + fail->suffix;
        if (!find_code(code)) code = P + "_HTTP_ERROR";
        Finding f = base(code);
        f.summary = fail->summary;
        f.evidence = fail->evidence;
        f.frames = fail->frames;
        f.fix = fail->fix;
        f.why = fail->why;
        if (!fail->cause_override.empty()) f.cause = fail->cause_override;
        if (k.kind == CheckKind::aia_issuer)
            f.fix += " Better still, configure the full chain on the server (nginx `ssl_certificate fullchain.pem;`) "
                     "so no issuer fetch is needed.";
        context_lines(c, k, f);
        em.emit(std::move(f));
        return;
    }
    if (k.transport == "tcp-only") return;

    if (k.kind == CheckKind::aia_issuer) {
        Finding f = base("AIA_FETCH");
        f.summary = fmt::format("client fetched an issuer certificate from {}: the server's chain is incomplete", k.url);
        f.evidence.push_back(fmt::format("{} {} at {}, HTTP {} {} bytes", k.method, k.url, frame_label(k.request_first),
                                         k.http_status, k.body_size));
        f.frames = {k.request_first.frame, k.response_first.frame};
        f.fix = "Configure the full chain on the server (nginx `ssl_certificate fullchain.pem;`, Apache "
                "`SSLCertificateFile fullchain.pem`) so clients need not fetch the issuer.";
        f.why = "Clients that cannot fetch issuers (or are firewalled) fail where a full chain always works.";
        context_lines(c, k, f);
        em.emit(std::move(f));
        return;
    }

    if (k.kind == CheckKind::crl && k.crl) {
        crl_rules(c, em, i, base);
        return;
    }
    if (k.kind != CheckKind::ocsp || !k.response) return;
    const auto& r = *k.response;
    bool staple = k.transport == "staple";
    auto staple_invalid = [&](const std::string& reason, const std::string& detail) {
        Finding f = base("STAPLE_INVALID");
        f.summary = fmt::format("server {} staples an OCSP response that fails: {}", where, reason);
        f.evidence.push_back(fmt::format("staple in {} ({} bytes): {}: {}", frame_label(k.response_first), k.body_size,
                                         reason, detail));
        f.frames = {k.response_first.frame};
        f.fix = "Make the server fetch a fresh, valid response: check the responder it uses (the same failure shows "
                "there), then reload the server to drop its cached staple (nginx: `nginx -s reload`; Apache: "
                "`apachectl graceful`); with nginx set `ssl_stapling_verify on;` and `ssl_trusted_certificate` to "
                "the issuing chain so it never serves an invalid one.";
        f.why = "A client that checks the staple rejects the handshake or falls back to its own check.";
        context_lines(c, k, f);
        em.emit(std::move(f));
    };
    if (r.response_status != 0) {
        if (staple) {
            staple_invalid("responder_error", "responseStatus " + r.response_status_name);
            return;
        }
        Finding f = base("OCSP_RESPONDER_ERROR");
        f.summary = fmt::format("OCSP responder {} answered {}", where, r.response_status_name);
        f.evidence.push_back(fmt::format("{} {} at {}: HTTP {}, OCSP responseStatus {} ({})", k.method, k.url,
                                         frame_label(k.request_first), k.http_status, r.response_status_name,
                                         r.response_status));
        f.frames = {k.request_first.frame, k.response_first.frame};
        std::string why_status =
            r.response_status == 3   ? "tryLater: the responder has no status yet or is overloaded; make it sign fresh status for the CA"
            : r.response_status == 6 ? "unauthorized: the responder does not serve this CA; point the AIA OCSP URL at the issuing CA's responder, or configure the responder for that CA"
            : r.response_status == 1 ? "malformedRequest: the request was not understood; check any proxy rewriting the body and the client's request form"
            : r.response_status == 5 ? "sigRequired: the responder wants signed requests; clients do not sign, so disable that requirement"
                                     : "internalError: check the responder's logs and its CA/index configuration";
        f.fix = "Fix the responder at " + where + " — " + why_status + ".";
        f.why = "Without a successful response the client cannot learn the certificate's status.";
        context_lines(c, k, f);
        em.emit(std::move(f));
        return;
    }
    // Verification reasons, each as its own finding (or folded into CLOCK_SKEW when the clock is to blame).
    const auto& v = k.verification;
    std::set<std::string> done;
    std::vector<std::string> reasons;
    bool issuer_unknown = std::find(v.reasons.begin(), v.reasons.end(), "issuer_unknown") != v.reasons.end();
    bool untrusted = std::find(v.reasons.begin(), v.reasons.end(), "signer_untrusted") != v.reasons.end();
    for (const auto& reason : v.reasons) {
        if (c.skew && time_reason(reason)) continue;
        // Without the issuing CA the signer cannot be judged: the chain (or trust store) is what is missing,
        // and CHAIN_INCOMPLETE says so where the chain is visible. Do not guess.
        if (issuer_unknown && (reason == "issuer_unknown" || reason == "signer_untrusted" || reason == "signer_unknown"))
            continue;
        // A signer outside the trusted hierarchy is also "not issued by the CA"; the trust problem is the cause.
        if (untrusted && reason == "signer_unauthorized") continue;
        reasons.push_back(reason);
    }
    if (staple && !reasons.empty()) {
        Finding f = base("STAPLE_INVALID");
        f.summary = fmt::format("server {} staples an OCSP response that fails: {}", where, fmt::join(reasons, ", "));
        for (auto& reason : reasons)
            f.evidence.push_back(fmt::format("staple in {} ({} bytes) fails {}{}", frame_label(k.response_first),
                                             k.body_size, reason,
                                             reason == v.reasons.front() && !v.detail.empty() ? ": " + v.detail : ""));
        f.frames = {k.response_first.frame};
        f.fix = "Make the server fetch a fresh, valid response: check the responder it uses (the same failure shows "
                "there), then reload the server to drop its cached staple (nginx: `nginx -s reload`; Apache: "
                "`apachectl graceful`); with nginx set `ssl_stapling_verify on;` and `ssl_trusted_certificate` to "
                "the issuing chain so it never serves an invalid one.";
        f.why = "A client that checks the staple rejects the handshake or falls back to its own check.";
        context_lines(c, k, f);
        em.emit(std::move(f));
    }
    // Each failed check is also raised under its own OCSP code (source "staple" for a staple), so a
    // consumer filtering on OCSP_BAD_SIGNATURE sees it wherever the response came from.
    for (const auto& reason : reasons) {
        std::string code = reason == "bad_signature"                                          ? "OCSP_BAD_SIGNATURE"
                           : reason == "signer_expired" || reason == "signer_not_yet_valid"   ? "OCSP_SIGNER_EXPIRED"
                           : reason == "signer_unauthorized"                                  ? "OCSP_SIGNER_UNAUTHORIZED"
                           : reason == "signer_untrusted" || reason == "signer_unknown" ||
                                   reason == "issuer_unknown"                                 ? "OCSP_SIGNER_UNTRUSTED"
                           : reason == "certid_mismatch"                                      ? "OCSP_CERTID_MISMATCH"
                           : reason == "nonce_mismatch"                                       ? "OCSP_NONCE_MISMATCH"
                           : reason == "stale"                                                ? "OCSP_STALE"
                           : reason == "not_yet_valid" || reason == "produced_in_future"      ? "OCSP_NOT_YET_VALID"
                                                                                              : "";
        if (code.empty()) continue;
        std::string detail = reason == v.reasons.front() && !v.detail.empty() ? v.detail : reason;
        if (!done.insert(code).second) continue;
        Finding f = base(code);
        f.frames = {k.request_first.frame, k.response_first.frame};
        if (staple) f.frames = {k.response_first.frame};
        std::string signer = v.signer_subject.empty() ? r.responder_id : v.signer_subject;
        std::string ev = fmt::format("{} from {} at {}: {}", staple ? "stapled response" : "response", where,
                                     frame_label(k.response_first), detail);
        f.evidence.push_back(ev);
        if (!signer.empty()) f.evidence.push_back("signed by " + signer + (v.signer_kind.empty() ? "" : " (" + v.signer_kind + ")"));
        if (detail != v.detail && !v.detail.empty()) f.evidence.push_back("verifier: " + v.detail);
        if (code == "OCSP_BAD_SIGNATURE") {
            f.summary = fmt::format("OCSP response from {} has a bad signature", where);
            f.fix = "Configure the responder with the private key that matches its signing certificate "
                    "(openssl ocsp: `-rsigner` and `-rkey` must be a pair), and look for anything rewriting the "
                    "response in transit.";
            f.why = "A signature that does not verify is indistinguishable from a forged answer, so clients reject it.";
        } else if (code == "OCSP_SIGNER_EXPIRED") {
            f.summary = fmt::format("OCSP responder {} signs with a certificate that is not valid ({})", where, signer);
            f.fix = "Renew the responder's signing certificate " + signer +
                    " (a delegated OCSP signer is short-lived; automate its renewal) and restart the responder.";
            f.why = "Clients check the signer's validity at the time of the check, like any certificate.";
        } else if (code == "OCSP_SIGNER_UNAUTHORIZED") {
            f.summary = fmt::format("OCSP responder {} signs with a certificate not authorised for OCSP ({})", where, signer);
            f.fix = "Issue the responder certificate from the CA that issued the checked certificate with "
                    "`extendedKeyUsage = OCSPSigning` (and ideally `noCheck`), or sign responses with the CA key.";
            f.why = "RFC 6960 accepts only the issuing CA or a certificate it issued with id-kp-OCSPSigning.";
        } else if (code == "OCSP_SIGNER_UNTRUSTED") {
            f.summary = fmt::format("OCSP response from {} is signed by a certificate that does not chain to a trusted root", where);
            f.fix = "Sign responses with the issuing CA or its delegated responder certificate; if the CA is private, "
                    "pass it to revoscope with --ca-file and install it in the clients' trust store.";
            f.why = "Clients only accept responses whose signer chains to the issuer they trust.";
        } else if (code == "OCSP_CERTID_MISMATCH") {
            f.summary = fmt::format("OCSP responder {} answered for a different certificate than asked", where);
            if (k.request)
                for (auto& id : k.request->cert_ids)
                    f.evidence.push_back("asked: serial " + id.serial_hex + " (" + id.hash_alg + ")");
            for (auto& s : r.singles) f.evidence.push_back("answered: serial " + s.cert_id.serial_hex);
            f.fix = "Configure the responder for the CA that issued the certificate (openssl ocsp `-CA`, `-index`), "
                    "or point the certificate's AIA OCSP URL at the right responder.";
            f.why = "A response about another certificate says nothing about this one.";
        } else if (code == "OCSP_NONCE_MISMATCH") {
            f.summary = fmt::format("OCSP responder {} does not echo the request nonce", where);
            f.fix = "Make the responder echo nonces, or configure the client not to send one (openssl ocsp "
                    "`-no_nonce`); a caching responder or CDN in front of it strips nonces.";
            f.why = "Clients that send a nonce reject answers without it as possible replays.";
        } else if (code == "OCSP_STALE") {
            std::string nu;
            for (auto& s : r.singles)
                if (s.next_update) nu = format_rfc3339_seconds(*s.next_update);
            f.summary = fmt::format("OCSP response from {} is stale (nextUpdate {} passed)", where, nu);
            f.fix = "Make the responder sign fresh responses (a pre-signed response file must be regenerated before "
                    "nextUpdate); restart caches that keep serving the old one.";
            f.why = "A response past nextUpdate is not evidence of current status, so clients reject it.";
        } else {
            std::string tu;
            for (auto& s : r.singles) tu = format_rfc3339_seconds(s.this_update);
            f.summary = fmt::format("OCSP response from {} is not yet valid (thisUpdate {})", where, tu);
            f.fix = "Synchronise the responder's clock (NTP); it signs responses dated in the future.";
            f.why = "A response dated after the check is rejected until the client's clock reaches it.";
        }
        if (staple) {
            f.summary = fmt::format("stapled OCSP response from server {} fails {}", where, reason);
            f.fix += " Then reload the TLS server so it drops the cached staple.";
        }
        context_lines(c, k, f);
        em.emit(std::move(f));
    }
    // Certificate status.
    for (const auto& s : r.singles) {
        if (s.status == dissect::OcspCertStatus::good) continue;
        std::string name = "serial " + s.cert_id.serial_hex;
        std::string place2;
        // A fingerprint may name a certificate that did not decode (a chain's leaf for a staple, a CRL's
        // listed certificate): it has no entry in c.certs and is not named.
        for (auto& fp : k.cert_fingerprints) {
            auto it = c.certs.find(fp);
            if (it == c.certs.end()) continue;
            if (it->second->serial_hex == s.cert_id.serial_hex || k.cert_fingerprints.size() == 1) {
                name = cert_name(*it->second) + " (serial " + s.cert_id.serial_hex + ")";
                place2 = fp;
            }
        }
        if (s.status == dissect::OcspCertStatus::revoked) {
            Finding f = base("CERT_REVOKED");
            f.place = "cert " + (place2.empty() ? s.cert_id.serial_hex : place2);
            f.summary = fmt::format("certificate {} is revoked ({})", name, staple ? "stapled OCSP" : "OCSP from " + where);
            f.evidence.push_back(fmt::format(
                "{} at {}: certStatus revoked{}{}", staple ? "staple" : "OCSP response", frame_label(k.response_first),
                s.revocation_time ? ", revocationTime " + format_rfc3339_seconds(*s.revocation_time) : "",
                s.revocation_reason ? ", reason " + *s.revocation_reason : ""));
            if (!v.performed || !v.ok)
                f.evidence.push_back(v.performed ? "note: the response itself failed verification (" +
                                                       (v.reasons.empty() ? std::string("?") : v.reasons.front()) + ")"
                                                 : "note: the response signature was not verified");
            f.frames = {k.response_first.frame};
            f.fix = fmt::format("Replace the certificate {}: issue a new key and certificate and install it on the "
                                "server; revocation is final.", name);
            f.why = "The CA has withdrawn the certificate; clients are right to refuse it and only a new one helps.";
            context_lines(c, k, f);
            em.emit(std::move(f));
        } else {
            Finding f = base("CERT_STATUS_UNKNOWN");
            f.summary = fmt::format("OCSP {} does not know certificate {}", staple ? "staple" : "responder " + where, name);
            f.evidence.push_back(fmt::format("{} at {}: certStatus unknown", staple ? "staple" : "OCSP response",
                                             frame_label(k.response_first)));
            f.frames = {k.response_first.frame};
            f.fix = "Make the responder know the certificate: it must serve the issuing CA and have the serial in its "
                    "database (openssl ocsp `-index` must list it); check the AIA OCSP URL points at that CA's responder.";
            f.why = "An unknown status is treated as a failed check by strict clients.";
            context_lines(c, k, f);
            em.emit(std::move(f));
        }
    }
}

// ------------------------------------------------------------------ handshakes

std::string stapling_fix(const std::string& resolver_hint) {
    return "Enable OCSP stapling. nginx: `ssl_stapling on; ssl_stapling_verify on; resolver " + resolver_hint +
           " valid=300s; ssl_trusted_certificate /etc/ssl/issuer-chain.pem;` Apache: `SSLUseStapling on` and "
           "`SSLStaplingCache shmcb:/var/run/ocsp(128000)`. The server must be able to reach its OCSP responder.";
}

void handshake_rules(Ctx& c, Emitter& em, std::size_t i) {
    const auto& h = c.r.handshakes[i];
    std::string sni = h.client_hello ? h.client_hello->sni : "";
    std::string server = h.conn.server.to_string() + (sni.empty() ? "" : " (" + sni + ")");
    auto base = [&](const std::string& code, const std::string& place) {
        Finding f = make(code);
        f.place = place;
        f.handshakes.push_back(i);
        f.flow_ids.push_back(h.conn.flow_id);
        f.first_seen = h.start;
        f.source = "tls";
        return f;
    };
    bool chain_visible = !h.chain.empty() && h.chain[0];
    // A leaf that did not decode (counted as x509_certificate_undecodable) has no fields to judge.
    const dissect::CertSummary* leaf = chain_visible && h.chain[0]->parse_error.empty() ? h.chain[0].get() : nullptr;
    std::string resolver = "<your DNS resolver>";
    for (auto& q : c.r.dns) {
        resolver = q.server.addr.to_string();
        break;
    }

    bool own_check_ok = false;
    for (std::size_t j : c.handshake_checks[i]) {
        const auto& k = c.r.checks[j];
        if (k.transport == "staple" || !k.response || !k.verification.ok) continue;
        bool problem = false;
        for (auto& code : c.check_codes[j])
            if (const auto* info = find_code(code); info && info->severity != Severity::info) problem = true;
        if (!problem) own_check_ok = true;
    }
    if (h.client_hello && h.client_hello->status_request && chain_visible && !h.staple) {
        Finding f = base("STAPLE_MISSING", "server " + h.conn.server.to_string() + " " + sni);
        f.source = "staple";
        f.summary = fmt::format("server {} sends no OCSP staple although the client asked for one", server);
        f.evidence.push_back("ClientHello " + frame_label(h.client_hello->frame) + " offers status_request");
        if (h.server_hello)
            f.evidence.push_back("ServerHello " + frame_label(h.server_hello->frame) +
                                 (h.server_hello->status_request_ack ? " acknowledges status_request, yet no "
                                                                       "CertificateStatus follows"
                                                                     : " does not acknowledge status_request"));
        if (h.certificate_frame)
            f.evidence.push_back("Certificate " + frame_label(*h.certificate_frame) + ", then no CertificateStatus");
        f.frames = {h.client_hello->frame.frame};
        if (h.server_hello) f.frames.push_back(h.server_hello->frame.frame);
        if (leaf && leaf->ocsp_urls.empty()) {
            f.severity = Severity::info;
            f.evidence.push_back("the certificate " + cert_name(*leaf) +
                                 " advertises no OCSP URL, so there is nothing to staple");
            f.fix = "Nothing to staple: the certificate has no OCSP URL; clients use its CRL (if any).";
            f.why = "Stapling needs an OCSP responder named in the certificate.";
        } else if (own_check_ok) {
            f.severity = Severity::info;
            f.evidence.push_back("the client checked the status itself and got a valid answer");
            f.fix = stapling_fix(resolver);
            f.why = "Stapling saves every client the round trip to the responder, but nothing failed here.";
        } else {
            if (leaf) f.evidence.push_back("the certificate's OCSP responder is " + leaf->ocsp_urls.front());
            f.fix = stapling_fix(resolver);
            f.why = "With a staple the client gets a signed status in the handshake and does not depend on reaching "
                    "the responder itself.";
        }
        em.emit(std::move(f));
    }
    if (leaf && leaf->must_staple && !h.staple) {
        Finding f = base("MUST_STAPLE_VIOLATED", "server " + h.conn.server.to_string() + " " + sni);
        f.source = "staple";
        f.summary = fmt::format("certificate {} requires stapling (must-staple) but server {} sent no staple",
                                cert_name(*leaf), server);
        f.evidence.push_back("leaf " + cert_name(*leaf) + " (serial " + leaf->serial_hex +
                             ") carries the TLS Feature extension with status_request");
        if (h.certificate_frame) f.evidence.push_back("Certificate " + frame_label(*h.certificate_frame) + ", no CertificateStatus follows");
        if (h.client_hello && !h.client_hello->status_request)
            f.evidence.push_back("note: this client did not offer status_request");
        f.frames = {h.start.frame};
        if (h.certificate_frame) f.frames.push_back(h.certificate_frame->frame);
        f.fix = stapling_fix(resolver) + " Or reissue the certificate without must-staple.";
        f.why = "Clients that honour must-staple (e.g. Firefox) hard-fail without a staple.";
        em.emit(std::move(f));
    }
    if (leaf && !leaf->self_signed) {
        bool found = false;
        std::string elsewhere;
        auto iss = c.pool.issuers_of(*leaf);
        for (auto& is : iss) {
            bool in_chain = false;
            for (auto& x : h.chain)
                if (x && x->sha256 == is->sha256) in_chain = true;
            if (in_chain || c.pool.is_trust_anchor(*is)) found = true;
            else elsewhere = cert_name(*is);
        }
        if (!found) {
            Finding f = base("CHAIN_INCOMPLETE", "server " + h.conn.server.to_string() + " " + sni);
            f.source = "tls";
            f.summary = fmt::format("server {} does not send the issuer of {} ({})", server, cert_name(*leaf), leaf->issuer);
            f.evidence.push_back(fmt::format("Certificate {} carries {} certificate(s); the leaf's issuer {} is not "
                                             "among them nor in the trust store",
                                             h.certificate_frame ? frame_label(*h.certificate_frame) : "(frame?)",
                                             h.chain.size(), leaf->issuer));
            if (!elsewhere.empty())
                f.evidence.push_back("the issuer " + elsewhere + " was seen elsewhere in the capture (e.g. fetched through AIA)");
            if (!leaf->ca_issuers_urls.empty())
                f.evidence.push_back("clients may fetch it from " + leaf->ca_issuers_urls.front() + " (AIA CA Issuers)");
            if (h.certificate_frame) f.frames = {h.certificate_frame->frame};
            f.fix = "Serve the full chain: nginx `ssl_certificate /etc/ssl/fullchain.pem;` where fullchain.pem is the "
                    "leaf followed by the intermediate \"" + leaf->issuer +
                    "\" (`cat cert.pem intermediate.pem > fullchain.pem`); Apache 2.4.8+: `SSLCertificateFile "
                    "fullchain.pem`.";
            f.why = "Clients can only build a path to their trusted root (and find the OCSP issuer key) when the "
                    "intermediate is sent.";
            em.emit(std::move(f));
        }
    }
    if (chain_visible) {
        FrameRef at = h.certificate_frame ? *h.certificate_frame : h.start;
        std::int64_t now = at.ts.ns / 1'000'000'000LL;
        for (std::size_t n = 0; n < h.chain.size(); ++n) {
            const auto* cert = h.chain[n].get();
            if (!cert || !cert->parse_error.empty()) continue;
            bool expired = now - cert->not_after > c.opts.clock_tolerance_s;
            bool early = cert->not_before - now > c.opts.clock_tolerance_s;
            if (c.skew && n == 0) continue;  // explained by the clock
            if (!expired && !early) continue;
            Finding f = base(expired ? "CERT_EXPIRED" : "CERT_NOT_YET_VALID", "cert " + cert->sha256);
            std::string role = n == 0 ? "leaf" : "chain certificate";
            if (expired) {
                f.summary = fmt::format("{} {} of {} expired {} before the capture", role, cert_name(*cert), server,
                                        dur_s(now - cert->not_after));
                f.evidence.push_back(fmt::format("notAfter {}, handshake {}", format_rfc3339_seconds(cert->not_after), frame_label(at)));
                f.fix = fmt::format("Renew the certificate {} (serial {}) and install it with its chain on {}.",
                                    cert_name(*cert), cert->serial_hex, server);
                f.why = "An expired certificate is rejected before revocation is even considered.";
            } else {
                f.summary = fmt::format("{} {} of {} is not valid until {} after the capture", role, cert_name(*cert),
                                        server, dur_s(cert->not_before - now));
                f.evidence.push_back(fmt::format("notBefore {}, handshake {}", format_rfc3339_seconds(cert->not_before), frame_label(at)));
                f.fix = "Check the clocks of the issuing CA and of the client; reissue the certificate with a "
                        "notBefore in the past if the CA's clock was ahead.";
                f.why = "Clients reject a certificate before its notBefore.";
            }
            f.evidence.push_back("subject " + cert->subject + ", serial " + cert->serial_hex);
            f.frames = {at.frame};
            f.cause = "expired";
            em.emit(std::move(f));
        }
        for (std::size_t n = 0; n < h.chain.size(); ++n) {
            const auto* cert = h.chain[n].get();
            if (!cert || cert->parse_error.empty()) continue;
            Finding f = base("CERT_UNDECODABLE", "cert " + cert->sha256);
            f.source = "tls";
            f.summary = fmt::format("server {} sends a {} that does not decode as X.509 ({})", server,
                                    n == 0 ? "leaf certificate" : "chain certificate", cert->parse_error);
            f.evidence.push_back(fmt::format("Certificate {}: certificate {} of {}, {} bytes, SHA-256 {}: {}",
                                             frame_label(at), n + 1, h.chain.size(), cert->der.size(),
                                             cert->sha256.empty() ? "-" : cert->sha256, cert->parse_error));
            f.frames = {at.frame};
            f.fix = fmt::format("Reinstall the certificate file{} on {} from the CA's original (PEM or DER); check "
                                "`openssl x509 -in cert.pem -noout -text` parses it.",
                                n == 0 ? "" : " and its chain file", server);
            f.why = "A client cannot check the validity or revocation of a certificate it cannot parse, and aborts "
                    "the handshake.";
            em.emit(std::move(f));
        }
    }
}

// ------------------------------------------------------------------ DNS

void dns_rules(Ctx& c, Emitter& em) {
    std::set<std::string> resolved;
    for (auto& q : c.r.dns)
        if (q.rcode == 0 && !q.answers.empty()) resolved.insert(lower(q.qname));
    for (auto& q : c.r.dns) {
        std::string n = lower(q.qname);
        if (resolved.count(n)) continue;
        if (q.rcode == 0) continue;  // NOERROR without data for this type (e.g. AAAA): not a failure
        auto it = c.responder_hosts.find(n);
        if (it == c.responder_hosts.end()) continue;
        std::string code = it->second.kind == CheckKind::aia_issuer ? "AIA_FETCH_FAILED"
                           : it->second.kind == CheckKind::crl       ? "CRL_DNS_FAILURE"
                                                                     : "OCSP_DNS_FAILURE";
        Finding f = make(code);
        f.place = "dns " + n;
        f.source = "dns";
        f.first_seen = q.query;
        std::string qt = q.qtype == 1 ? "A" : q.qtype == 28 ? "AAAA" : std::to_string(q.qtype);
        std::string outcome =
            q.rcode < 0 ? fmt::format("no answer{}", q.retransmissions ? fmt::format(" after {} retransmissions", q.retransmissions) : "")
                        : fmt::format("{} at {}", q.rcode_name, q.response ? frame_label(*q.response) : "?");
        f.summary = fmt::format("{} host {} does not resolve ({})", it->second.kind == CheckKind::crl ? "CRL" : it->second.kind == CheckKind::aia_issuer ? "CA Issuers" : "OCSP responder",
                                n, q.rcode < 0 ? "no answer" : q.rcode_name);
        f.evidence.push_back(fmt::format("query {} {} from {} to {} ({}) at {}: {}", qt, q.qname,
                                         q.client.addr.to_string(), q.server.to_string(), q.transport,
                                         frame_label(q.query), outcome));
        f.evidence.push_back(n + " is the " + it->second.how);
        f.frames.push_back(q.query.frame);
        if (q.response) f.frames.push_back(q.response->frame);
        f.fix = q.rcode < 0
                    ? fmt::format("Let DNS from {} reach the resolver {} (UDP and TCP port 53), or give the client a "
                                  "resolver that answers; then check `dig {} @{}`.",
                                  q.client.addr.to_string(), q.server.addr.to_string(), n, q.server.addr.to_string())
                    : fmt::format("Make {} resolvable from the resolver {}: it answered {} — check its forwarders, split-"
                                  "horizon zones or a DNS filter (RPZ) blocking the name; verify with `dig {} @{}`.",
                                  n, q.server.addr.to_string(), q.rcode_name, n, q.server.addr.to_string());
        f.why = "Without an address the client cannot contact the responder at all.";
        em.emit(std::move(f));
    }
}

// ------------------------------------------------------------------ links

bool is_problem(const std::string& code) {
    const auto* info = find_code(code);
    return info && info->severity != Severity::info && code != "TLS_ALERT_REVOCATION";
}

void link_rules(Ctx& c, Emitter& em) {
    // Alerts that end a handshake after a revocation problem.
    for (std::size_t i = 0; i < c.r.handshakes.size(); ++i) {
        const auto& h = c.r.handshakes[i];
        if (h.alerts.empty()) continue;
        std::set<std::string> problems;
        for (auto& code : c.handshake_codes[i]) if (is_problem(code)) problems.insert(code);
        for (std::size_t j : c.handshake_checks[i])
            for (auto& code : c.check_codes[j]) if (is_problem(code)) problems.insert(code);
        for (auto& a : h.alerts) {
            int d = a.description;
            bool revocation_alert = d == 42 || d == 44 || d == 45 || d == 46 || d == 113;
            bool qualifies = (d == 44 || d == 113) || (revocation_alert && !problems.empty()) ||
                             (a.encrypted && !problems.empty());
            if (!qualifies) continue;
            Finding f = make("TLS_ALERT_REVOCATION");
            std::string sni = h.client_hello ? h.client_hello->sni : "";
            f.place = "alert " + h.conn.server.to_string() + " " + sni + " " + std::to_string(d);
            f.handshakes.push_back(i);
            f.flow_ids.push_back(h.conn.flow_id);
            f.first_seen = a.frame;
            f.frames.push_back(a.frame.frame);
            f.source = "tls";
            std::string who = a.from == capture::Side::client ? "client " + h.conn.client.to_string()
                                                               : "server " + h.conn.server.to_string();
            std::string name = a.encrypted && !a.decrypted ? "an encrypted alert" : "alert " + a.name + " (" + std::to_string(d) + ")";
            f.summary = fmt::format("{} ended the TLS handshake with {}{}", who, name,
                                    sni.empty() ? "" : " for " + sni);
            f.evidence.push_back(fmt::format("{} {} sent by the {} at {}{}", a.level == 2 ? "fatal" : a.level == 1 ? "warning" : "",
                                             name, a.from == capture::Side::client ? "client" : "server",
                                             frame_label(a.frame), a.after.empty() ? "" : ", after " + a.after));
            std::string worst_cause;
            int worst = -1;
            std::string linked_fix;
            for (auto& p : problems) {
                f.evidence.push_back("linked to " + p);
                for (auto& g : c.r.findings)
                    if (g.code == p && static_cast<int>(g.severity) > worst &&
                        (std::find(g.handshakes.begin(), g.handshakes.end(), i) != g.handshakes.end())) {
                        worst = static_cast<int>(g.severity);
                        worst_cause = g.cause;
                        linked_fix = g.fix;
                    }
            }
            if (worst_cause.empty())
                for (auto& p : problems)
                    if (const auto* info = find_code(p)) worst_cause = info->cause;
            f.cause = !worst_cause.empty() ? worst_cause : d == 113 ? "stapling" : d == 45 ? "expired" : "revoked";
            if (problems.empty() && d == 44) f.evidence.push_back("certificate_revoked names the cause directly");
            if (problems.empty() && d == 113) f.evidence.push_back("bad_certificate_status_response: the client rejected the staple");
            f.fix = !linked_fix.empty() ? linked_fix
                    : d == 113 ? "Fix the server's staple (see its OCSP responder) or disable stapling until it is valid."
                               : "Replace the certificate the alert rejects, or fix the revocation check that failed.";
            f.why = "The alert is the client (or server) acting on the revocation problem; removing the problem removes the alert.";
            em.emit(std::move(f));
        }
    }
    // CRL downloads after a failed OCSP check by the same client.
    std::unordered_map<IpAddr, std::vector<std::size_t>, IpAddrHash> ocsp_by_client;  // in check order
    for (std::size_t i = 0; i < c.r.checks.size(); ++i)
        if (c.r.checks[i].kind == CheckKind::ocsp && c.r.checks[i].transport != "staple")
            ocsp_by_client[c.r.checks[i].client.addr].push_back(i);
    for (std::size_t j = 0; j < c.r.checks.size(); ++j) {
        const auto& crl = c.r.checks[j];
        if (crl.kind != CheckKind::crl || crl.transport == "staple") continue;
        auto same_client = ocsp_by_client.find(crl.client.addr);
        if (same_client == ocsp_by_client.end()) continue;
        for (std::size_t i : same_client->second) {
            const auto& o = c.r.checks[i];
            double d = ms_between(o.start().ts, crl.start().ts);
            if (d < 0 || d > c.opts.correlation_window_s * 1000) continue;
            std::string failed;
            for (auto& code : c.check_codes[i]) if (is_problem(code)) failed = code;
            if (failed.empty()) continue;
            Finding f = make("CRL_FALLBACK");
            f.place = "fallback " + crl.client.addr.to_string() + " " + crl.url;
            f.checks = {i, j};
            f.first_seen = crl.start();
            f.source = "crl";
            if (const auto* info = find_code(failed)) f.cause = info->cause;
            f.summary = fmt::format("client {} fell back to the CRL {} after its OCSP check failed ({})",
                                    crl.client.addr.to_string(), crl.url, failed);
            f.evidence.push_back(fmt::format("OCSP check to {} at {} failed: {}", endpoint_label(c, o.responder, o.host),
                                             frame_label(o.start()), failed));
            f.evidence.push_back(fmt::format("CRL {} {} at {}{}", crl.method, crl.url, frame_label(crl.start()),
                                             crl.http_status ? fmt::format(", HTTP {}, {} bytes", crl.http_status, crl.body_size) : ""));
            f.frames = {o.start().frame, crl.start().frame};
            f.fix = "Fix the OCSP failure (" + failed + "); the CRL path works but is slower and heavier.";
            f.why = "Clients fall back to CRLs only when OCSP fails.";
            em.emit(std::move(f));
            break;
        }
    }
    // A server's own OCSP fetch failed: that explains its missing staples.
    for (std::size_t j = 0; j < c.r.checks.size(); ++j) {
        const auto& k = c.r.checks[j];
        if (k.role != "server-staple-fetch") continue;
        std::string failed;
        for (auto& code : c.check_codes[j]) if (is_problem(code)) failed = code;
        if (failed.empty()) continue;
        Finding f = make("STAPLE_FETCH_FAILED");
        f.place = "server " + k.client.addr.to_string();
        f.checks = {j};
        f.first_seen = k.start();
        f.source = "staple";
        f.summary = fmt::format("TLS server {} cannot fetch its own OCSP response from {} ({})", k.client.addr.to_string(),
                                endpoint_label(c, k.responder, k.host), failed);
        f.evidence.push_back(fmt::format("the server's {} at {} failed: {}", check_noun(k.kind), frame_label(k.start()), failed));
        for (std::size_t i = 0; i < c.r.handshakes.size(); ++i) {
            const auto& h = c.r.handshakes[i];
            if (h.conn.server.addr != k.client.addr) continue;
            if (c.handshake_codes[i].count("STAPLE_MISSING") || c.handshake_codes[i].count("MUST_STAPLE_VIOLATED")) {
                f.handshakes.push_back(i);
                f.evidence.push_back("explains the missing staple in the handshake at " + frame_label(h.start));
            }
        }
        f.frames = {k.start().frame};
        f.fix = firewall_fix(c, k, " so the server can fetch its staple");
        f.why = "A server that cannot reach its responder has nothing to staple, and clients fall back to their own, "
                "often blocked, checks.";
        em.emit(std::move(f));
    }
}

void emit_skew(Ctx& c, Emitter& em) {
    if (!c.skew) return;
    Finding f = make("CLOCK_SKEW");
    f.place = "clock";
    f.source = "clock";
    std::string d = dur_s(c.skew_offset_s);
    bool behind = c.skew_offset_s > 0;
    f.summary = fmt::format("the capture host's clock is {} {} the responders and certificates", d,
                            behind ? "behind" : "ahead of");
    for (auto& s : c.skew_samples) {
        if (std::llabs(s.offset_s) <= c.opts.clock_tolerance_s) continue;
        f.evidence.push_back(s.text);
        f.frames.push_back(s.frame.frame);
        if (!f.first_seen.valid() || s.frame.frame < f.first_seen.frame) f.first_seen = s.frame;
    }
    for (std::size_t i = 0; i < c.r.checks.size(); ++i)
        for (auto& r : c.r.checks[i].verification.reasons)
            if (time_reason(r)) {
                f.checks.push_back(i);
                if (c.r.checks[i].handshake_index) f.handshakes.push_back(*c.r.checks[i].handshake_index);
                break;
            }
    f.evidence.push_back("reported instead of the OCSP_STALE / OCSP_NOT_YET_VALID / CERT_NOT_YET_VALID findings "
                         "these timestamps would otherwise raise");
    f.fix = fmt::format("Synchronise the clock: the capture host is {} {} the responder (enable NTP, e.g. "
                        "`timedatectl set-ntp true` or `chronyc makestep`).",
                        d, behind ? "behind" : "ahead of");
    f.why = "Validity of certificates and OCSP responses is judged against the local clock; with it right, the same "
            "responses are valid.";
    em.emit(std::move(f));
}

}  // namespace

void run_rules(Ctx& c) {
    c.check_codes.assign(c.r.checks.size(), {});
    c.handshake_codes.assign(c.r.handshakes.size(), {});
    c.handshake_checks.assign(c.r.handshakes.size(), {});
    for (std::size_t j = 0; j < c.r.checks.size(); ++j)
        if (auto hi = c.r.checks[j].handshake_index; hi && *hi < c.handshake_checks.size())
            c.handshake_checks[*hi].push_back(j);
    collect_skew(c);
    decide_skew(c);
    Emitter em(c);
    emit_skew(c, em);
    for (std::size_t i = 0; i < c.r.checks.size(); ++i) check_rules(c, em, i);
    for (std::size_t i = 0; i < c.r.handshakes.size(); ++i) handshake_rules(c, em, i);
    dns_rules(c, em);
    link_rules(c, em);
    em.finalize();
    std::stable_sort(c.r.findings.begin(), c.r.findings.end(), [](const Finding& a, const Finding& b) {
        if (a.severity != b.severity) return static_cast<int>(a.severity) > static_cast<int>(b.severity);
        return a.first_seen.frame < b.first_seen.frame;
    });
}

}  // namespace revo::analysis::detail
