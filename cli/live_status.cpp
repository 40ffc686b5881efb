// Live mode's running output; see live_status.h.
#include "cli/live_status.h"

#include <fmt/format.h>

#include <vector>

namespace revo::cli {

LiveStatus::LiveStatus(analysis::Analyzer& analyzer, const capture::Engine& engine, std::ostream& out, bool tty,
                       bool quiet)
    : analyzer_(analyzer), engine_(engine), out_(out), tty_(tty && !quiet), quiet_(quiet) {}

void LiveStatus::attach() {
    analyzer_.set_live_callback([this](const analysis::Finding& f) { print_finding(f); });
}

void LiveStatus::print_finding(const analysis::Finding& f) {
    if (quiet_) return;
    if (tty_ && line_shown_) out_ << "\r\x1b[K";
    line_shown_ = false;
    out_ << fmt::format("finding: {} [{}]: {}{}\n", f.code, analysis::to_string(f.severity), f.summary,
                        f.count > 1 ? fmt::format(" (x{})", f.count) : "");
    out_.flush();
}

void LiveStatus::tick(bool backlog) {
    using namespace std::chrono;
    auto now = steady_clock::now();
    // Evaluation stops reading for as long as it runs. On a busy link (packets queued, or more than
    // kBusyPacketsPerTick since the last tick) an evaluation that has become slow waits for a lull, but
    // never longer than kMaxPollDelay, so that findings still appear on a link that is never idle.
    const std::uint64_t frames = engine_.frames();
    const bool busy = backlog || frames - frames_at_tick_ > kBusyPacketsPerTick;
    frames_at_tick_ = frames;
    const bool defer = busy && last_poll_cost_ > milliseconds(50);
    const seconds due = defer ? kMaxPollDelay : seconds(1);
    if (now - last_poll_ >= due) {
        last_poll_ = now;
        // Connections still open that never carried data: the analyzer decides which are failed attempts.
        std::vector<capture::TcpConnection> attempts;
        engine_.flows().for_each_open([&](const capture::TcpConnection& t) {
            if (t.payload_bytes[0] == 0 && t.payload_bytes[1] == 0 && t.state != capture::ConnState::established &&
                t.state != capture::ConnState::closed)
                attempts.push_back(t);
        });
        // Live packets carry the capture host's wall-clock time.
        auto wall = duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
        analyzer_.poll(Timestamp{wall}, attempts);
        last_poll_cost_ = steady_clock::now() - now;
    }
    if (tty_ && now - last_draw_ >= milliseconds(250)) {
        last_draw_ = now;
        draw();
    }
}

void LiveStatus::draw() {
    auto c = analyzer_.live_counts();
    out_ << fmt::format("\r packets {}  flows {}  handshakes {}  checks {}  findings {} ({} errors)\x1b[K",
                        engine_.frames(), engine_.flows().flows_created(), c.handshakes, c.checks, c.findings,
                        c.errors)
         << std::flush;
    line_shown_ = true;
}

void LiveStatus::done() {
    if (tty_ && line_shown_) out_ << "\r\x1b[K" << std::flush;
    line_shown_ = false;
}

}  // namespace revo::cli
