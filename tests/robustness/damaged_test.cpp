// Damaged capture files made from a real sample: the tool must report everything it could read
// before the damage, name the problem and where it is (file offset and frame), and exit with status 3
// (partial input). Unknown pcapng blocks are legal (RFC-draft pcapng section 3.1: skip them) and must
// not count as damage.
#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <random>

#include "measured_run.h"
#include "tests/test_support.h"

using namespace revo;
using namespace revo::robustness;

namespace {

const char* kSample = "samples/04-ocsp-post-good.pcap";

std::uint32_t le32(const std::string& b, std::size_t off) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[off + i]);
    return v;
}
void set_le32(std::string& b, std::size_t off, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b[off + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// File offsets of the record headers of a little-endian classic pcap file.
std::vector<std::size_t> pcap_records(const std::string& b) {
    std::vector<std::size_t> offs;
    REQUIRE(b.size() >= 24);
    REQUIRE(le32(b, 0) == 0xa1b2c3d4u);
    std::size_t off = 24;
    while (off + 16 <= b.size()) {
        const std::uint32_t caplen = le32(b, off + 8);
        if (off + 16 + caplen > b.size()) break;
        offs.push_back(off);
        off += 16 + caplen;
    }
    REQUIRE(off == b.size());
    return offs;
}

struct Report {
    Measured run;
    std::vector<nlohmann::json> recs;
    nlohmann::json summary;
};

Report analyze(const TempDir& dir, const std::string& file) {
    Report r;
    r.run = run_measured(REVO_BINARY, {"analyze", "--format", "jsonl", file}, dir.path, 60);
    r.recs = jsonl_records(r.run.out);
    r.summary = summary_record(r.recs);
    return r;
}

/// Packets read from the one input (the "input" record, or the summary's files list).
std::uint64_t input_packets(const Report& r) {
    for (const auto& j : r.recs)
        if (j.value("type", std::string()) == "input") return j.value("packets", std::uint64_t(0));
    if (r.summary.contains("files") && !r.summary["files"].empty()) return r.summary["files"][0].value("packets", std::uint64_t(0));
    return 0;
}
bool input_partial(const Report& r) {
    for (const auto& j : r.recs)
        if (j.value("type", std::string()) == "input") return j.value("partial", false);
    if (r.summary.contains("files") && !r.summary["files"].empty()) return r.summary["files"][0].value("partial", false);
    return false;
}

std::string sample_or_skip() {
    const std::string p = test::source_path(kSample);
    if (!test::file_exists(p)) {
        WARN("sample " << kSample << " missing; skipped");
        return "";
    }
    return test::read_file(p);
}

void expect_partial(const Report& r, const std::string& file, std::uint64_t packets_before, std::size_t offset) {
    INFO("exit " << r.run.exit_code << "; stderr: " << r.run.err);
    CHECK(r.run.signal == 0);
    CHECK(r.run.exit_code == 3);
    CHECK(input_packets(r) == packets_before);
    CHECK(input_partial(r));
    // One line names the file, the problem, the file offset and the frame where reading stopped.
    CHECK(r.run.err.find(file) != std::string::npos);
    CHECK(r.run.err.find("offset " + std::to_string(offset)) != std::string::npos);
    CHECK(r.run.err.find("frame " + std::to_string(packets_before + 1)) != std::string::npos);
    // What came before the damage was analysed: its TCP connections are in the summary.
    CHECK(r.summary.value("tcp_flows", std::uint64_t(0)) > 0);
}

}  // namespace

TEST_CASE("a capture truncated in the middle of a packet record keeps what came before", "[damaged]") {
    const std::string b = sample_or_skip();
    if (b.empty()) return;
    const auto recs = pcap_records(b);
    REQUIRE(recs.size() > 6);
    const std::size_t k = recs.size() / 2;
    const std::size_t cut = recs[k] + 16 + le32(b, recs[k] + 8) / 2;
    TempDir dir;
    const std::string f = dir.file("truncated.pcap");
    write_file(f, b.substr(0, cut));
    auto r = analyze(dir, f);
    expect_partial(r, f, k, recs[k]);
}

TEST_CASE("a corrupted record header (huge caplen) is named with its file offset and frame", "[damaged]") {
    const std::string b = sample_or_skip();
    if (b.empty()) return;
    const auto recs = pcap_records(b);
    const std::size_t k = recs.size() / 2;
    std::string d = b;
    set_le32(d, recs[k] + 8, 0xfffff000u);
    TempDir dir;
    const std::string f = dir.file("bad-caplen.pcap");
    write_file(f, d);
    auto r = analyze(dir, f);
    // Reading resumes after the damaged record (next test); the damage itself is reported precisely.
    INFO("exit " << r.run.exit_code << "; stderr: " << r.run.err);
    CHECK(r.run.signal == 0);
    CHECK(r.run.exit_code == 3);
    CHECK(input_partial(r));
    CHECK(r.run.err.find(f) != std::string::npos);
    CHECK(r.run.err.find("offset " + std::to_string(recs[k])) != std::string::npos);
    CHECK(r.run.err.find("frame " + std::to_string(k + 1)) != std::string::npos);
    CHECK(r.summary.value("tcp_flows", std::uint64_t(0)) > 0);
}

TEST_CASE("after a corrupted pcap record header the reader resynchronises on the next record", "[damaged]") {
    const std::string b = sample_or_skip();
    if (b.empty()) return;
    const auto recs = pcap_records(b);
    const std::size_t k = recs.size() / 2;
    std::string d = b;
    set_le32(d, recs[k] + 8, 0xfffff000u);
    TempDir dir;
    const std::string f = dir.file("bad-caplen-resync.pcap");
    write_file(f, d);
    auto r = analyze(dir, f);
    INFO("stderr: " << r.run.err);
    CHECK(r.run.exit_code == 3);
    // Only the damaged record is lost.
    CHECK(input_packets(r) == recs.size() - 1);
}

TEST_CASE("garbage appended after the last record: every packet is analysed, the tail is named", "[damaged]") {
    const std::string b = sample_or_skip();
    if (b.empty()) return;
    const auto recs = pcap_records(b);
    std::string d = b;
    std::mt19937 rng(12345);
    for (int i = 0; i < 4096; ++i) d.push_back(static_cast<char>(rng() & 0xff));
    // A record header that cannot be valid: caplen far beyond the snapshot length.
    set_le32(d, b.size() + 8, 0x7ffffff0u);
    TempDir dir;
    const std::string f = dir.file("garbage.pcap");
    write_file(f, d);
    auto r = analyze(dir, f);
    expect_partial(r, f, recs.size(), b.size());
}

namespace {

/// Offsets of the blocks of a little-endian pcapng file.
std::vector<std::size_t> pcapng_blocks(const std::string& b) {
    std::vector<std::size_t> offs;
    std::size_t off = 0;
    while (off + 12 <= b.size()) {
        const std::uint32_t len = le32(b, off + 4);
        REQUIRE(len >= 12);
        offs.push_back(off);
        off += len;
    }
    REQUIRE(off == b.size());
    return offs;
}

std::string unknown_block(std::uint32_t trailing_len_delta) {
    std::string blk(32, '\0');
    set_le32(blk, 0, 0x00001234u);  // not an assigned block type
    set_le32(blk, 4, 32);
    std::memcpy(&blk[8], "unknown block body, 20B", 20);
    set_le32(blk, 28, 32 + trailing_len_delta);
    return blk;
}

std::string pcapng_or_skip(const TempDir& dir) {
    if (sample_or_skip().empty()) return "";
    if (!test::have_program("editcap")) {
        WARN("editcap missing; skipped");
        return "";
    }
    const std::string ng = dir.file("sample.pcapng");
    auto rc = test::run_command("editcap -F pcapng " + test::shell_quote(test::source_path(kSample)) + " " +
                                test::shell_quote(ng));
    REQUIRE(rc.exit_code == 0);
    return test::read_file(ng);
}

}  // namespace

TEST_CASE("a pcapng file with an unknown block is read completely", "[damaged]") {
    TempDir dir;
    const std::string b = pcapng_or_skip(dir);
    if (b.empty()) return;
    const auto blocks = pcapng_blocks(b);
    REQUIRE(blocks.size() > 6);
    const std::size_t at = blocks[blocks.size() / 2];
    const std::string d = b.substr(0, at) + unknown_block(0) + b.substr(at);
    const std::string f = dir.file("unknown-block.pcapng");
    write_file(f, d);
    const auto orig = analyze(dir, dir.file("sample.pcapng"));
    auto r = analyze(dir, f);
    INFO("stderr: " << r.run.err);
    CHECK(r.run.signal == 0);
    CHECK(r.run.exit_code == orig.run.exit_code);
    CHECK(r.run.exit_code != 3);
    CHECK(input_packets(r) == input_packets(orig));
    CHECK(input_packets(r) > 0);
    CHECK_FALSE(input_partial(r));
}

TEST_CASE("a pcapng block whose trailing length disagrees is damage, reported with its offset", "[damaged]") {
    TempDir dir;
    const std::string b = pcapng_or_skip(dir);
    if (b.empty()) return;
    const auto blocks = pcapng_blocks(b);
    const std::size_t mid = blocks.size() / 2;
    const std::size_t at = blocks[mid];
    const std::string d = b.substr(0, at) + unknown_block(4) + b.substr(at);
    const std::string f = dir.file("bad-block.pcapng");
    write_file(f, d);
    // Packets before the inserted block: every Enhanced/Simple Packet Block ahead of it.
    std::uint64_t before = 0;
    for (std::size_t i = 0; i < mid; ++i) {
        const std::uint32_t t = le32(b, blocks[i]);
        if (t == 6 || t == 3 || t == 2) ++before;
    }
    auto r = analyze(dir, f);
    INFO("stderr: " << r.run.err);
    CHECK(r.run.signal == 0);
    CHECK(r.run.exit_code == 3);
    CHECK(input_packets(r) == before);
    CHECK(input_partial(r));
    CHECK(r.run.err.find(f) != std::string::npos);
    CHECK(r.run.err.find("frame " + std::to_string(before + 1)) != std::string::npos);
}

TEST_CASE("a pcapng timestamp beyond the representable range is clamped and counted, not overflowed") {
    // Found by fuzz_pipeline: an interface timestamp resolution that turns a packet's time into
    // 1.5e13 seconds overflowed the nanosecond conversion (UBSan in the sanitizer run).
    const std::string cap = test::source_path("tests/robustness/data/pipeline/pcapng-timestamp-overflow.pcapng");
    auto r = test::run_revoscope("analyze --format jsonl --quiet " + test::shell_quote(cap));
    auto lines = test::split_lines(r.out);
    REQUIRE_FALSE(lines.empty());
    const std::string& summary = lines.back();
    CHECK(summary.find("\"capture_timestamp_out_of_range\":1") != std::string::npos);
    CHECK(summary.find("\"end\":\"2262-04-11T23:47:15.000000Z\"") != std::string::npos);
    CHECK(summary.find("\"packets\":50") != std::string::npos);  // every packet before the damage is kept
}

TEST_CASE("an HTML timeline over a capture spanning decades has a few day-sized steps, not one per hour") {
    // Found by fuzz_pipeline: packet times from 1970 (a clamped negative time) to 2024 drew one axis line per
    // hour past the step table, 475 000 of them: a 68 MB report and 22 s under the sanitizers.
    const std::string cap = test::source_path("tests/robustness/data/pipeline/html-timeline-spanning-decades.pcap");
    auto r = test::run_revoscope("analyze --format html --quiet " + test::shell_quote(cap));
    CHECK(r.out.size() < 200'000);
    std::size_t ticks = 0;
    for (std::size_t p = r.out.find("fill=\"#555\">+"); p != std::string::npos; p = r.out.find("fill=\"#555\">+", p + 1))
        ++ticks;
    CHECK(ticks >= 2);
    CHECK(ticks <= 9);
    CHECK(r.out.find(" d</text>") != std::string::npos);  // labelled in days
}
