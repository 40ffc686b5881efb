// Live mode's running output: findings printed as they are established and, on a terminal, a rolling
// one-line summary of what has been seen so far.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>

#include "analysis/analyzer.h"
#include "capture/engine.h"

namespace revo::cli {

class LiveStatus {
public:
    /// `out` receives finding lines; `tty` enables the rolling summary line (redrawn with '\r').
    LiveStatus(analysis::Analyzer& analyzer, const capture::Engine& engine, std::ostream& out, bool tty, bool quiet);
    /// Installs the analyzer's live callback (one compact line per new finding).
    void attach();
    /// Called often while capturing: evaluates about once a second, redraws at most 4 times a second.
    /// On a busy link a slow evaluation waits (up to kMaxPollDelay) so that reading keeps up.
    void tick(bool backlog = false);
    static constexpr std::chrono::seconds kMaxPollDelay{30};
    static constexpr std::uint64_t kBusyPacketsPerTick = 2500;  ///< about 10,000 packets a second
    /// Clears the summary line before the report is written.
    void done();

private:
    void print_finding(const analysis::Finding& f);
    void draw();

    analysis::Analyzer& analyzer_;
    const capture::Engine& engine_;
    std::ostream& out_;
    bool tty_;
    bool quiet_;
    bool line_shown_ = false;
    std::chrono::steady_clock::time_point last_poll_{}, last_draw_{};
    std::chrono::steady_clock::duration last_poll_cost_{};
    std::uint64_t frames_at_tick_ = 0;
};

}  // namespace revo::cli
