// Internals shared by the reporters: names, JSON records, verdict, redaction.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <unordered_map>
#include <vector>

#include "report/report.h"

namespace revo::report {
class JsonWriter;
}

namespace revo::report::detail {

std::string version_name(std::uint16_t v);
std::string cipher_name(std::uint16_t id);
std::string human_bytes(std::uint64_t n);
std::string html_escape(const std::string& s);

void cert_json(JsonWriter& w, const dissect::CertSummary& c);
/// Per handshake: the staple's check and the connection story, found once for all handshakes.
struct HandshakeLinks {
    explicit HandshakeLinks(const analysis::Results& r);
    std::vector<const analysis::OcspCheck*> staple_check;
    std::vector<const analysis::ConnectionStory*> story;
};
// One JSON record each, written in sorted-key order (see JsonWriter).
void handshake_json(JsonWriter& w, const analysis::Results& r, std::size_t i, const HandshakeLinks& links);
void check_json(JsonWriter& w, const analysis::Results& r, std::size_t i);
void dns_json(JsonWriter& w, const dissect::DnsLookup& q);
void finding_json(JsonWriter& w, const analysis::Finding& f);
void summary_json(JsonWriter& w, const analysis::Results& r, const RunInfo& run);

/// Counts per severity, index 0 info .. 3 critical.
std::array<std::size_t, 4> severity_counts(const analysis::Results& r);
/// One line at the top of every report: the most important thing to know.
std::string verdict(const analysis::Results& r);
/// Time span of the capture, falling back to the facts when the stats are empty.
std::pair<Timestamp, Timestamp> time_span(const analysis::Results& r, const RunInfo& run);

/// Stable pseudonyms for addresses and host names that are not the certificates' own names.
///
/// A name is replaced only where it stands alone: a host name not inside a longer name (no letter, digit,
/// '-', '_' or '.' name part around it), an address not inside a longer number or address. The text is
/// read once whatever the number of names; names of unusual characters are looked for one by one first.
class Redactor {
public:
    void build(const analysis::Results& r);
    /// Sets the names to replace: (original, pseudonym); a pseudonym starting with "ip-" marks an address,
    /// compared as written, any other a host name, compared without regard to case (originals in lower case).
    void set_tokens(std::vector<std::pair<std::string, std::string>> tokens);
    std::string apply(const std::string& text) const;
    const std::vector<std::pair<std::string, std::string>>& mapping() const { return tokens_; }

private:
    enum class Kind { host, ipv4, ipv6 };
    struct Span {
        std::size_t begin, end;
        const std::string* to;
    };
    struct Odd {
        std::size_t token;  ///< index into tokens_
        Kind kind;
    };
    std::vector<Span> odd_spans(const std::string& s) const;

    std::vector<std::pair<std::string, std::string>> tokens_;  ///< original -> pseudonym, longest first
    /// Names made of the usual characters, found in one pass: host names, IPv4 and IPv6 addresses.
    std::unordered_map<std::string, std::string> hosts_, ipv4_, ipv6_;
    std::size_t longest_host_ = 0, longest_ipv4_ = 0, longest_ipv6_ = 0;
    /// Any other name (a host name with spaces, control or non-ASCII bytes...), longest first.
    std::vector<Odd> odd_;
};

std::vector<std::pair<std::string, std::vector<const analysis::Finding*>>> group_by_cause(const analysis::Results& r);

void write_jsonl(std::ostream& out, const analysis::Results& r, const RunInfo& run);
void write_text(std::ostream& out, const analysis::Results& r, const RunInfo& run);
void write_markdown(std::ostream& out, const analysis::Results& r, const RunInfo& run);
void write_html(std::ostream& out, const analysis::Results& r, const RunInfo& run);

}  // namespace revo::report::detail
