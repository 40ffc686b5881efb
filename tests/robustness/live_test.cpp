// Live capture as root drops privileges once the interface is open; and a run writes nothing but
// its named outputs.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "measured_run.h"
#include "tests/test_support.h"

using namespace revo;
using namespace revo::robustness;

namespace {

/// The four ids of a "Uid:" or "Gid:" line of /proc/<pid>/status, or empty when unreadable.
std::vector<long> status_ids(pid_t pid, const std::string& key) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind(key, 0) != 0) continue;
        std::istringstream in(line.substr(key.size()));
        std::vector<long> ids;
        long v;
        while (in >> v) ids.push_back(v);
        return ids;
    }
    return {};
}

/// Sends one UDP datagram to 127.0.0.1:9 (discard), so the capture loop sees traffic.
void poke_loopback() {
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(9);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)::sendto(fd, "x", 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::close(fd);
}

/// Waits up to `secs` for the child; SIGKILL after that. Returns the wait status.
int wait_bounded(pid_t pid, int secs) {
    int st = 0;
    const auto start = std::chrono::steady_clock::now();
    while (::waitpid(pid, &st, WNOHANG) != pid) {
        if (std::chrono::steady_clock::now() - start > std::chrono::seconds(secs)) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &st, 0);
            break;
        }
        poke_loopback();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return st;
}

}  // namespace

TEST_CASE("live capture on lo as root runs as --user once the interface is open", "[live][root]") {
    if (::geteuid() != 0) {
        WARN("not root; skipped");
        return;
    }
    const passwd* pw = ::getpwnam("nobody");
    if (!pw) {
        WARN("no user 'nobody'; skipped");
        return;
    }
    const uid_t nobody_uid = pw->pw_uid;
    const gid_t nobody_gid = pw->pw_gid;
    TempDir dir;
    // The output directory must stay writable after the switch.
    std::filesystem::permissions(dir.path, std::filesystem::perms::all);
    const std::string out = dir.file("live.jsonl"), err = dir.file("live.err");
    const std::string bin = REVO_BINARY;
    pid_t pid = ::fork();
    if (pid == 0) {
        FILE* o = std::freopen(out.c_str(), "w", stdout);
        FILE* e = std::freopen(err.c_str(), "w", stderr);
        if (!o || !e) ::_exit(126);
        ::execl(bin.c_str(), bin.c_str(), "live", "-i", "lo", "--user", "nobody", "--duration", "30", "--format", "jsonl",
                "--quiet", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    REQUIRE(pid > 0);
    std::vector<long> uids, gids;
    int status = 0;
    const auto start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - start < std::chrono::seconds(5)) {
        poke_loopback();
        uids = status_ids(pid, "Uid:");
        gids = status_ids(pid, "Gid:");
        if (uids.size() == 4 && uids[0] == static_cast<long>(nobody_uid)) break;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            pid = -1;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (pid > 0) {
        ::kill(pid, SIGINT);  // the documented way to stop a live run
        status = wait_bounded(pid, 10);
    }
    const std::string errtext = slurp(err);
    if (errtext.find("no permission") != std::string::npos || errtext.find("cannot capture") != std::string::npos) {
        WARN("cannot capture on lo here (" << errtext << "); skipped");
        return;
    }
    INFO("stderr: " << errtext);
    REQUIRE(uids.size() == 4);
    // Real, effective, saved and filesystem uid all dropped; same for the groups.
    for (long u : uids) CHECK(u == static_cast<long>(nobody_uid));
    REQUIRE(gids.size() == 4);
    for (long g : gids) CHECK(g == static_cast<long>(nobody_gid));
    CHECK(WIFEXITED(status));  // stopped by SIGINT within 10 s, not killed
    CHECK((WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 1));
}

TEST_CASE("an analysis run creates no file other than its named output", "[live]") {
    const std::string sample = test::source_path("samples/04-ocsp-post-good.pcap");
    if (!test::file_exists(sample)) {
        WARN("sample missing; skipped");
        return;
    }
    TempDir dir;
    const std::string work = dir.file("cwd");
    std::filesystem::create_directory(work);
    const std::string report = dir.file("cwd/report.html");
    for (const char* fmt : {"text", "jsonl", "markdown", "html"}) {
        auto r = run_measured(REVO_BINARY, {"analyze", "--format", fmt, "-o", report, sample}, dir.path, 60, work);
        CHECK(r.signal == 0);
        std::vector<std::string> names;
        for (const auto& e : std::filesystem::directory_iterator(work)) names.push_back(e.path().filename().string());
        INFO("format " << fmt);
        REQUIRE(names.size() == 1);
        CHECK(names[0] == "report.html");
        std::filesystem::remove(report);
    }
}
