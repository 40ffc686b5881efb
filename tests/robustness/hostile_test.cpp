// Hostile captures, generated on the fly (tests/hostile/hostile_gen.h): each must be analysed in
// bounded time (< 60 s) and memory (< 256 MiB peak RSS, measured on the child process), and every
// bound that was hit must be counted by name in the JSON lines summary.
#include <catch2/catch.hpp>

#include "../hostile/hostile_gen.h"
#include "measured_run.h"

using namespace revo;
using namespace revo::robustness;

namespace {

constexpr double kMaxSeconds = 60;
#ifdef REVO_SANITIZED
// AddressSanitizer's shadow memory, redzones and freed-memory quarantine (256 MiB by default) multiply
// the footprint; under it the bound only catches unbounded growth, the plain build checks the real one.
constexpr long kMaxRssKib = 1536 * 1024;
#else
constexpr long kMaxRssKib = 256 * 1024;
#endif

struct Outcome {
    Measured run;
    nlohmann::json summary;
    std::vector<nlohmann::json> records;
};

Outcome analyze(const TempDir& dir, const std::string& capture, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"analyze", "--format", "jsonl", "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(capture);
    Outcome o;
    o.run = run_measured(REVO_BINARY, args, dir.path);
    o.records = jsonl_records(o.run.out);
    o.summary = summary_record(o.records);
    INFO("exit " << o.run.exit_code << ", signal " << o.run.signal << ", " << o.run.seconds << " s, peak RSS "
                 << o.run.peak_rss_kib << " KiB; stderr: " << o.run.err.substr(0, 2000));
    CHECK_FALSE(o.run.timed_out);
    CHECK(o.run.signal == 0);
    CHECK((o.run.exit_code == 0 || o.run.exit_code == 1));
    CHECK(o.run.seconds < kMaxSeconds);
    CHECK(o.run.peak_rss_kib < kMaxRssKib);
    REQUIRE(o.summary.is_object());
    return o;
}

std::uint64_t count_type(const std::vector<nlohmann::json>& recs, const std::string& type) {
    std::uint64_t n = 0;
    for (const auto& r : recs)
        if (r.value("type", std::string()) == type) ++n;
    return n;
}

}  // namespace

TEST_CASE("a flood of 10^6 SYNs on distinct ports finishes in bounded time and memory", "[hostile][slow]") {
    TempDir dir;
    const std::string cap = dir.file("synflood.pcap");
    hostile::syn_flood(cap, 1'000'000);
    auto o = analyze(dir, cap);
    CHECK(o.summary["packets"].get<std::uint64_t>() == 1'000'000);
    CHECK(o.summary["tcp_flows"].get<std::uint64_t>() == 1'000'000);
}

TEST_CASE("a SYN flood beyond --max-flows evicts flows and counts every eviction", "[hostile]") {
    TempDir dir;
    const std::string cap = dir.file("synflood-cap.pcap");
    hostile::syn_flood(cap, 100'000);
    auto o = analyze(dir, cap, {"--max-flows", "10000"});
    CHECK(o.summary["tcp_flows"].get<std::uint64_t>() == 100'000);
    // Each flow past the first 10000 pushes one older flow out of the table.
    CHECK(problem_count(o.summary, "flows_evicted_flow_cap") == 90'000);
}

TEST_CASE("a stream of only out-of-order segments is held within the caps and counted", "[hostile]") {
    TempDir dir;
    const std::string cap = dir.file("ooo.pcap");
    hostile::out_of_order_only(cap, 20'000, 1000);  // 20 MB ahead of a hole that never fills
    auto o = analyze(dir, cap);
    CHECK(problem_count(o.summary, "tcp_out_of_order_cap") > 0);
}

TEST_CASE("a handshake message claiming 16 MB is not buffered and is counted", "[hostile]") {
    TempDir dir;
    const std::string cap = dir.file("tls16mb.pcap");
    hostile::tls_huge_handshake_message(cap, 1100);  // 1100 full records: 18 MB of continuation
    auto o = analyze(dir, cap);
    CHECK(problem_count(o.summary, "tls_handshake_message_oversized") == 1);
}

TEST_CASE("endless tiny TLS records stop at the per-flow record limit and are counted", "[hostile]") {
    TempDir dir;
    const std::string cap = dir.file("tiny-records.pcap");
    hostile::tls_tiny_records(cap, 500'000);
    auto o = analyze(dir, cap);
    CHECK(problem_count(o.summary, "tls_records_limit") == 1);
}

TEST_CASE("an HTTP body in millions of one-byte chunks is parsed in bounded time and the cap is counted",
          "[hostile]") {
    TempDir dir;
    const std::string cap = dir.file("chunked.pcap");
    hostile::http_deep_chunked(cap, 5'000'000);  // 5 MB of body in 5e6 chunks: past the 4 MiB body cap
    auto o = analyze(dir, cap);
    CHECK(problem_count(o.summary, "http_body_truncated") == 1);
}

TEST_CASE("an OCSP response body larger than any cap is cut and counted", "[hostile]") {
    TempDir dir;
    const std::string cap = dir.file("hugebody.pcap");
    hostile::http_huge_body(cap, 64u << 20);
    auto o = analyze(dir, cap);
    CHECK(problem_count(o.summary, "http_body_truncated") == 1);
}

TEST_CASE("DER bombs in OCSP responses (deep nesting, 2 GB length claims) are rejected in bounded time",
          "[hostile]") {
    TempDir dir;
    const std::string cap = dir.file("derbomb.pcap");
    hostile::der_bomb(cap);
    auto o = analyze(dir, cap);
    // Three revocation checks were seen; none of the responses decodes.
    CHECK(o.summary.value("revocation_checks", 0u) == 3);
    std::uint64_t exchanges = count_type(o.records, "ocsp_exchange");
    CHECK(exchanges == 3);
    for (const auto& r : o.records) {
        if (r.value("type", std::string()) != "ocsp_exchange") continue;
        INFO(r.dump());
        CHECK(r.dump().find("error") != std::string::npos);
    }
}
