// Live mode's running output: findings printed as they are established and, on a terminal, a rolling
// one-line summary of what has been seen so far.
#pragma once

#include <chrono>
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
    void tick();
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
};

}  // namespace revo::cli
