// Shared pieces of the fuzz targets: a fact sink that only counts, and a driver that turns fuzz input
// into the callbacks a reassembler would make on a StreamConsumer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "capture/stream.h"
#include "common/anomaly.h"
#include "common/bytes.h"
#include "common/limits.h"
#include "dissect/dispatch.h"
#include "dissect/sink.h"

/// What a fuzz target does when an invariant fails: crash (libFuzzer records the input). The replay
/// tests in tests/robustness define it to throw instead, so a regression is a test failure.
#ifndef REVO_FUZZ_FAIL
#define REVO_FUZZ_FAIL() __builtin_trap()
#endif
/// For the harness's own byte loops (models, expected values): libFuzzer learns nothing from their
/// comparisons, and tracing them costs more than the code under test.
#if defined(__clang__)
#define REVO_FUZZ_NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define REVO_FUZZ_NO_COVERAGE
#endif
#define REVO_FUZZ_ASSERT(cond)            \
    do {                                  \
        if (!(cond)) REVO_FUZZ_FAIL();    \
    } while (0)

namespace revo::fuzz {

/// Accepts every fact and keeps only counts, so memory stays flat across iterations.
class CountingSink final : public dissect::FactSink {
public:
    void on_tls_handshake(dissect::TlsHandshake&&) override { ++handshakes; }
    void on_http_exchange(dissect::HttpExchange&&) override { ++exchanges; }
    void on_dns_lookup(dissect::DnsLookup&&) override { ++lookups; }
    void on_tcp_connection(capture::TcpConnection&&) override { ++connections; }
    std::uint64_t handshakes = 0, exchanges = 0, lookups = 0, connections = 0;
};

/// Limits small enough that the caps are reached by fuzz-sized inputs.
inline Limits small_limits() {
    Limits l;
    l.max_flows = 64;
    l.flow_memory_bytes = 1u << 20;
    l.max_ooo_bytes_per_direction = 16u << 10;
    l.max_ooo_segments_per_direction = 32;
    l.max_tls_message = 8u << 10;
    l.max_tls_records_per_flow = 200;
    l.max_http_header_bytes = 2u << 10;
    l.max_http_body = 8u << 10;
    l.max_http_exchanges_per_flow = 50;
    l.max_ip_fragments = 64;
    l.max_der_depth = 16;
    return l;
}

/// Feeds `input` to `consumer` as in-order stream events. Each event starts with a control byte:
///   bit 7      side (0 client, 1 server)
///   bits 6..5  00 short data, 01 long data, 10 gap, 11 end of that side
///   bits 4..0  n - 1: data of n bytes (short) or 128 * n bytes (long) taken from the input, or a gap
///              of 7 * n * n bytes
/// Offsets per side advance exactly as a reassembler would report them; events after a side ended
/// are not sent. Every remaining side is ended at the close of input (capture_end).
inline void drive_stream(capture::StreamConsumer& consumer, const std::uint8_t* data, std::size_t size) {
    using capture::Side;
    std::uint64_t off[2] = {0, 0};
    bool ended[2] = {false, false};
    std::uint64_t frame_no = 1;
    std::size_t i = 0;
    while (i < size) {
        const std::uint8_t ctl = data[i++];
        const Side side = (ctl & 0x80) ? Side::server : Side::client;
        const int s = capture::index(side);
        const int kind = (ctl >> 5) & 3;
        const std::size_t n = ((ctl & 0x1f) + 1u) * (kind == 1 ? 128u : 1u);
        FrameRef frame{frame_no++, Timestamp{static_cast<std::int64_t>(frame_no) * 1'000'000}};
        if (ended[s]) {
            if (kind < 2) i += std::min(n, size - i);
            continue;
        }
        if (kind < 2) {
            const std::size_t take = std::min(n, size - i);
            consumer.on_data(side, off[s], ByteView(data + i, take), frame);
            off[s] += take;
            i += take;
        } else if (kind == 2) {
            const std::uint64_t len = std::uint64_t(n) * n * 7;  // 7 .. 7168
            consumer.on_gap(side, off[s], len, frame);
            off[s] += len;
        } else {
            consumer.on_end(side, capture::EndReason::fin, frame);
            ended[s] = true;
        }
    }
    FrameRef last{frame_no, Timestamp{static_cast<std::int64_t>(frame_no) * 1'000'000}};
    for (Side side : {Side::client, Side::server})
        if (!ended[capture::index(side)]) consumer.on_end(side, capture::EndReason::capture_end, last);
}

/// A connection identity for stream fuzzing (client 10.0.0.1:40000 -> server 10.0.0.2:port).
inline capture::ConnInfo fuzz_conn(std::uint16_t server_port) {
    capture::ConnInfo c;
    c.flow_id = 1;
    const std::uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
    c.client = Endpoint{IpAddr::from_v4(a), 40000};
    c.server = Endpoint{IpAddr::from_v4(b), server_port};
    return c;
}

}  // namespace revo::fuzz
