// Pairs DNS queries with their answers (same client, server, id and question) and keeps count of
// retransmissions; shared by DNS over UDP and over TCP.
#pragma once

#include <map>
#include <string>
#include <tuple>

#include "dissect/dispatch.h"
#include "dissect/dns/dns.h"

namespace revo::dissect {

class DnsPairing {
public:
    /// `max_pending` bounds the queries waiting for an answer; more are counted and not tracked.
    explicit DnsPairing(std::string transport, std::size_t max_pending = 65536)
        : transport_(std::move(transport)), max_pending_(max_pending) {}
    void query(const Endpoint& client, const Endpoint& server, const DnsMessage& m, const FrameRef& f, DissectContext& ctx);
    void response(const Endpoint& client, const Endpoint& server, const DnsMessage& m, const FrameRef& f, DissectContext& ctx);
    /// Delivers every query still unanswered.
    void finish(DissectContext& ctx);

private:
    using Key = std::tuple<Endpoint, Endpoint, std::uint16_t, std::string, std::uint16_t>;
    std::string transport_;
    std::size_t max_pending_;
    std::map<Key, DnsLookup> pending_;
    std::map<Key, int> answered_;  // recently answered keys, to count duplicate answers (bounded)
};

}  // namespace revo::dissect
