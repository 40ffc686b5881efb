// Report dispatch, exit status, and --redact pseudonyms.
#include "report/report.h"

#include <algorithm>
#include <set>
#include <sstream>
#include <unordered_map>

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
    set_tokens(std::move(tokens_));
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_xdigit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// The shapes the one-pass scan recognises. In each, a '.' is followed by a character of the name, so the
// end of a name in the text is where its characters stop.
bool simple_host(const std::string& s) {
    if (s.empty()) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '.') {
            if (i + 1 >= s.size() || !name_char(s[i + 1])) return false;
        } else if (!name_char(c) || std::isupper(static_cast<unsigned char>(c))) {
            return false;
        }
    }
    return true;
}

bool simple_ipv4(const std::string& s) {
    if (s.empty() || !is_digit(s[0])) return false;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (!is_digit(s[i]) && !(s[i] == '.' && i + 1 < s.size() && is_digit(s[i + 1]))) return false;
    return true;
}

bool simple_ipv6(const std::string& s) {
    if (s.find(':') == std::string::npos || (s.back() == ':' && (s.size() < 2 || s[s.size() - 2] != ':'))) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (!is_xdigit(c) && c != ':' && !(c == '.' && i + 1 < s.size() && is_digit(s[i + 1]))) return false;
    }
    return true;
}

}  // namespace

void Redactor::set_tokens(std::vector<std::pair<std::string, std::string>> tokens) {
    tokens_ = std::move(tokens);
    std::stable_sort(tokens_.begin(), tokens_.end(),
                     [](auto& a, auto& b) { return a.first.size() > b.first.size(); });
    hosts_.clear();
    ipv4_.clear();
    ipv6_.clear();
    odd_.clear();
    longest_host_ = longest_ipv4_ = longest_ipv6_ = 0;
    for (std::size_t i = 0; i < tokens_.size(); ++i) {
        const auto& [from, to] = tokens_[i];
        if (from.empty()) continue;
        const Kind kind = to.rfind("ip-", 0) != 0                  ? Kind::host
                          : from.find(':') != std::string::npos ? Kind::ipv6
                                                                : Kind::ipv4;
        // Longest first: the first token of an original wins, as in the one-by-one replacement.
        if (kind == Kind::ipv4 && simple_ipv4(from)) {
            ipv4_.emplace(from, to);
            longest_ipv4_ = std::max(longest_ipv4_, from.size());
        } else if (kind == Kind::ipv6 && simple_ipv6(from)) {
            ipv6_.emplace(from, to);
            longest_ipv6_ = std::max(longest_ipv6_, from.size());
        } else if (kind == Kind::host && simple_host(from)) {
            hosts_.emplace(from, to);
            longest_host_ = std::max(longest_host_, from.size());
        } else {
            odd_.push_back({i, kind});
        }
    }
}

// Where the names of unusual characters stand alone in `s`, searched for one by one, longest first; a place
// taken by one name is not taken by another. Sorted by position.
std::vector<Redactor::Span> Redactor::odd_spans(const std::string& s) const {
    std::vector<Span> spans;
    if (odd_.empty()) return spans;
    const std::string folded = lower(s);
    std::vector<bool> taken(s.size(), false);
    for (const Odd& o : odd_) {
        const auto& [from, to] = tokens_[o.token];
        const bool is_ip = o.kind != Kind::host;
        const bool v6 = o.kind == Kind::ipv6;
        const std::string& hay = is_ip ? s : folded;
        for (std::size_t hit = hay.find(from); hit != std::string::npos; hit = hay.find(from, hit + 1)) {
            const std::size_t end = hit + from.size();
            const char before = hit ? s[hit - 1] : ' ';
            const char after = end < s.size() ? s[end] : ' ';
            const char after2 = end + 1 < s.size() ? s[end + 1] : ' ';
            bool ok;
            if (is_ip) {
                ok = !is_xdigit(before) && before != '.' && !is_digit(after) && !(after == '.' && is_digit(after2)) &&
                     !(v6 && (is_xdigit(after) || before == ':'));
            } else {
                ok = !name_char(before) && before != '.' && !name_char(after) && !(after == '.' && name_char(after2));
            }
            for (std::size_t k = hit; ok && k < end; ++k) ok = !taken[k];
            if (!ok) continue;
            std::fill(taken.begin() + static_cast<std::ptrdiff_t>(hit), taken.begin() + static_cast<std::ptrdiff_t>(end), true);
            spans.push_back({hit, end, &to});
        }
    }
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
    return spans;
}

std::string Redactor::apply(const std::string& s) const {
    const std::vector<Span> odd = odd_spans(s);
    if (odd.empty() && hosts_.empty() && ipv4_.empty() && ipv6_.empty()) return s;
    const std::size_t n = s.size();
    auto at = [&](std::size_t k) { return k < n ? s[k] : ' '; };
    std::string out;
    out.reserve(n);
    std::string key;
    std::size_t copied = 0;
    std::size_t next_odd = 0;
    std::size_t i = 0;
    while (i < n) {
        const char prev = i ? s[i - 1] : ' ';
        // The longest name starting here, of any kind; (length, pseudonym).
        std::size_t best_len = 0;
        const std::string* best = nullptr;
        auto consider = [&](const std::unordered_map<std::string, std::string>& m, std::size_t len, std::size_t longest,
                            bool fold) {
            if (len <= best_len || len > longest) return;
            key.assign(s, i, len);
            if (fold)
                for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            auto it = m.find(key);
            if (it == m.end()) return;
            best_len = len;
            best = &it->second;
        };
        if (prev != '.' && !is_xdigit(prev)) {
            if (!hosts_.empty() && !name_char(prev)) {
                std::size_t e = i;
                while (e < n && (name_char(s[e]) || (s[e] == '.' && name_char(at(e + 1))))) ++e;
                consider(hosts_, e - i, longest_host_, true);
            }
            if (!ipv4_.empty() && is_digit(s[i])) {
                std::size_t e = i;
                while (e < n && (is_digit(s[e]) || (s[e] == '.' && is_digit(at(e + 1))))) ++e;
                consider(ipv4_, e - i, longest_ipv4_, false);
            }
            if (!ipv6_.empty() && prev != ':' && (is_xdigit(s[i]) || s[i] == ':')) {
                // An address ends before a ':' or where its characters stop; try each such end.
                for (std::size_t e = i; e <= n && e - i <= longest_ipv6_; ++e) {
                    char c = at(e);
                    bool inside = is_xdigit(c) || c == ':' || (c == '.' && is_digit(at(e + 1)));
                    if (e > i && (!inside || c == ':')) consider(ipv6_, e - i, longest_ipv6_, false);
                    if (!inside) break;
                }
            }
        }
        if (next_odd < odd.size() && odd[next_odd].begin == i) {
            best = odd[next_odd].to;
            best_len = odd[next_odd].end - i;
            ++next_odd;
        } else if (best && next_odd < odd.size() && i + best_len > odd[next_odd].begin) {
            best = nullptr;  // the place of a name of unusual characters
        }
        if (best) {
            out.append(s, copied, i - copied);
            out += *best;
            i += best_len;
            copied = i;
        } else {
            ++i;
        }
    }
    out.append(s, copied, std::string::npos);
    return out;
}

}  // namespace detail

}  // namespace revo::report
