// Query/answer pairing for DNS (RFC 1035 section 7.3: an answer matches a query by id and question,
// sent back between the same endpoints).
#include "dissect/dns/dns_pairing.h"

#include <algorithm>

namespace revo::dissect {

namespace {
void count(DissectContext& ctx, std::string_view id) {
    if (ctx.anomalies) ctx.anomalies->add(id);
}
}  // namespace

void DnsPairing::query(const Endpoint& client, const Endpoint& server, const DnsMessage& m, const FrameRef& f,
                       DissectContext& ctx) {
    Key k{client, server, m.id, m.qname, m.qtype};
    auto it = pending_.find(k);
    if (it != pending_.end()) {
        ++it->second.retransmissions;
        return;
    }
    if (pending_.size() >= max_pending_) {
        count(ctx, "dns_pending_capped");
        return;
    }
    answered_.erase(k);  // the same id and name reused later is a new lookup
    DnsLookup q;
    q.client = client;
    q.server = server;
    q.transport = transport_;
    q.id = m.id;
    q.qname = m.qname;
    q.qtype = m.qtype;
    q.query = f;
    pending_.emplace(std::move(k), std::move(q));
}

void DnsPairing::response(const Endpoint& client, const Endpoint& server, const DnsMessage& m, const FrameRef& f,
                          DissectContext& ctx) {
    Key k{client, server, m.id, m.qname, m.qtype};
    DnsLookup q;
    auto it = pending_.find(k);
    if (it != pending_.end()) {
        q = std::move(it->second);
        pending_.erase(it);
    } else if (answered_.count(k)) {
        count(ctx, "dns_duplicate_response");
        return;
    } else {
        // The query was not captured (capture started later, or it took another path).
        count(ctx, "dns_response_without_query");
        q.client = client;
        q.server = server;
        q.transport = transport_;
        q.id = m.id;
        q.qname = m.qname;
        q.qtype = m.qtype;
    }
    q.response = f;
    q.rcode = m.rcode;
    q.rcode_name = dns_rcode_name(m.rcode);
    q.answers = m.answers;
    if (answered_.size() > 4096) answered_.clear();
    answered_.emplace(std::move(k), 1);
    if (ctx.sink) ctx.sink->on_dns_lookup(std::move(q));
}

void DnsPairing::finish(DissectContext& ctx) {
    // Deliver in capture order of the queries.
    std::vector<DnsLookup> rest;
    for (auto& [k, q] : pending_) rest.push_back(std::move(q));
    pending_.clear();
    std::sort(rest.begin(), rest.end(), [](const DnsLookup& a, const DnsLookup& b) { return a.query.frame < b.query.frame; });
    for (auto& q : rest) {
        q.rcode = -1;
        q.rcode_name.clear();
        if (ctx.sink) ctx.sink->on_dns_lookup(std::move(q));
    }
}

}  // namespace revo::dissect
