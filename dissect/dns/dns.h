// DNS lookups (UDP and TCP), kept to name OCSP/CRL responders and to see their failures.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/frame.h"
#include "common/net.h"

namespace revo::dissect {

struct DnsAnswer {
    std::string name;
    std::uint16_t type = 0;   ///< 1 A, 28 AAAA, 5 CNAME
    std::uint32_t ttl = 0;
    std::string data;         ///< address text or CNAME target
};

struct DnsLookup {
    Endpoint client;
    Endpoint server;
    std::string transport;    ///< "udp" | "tcp"
    std::uint16_t id = 0;
    std::string qname;
    std::uint16_t qtype = 0;
    FrameRef query;
    std::optional<FrameRef> response;
    int rcode = -1;           ///< -1 when unanswered
    std::string rcode_name;   ///< "NOERROR", "NXDOMAIN", "SERVFAIL", "REFUSED", ...
    std::vector<DnsAnswer> answers;
    std::uint32_t retransmissions = 0;
};

struct DnsMessage {
    std::uint16_t id = 0;
    bool response = false;
    std::uint8_t opcode = 0;
    std::uint8_t rcode = 0;
    std::string qname;
    std::uint16_t qtype = 0;
    std::vector<DnsAnswer> answers;
};

/// Parses a DNS message (RFC 1035), with bounded name-compression following. Never throws.
std::optional<DnsMessage> parse_dns_message(ByteView msg, std::string* error = nullptr);
const char* dns_rcode_name(int rcode);

}  // namespace revo::dissect
