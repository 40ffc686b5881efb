// Key log parsing (NSS key log format) and the pcapng Decryption Secrets Block scanner.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include <unistd.h>

#include "dissect/tls/keylog.h"
#include "tests/test_support.h"

using namespace revo;
using namespace revo::dissect;
using revo::test::corpus_path;

namespace {
const std::string kRandomA = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const std::string kSecret32 = "3a497c91f6e130fbc18fc9f773b92bb0d538dfedc30e964cde0676396f24d0df";
const std::string kMaster48 =
    "21c6089bf8a33ab16d40656c140333f2c232e42cbe77f61d429d1b18046fe125ad7f513a84179799b1dc55668b212596";
}  // namespace

TEST_CASE("keylog: TLS 1.3 and TLS 1.2 labels are stored by client random", "[keylog]") {
    KeyLog k;
    k.add_from_text("# comment line\n"
                    "CLIENT_HANDSHAKE_TRAFFIC_SECRET " + kRandomA + " " + kSecret32 + "\r\n"
                    "SERVER_HANDSHAKE_TRAFFIC_SECRET " + kRandomA + " " + kSecret32 + "\n"
                    "\n"
                    "CLIENT_TRAFFIC_SECRET_0 " + kRandomA + " " + kSecret32 + "\n"
                    "SERVER_TRAFFIC_SECRET_0 " + kRandomA + " " + kSecret32 + "\n"
                    "CLIENT_RANDOM 613802a0bba443e5363883bd0ff265d1ec31cf0a78611b97c27723788ad20793 " + kMaster48);
    CHECK(k.size() == 2);
    CHECK(k.stats().lines == 5);
    CHECK(k.stats().used == 5);
    CHECK(k.stats().malformed == 0);
    const ConnectionSecrets* s = k.find_hex(kRandomA);
    REQUIRE(s != nullptr);
    CHECK(to_hex(s->client_handshake_traffic) == kSecret32);
    CHECK(s->server_traffic_0.size() == 32);
    CHECK(s->master_secret.empty());
    // lookup by bytes and by upper-case hex
    auto bytes = parse_hex(kRandomA);
    CHECK(k.find(bytes) == s);
    std::string upper = "613802A0BBA443E5363883BD0FF265D1EC31CF0A78611B97C27723788AD20793";
    const ConnectionSecrets* t = k.find_hex(upper);
    REQUIRE(t != nullptr);
    CHECK(to_hex(t->master_secret) == kMaster48);
    CHECK(k.find_hex("ff" + kRandomA.substr(2)) == nullptr);
    CHECK(k.find(ByteView(bytes.data(), 31)) == nullptr);
}

TEST_CASE("keylog: malformed lines are counted, not fatal", "[keylog]") {
    KeyLog k;
    k.add_from_text("CLIENT_RANDOM\n"                                                    // too few fields
                    "CLIENT_RANDOM " + kRandomA + "\n"                                   // no secret
                    "CLIENT_RANDOM " + kRandomA + " " + kMaster48 + " extra\n"           // too many
                    "CLIENT_RANDOM zz" + kRandomA.substr(2) + " " + kMaster48 + "\n"     // bad hex
                    "CLIENT_RANDOM " + kRandomA.substr(2) + " " + kMaster48 + "\n"       // 31-byte random
                    "CLIENT_RANDOM " + kRandomA + " " + kMaster48.substr(1) + "\n"       // odd hex
                    "CLIENT_RANDOM " + kRandomA + " " + kSecret32 + "\n"                 // master not 48
                    "SERVER_HANDSHAKE_TRAFFIC_SECRET " + kRandomA + " 0102\n"            // 2-byte secret
                    "SERVER_TRAFFIC_SECRET_0 " + kRandomA + " " + kSecret32 + "\n");     // the one good line
    CHECK(k.stats().lines == 9);
    CHECK(k.stats().malformed == 8);
    Anomalies an;
    k.count_into(an);
    CHECK(an.get("keylog_malformed_line") == 8);
    CHECK(an.get("keylog_unknown_label") == 0);
    CHECK(k.stats().used == 1);
    REQUIRE(k.size() == 1);
    const ConnectionSecrets* s = k.find_hex(kRandomA);
    REQUIRE(s != nullptr);
    CHECK(s->master_secret.empty());
    CHECK(s->server_handshake_traffic.empty());
    CHECK(s->server_traffic_0.size() == 32);
}

TEST_CASE("keylog: known-but-unused and unknown labels are ignored gracefully", "[keylog]") {
    KeyLog k;
    k.add_from_text("EXPORTER_SECRET " + kRandomA + " " + kSecret32 + "\n"
                    "EARLY_EXPORTER_SECRET " + kRandomA + " " + kSecret32 + "\n"
                    "CLIENT_TRAFFIC_SECRET_1 " + kRandomA + " " + kSecret32 + "\n"
                    "RSA 0102030405060708 " + kMaster48 + "\n"
                    "SOME_FUTURE_LABEL " + kRandomA + " " + kSecret32 + "\n"
                    "CLIENT_EARLY_TRAFFIC_SECRET " + kRandomA + " " + kSecret32 + "\n");
    CHECK(k.stats().ignored == 4);
    CHECK(k.stats().unknown_label == 1);
    CHECK(k.stats().malformed == 0);
    CHECK(k.stats().used == 1);  // the early traffic secret (0-RTT) is kept
    const ConnectionSecrets* s = k.find_hex(kRandomA);
    REQUIRE(s != nullptr);
    CHECK(s->client_early_traffic.size() == 32);
    CHECK(s->client_handshake_traffic.empty());
}

TEST_CASE("keylog: a repeated line replaces the earlier secret and is counted", "[keylog]") {
    KeyLog k;
    std::string other(kSecret32.size(), 'a');
    k.add_from_text("CLIENT_TRAFFIC_SECRET_0 " + kRandomA + " " + kSecret32 + "\n");
    k.add_from_text("CLIENT_TRAFFIC_SECRET_0 " + kRandomA + " " + other + "\n");
    CHECK(k.stats().duplicates == 1);
    CHECK(to_hex(k.find_hex(kRandomA)->client_traffic_0) == other);
}

TEST_CASE("keylog: corpus key log files load (repeatable)", "[keylog][corpus]") {
    std::string a = corpus_path("illustrated-tls13/captures/keylog.txt");
    std::string b = corpus_path("wireshark/test/keys/tls13-rfc8446.keys");
    std::string c = corpus_path("Voev-snet/tests/pcap/data/decrypt_by_keylog/keylog_ECDHE-RSA-AES128-GCM-SHA256.txt");
    if (a.empty() || b.empty() || c.empty()) {
        WARN("corpus absent: skipped");
        return;
    }
    KeyLog k;
    REQUIRE(k.load_file(a));
    CHECK(k.size() == 1);
    CHECK(k.stats().used == 4);     // CHTS, SHTS, CTS0, STS0
    CHECK(k.stats().ignored == 1);  // EXPORTER_SECRET
    REQUIRE(k.load_file(b));
    CHECK(k.size() == 3);           // two connections in the RFC 8446 capture
    const ConnectionSecrets* early =
        k.find_hex("b67947da9d3e4b2ce8acffa975e30aa7ef90f7ec0d39de78db392f38b9a9a41d");
    REQUIRE(early != nullptr);
    CHECK(early->client_early_traffic.size() == 32);
    REQUIRE(k.load_file(c));        // OpenSSL's file starts with a '#' comment
    CHECK(k.size() == 4);
    CHECK(k.find_hex("678d01e8fcdd8c32c6a53b2baca9c09a82a706b115622fc024eb517313f2cb87")->master_secret.size() == 48);
    CHECK(k.stats().malformed == 0);

    std::string err;
    CHECK_FALSE(k.load_file("/nonexistent/keylog.txt", &err));
    CHECK(err.find("/nonexistent/keylog.txt") != std::string::npos);
    CHECK_FALSE(k.load_file("/tmp", &err));
    CHECK(err.find("directory") != std::string::npos);
}

TEST_CASE("keylog: secrets embedded in pcapng by editcap are read back from the DSB", "[keylog][corpus]") {
    std::string pcap = corpus_path("illustrated-tls13/captures/capture.pcap");
    std::string keys = corpus_path("illustrated-tls13/captures/keylog.txt");
    if (pcap.empty() || keys.empty()) {
        WARN("corpus absent: skipped");
        return;
    }
    if (!test::have_program("editcap")) {
        WARN("editcap not installed: skipped");
        return;
    }
    char name[] = "/tmp/revo-keylog-dsb-XXXXXX";
    int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    ::close(fd);
    std::string out = std::string(name) + ".pcapng";
    auto r = test::run_command("editcap --inject-secrets tls," + test::shell_quote(keys) + " -F pcapng " +
                               test::shell_quote(pcap) + " " + test::shell_quote(out));
    std::remove(name);
    REQUIRE(r.exit_code == 0);
    std::string err;
    auto blocks = read_pcapng_dsb(out, &err);
    KeyLog k;
    std::size_t added = k.add_from_pcapng(out);
    std::remove(out.c_str());
    CHECK(err.empty());
    REQUIRE(blocks.size() == 1);
    CHECK(blocks[0] == test::read_file(keys));
    CHECK(added == 1);
    CHECK(k.stats().dsb_blocks == 1);
    CHECK(k.stats().used == 4);
    CHECK(k.size() == 1);
    CHECK(k.find_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f") != nullptr);

    // A classic pcap has no blocks: nothing, no error.
    err.clear();
    CHECK(read_pcapng_dsb(pcap, &err).empty());
    CHECK(err.empty());
    // A file that cannot be opened says so.
    CHECK(read_pcapng_dsb("/nonexistent.pcapng", &err).empty());
    CHECK_FALSE(err.empty());
}

namespace {
void put32(std::string& s, std::uint32_t v, bool big) {
    for (int i = 0; i < 4; ++i) {
        int shift = big ? 8 * (3 - i) : 8 * i;
        s.push_back(static_cast<char>((v >> shift) & 0xFF));
    }
}
std::string section_header(bool big) {
    std::string s;
    put32(s, 0x0A0D0D0A, big);
    put32(s, 28, big);
    put32(s, 0x1A2B3C4D, big);
    s.append(big ? std::string("\x00\x01\x00\x00", 4) : std::string("\x01\x00\x00\x00", 4));  // version 1.0
    s.append(8, '\xff');                                                                        // section length -1
    put32(s, 28, big);
    return s;
}
std::string dsb(const std::string& payload, std::uint32_t type, bool big) {
    std::string s;
    std::size_t padded = (payload.size() + 3) / 4 * 4;
    std::uint32_t total = static_cast<std::uint32_t>(20 + padded);
    put32(s, 0x0000000A, big);
    put32(s, total, big);
    put32(s, type, big);
    put32(s, static_cast<std::uint32_t>(payload.size()), big);
    s += payload;
    s.append(padded - payload.size(), '\0');
    put32(s, total, big);
    return s;
}
std::string write_temp(const std::string& bytes) {
    char name[] = "/tmp/revo-keylog-blk-XXXXXX";
    int fd = mkstemp(name);
    if (fd >= 0) ::close(fd);
    std::ofstream(name, std::ios::binary) << bytes;
    return name;
}
}  // namespace

TEST_CASE("keylog: DSB scanner handles byte order, other secret types and damaged files", "[keylog]") {
    const std::string line = "CLIENT_TRAFFIC_SECRET_0 " + kRandomA + " " + kSecret32 + "\n";
    SECTION("big-endian section, one TLSK block and one of another type") {
        std::string f = write_temp(section_header(true) + dsb(line, 0x544c534b, true) + dsb("xyz", 0x57474b4c, true));
        std::string err;
        auto blocks = read_pcapng_dsb(f, &err);
        std::remove(f.c_str());
        REQUIRE(blocks.size() == 1);
        CHECK(blocks[0] == line);
        CHECK(err.empty());
    }
    SECTION("a block cut short keeps what came before and reports it") {
        std::string whole = section_header(false) + dsb(line, 0x544c534b, false) + dsb(line, 0x544c534b, false);
        std::string f = write_temp(whole.substr(0, whole.size() - 30));
        std::string err;
        auto blocks = read_pcapng_dsb(f, &err);
        std::remove(f.c_str());
        CHECK(blocks.size() == 1);
        CHECK_FALSE(err.empty());
    }
    SECTION("a secrets length larger than its block is skipped") {
        std::string b = dsb(line, 0x544c534b, false);
        b[12] = '\xff';  // secrets length low byte: now exceeds the block
        b[13] = '\xff';
        std::string f = write_temp(section_header(false) + b + dsb(line, 0x544c534b, false));
        auto blocks = read_pcapng_dsb(f);
        std::remove(f.c_str());
        REQUIRE(blocks.size() == 1);
        CHECK(blocks[0] == line);
    }
    SECTION("a block length that is not a multiple of 4 stops the scan") {
        std::string b = dsb(line, 0x544c534b, false);
        b[4] = static_cast<char>(b[4] + 1);
        std::string f = write_temp(section_header(false) + b);
        std::string err;
        auto blocks = read_pcapng_dsb(f, &err);
        std::remove(f.c_str());
        CHECK(blocks.empty());
        CHECK(err.find("invalid length") != std::string::npos);
    }
}
