// Memory and work bounds. Every cap is an option with this default; hitting one is counted.
#pragma once

#include <cstddef>
#include <cstdint>

namespace revo {

struct Limits {
    std::size_t max_flows = 1'000'000;                 ///< concurrent flows in the table
    std::size_t flow_memory_bytes = 48u << 20;         ///< connection state plus bytes buffered by all reassemblers (about 37 000 idle connections)
    std::size_t max_ooo_bytes_per_direction = 1u << 20;///< out-of-order bytes held per direction
    std::size_t max_ooo_segments_per_direction = 1024;
    std::int64_t tcp_idle_timeout_ns = 600LL * 1'000'000'000;  ///< flow evicted after this much silence
    std::size_t max_tls_message = 256u << 10;          ///< largest handshake message buffered
    std::size_t max_tls_records_per_flow = 10'000;     ///< plaintext records examined before giving up
    std::size_t max_http_header_bytes = 64u << 10;
    std::size_t max_http_body = 4u << 20;              ///< OCSP/CRL bodies larger than this are cut and counted
    std::size_t max_http_exchanges_per_flow = 10'000;
    std::size_t max_ip_fragments = 8192;               ///< fragments held for reassembly in total
    std::int64_t ip_fragment_timeout_ns = 30LL * 1'000'000'000;
    std::size_t max_der_depth = 64;
};

}  // namespace revo
