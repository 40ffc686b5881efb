// Redaction: the one-pass replacement agrees with replacing each name on its own, longest first.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "report/detail.h"

using revo::report::detail::Redactor;

namespace {

using Tokens = std::vector<std::pair<std::string, std::string>>;

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }
bool xdigit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool digit(char c) { return c >= '0' && c <= '9'; }

// The model: every name searched for in turn, longest first, in the original text, and replaced where it
// stands alone and no longer name has taken the place already.
std::string one_by_one(const std::string& s, Tokens tokens) {
    std::stable_sort(tokens.begin(), tokens.end(), [](auto& a, auto& b) { return a.first.size() > b.first.size(); });
    std::string folded = s;
    for (auto& c : folded) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    struct Match {
        std::size_t begin, end;
        const std::string* to;
    };
    std::vector<Match> matches;
    std::vector<bool> taken(s.size(), false);
    for (auto& [from, to] : tokens) {
        const bool ip = to.rfind("ip-", 0) == 0;
        const bool v6 = ip && from.find(':') != std::string::npos;
        const std::string& hay = ip ? s : folded;
        for (std::size_t hit = hay.find(from); hit != std::string::npos; hit = hay.find(from, hit + 1)) {
            std::size_t end = hit + from.size();
            char b = hit ? s[hit - 1] : ' ', a = end < s.size() ? s[end] : ' ', a2 = end + 1 < s.size() ? s[end + 1] : ' ';
            bool alone = ip ? !xdigit(b) && b != '.' && !digit(a) && !(a == '.' && digit(a2)) && !(v6 && (xdigit(a) || b == ':'))
                            : !name_char(b) && b != '.' && !name_char(a) && !(a == '.' && name_char(a2));
            bool free = true;
            for (std::size_t k = hit; k < end; ++k) free = free && !taken[k];
            if (!alone || !free) continue;
            for (std::size_t k = hit; k < end; ++k) taken[k] = true;
            matches.push_back({hit, end, &to});
        }
    }
    std::sort(matches.begin(), matches.end(), [](auto& x, auto& y) { return x.begin < y.begin; });
    std::string out;
    std::size_t pos = 0;
    for (auto& m : matches) {
        out.append(s, pos, m.begin - pos);
        out += *m.to;
        pos = m.end;
    }
    out.append(s, pos, std::string::npos);
    return out;
}

std::string redact(const Tokens& t, const std::string& text) {
    Redactor r;
    r.set_tokens(t);
    return r.apply(text);
}

const Tokens kTokens = {
    {"www.example.com", "host-1"},     {"example.com", "host-2"},          {"intranet.corp.example", "host-3"},
    {"x-1.test.example", "host-4"},    {"ocsp_int.ca.example", "host-5"},  {"bad host.example", "host-6"},
    {"caf\xc3\xa9.example", "host-7"}, {"10.0.0.1", "ip-1"},               {"10.0.0.10", "ip-2"},
    {"192.0.2.53", "ip-3"},            {"2001:db8::1", "ip-4"},            {"2001:db8::1:5", "ip-5"},
    {"::1", "ip-6"},                   {"::ffff:10.0.0.1", "ip-7"},        {"fe80::", "ip-8"},
};

}  // namespace

TEST_CASE("redaction replaces names that stand alone and leaves those inside longer names") {
    CHECK(redact(kTokens, "GET http://www.example.com/x from 10.0.0.1:80") == "GET http://host-1/x from ip-1:80");
    CHECK(redact(kTokens, "WWW.Example.COM.") == "host-1.");
    CHECK(redact(kTokens, "sub.example.com example.com.au example.com-x example.com") ==
          "sub.example.com example.com.au example.com-x host-2");
    CHECK(redact(kTokens, "10.0.0.10 10.0.0.100 110.0.0.1 10.0.0.1.5 a10.0.0.1 g10.0.0.1") ==
          "ip-2 10.0.0.100 110.0.0.1 10.0.0.1.5 a10.0.0.1 gip-1");
    CHECK(redact(kTokens, "[2001:db8::1]:443 2001:db8::1:5 2001:db8::1a ::1 a::1") == "[ip-4]:443 ip-5 2001:db8::1a ip-6 a::1");
    CHECK(redact(kTokens, "::ffff:10.0.0.1 fe80::%eth0 1::ffff:10.0.0.1") == "ip-7 ip-8%eth0 1::ffff:ip-1");
    CHECK(redact(kTokens, "\"bad host.example\" caf\xc3\xa9.example") == "\"host-6\" host-7");
    CHECK(redact({}, "nothing to do 10.0.0.1") == "nothing to do 10.0.0.1");
}

TEST_CASE("redaction in one pass agrees with the one-by-one model on random texts") {
    const std::vector<std::string> pieces = {" ", ".", ":", "::", "-", "_", "/", "[", "]", ",", "\"", "1", "0", "a",
                                             "g", "Z", "\n", "%", "\xc3", "..", ".5", ":443"};
    std::mt19937 rng(20261127);
    for (int round = 0; round < 3000; ++round) {
        std::string text;
        const int parts = 1 + static_cast<int>(rng() % 12);
        for (int p = 0; p < parts; ++p) {
            if (rng() % 2) {
                std::string t = kTokens[rng() % kTokens.size()].first;
                if (rng() % 3 == 0)
                    for (auto& c : t) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                text += t;
            } else {
                text += pieces[rng() % pieces.size()];
            }
        }
        INFO("text: " << text);
        REQUIRE(redact(kTokens, text) == one_by_one(text, kTokens));
    }
}

TEST_CASE("redaction of 20000 addresses over a report of more than 1 MB replaces every one") {
    // Searched for one by one, this is some 25 GB of copying; the one pass reads the text once.
    Tokens many;
    std::string text;
    for (int i = 0; i < 20000; ++i) {
        std::string ip = "10." + std::to_string(i / 256 / 256 % 256) + "." + std::to_string(i / 256 % 256) + "." + std::to_string(i % 256);
        many.emplace_back(ip, "ip-" + std::to_string(i + 1));
        text += "connection " + ip + ":443 -> " + ip + ":51000 closed by reset\n";
    }
    REQUIRE(text.size() > 1000000);
    std::string out = redact(many, text);
    CHECK(out.find("10.0.") == std::string::npos);
    CHECK(out.find("connection ip-1:443 -> ip-1:51000") != std::string::npos);
    CHECK(out.find("connection ip-19999:443") != std::string::npos);
}
