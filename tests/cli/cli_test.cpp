// The revoscope command line: help, exit codes, one-line errors, directories, stdin, several files.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>

#include "tests/test_support.h"

using namespace revo::test;

namespace {

int count_lines(const std::string& s) {
    int n = 0;
    for (char c : s) n += c == '\n';
    return n;
}

std::vector<nlohmann::json> jsonl(const std::string& out) {
    std::vector<nlohmann::json> v;
    for (const auto& line : split_lines(out))
        if (!line.empty()) v.push_back(nlohmann::json::parse(line));
    return v;
}

bool have_samples() { return file_exists(source_path("samples/01-tls12-staple-good.pcap")); }

}  // namespace

TEST_CASE("every subcommand has --help that documents the exit codes") {
    for (std::string cmd : {"analyze", "live", "summary", "interfaces"}) {
        auto r = run_revoscope(cmd + " --help");
        INFO(cmd);
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("Exit status") != std::string::npos);
        CHECK(r.out.find("3  an input could not be read") != std::string::npos);
    }
    auto r = run_revoscope("analyze --help");
    for (std::string opt : {"--format", "--output", "--filter", "--keylog", "--ca-file", "--ca-path", "--slow-ms",
                            "--clock-tolerance", "--redact", "--max-flows", "--flow-memory", "--quiet", "--progress"})
        CHECK(r.out.find(opt) != std::string::npos);
    r = run_revoscope("live --help");
    for (std::string opt : {"--interface", "--snaplen", "--promisc", "--no-promisc", "--buffer-size", "--duration",
                            "--count", "--write", "--user"})
        CHECK(r.out.find(opt) != std::string::npos);
    r = run_revoscope("--help");
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("analyze") != std::string::npos);
    r = run_revoscope("version");
    CHECK(r.exit_code == 0);
    CHECK(r.out.rfind("revoscope ", 0) == 0);
}

TEST_CASE("usage errors exit 2 with one line on stderr") {
    for (std::string args : {"", "frobnicate", "analyze", "analyze --format xml x.pcap", "analyze --bogus x.pcap",
                             "live", "analyze --slow-ms abc x.pcap", "interfaces extra"}) {
        auto r = run_revoscope(args);
        INFO("args: " << args << " stderr: " << r.err);
        CHECK(r.exit_code == 2);
        if (!args.empty()) CHECK(count_lines(r.err) == 1);
    }
}

TEST_CASE("unreadable inputs exit 3 with one clear line") {
    auto r = run_revoscope("analyze /nonexistent/capture.pcap");
    CHECK(r.exit_code == 3);
    CHECK(count_lines(r.err) == 1);
    CHECK(r.err.find("/nonexistent/capture.pcap: No such file or directory") != std::string::npos);

    r = run_revoscope("analyze " + shell_quote(source_path("README.md")));
    CHECK(r.exit_code == 3);
    CHECK(count_lines(r.err) == 1);
    CHECK(r.err.find("not a capture file") != std::string::npos);

    r = run_revoscope("summary " + shell_quote(source_path("cli")));
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("directory holds no capture files") != std::string::npos);
}

TEST_CASE("a bad BPF filter is a usage error") {
    if (!have_samples()) {
        WARN("samples not generated yet: skipped");
        return;
    }
    auto r = run_revoscope("summary --filter 'tcp port port' " + shell_quote(source_path("samples/01-tls12-staple-good.pcap")));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("invalid filter") != std::string::npos);
}

TEST_CASE("a directory of captures is read in name order as one run") {
    if (!have_samples()) {
        WARN("samples not generated yet: skipped");
        return;
    }
    auto r = run_revoscope("summary --format jsonl " + shell_quote(source_path("samples")));
    REQUIRE(r.exit_code == 0);
    auto objs = jsonl(r.out);
    std::vector<nlohmann::json> inputs;
    for (auto& o : objs)
        if (o["type"] == "input") inputs.push_back(o);
    REQUIRE(inputs.size() >= 2);
    std::uint64_t next = 1;
    std::string prev;
    for (auto& in : inputs) {
        CHECK(in["first_frame"].get<std::uint64_t>() == next);  // frame numbers continue across files
        next += in["packets"].get<std::uint64_t>();
        CHECK(in["name"].get<std::string>() > prev);
        prev = in["name"].get<std::string>();
        CHECK(in["sha256"].get<std::string>().size() == 64);
    }
    CHECK(objs.back()["type"] == "capture_summary");
    CHECK(objs.back()["packets"].get<std::uint64_t>() == next - 1);

    // The text form of analyze reads the same directory.
    r = run_revoscope("analyze " + shell_quote(source_path("samples")));
    CHECK((r.exit_code == 0 || r.exit_code == 1));
    CHECK_FALSE(r.out.empty());
}

TEST_CASE("standard input and a file give the same summary") {
    if (!have_samples()) {
        WARN("samples not generated yet: skipped");
        return;
    }
    auto f = shell_quote(source_path("samples/04-ocsp-post-good.pcap"));
    auto a = run_revoscope("summary --format jsonl " + f);
    auto b = run_revoscope("summary --format jsonl - < " + f);
    REQUIRE(a.exit_code == 0);
    REQUIRE(b.exit_code == 0);
    auto ja = jsonl(a.out), jb = jsonl(b.out);
    REQUIRE(ja.size() == jb.size());
    CHECK(ja.back() == jb.back());
    CHECK(jb.front()["name"] == "-");
    CHECK(jb.front()["sha256"] == ja.front()["sha256"]);
}

TEST_CASE("a BPF filter applies to files") {
    if (!have_samples()) {
        WARN("samples not generated yet: skipped");
        return;
    }
    auto f = shell_quote(source_path("samples/04-ocsp-post-good.pcap"));
    auto all = jsonl(run_revoscope("summary --format jsonl " + f).out);
    auto only80 = jsonl(run_revoscope("summary --format jsonl --filter 'tcp port 80' " + f).out);
    int conns_all = 0, conns80 = 0;
    for (auto& o : all) conns_all += o["type"] == "tcp_connection";
    for (auto& o : only80) {
        if (o["type"] != "tcp_connection") continue;
        ++conns80;
        CHECK(o["server"].get<std::string>().ends_with(":80"));
    }
    CHECK(conns80 >= 1);
    CHECK(conns80 < conns_all);
}

TEST_CASE("a damaged capture prints what it could and exits 3") {
    if (!have_samples()) {
        WARN("samples not generated yet: skipped");
        return;
    }
    std::string raw = read_file(source_path("samples/04-ocsp-post-good.pcap"));
    raw += "garbage appended after the last record";
    char name[] = "/tmp/revo-cli-damaged-XXXXXX";
    int fd = mkstemp(name);
    REQUIRE(::write(fd, raw.data(), raw.size()) == static_cast<ssize_t>(raw.size()));
    ::close(fd);
    auto r = run_revoscope("summary --format jsonl " + shell_quote(name));
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("cut short at offset") != std::string::npos);
    auto objs = jsonl(r.out);
    REQUIRE_FALSE(objs.empty());
    CHECK(objs.front()["partial"] == true);
    CHECK(objs.front()["packets"].get<int>() > 0);
    r = run_revoscope("analyze -q " + shell_quote(name));
    CHECK(r.exit_code == 3);
    CHECK_FALSE(r.out.empty());
    std::remove(name);
}

TEST_CASE("the output option writes the report to a file") {
    if (!have_samples()) {
        WARN("samples not generated yet: skipped");
        return;
    }
    char name[] = "/tmp/revo-cli-out-XXXXXX";
    int fd = mkstemp(name);
    ::close(fd);
    auto r = run_revoscope("analyze --format jsonl -o " + shell_quote(name) + " " +
                           shell_quote(source_path("samples/01-tls12-staple-good.pcap")));
    CHECK((r.exit_code == 0 || r.exit_code == 1));
    CHECK(r.out.empty());
    auto body = read_file(name);
    CHECK_FALSE(body.empty());
    CHECK_NOTHROW(jsonl(body));
    std::remove(name);
}
