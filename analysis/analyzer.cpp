// Analyzer: stores the facts dissectors deliver (bounded), then at the end of input builds the list
// of revocation checks, names responders, matches checks to certificates by CertID (RFC 6960 4.1.1)
// and to the TLS connections that caused them, verifies responses at capture time, and runs the rules.
#include "analysis/analyzer.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <unordered_map>
#include <vector>

#include "analysis/internal.h"

namespace revo::analysis {

using dissect::CheckKind;
using detail::Ctx;

namespace {
bool failed_tcp(const capture::TcpConnection& t);
}

struct Analyzer::Impl {
    AnalysisOptions opts;
    std::vector<dissect::TlsHandshake> handshakes;
    std::vector<dissect::HttpExchange> exchanges;
    std::map<std::size_t, std::shared_ptr<const dissect::CrlInfo>> crls;  ///< by index in exchanges
    std::vector<dissect::DnsLookup> dns;
    std::vector<capture::TcpConnection> tcp;
    std::vector<std::shared_ptr<const dissect::CertSummary>> fetched_certs;  ///< from AIA issuer fetches
    /// Failed connection attempts per (server, state): how many are kept, how many more were only counted.
    std::map<std::pair<Endpoint, int>, std::pair<std::size_t, std::uint64_t>> failed_seen;
    Anomalies anomalies;
    std::function<void(const Finding&)> live;
    Results results;
    bool finished = false;

    // Live mode: what has been announced, and when to evaluate again.
    std::set<std::string> announced;  ///< code|place of findings passed to the live callback
    std::size_t announced_errors = 0;
    std::size_t live_checks = 0;
    std::size_t polled_facts = 0;  ///< facts at the last evaluation (none yet: nothing to evaluate)
    std::set<std::uint64_t> polled_attempts;
    std::chrono::steady_clock::time_point next_poll{};

    /// Correlates the stored facts into `results` (consumes the facts).
    void analyse();
    /// Passes findings not announced before to the live callback; returns how many.
    std::size_t announce(const std::vector<Finding>& findings);
    std::size_t fact_count() const {
        return handshakes.size() + exchanges.size() + dns.size() + tcp.size() + fetched_certs.size();
    }
};

Analyzer::Analyzer(AnalysisOptions opts) : impl_(std::make_unique<Impl>()) { impl_->opts = std::move(opts); }
Analyzer::~Analyzer() = default;

void Analyzer::on_tls_handshake(dissect::TlsHandshake&& hs) {
    if (impl_->handshakes.size() >= impl_->opts.max_records) {
        impl_->anomalies.add("analysis_handshakes_over_cap");
        return;
    }
    impl_->handshakes.push_back(std::move(hs));
}

void Analyzer::on_http_exchange(dissect::HttpExchange&& ex) {
    if (impl_->exchanges.size() >= impl_->opts.max_records) {
        impl_->anomalies.add("analysis_http_exchanges_over_cap");
        return;
    }
    // An issuer certificate fetched through AIA joins the pool used for chains and OCSP signers.
    if (ex.kind == CheckKind::aia_issuer && ex.response && !ex.response->body.empty() &&
        ex.response->body.front() == 0x30) {
        auto cert = dissect::decode_certificate(ByteView(ex.response->body));
        if (cert && cert->parse_error.empty()) impl_->fetched_certs.push_back(cert);
    }
    // A CRL is decoded while its body is still whole.
    if (ex.kind == CheckKind::crl && ex.response && !ex.response->body.empty() && !ex.response->body_truncated &&
        ex.response->status >= 200 && ex.response->status < 300)
        impl_->crls.emplace(impl_->exchanges.size(),
                            std::make_shared<const dissect::CrlInfo>(dissect::decode_crl(ByteView(ex.response->body))));
    // Only a preview of bodies is needed from here on; decoded OCSP keeps its own DER.
    if (ex.response && ex.response->body.size() > 512) {
        ex.response->body.resize(512);
        ex.response->body.shrink_to_fit();
    }
    if (ex.request.body.size() > 4096) {
        ex.request.body.resize(4096);
        ex.request.body.shrink_to_fit();
    }
    impl_->exchanges.push_back(std::move(ex));
}

void Analyzer::on_dns_lookup(dissect::DnsLookup&& q) {
    if (impl_->dns.size() >= impl_->opts.max_records) {
        impl_->anomalies.add("analysis_dns_lookups_over_cap");
        return;
    }
    impl_->dns.push_back(std::move(q));
}

void Analyzer::on_tcp_connection(capture::TcpConnection&& c) {
    if (impl_->tcp.size() >= impl_->opts.max_connections) {
        impl_->anomalies.add("analysis_tcp_connections_over_cap");
        return;
    }
    // A flood of failed attempts to one server: keep the first few in full, count the rest.
    if (failed_tcp(c)) {
        auto& [kept, folded] = impl_->failed_seen[{c.info.server, static_cast<int>(c.state)}];
        if (kept >= impl_->opts.max_failed_per_place) {
            ++folded;
            impl_->anomalies.add("analysis_failed_connections_folded");
            return;
        }
        ++kept;
    }
    impl_->tcp.push_back(std::move(c));
}

void Analyzer::set_live_callback(std::function<void(const Finding&)> cb) { impl_->live = std::move(cb); }

const std::string& Analyzer::trust_error() const { return impl_->results.trust_error; }

namespace {

std::string cert_id_key(const dissect::OcspCertId& id) {
    std::string serial = id.serial_hex;
    for (auto& ch : serial) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    while (serial.size() > 1 && serial[0] == '0') serial.erase(0, 1);
    return detail::lower(id.hash_alg) + "|" + detail::lower(id.issuer_name_hash) + "|" +
           detail::lower(id.issuer_key_hash) + "|" + serial;
}

std::string normal_serial(std::string s) {
    for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    while (s.size() > 1 && s[0] == '0') s.erase(0, 1);
    return s;
}

bool is_ip_literal(const std::string& h) {
    IpAddr a;
    return IpAddr::parse(h, a);
}

void add_name(Ctx& c, const IpAddr& a, const std::string& name) {
    if (name.empty()) return;
    auto& v = c.ip_names[a];
    std::string n = detail::lower(name);
    if (std::find(v.begin(), v.end(), n) == v.end()) v.push_back(n);
}

void learn_responder_hosts(Ctx& c) {
    for (auto& [fp, cert] : c.certs) {
        std::string who = detail::cert_name(*cert);
        auto add = [&](const std::string& url, CheckKind k, const char* what) {
            std::string h = detail::url_host(url);
            if (h.empty()) return;
            if (!c.responder_hosts.count(h)) c.responder_hosts[h] = {k, std::string(what) + " of " + who};
        };
        for (auto& u : cert->ocsp_urls) add(u, CheckKind::ocsp, "AIA OCSP URL");
        for (auto& u : cert->crl_urls) add(u, CheckKind::crl, "CRL distribution point");
        for (auto& u : cert->ca_issuers_urls) add(u, CheckKind::aia_issuer, "AIA CA Issuers URL");
    }
    for (auto& ex : c.r.checks)
        if (ex.transport == "http" && !ex.host.empty() && !c.responder_hosts.count(detail::lower(ex.host)))
            c.responder_hosts[detail::lower(ex.host)] = {ex.kind, "seen carrying a check"};
    // Without visible certificates (TLS 1.3), names that say what they are still count.
    for (auto& q : c.r.dns) {
        std::string n = detail::lower(q.qname);
        if (c.responder_hosts.count(n)) continue;
        auto first_label = n.substr(0, n.find('.'));
        if (first_label.find("ocsp") != std::string::npos)
            c.responder_hosts[n] = {CheckKind::ocsp, "host name (certificates not visible)"};
        else if (first_label.find("crl") != std::string::npos)
            c.responder_hosts[n] = {CheckKind::crl, "host name (certificates not visible)"};
    }
}

void learn_names(Ctx& c, const std::vector<dissect::HttpExchange>& exchanges) {
    // DNS: follow CNAMEs back to the name asked for.
    for (auto& q : c.r.dns) {
        for (auto& a : q.answers) {
            if (a.type != 1 && a.type != 28) continue;
            IpAddr ip;
            if (!IpAddr::parse(a.data, ip)) continue;
            add_name(c, ip, q.qname);
            if (detail::lower(a.name) != detail::lower(q.qname)) add_name(c, ip, a.name);
        }
    }
    for (auto& ex : exchanges) {
        std::string h = detail::url_host(ex.url.empty() ? "http://" + ex.request.host + "/" : ex.url);
        if (!ex.via_proxy && !h.empty() && !is_ip_literal(h)) add_name(c, ex.conn.server.addr, h);
    }
    for (auto& [host, info] : c.responder_hosts) {
        IpAddr ip;
        if (IpAddr::parse(host, ip)) c.responder_ips.emplace(ip, host);
    }
    for (auto& [ip, names] : c.ip_names)
        for (auto& n : names)
            if (c.responder_hosts.count(n)) {
                c.responder_ips.emplace(ip, n);
                break;
            }
}

/// Takes the decoded OCSP messages and headers out of `ex` (the exchanges are consumed by the analysis).
analysis::OcspCheck check_from_exchange(dissect::HttpExchange& ex) {
    OcspCheck k;
    k.transport = "http";
    k.kind = ex.kind;
    k.role = "unknown";
    k.client = ex.conn.client;
    k.responder = ex.conn.server;
    k.host = detail::lower(ex.request.host);
    if (auto p = k.host.rfind(':'); p != std::string::npos && k.host.find(']') == std::string::npos &&
                                      k.host.find(':') == p)
        k.host = k.host.substr(0, p);
    k.host_source = "http-host";
    k.method = ex.request.method;
    k.url = ex.url;
    k.request_first = ex.request.first;
    k.request_last = ex.request.last;
    k.flow_id = ex.conn.flow_id;
    k.outcome = ex.outcome;
    k.via_proxy = ex.via_proxy;
    k.request = std::move(ex.ocsp_request);
    k.response = std::move(ex.ocsp_response);
    ex.ocsp_request.reset();
    ex.ocsp_response.reset();
    if (ex.response) {
        const auto& r = *ex.response;
        k.response_first = r.first;
        k.response_last = r.last;
        k.http_status = r.status;
        k.http_reason = r.reason;
        k.content_type = r.content_type;
        k.body_size = r.body_size;
        k.http_date = r.date_unix;
        k.response_headers = r.headers;
        if (!r.server.empty() &&
            std::none_of(r.headers.begin(), r.headers.end(),
                         [](auto& h) { return detail::lower(h.first) == "server"; }))
            k.response_headers.emplace_back("Server", r.server);
        if (!r.proxy_authenticate.empty() &&
            std::none_of(r.headers.begin(), r.headers.end(),
                         [](auto& h) { return detail::lower(h.first) == "proxy-authenticate"; }))
            k.response_headers.emplace_back("Proxy-Authenticate", r.proxy_authenticate);
        if (k.request_first.valid() && r.last.valid()) k.latency_ms = ms_between(k.request_first.ts, r.last.ts);
        bool ocsp_ok = k.response && k.response->parse_error.empty();
        if (!ocsp_ok) {
            std::string prev;
            for (std::size_t i = 0; i < r.body.size() && prev.size() < 160; ++i) {
                char ch = static_cast<char>(r.body[i]);
                if (ch == '\r' || ch == '\n' || ch == '\t') ch = ' ';
                if (static_cast<unsigned char>(ch) < 32 || static_cast<unsigned char>(ch) > 126) ch = '.';
                if (ch == ' ' && !prev.empty() && prev.back() == ' ') continue;
                prev.push_back(ch);
            }
            k.body_preview = prev;
        }
    }
    return k;
}

bool failed_tcp(const capture::TcpConnection& t) {
    using S = capture::ConnState;
    if (t.state == S::syn_sent || t.state == S::refused || t.state == S::icmp_rejected) return true;
    return t.state == S::reset && t.payload_bytes[0] == 0 && t.payload_bytes[1] == 0;
}

Timestamp handshake_anchor(const dissect::TlsHandshake& h) {
    if (h.certificate_frame) return h.certificate_frame->ts;
    if (h.server_hello) return h.server_hello->frame.ts;
    return h.start.ts;
}

}  // namespace

const Results& Analyzer::finish() {
    auto& I = *impl_;
    if (I.finished) return I.results;
    I.finished = true;
    I.analyse();
    I.announce(I.results.findings);
    I.exchanges.clear();
    I.tcp.clear();
    return I.results;
}

std::size_t Analyzer::Impl::announce(const std::vector<Finding>& findings) {
    std::size_t n = 0;
    for (const auto& f : findings) {
        if (!announced.insert(f.code + "|" + f.place).second) continue;
        if (f.severity >= Severity::error) ++announced_errors;
        ++n;
        if (live) live(f);
    }
    return n;
}

std::size_t Analyzer::poll(Timestamp now, const std::vector<capture::TcpConnection>& in_progress) {
    auto& I = *impl_;
    if (I.finished) return 0;
    auto wall = std::chrono::steady_clock::now();
    if (wall < I.next_poll) return 0;
    using S = capture::ConnState;
    const auto wait_ns = static_cast<std::int64_t>(I.opts.live_blocked_after_s * 1e9);
    std::vector<const capture::TcpConnection*> attempts;
    std::set<std::uint64_t> ids;
    for (const auto& t : in_progress) {
        if (!failed_tcp(t)) continue;
        if (t.state == S::syn_sent && (t.syns.empty() || now.ns - t.syns.front().ts.ns < wait_ns)) continue;
        attempts.push_back(&t);
        ids.insert(t.info.flow_id);
    }
    // Nothing new since the last evaluation: the findings would be the same.
    if (I.fact_count() == I.polled_facts && ids == I.polled_attempts) return 0;
    I.polled_facts = I.fact_count();
    I.polled_attempts = ids;

    Impl tmp;
    tmp.opts = I.opts;
    tmp.handshakes = I.handshakes;
    tmp.exchanges = I.exchanges;
    tmp.crls = I.crls;
    tmp.dns = I.dns;
    tmp.tcp = I.tcp;
    tmp.fetched_certs = I.fetched_certs;
    tmp.failed_seen = I.failed_seen;
    std::set<std::uint64_t> ended;
    for (const auto& t : I.tcp) ended.insert(t.info.flow_id);
    for (const auto* t : attempts)
        if (!ended.count(t->info.flow_id)) tmp.tcp.push_back(*t);
    tmp.analyse();
    I.live_checks = tmp.results.checks.size();
    // Re-evaluation copies every fact (and may load the trust store): when it is slow, space it out so
    // that at most a fifth of the time goes to it and capture keeps up.
    I.next_poll = wall + (std::chrono::steady_clock::now() - wall) * 5;
    return I.announce(tmp.results.findings);
}

Analyzer::LiveCounts Analyzer::live_counts() const {
    LiveCounts c;
    c.handshakes = impl_->finished ? impl_->results.handshakes.size() : impl_->handshakes.size();
    c.checks = impl_->finished ? impl_->results.checks.size() : impl_->live_checks;
    c.findings = impl_->announced.size();
    c.errors = impl_->announced_errors;
    return c;
}

void Analyzer::Impl::analyse() {
    auto& I = *this;
    Results& R = I.results;
    R.options = I.opts;
    R.anomalies = I.anomalies;
    dissect::CertPool pool;
    // The trust store (tens of milliseconds for the system one) is only needed when there is a certificate,
    // an OCSP response or a CRL to verify, or when the user named one (so that a bad path is reported).
    bool needs_trust = !I.opts.trust.ca_file.empty() || !I.opts.trust.ca_path.empty() || !I.fetched_certs.empty() ||
                       !I.crls.empty() ||
                       std::any_of(I.handshakes.begin(), I.handshakes.end(),
                                   [](auto& h) { return !h.chain.empty() || h.staple; }) ||
                       std::any_of(I.exchanges.begin(), I.exchanges.end(),
                                   [](auto& ex) { return ex.ocsp_response.has_value(); });
    if (needs_trust) R.trust_error = pool.load_trust(I.opts.trust);

    std::sort(I.handshakes.begin(), I.handshakes.end(),
              [](auto& a, auto& b) { return a.start.frame < b.start.frame; });
    R.handshakes = std::move(I.handshakes);
    Ctx c(I.opts, R, pool);

    auto seen = [&](const std::shared_ptr<const dissect::CertSummary>& cert) {
        if (!cert || cert->sha256.empty() || !cert->parse_error.empty()) return;
        pool.add_seen(cert);
        c.certs.emplace(cert->sha256, cert);
    };
    for (auto& h : R.handshakes) {
        for (auto& cert : h.chain) seen(cert);
        if (h.staple)
            for (auto& cert : h.staple->response.certs) seen(cert);
    }
    for (auto& ex : I.exchanges)
        if (ex.ocsp_response)
            for (auto& cert : ex.ocsp_response->certs) seen(cert);
    for (auto& cert : I.fetched_certs) seen(cert);

    // DNS records are kept in capture order.
    std::sort(I.dns.begin(), I.dns.end(), [](auto& a, auto& b) { return a.query.frame < b.query.frame; });
    R.dns = std::move(I.dns);

    std::map<std::uint64_t, const capture::TcpConnection*> tcp_by_flow;
    for (auto& t : I.tcp) tcp_by_flow[t.info.flow_id] = &t;

    // Checks come from exchanges, staples and failed connections: reserve once (a check is large, and
    // growing the array by doubling would hold up to three times what it needs at the peak).
    R.checks.reserve(I.exchanges.size() +
                     static_cast<std::size_t>(std::count_if(R.handshakes.begin(), R.handshakes.end(),
                                                            [](auto& h) { return h.staple.has_value(); })) +
                     static_cast<std::size_t>(std::count_if(I.tcp.begin(), I.tcp.end(), failed_tcp)));

    // 1. Checks carried by HTTP.
    std::set<std::uint64_t> flows_with_payload;
    std::vector<std::shared_ptr<const dissect::CrlInfo>> crl_of(I.exchanges.size());
    for (auto& [i, crl] : I.crls) crl_of[i] = std::move(crl);
    std::vector<std::size_t> order(I.exchanges.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return I.exchanges[a].request.first.frame < I.exchanges[b].request.first.frame;
    });
    for (std::size_t oi : order) {
        auto& ex = I.exchanges[oi];
        flows_with_payload.insert(ex.conn.flow_id);
        if (ex.kind == CheckKind::none || ex.request.method == "CONNECT") continue;
        OcspCheck k = check_from_exchange(ex);
        k.crl = std::move(crl_of[oi]);
        if (auto it = tcp_by_flow.find(ex.conn.flow_id); it != tcp_by_flow.end()) {
            k.tcp = *it->second;
            if (ex.index_on_conn == 0) k.connect_ms = it->second->connect_ms();
        }
        R.checks.push_back(std::move(k));
    }
    for (auto& h : R.handshakes) flows_with_payload.insert(h.conn.flow_id);

    // 2. Staples.
    for (std::size_t i = 0; i < R.handshakes.size(); ++i) {
        const auto& h = R.handshakes[i];
        if (!h.staple) continue;
        OcspCheck k;
        k.transport = "staple";
        k.kind = CheckKind::ocsp;
        k.role = "server-staple";
        k.client = h.conn.client;
        k.responder = h.conn.server;
        k.host = h.client_hello ? h.client_hello->sni : "";
        k.response_first = k.response_last = h.staple->frame;
        k.response = h.staple->response;
        k.body_size = h.staple->response.der.size();
        k.outcome = "ok";
        k.handshake_index = i;
        k.flow_id = h.conn.flow_id;
        if (!h.chain.empty() && h.chain[0]) k.cert_fingerprints.push_back(h.chain[0]->sha256);
        R.checks.push_back(std::move(k));
    }

    learn_responder_hosts(c);
    learn_names(c, I.exchanges);
    // Servers of HTTP checks are responders even when their name is unknown.
    for (auto& k : R.checks)
        if (k.transport == "http" && !k.via_proxy)
            c.responder_ips.emplace(k.responder.addr, k.host);

    // 3. Connections that never carried HTTP but were aimed at a responder.
    std::sort(I.tcp.begin(), I.tcp.end(), [](auto& a, auto& b) { return a.first_frame.frame < b.first_frame.frame; });
    std::set<std::pair<Endpoint, int>> folded_credited;
    for (auto& t : I.tcp) {
        if (flows_with_payload.count(t.info.flow_id) || !failed_tcp(t)) continue;
        OcspCheck k;
        k.transport = "tcp-only";
        k.client = t.info.client;
        k.responder = t.info.server;
        k.flow_id = t.info.flow_id;
        k.role = "unknown";
        k.tcp = t;
        if (auto it = c.responder_ips.find(t.info.server.addr); it != c.responder_ips.end()) {
            k.host = it->second;
            auto h = c.responder_hosts.find(it->second);
            k.kind = h != c.responder_hosts.end() ? h->second.kind : CheckKind::ocsp;
            k.host_source = h != c.responder_hosts.end() && h->second.how != "seen carrying a check"
                                ? (is_ip_literal(k.host) ? "aia-url" : "dns")
                                : "http-host";
        } else if (t.info.server.port == 80) {
            k.kind = CheckKind::ocsp;
            k.host_source = "port-heuristic";
            auto n = c.ip_names.find(t.info.server.addr);
            if (n != c.ip_names.end() && !n->second.empty()) k.host = n->second.front();
        } else if (t.info.server.port == 389) {
            k.kind = CheckKind::crl;
            k.host_source = "port-heuristic";
        } else {
            continue;
        }
        using S = capture::ConnState;
        k.outcome = t.state == S::syn_sent ? "no_answer"
                    : t.state == S::refused ? "refused"
                    : t.state == S::icmp_rejected ? "icmp"
                                                  : "reset";
        // The attempts folded away at intake are credited to the first kept one of their kind.
        std::pair<Endpoint, int> fold_key{t.info.server, static_cast<int>(t.state)};
        if (auto f = I.failed_seen.find(fold_key);
            f != I.failed_seen.end() && f->second.second && folded_credited.insert(fold_key).second)
            k.folded_attempts = f->second.second;
        R.checks.push_back(std::move(k));
    }
    {
        // Sort positions, then move each check once: OcspCheck is large, and a merge sort moves it many times.
        std::vector<std::pair<std::uint64_t, std::size_t>> pos(R.checks.size());
        for (std::size_t i = 0; i < pos.size(); ++i) pos[i] = {R.checks[i].start().frame, i};
        std::stable_sort(pos.begin(), pos.end(), [](auto& a, auto& b) { return a.first < b.first; });
        // Apply the permutation in place (cycle by cycle): no second array of checks at the peak.
        std::vector<std::size_t> from(pos.size());
        for (std::size_t i = 0; i < pos.size(); ++i) from[i] = pos[i].second;
        for (std::size_t start = 0; start < from.size(); ++start) {
            if (from[start] == start) continue;
            OcspCheck held = std::move(R.checks[start]);
            std::size_t at = start;
            while (from[at] != start) {
                std::size_t next = from[at];
                R.checks[at] = std::move(R.checks[next]);
                from[at] = at;
                at = next;
            }
            R.checks[at] = std::move(held);
            from[at] = at;
        }
    }

    // 4. CertID index: every seen certificate with a known issuer, under every hash the requests used.
    std::set<std::string> algs = {"sha1", "sha256"};
    for (auto& k : R.checks) {
        if (k.request)
            for (auto& id : k.request->cert_ids) if (!id.hash_alg.empty()) algs.insert(detail::lower(id.hash_alg));
        if (k.response)
            for (auto& s : k.response->singles) if (!s.cert_id.hash_alg.empty()) algs.insert(detail::lower(s.cert_id.hash_alg));
    }
    std::map<std::string, std::string> by_cert_id;      // key -> sha256
    std::multimap<std::string, std::string> by_serial;  // serial -> sha256
    std::map<std::string, std::vector<std::shared_ptr<const dissect::CertSummary>>> issuers;
    for (auto& [fp, cert] : c.certs) {
        by_serial.emplace(normal_serial(cert->serial_hex), fp);
        auto iss = pool.issuers_of(*cert);
        issuers[fp] = iss;
        for (auto& is : iss)
            for (auto& alg : algs) {
                auto id = pool.cert_id(*cert, *is, alg);
                if (!id.serial_hex.empty()) by_cert_id.emplace(cert_id_key(id), fp);
            }
    }
    auto match_ids = [&](OcspCheck& k, const dissect::OcspCertId& id) {
        std::string fp;
        if (auto it = by_cert_id.find(cert_id_key(id)); it != by_cert_id.end()) fp = it->second;
        else if (by_serial.count(normal_serial(id.serial_hex)) == 1)
            fp = by_serial.find(normal_serial(id.serial_hex))->second;
        if (!fp.empty() && std::find(k.cert_fingerprints.begin(), k.cert_fingerprints.end(), fp) ==
                               k.cert_fingerprints.end())
            k.cert_fingerprints.push_back(fp);
    };
    for (auto& k : R.checks) {
        if (k.request) for (auto& id : k.request->cert_ids) match_ids(k, id);
        if (k.response) for (auto& s : k.response->singles) match_ids(k, s.cert_id);
    }

    // 5. Which connection caused each check, and in which role.
    const double window_ns = I.opts.correlation_window_s * 1e9;
    // Handshakes by client and by server address, each list in handshake order: a check looks only at the
    // handshakes of its own host instead of all of them.
    std::unordered_map<IpAddr, std::vector<std::size_t>, IpAddrHash> hs_by_client, hs_by_server;
    for (std::size_t i = 0; i < R.handshakes.size(); ++i) {
        hs_by_client[R.handshakes[i].conn.client.addr].push_back(i);
        hs_by_server[R.handshakes[i].conn.server.addr].push_back(i);
    }
    static const std::vector<std::size_t> none;
    auto handshakes_of = [](const auto& index, const IpAddr& a) -> const std::vector<std::size_t>& {
        auto it = index.find(a);
        return it != index.end() ? it->second : none;
    };
    for (auto& k : R.checks) {
        if (k.transport == "staple") continue;
        Timestamp t = k.start().ts;
        std::optional<std::size_t> best, best_by_cert;
        for (std::size_t i : handshakes_of(hs_by_client, k.client.addr)) {
            const auto& h = R.handshakes[i];
            Timestamp a = handshake_anchor(h);
            if (static_cast<double>(t.ns - a.ns) < -1e6 || static_cast<double>(t.ns - a.ns) > window_ns) continue;
            bool about_chain = false;
            for (auto& cert : h.chain)
                if (cert && std::find(k.cert_fingerprints.begin(), k.cert_fingerprints.end(), cert->sha256) !=
                                k.cert_fingerprints.end())
                    about_chain = true;
            if (about_chain) best_by_cert = i;
            else if (h.chain.empty() || k.cert_fingerprints.empty()) best = i;
        }
        if (best_by_cert || best) {
            k.handshake_index = best_by_cert ? best_by_cert : best;
            k.role = "client";
            continue;
        }
        // A TLS server fetching OCSP for its own staple (or checking a client certificate).
        for (std::size_t i : handshakes_of(hs_by_server, k.client.addr)) {
            const auto& h = R.handshakes[i];
            double d = static_cast<double>(t.ns - h.start.ts.ns);
            if (d < -window_ns || d > window_ns) continue;
            bool about_server_chain = k.cert_fingerprints.empty();
            for (auto& cert : h.chain)
                if (cert && std::find(k.cert_fingerprints.begin(), k.cert_fingerprints.end(), cert->sha256) !=
                                k.cert_fingerprints.end())
                    about_server_chain = true;
            k.role = about_server_chain || !h.certificate_request ? "server-staple-fetch" : "server-client-auth";
            if (!k.handshake_index) k.handshake_index = i;
            if (d >= 0) break;
        }
        if (k.role == "unknown" && k.kind != CheckKind::none) k.role = "client";
    }

    // 6. Verify every OCSP response at the time it was captured.
    for (auto& k : R.checks) {
        if (!k.response || !k.response->parse_error.empty() || k.response->response_status != 0) continue;
        dissect::OcspVerifyInput in;
        in.response = &*k.response;
        in.request = k.request ? &*k.request : nullptr;
        Timestamp at = k.response_last.valid() ? k.response_last.ts : k.response_first.ts;
        in.at_time = at.ns / 1'000'000'000LL;
        in.clock_tolerance_s = I.opts.clock_tolerance_s;
        k.verification = dissect::verify_ocsp_response(in, pool);
        // A staple must answer for the leaf it came with.
        if (k.transport == "staple" && k.handshake_index) {
            const auto& h = R.handshakes[*k.handshake_index];
            if (!h.chain.empty() && h.chain[0] && h.chain[0]->parse_error.empty()) {
                const auto& leaf = *h.chain[0];
                auto iss = issuers.count(leaf.sha256) ? issuers[leaf.sha256] : pool.issuers_of(leaf);
                bool known = !iss.empty(), matched = false;
                for (auto& s : k.response->singles) {
                    if (normal_serial(s.cert_id.serial_hex) == normal_serial(leaf.serial_hex) && !known) matched = true;
                    for (auto& is : iss)
                        if (cert_id_key(pool.cert_id(leaf, *is, detail::lower(s.cert_id.hash_alg))) ==
                            cert_id_key(s.cert_id))
                            matched = true;
                }
                auto& rs = k.verification.reasons;
                if (!matched && std::find(rs.begin(), rs.end(), "certid_mismatch") == rs.end()) {
                    rs.push_back("certid_mismatch");
                    k.verification.ok = false;
                    k.verification.performed = true;
                    if (k.verification.detail.empty())
                        k.verification.detail = "the staple does not answer for the leaf certificate (serial " +
                                                leaf.serial_hex + ")";
                }
            }
        }
    }

    // CRLs: the issuer (by name) whose key verifies the signature.
    for (auto& k : R.checks) {
        if (!k.crl || !k.crl->parse_error.empty()) continue;
        bool candidate = false;
        std::vector<std::shared_ptr<const dissect::CertSummary>> cands;
        for (auto& [fp, cert] : c.certs)
            if (cert->subject == k.crl->issuer) cands.push_back(cert);
        if (cands.empty())
            for (auto& [fp, cert] : c.certs)
                if (cert->is_ca) cands.push_back(cert);
        for (auto& cert : cands) {
            candidate = true;
            if (dissect::crl_signed_by(*k.crl, *cert)) {
                k.crl_signature_ok = true;
                k.crl_signer = cert->subject;
                break;
            }
        }
        if (candidate && !k.crl_signature_ok) k.crl_signature_ok = false;
        // Certificates the CRL covers, seen in TLS chains.
        std::set<std::string> listed;
        for (auto& e : k.crl->entries) listed.insert(normal_serial(e.serial_hex));
        for (auto& h : R.handshakes)
            for (auto& cert : h.chain)
                if (cert && (cert->issuer == k.crl->issuer || (!k.crl_signer.empty() && cert->issuer == k.crl_signer)) &&
                    listed.count(normal_serial(cert->serial_hex)) &&
                    std::find(k.cert_fingerprints.begin(), k.cert_fingerprints.end(), cert->sha256) ==
                        k.cert_fingerprints.end())
                    k.cert_fingerprints.push_back(cert->sha256);
    }

    // The connections live on in the checks that they carried or failed to carry; the stored array goes.
    std::vector<capture::TcpConnection>().swap(I.tcp);
    // DNS records kept: lookups of responder names (filtered in place: no second array at the peak).
    std::erase_if(R.dns, [&](const dissect::DnsLookup& q) { return !c.responder_hosts.count(detail::lower(q.qname)); });

    detail::run_rules(c);
    detail::build_stories(c);
}

}  // namespace revo::analysis
