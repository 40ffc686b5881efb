// Report dispatch, exit status, and --redact pseudonyms.
#include "report/report.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "report/detail.h"

namespace revo::report {

bool parse_format(const std::string& name, Format& out) {
    if (name == "text") out = Format::text;
    else if (name == "jsonl" || name == "json") out = Format::jsonl;
    else if (name == "markdown" || name == "md") out = Format::markdown;
    else if (name == "html") out = Format::html;
    else return false;
    return true;
}

int exit_status_for(const analysis::Results& results) {
    for (auto& f : results.findings)
        if (f.severity != analysis::Severity::info) return 1;
    return 0;
}

void write_report(Format fmt, std::ostream& out, const analysis::Results& results, const RunInfo& run) {
    std::ostringstream buf;
    std::ostream& o = run.redact ? static_cast<std::ostream&>(buf) : out;
    switch (fmt) {
        case Format::text: detail::write_text(o, results, run); break;
        case Format::jsonl: detail::write_jsonl(o, results, run); break;
        case Format::markdown: detail::write_markdown(o, results, run); break;
        case Format::html: detail::write_html(o, results, run); break;
    }
    if (run.redact) {
        detail::Redactor red;
        red.build(results);
        out << red.apply(buf.str());
    }
    out.flush();
}

namespace detail {

namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string url_host(const std::string& url) {
    auto p = url.find("://");
    std::string rest = p == std::string::npos ? url : url.substr(p + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (!rest.empty() && rest[0] == '[') return lower(rest.substr(1, rest.find(']') - 1));
    return lower(rest.substr(0, rest.find(':')));
}

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }

}  // namespace

void Redactor::build(const analysis::Results& r) {
    std::set<std::string> keep_names, keep_ips;
    std::vector<std::string> wildcard;
    auto keep_cert = [&](const dissect::CertSummary& c) {
        for (auto& n : c.san_dns) {
            if (n.rfind("*.", 0) == 0) wildcard.push_back(lower(n.substr(1)));
            keep_names.insert(lower(n));
        }
        for (auto& ip : c.san_ip) keep_ips.insert(ip);
        for (auto* v : {&c.ocsp_urls, &c.crl_urls, &c.ca_issuers_urls})
            for (auto& u : *v) keep_names.insert(url_host(u));
        auto p = c.subject.find("CN=");
        if (p != std::string::npos) {
            auto e = c.subject.find(',', p);
            keep_names.insert(lower(c.subject.substr(p + 3, e == std::string::npos ? std::string::npos : e - p - 3)));
        }
    };
    for (auto& h : r.handshakes)
        for (auto& c : h.chain)
            if (c) keep_cert(*c);
    for (auto& k : r.checks)
        if (k.response)
            for (auto& c : k.response->certs)
                if (c) keep_cert(*c);

    std::set<IpAddr> ips;
    std::set<std::string> hosts;
    auto ip = [&](const IpAddr& a) { ips.insert(a); };
    auto host = [&](const std::string& h) {
        std::string n = lower(h);
        while (!n.empty() && n.back() == '.') n.pop_back();
        IpAddr a;
        if (n.empty()) return;
        if (IpAddr::parse(n, a)) {
            ips.insert(a);
            return;
        }
        if (n.find('.') == std::string::npos) return;
        hosts.insert(n);
    };
    for (auto& h : r.handshakes) {
        ip(h.conn.client.addr);
        ip(h.conn.server.addr);
        if (h.client_hello) host(h.client_hello->sni);
    }
    for (auto& k : r.checks) {
        ip(k.client.addr);
        ip(k.responder.addr);
        host(k.host);
        host(url_host(k.url));
        if (k.tcp)
            for (auto& e : k.tcp->icmp) ip(e.reporter);
    }
    for (auto& q : r.dns) {
        ip(q.client.addr);
        ip(q.server.addr);
        host(q.qname);
        for (auto& a : q.answers) {
            host(a.name);
            host(a.data);
        }
    }
    int n = 0;
    for (auto& a : ips) {
        std::string s = a.to_string();
        if (keep_ips.count(s)) continue;
        tokens_.emplace_back(s, "ip-" + std::to_string(++n));
    }
    n = 0;
    for (auto& h : hosts) {
        if (keep_names.count(h)) continue;
        bool wild = false;
        for (auto& w : wildcard)
            if (h.size() > w.size() && h.compare(h.size() - w.size(), w.size(), w) == 0 &&
                h.find('.') == h.size() - w.size())
                wild = true;
        if (wild) continue;
        tokens_.emplace_back(h, "host-" + std::to_string(++n));
    }
    std::stable_sort(tokens_.begin(), tokens_.end(),
                     [](auto& a, auto& b) { return a.first.size() > b.first.size(); });
}

std::string Redactor::apply(const std::string& text) const {
    std::string s = text;
    for (auto& [from, to] : tokens_) {
        bool is_ip = to.rfind("ip-", 0) == 0;
        std::string out;
        out.reserve(s.size());
        std::size_t pos = 0;
        std::string ls = is_ip ? s : lower(s);
        while (true) {
            std::size_t hit = ls.find(from, pos);
            if (hit == std::string::npos) break;
            std::size_t end = hit + from.size();
            char before = hit ? s[hit - 1] : ' ';
            char after = end < s.size() ? s[end] : ' ';
            char after2 = end + 1 < s.size() ? s[end + 1] : ' ';
            bool ok;
            if (is_ip) {
                bool v6 = from.find(':') != std::string::npos;
                ok = !std::isxdigit(static_cast<unsigned char>(before)) && before != '.' &&
                     !std::isdigit(static_cast<unsigned char>(after)) &&
                     !(after == '.' && std::isdigit(static_cast<unsigned char>(after2))) &&
                     !(v6 && (std::isxdigit(static_cast<unsigned char>(after)) || before == ':'));
            } else {
                ok = !name_char(before) && before != '.' && !name_char(after) &&
                     !(after == '.' && name_char(after2));
            }
            out.append(s, pos, hit - pos);
            out += ok ? to : s.substr(hit, from.size());
            pos = end;
        }
        out.append(s, pos, std::string::npos);
        s.swap(out);
    }
    return s;
}

}  // namespace detail

}  // namespace revo::report
