#include "tests/test_support.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace revo::test {

std::string source_path(const std::string& rel) { return std::string(REVO_SOURCE_DIR) + "/" + rel; }

std::string corpus_path(const std::string& rel) {
    const char* env = std::getenv("REVO_CORPUS_DIR");
    std::string base = env ? env : REVO_CORPUS_DIR;
    std::string p = base + "/" + rel;
    return file_exists(p) ? p : std::string();
}

bool file_exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out += "'\\''";
        else out += c;
    }
    return out + "'";
}

RunResult run_command(const std::string& cmdline) {
    RunResult r;
    char errname[] = "/tmp/revo-test-err-XXXXXX";
    int fd = mkstemp(errname);
    if (fd >= 0) ::close(fd);
    std::string full = cmdline + " 2>" + shell_quote(errname);
    FILE* p = ::popen(full.c_str(), "r");
    if (!p) return r;
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    int st = ::pclose(p);
    r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.err = read_file(errname);
    std::remove(errname);
    return r;
}

RunResult run_revoscope(const std::string& args) { return run_command(shell_quote(REVO_BINARY) + " " + args); }

bool have_program(const std::string& name) {
    return run_command("command -v " + shell_quote(name) + " >/dev/null").exit_code == 0;
}

std::vector<std::string> split_lines(const std::string& s) {
    std::vector<std::string> lines;
    std::istringstream in(s);
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
}

}  // namespace revo::test
