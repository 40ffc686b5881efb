// Helpers shared by tests: paths to samples and the peer corpus, running the binary, tshark as an oracle.
#pragma once

#include <string>
#include <vector>

namespace revo::test {

std::string source_path(const std::string& rel);   ///< path under the source tree
std::string corpus_path(const std::string& rel);   ///< path under the peer corpus ("" if the corpus is absent)
bool file_exists(const std::string& path);
std::string read_file(const std::string& path);

struct RunResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};
/// Runs a shell command line, capturing stdout and stderr.
RunResult run_command(const std::string& cmdline);
/// Runs the built revoscope binary with the given argument string (already shell-quoted).
RunResult run_revoscope(const std::string& args);
bool have_program(const std::string& name);
std::string shell_quote(const std::string& s);
std::vector<std::string> split_lines(const std::string& s);

}  // namespace revo::test
