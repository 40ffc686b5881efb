// Fuzz target: DNS messages (RFC 1035 4.1, name compression 4.1.4) over UDP and over TCP (4.2.2).
//
// The first input byte picks the mode: even -> parse_dns_message and the UDP path on the rest;
// odd -> the rest drives a DNS-over-TCP connection (two-byte length framing) in both directions.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "dissect/dns/dns.h"
#include "dissect/dns/dns_stream.h"
#include "fuzz_support.h"

using namespace revo;
using namespace revo::dissect;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    static const Limits limits = fuzz::small_limits();
    fuzz::CountingSink sink;
    Anomalies anomalies;
    DissectContext ctx;
    ctx.limits = &limits;
    ctx.sink = &sink;
    ctx.anomalies = &anomalies;
    if ((data[0] & 1) == 0) {
        std::vector<std::uint8_t> buf(data + 1, data + size);
        ByteView v(buf.data(), buf.size());
        std::string err;
        auto m = parse_dns_message(v, &err);
        if (m) {
            // A name can hold at most 255 octets on the wire; its text form at most 4x that (escapes).
            if (m->qname.size() > 1024) REVO_FUZZ_FAIL();
            for (const auto& a : m->answers)
                if (a.name.size() > 1024) REVO_FUZZ_FAIL();
        }
        (void)dns_rcode_name(data[0] >> 1);
        const auto conn = fuzz::fuzz_conn(53);
        FrameRef f1{1, Timestamp{1'000'000}}, f2{2, Timestamp{2'000'000}};
        dissect_udp(conn.client, conn.server, v, f1, ctx);
        dissect_udp(conn.server, conn.client, v, f2, ctx);
        finish_udp(ctx);
        return 0;
    }
    {
        auto consumer = make_dns_tcp_stream(fuzz::fuzz_conn(53), ctx);
        fuzz::drive_stream(*consumer, data + 1, size - 1);
    }
    return 0;
}
