// Shared pieces of the command line front end: parsed options, exit codes, capture summaries.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "capture/capture_stats.h"
#include "capture/source.h"
#include "capture/tcp_events.h"
#include "common/limits.h"

namespace revo::cli {

/// Documented exit status values.
namespace exit_code {
inline constexpr int ok = 0;          ///< nothing at warning or above
inline constexpr int findings = 1;    ///< findings at warning or above
inline constexpr int usage = 2;       ///< bad command line
inline constexpr int unreadable = 3;  ///< an input could not be read (partial results still printed)
}  // namespace exit_code

/// Options shared by `analyze` and `live`.
struct RunOptions {
    std::string format = "text";
    std::string output;               ///< empty: standard output
    std::string filter;
    std::vector<std::string> keylogs;
    std::string ca_file, ca_path;
    double slow_ms = 1000;
    std::int64_t clock_tolerance_s = 300;
    bool redact = false;
    bool quiet = false;
    bool progress = false;
    bool summary_only = false;        ///< capture statistics only, no protocol analysis
    Limits limits;
    std::vector<std::string> command_line;
};

/// Expands directories into their capture files (sorted by name). Returns false with `error` when an
/// argument is a directory without capture files.
bool expand_inputs(const std::vector<std::string>& args, std::vector<std::string>& files, std::string& error);

/// Byte totals of the TCP connections a summary counts but does not list one by one.
struct UnlistedConnections {
    std::uint64_t count = 0;
    std::uint64_t client_bytes = 0, server_bytes = 0, gap_bytes = 0;
};

/// Connections a summary lists one by one; later ones only add to the totals (memory stays bounded).
inline constexpr std::size_t kMaxSummaryConnections = 10'000;

/// Per-input summary: packets, time span, TCP connections, bytes per direction, decode problems.
void write_capture_summary(std::ostream& out, const capture::CaptureStats& stats,
                           const std::vector<capture::TcpConnection>& conns, bool jsonl,
                           const UnlistedConnections& unlisted = {});

/// Runs the capture layer only over files (or a live interface when `live` is set) and prints the
/// summary. Returns the exit status.
int run_summary(const RunOptions& o, const std::vector<std::string>& files);
int run_summary_live(const RunOptions& o, const capture::LiveOptions& live);

/// Full analysis: capture -> dissectors -> analysis -> report, over files or (when `live` is set) an
/// interface. Returns the exit status.
int run_pipeline(const RunOptions& o, const std::vector<std::string>& files, const capture::LiveOptions* live);


}  // namespace revo::cli
