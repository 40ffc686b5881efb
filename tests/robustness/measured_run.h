// Runs the revoscope binary in a child process and measures it: exit status or signal, wall time,
// and peak resident memory (getrusage of the reaped child), with a hard kill after a time limit.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace revo::robustness {

struct Measured {
    int exit_code = -1;       ///< -1 when killed by a signal
    int signal = 0;
    bool timed_out = false;
    double seconds = 0;
    long peak_rss_kib = 0;
    std::string out, err;
};

inline std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

/// A scratch directory removed when the object goes away.
struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/revo-robust-XXXXXX";
        const char* p = ::mkdtemp(tmpl);
        path = p ? p : "/tmp";
    }
    ~TempDir() {
        std::error_code ec;
        if (path != "/tmp") std::filesystem::remove_all(path, ec);
    }
    std::string file(const std::string& name) const { return path + "/" + name; }
};

/// Runs `binary args...` with stdout and stderr captured in files under `dir`.
inline Measured run_measured(const std::string& binary, const std::vector<std::string>& args, const std::string& dir,
                             int time_limit_s = 120, const std::string& cwd = "") {
    Measured m;
    const std::string out = dir + "/stdout.txt", err = dir + "/stderr.txt";
    const auto start = std::chrono::steady_clock::now();
    pid_t pid = ::fork();
    if (pid == 0) {
        int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (o < 0 || e < 0) ::_exit(126);
        if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(125);
        ::dup2(o, 1);
        ::dup2(e, 2);
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>(binary.c_str()));
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execv(binary.c_str(), argv.data());
        ::_exit(127);
    }
    int status = 0;
    rusage ru{};
    for (;;) {
        pid_t r = ::wait4(pid, &status, WNOHANG, &ru);
        if (r == pid) break;
        if (std::chrono::steady_clock::now() - start > std::chrono::seconds(time_limit_s)) {
            m.timed_out = true;
            ::kill(pid, SIGKILL);
            ::wait4(pid, &status, 0, &ru);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    m.peak_rss_kib = ru.ru_maxrss;
    if (WIFEXITED(status)) m.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) m.signal = WTERMSIG(status);
    m.out = slurp(out);
    m.err = slurp(err);
    return m;
}

/// JSON records of a jsonl report (lines that do not parse are skipped).
inline std::vector<nlohmann::json> jsonl_records(const std::string& text) {
    std::vector<nlohmann::json> v;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_discarded()) v.push_back(std::move(j));
    }
    return v;
}

/// The run summary record: "summary" from the full report, or "capture_summary" from capture-only runs.
inline nlohmann::json summary_record(const std::vector<nlohmann::json>& recs) {
    for (auto it = recs.rbegin(); it != recs.rend(); ++it) {
        const auto t = it->value("type", std::string());
        if (t == "summary" || t == "capture_summary") return *it;
    }
    return nlohmann::json();
}

/// Count of a named problem in the summary's decode_problems (0 when absent).
inline std::uint64_t problem_count(const nlohmann::json& summary, const std::string& id) {
    if (!summary.is_object() || !summary.contains("decode_problems")) return 0;
    const auto& d = summary["decode_problems"];
    return d.contains(id) ? d[id].get<std::uint64_t>() : 0;
}

}  // namespace revo::robustness
