// Resynchronising a classic pcap file after a damaged record (capture/damage.h), checked on a real
// sample with one record header corrupted: every other packet is recovered and the skip is counted.
#include <catch2/catch.hpp>

#include <fstream>

#include "capture/damage.h"
#include "capture/source.h"
#include "measured_run.h"
#include "tests/test_support.h"

using namespace revo;
using namespace revo::robustness;

namespace {

std::uint32_t le32(const std::string& b, std::size_t off) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[off + i]);
    return v;
}
void set_le32(std::string& b, std::size_t off, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b[off + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
std::vector<std::size_t> records(const std::string& b) {
    std::vector<std::size_t> v;
    for (std::size_t off = 24; off + 16 <= b.size(); off += 16 + le32(b, off + 8)) v.push_back(off);
    return v;
}
void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

TEST_CASE("after a corrupted record header, resume_pcap_after_damage recovers every later packet", "[damaged]") {
    const std::string sample = test::source_path("samples/04-ocsp-post-good.pcap");
    if (!test::file_exists(sample)) {
        WARN("sample missing; skipped");
        return;
    }
    const std::string b = test::read_file(sample);
    const auto recs = records(b);
    REQUIRE(recs.size() > 6);
    TempDir dir;
    const std::size_t k = recs.size() / 2;

    SECTION("huge caplen in one header") {
        std::string d = b;
        set_le32(d, recs[k] + 8, 0xfffff000u);
        const std::string f = dir.file("bad.pcap");
        write_file(f, d);
        capture::Engine engine(Limits{}, {});
        std::string err;
        REQUIRE(capture::read_capture_file(f, engine, {}, err) == capture::OpenError::none);
        auto info = engine.stats().files.back();
        REQUIRE(info.partial);
        CHECK(info.packets == k);
        CHECK(info.error_offset == recs[k]);
        CHECK(capture::describe_damage(info).find("frame " + std::to_string(k + 1)) != std::string::npos);
        // The reader stopped at the damage; continue on the same input.
        capture::Engine engine2(Limits{}, {});
        capture::InputFileInfo start;
        start.name = f;
        auto& in = engine2.begin_input(start);
        auto res = capture::resume_pcap_after_damage(f, recs[k], engine2, in);
        CHECK(res.resumed == 1);
        CHECK(res.first_resume_offset == recs[k + 1]);
        CHECK(res.packets == recs.size() - k - 1);
        CHECK(res.skipped_bytes == recs[k + 1] - recs[k] - 1);
        CHECK(engine2.stats().anomalies.get("capture_resynchronised") == 1);
        CHECK(in.error.find("resumed at file offset " + std::to_string(recs[k + 1])) != std::string::npos);
    }
    SECTION("a run of garbage bytes overwriting two records") {
        std::string d = b;
        for (std::size_t i = recs[k]; i < recs[k + 2]; ++i) d[i] = static_cast<char>(0xff);
        const std::string f = dir.file("garbage-mid.pcap");
        write_file(f, d);
        capture::Engine engine(Limits{}, {});
        capture::InputFileInfo start;
        auto& in = engine.begin_input(start);
        auto res = capture::resume_pcap_after_damage(f, recs[k], engine, in);
        CHECK(res.resumed == 1);
        CHECK(res.first_resume_offset == recs[k + 2]);
        CHECK(res.packets == recs.size() - k - 2);
    }
    SECTION("garbage at the end: nothing to resume, the bytes are counted") {
        std::string d = b + std::string(3000, '\xee');
        const std::string f = dir.file("tail.pcap");
        write_file(f, d);
        capture::Engine engine(Limits{}, {});
        capture::InputFileInfo start;
        auto& in = engine.begin_input(start);
        auto res = capture::resume_pcap_after_damage(f, b.size(), engine, in);
        CHECK(res.resumed == 0);
        CHECK(res.packets == 0);
        CHECK(res.skipped_bytes == 3000 - 1);
        CHECK(engine.stats().anomalies.get("capture_bytes_skipped") == 2999);
    }
}
