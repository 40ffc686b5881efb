// DNS message parsing (RFC 1035 section 4.1: header, question, resource records; section 4.1.4 name
// compression), with bounded pointer following so hostile messages cannot loop. AAAA is RFC 3596.
#include "dissect/dns/dns.h"

#include <arpa/inet.h>

#include <cctype>
#include <cstdio>

namespace revo::dissect {

const char* dns_rcode_name(int rcode) {
    switch (rcode) {
        case 0: return "NOERROR";
        case 1: return "FORMERR";
        case 2: return "SERVFAIL";
        case 3: return "NXDOMAIN";
        case 4: return "NOTIMP";
        case 5: return "REFUSED";
        case 6: return "YXDOMAIN";
        case 7: return "YXRRSET";
        case 8: return "NXRRSET";
        case 9: return "NOTAUTH";
        case 10: return "NOTZONE";
        default: return "UNKNOWN";
    }
}

namespace {

constexpr int kMaxPointers = 32;     // more jumps than any legitimate name needs
constexpr std::size_t kMaxName = 255;

// Reads a possibly compressed name starting at `pos` in `msg`. On success returns the name (lower-case,
// no trailing dot, "." for the root) and sets `next` to the offset just past the name in the original
// position. Every pointer must point strictly backwards, which with the jump cap rules out loops.
std::optional<std::string> read_name(ByteView msg, std::size_t pos, std::size_t& next, std::string& err) {
    std::string name;
    std::size_t cur = pos;
    bool jumped = false;
    int jumps = 0;
    std::size_t lowest = pos;  // pointers must go below every position visited so far
    std::size_t wire_len = 0;
    while (true) {
        if (cur >= msg.size()) {
            err = "name runs past the end of the message";
            return std::nullopt;
        }
        std::uint8_t len = msg[cur];
        if ((len & 0xc0) == 0xc0) {
            if (cur + 1 >= msg.size()) {
                err = "truncated compression pointer";
                return std::nullopt;
            }
            std::size_t target = (static_cast<std::size_t>(len & 0x3f) << 8) | msg[cur + 1];
            if (!jumped) next = cur + 2;
            jumped = true;
            if (++jumps > kMaxPointers || target >= lowest) {
                err = "compression pointer loop or forward pointer";
                return std::nullopt;
            }
            lowest = target;
            cur = target;
            continue;
        }
        if ((len & 0xc0) != 0) {
            err = "unsupported label type";
            return std::nullopt;
        }
        if (len == 0) {
            if (!jumped) next = cur + 1;
            break;
        }
        if (cur + 1 + len > msg.size()) {
            err = "label runs past the end of the message";
            return std::nullopt;
        }
        wire_len += len + 1;
        if (wire_len > kMaxName) {
            err = "name longer than 255 bytes";
            return std::nullopt;
        }
        if (!name.empty()) name.push_back('.');
        for (std::size_t i = 0; i < len; ++i) {
            unsigned char c = msg[cur + 1 + i];
            if (c == '.' || c < 0x21 || c > 0x7e) {
                char esc[8];
                std::snprintf(esc, sizeof esc, "\\%03u", static_cast<unsigned>(c));
                name += esc;
            } else {
                name.push_back(static_cast<char>(std::tolower(c)));
            }
        }
        cur += 1 + len;
    }
    if (name.empty()) name = ".";
    return name;
}

}  // namespace

std::optional<DnsMessage> parse_dns_message(ByteView msg, std::string* error) {
    std::string err;
    auto fail = [&](const std::string& e) -> std::optional<DnsMessage> {
        if (error) *error = e;
        return std::nullopt;
    };
    ByteReader r(msg);
    auto id = r.u16();
    auto flags = r.u16();
    auto qd = r.u16();
    auto an = r.u16();
    auto ns = r.u16();
    auto ar = r.u16();
    if (!ar) return fail("shorter than the 12-byte header");
    DnsMessage m;
    m.id = *id;
    m.response = (*flags & 0x8000) != 0;
    m.opcode = static_cast<std::uint8_t>((*flags >> 11) & 0x0f);
    m.rcode = static_cast<std::uint8_t>(*flags & 0x0f);
    std::size_t pos = 12;
    for (unsigned i = 0; i < *qd; ++i) {
        std::size_t next = 0;
        auto name = read_name(msg, pos, next, err);
        if (!name) return fail("question: " + err);
        if (next + 4 > msg.size()) return fail("question: truncated type/class");
        std::uint16_t qtype = static_cast<std::uint16_t>((msg[next] << 8) | msg[next + 1]);
        if (i == 0) {
            m.qname = *name;
            m.qtype = qtype;
        }
        pos = next + 4;
    }
    unsigned total = static_cast<unsigned>(*an) + *ns + *ar;
    for (unsigned i = 0; i < total; ++i) {
        std::size_t next = 0;
        auto name = read_name(msg, pos, next, err);
        if (!name) return fail("record: " + err);
        if (next + 10 > msg.size()) return fail("record: truncated fixed fields");
        ByteReader f(msg.subspan(next, 10));
        std::uint16_t type = *f.u16();
        f.u16();  // class
        std::uint32_t ttl = *f.u32();
        std::uint16_t rdlen = *f.u16();
        std::size_t rdata = next + 10;
        if (rdata + rdlen > msg.size()) return fail("record: rdata runs past the end of the message");
        if (i < *an) {
            DnsAnswer a;
            a.name = *name;
            a.type = type;
            a.ttl = ttl;
            if (type == 1 && rdlen == 4) {
                a.data = IpAddr::from_v4(msg.data() + rdata).to_string();
            } else if (type == 28 && rdlen == 16) {
                a.data = IpAddr::from_v6(msg.data() + rdata).to_string();
            } else if (type == 5) {
                std::size_t n2 = 0;
                auto target = read_name(msg.first(rdata + rdlen), rdata, n2, err);
                if (!target) return fail("CNAME: " + err);
                a.data = *target;
            } else if (type == 1 || type == 28) {
                return fail("address record with a wrong length");
            }
            m.answers.push_back(std::move(a));
        }
        pos = rdata + rdlen;
    }
    if (pos != msg.size() && error) *error = "trailing bytes after the message";
    return m;
}

}  // namespace revo::dissect
