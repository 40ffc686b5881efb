// DNS over UDP (RFC 1035 section 4.2.1): each datagram is one message; queries and answers are paired
// across datagrams, unanswered queries are delivered when the run ends.
#include "dissect/dispatch.h"
#include "dissect/dns/dns.h"
#include "dissect/dns/dns_pairing.h"

namespace revo::dissect {

void dissect_udp(const Endpoint& src, const Endpoint& dst, ByteView payload, const FrameRef& frame, DissectContext& ctx) {
    bool port53 = src.port == 53 || dst.port == 53;
    if (!port53 && (payload.size() < 17 || payload.size() > 4096)) return;
    std::string err;
    auto m = parse_dns_message(payload, &err);
    if (!m) {
        if (port53 && ctx.anomalies) ctx.anomalies->add("dns_malformed");
        return;
    }
    if (m->opcode != 0 || m->qname.empty()) return;  // only standard queries carry a name to follow
    // Off port 53 a datagram counts as DNS only if it parses cleanly to the last byte.
    if (!port53 && !err.empty()) return;
    if (!ctx.udp_dns) ctx.udp_dns = std::make_shared<DnsPairing>("udp");
    if (m->response) ctx.udp_dns->response(dst, src, *m, frame, ctx);
    else ctx.udp_dns->query(src, dst, *m, frame, ctx);
}

void finish_udp(DissectContext& ctx) {
    if (ctx.udp_dns) ctx.udp_dns->finish(ctx);
}

}  // namespace revo::dissect
