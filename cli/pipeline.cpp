// The whole run: capture -> stream dissectors per TCP connection and UDP datagram -> analysis ->
// report -> exit status.
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "analysis/analyzer.h"
#include "capture/engine.h"
#include "cli/cli.h"
#include "cli/live_status.h"
#include "dissect/dispatch.h"
#include "dissect/tls/keylog.h"
#include "report/report.h"

namespace revo::cli {

namespace {

/// Shared by file and live runs: the pieces live as long as the run.
struct Run {
    explicit Run(const RunOptions& o) : opts(o), analyzer(make_analysis_options(o)) {
        ctx.limits = &opts.limits;
        ctx.sink = &analyzer;
        ctx.anomalies = &dissect_anomalies;
        ctx.keylog = nullptr;  // set once a key log holds secrets, so runs without one add no notes
    }
    static analysis::AnalysisOptions make_analysis_options(const RunOptions& o) {
        analysis::AnalysisOptions a;
        a.slow_ms = o.slow_ms;
        a.clock_tolerance_s = o.clock_tolerance_s;
        a.trust.ca_file = o.ca_file;
        a.trust.ca_path = o.ca_path;
        return a;
    }
    capture::EngineHooks hooks() {
        capture::EngineHooks h;
        h.make_consumer = [this](const capture::ConnInfo& ci) { return dissect::make_stream_dissector(ci, ctx); };
        h.on_connection = [this](capture::TcpConnection&& c) { analyzer.on_tcp_connection(std::move(c)); };
        h.on_udp = [this](const Endpoint& s, const Endpoint& d, ByteView p, const FrameRef& f) {
            dissect::dissect_udp(s, d, p, f, ctx);
        };
        return h;
    }
    /// Loads key logs; returns false with a message on the first unreadable one.
    bool load_keylogs(std::string& err) {
        for (const auto& k : opts.keylogs) {
            std::string why;
            if (!keylog.load_file(k, &why)) {
                err = why.empty() ? k + ": cannot read key log" : why;
                return false;
            }
        }
        return true;
    }
    int report(capture::Engine& engine, bool unreadable) {
        engine.finish();
        dissect::finish_udp(ctx);
#ifdef __GLIBC__
        // The flow table and reassembly buffers are gone; hand their pages back before the analysis builds
        // its records, so that the peak is the larger of the two phases rather than their sum.
        ::malloc_trim(0);
#endif
        capture::CaptureStats stats = engine.stats();
        keylog.count_into(dissect_anomalies);
        stats.anomalies.merge(dissect_anomalies);
        const analysis::Results& results = analyzer.finish();
        if (!analyzer.trust_error().empty() && !opts.quiet)
            std::cerr << "revoscope: warning: " << analyzer.trust_error() << "\n";
        report::Format fmt;
        report::parse_format(opts.format, fmt);
        report::RunInfo info;
        info.tool_version = REVO_VERSION;
        info.command_line = opts.command_line;
        info.capture = std::move(stats);
        info.redact = opts.redact;
        std::ostream* out = &std::cout;
        if (!opts.output.empty()) {
            out = &file;
        } else {
            info.color = opts.format == "text" && ::isatty(1) == 1;
        }
        report::write_report(fmt, *out, results, info);
        out->flush();
        for (const auto& f : info.capture.files)
            if (f.partial) unreadable = true;
        if (unreadable) return exit_code::unreadable;
        return report::exit_status_for(results);
    }

    /// Opens -o before any capture starts (live mode drops root after opening the interface).
    bool open_output() {
        if (opts.output.empty()) return true;
        file.open(opts.output, std::ios::binary | std::ios::trunc);
        if (!file) {
            std::cerr << "revoscope: cannot write " << opts.output << "\n";
            return false;
        }
        return true;
    }

    RunOptions opts;
    std::ofstream file;
    analysis::Analyzer analyzer;
    dissect::KeyLog keylog;
    Anomalies dissect_anomalies;
    dissect::DissectContext ctx;
};

}  // namespace

int run_pipeline(const RunOptions& o, const std::vector<std::string>& files, const capture::LiveOptions* live) {
    Run run(o);
    std::string err;
    if (!run.load_keylogs(err)) {
        std::cerr << "revoscope: " << err << "\n";
        return exit_code::unreadable;
    }
    if (!run.open_output()) return exit_code::unreadable;
    run.ctx.keylog = run.keylog.empty() ? nullptr : &run.keylog;
    capture::Engine engine(run.opts.limits, run.hooks());
    bool unreadable = false;
    if (live) {
        // Findings go to standard error as they are established; the report follows at exit.
        LiveStatus status(run.analyzer, engine, std::cerr, ::isatty(2) == 1, o.quiet);
        status.attach();
        if (!capture::run_live(*live, engine, err, [&](bool backlog) { status.tick(backlog); })) {
            status.done();
            std::cerr << "revoscope: " << err << "\n";
            return exit_code::unreadable;
        }
        status.done();
        return run.report(engine, false);
    }
    capture::FileReadOptions ro{o.filter, o.progress, true};
    for (const auto& f : files) {
        if (f != "-") {
            // Secrets embedded in a pcapng (Decryption Secrets Block) decrypt that file's handshakes.
            std::string dsb_err;
            run.keylog.add_from_pcapng(f, &dsb_err);
            run.ctx.keylog = run.keylog.empty() ? nullptr : &run.keylog;
        }
        auto rc = capture::read_capture_file(f, engine, ro, err);
        if (rc == capture::OpenError::bad_filter) {
            std::cerr << "revoscope: " << err << "\n";
            return exit_code::usage;
        }
        if (rc != capture::OpenError::none) {
            std::cerr << "revoscope: " << err << "\n";
            unreadable = true;
            continue;
        }
        const auto& info = engine.stats().files.back();
        if (info.partial && !o.quiet)
            std::cerr << "revoscope: " << (f == "-" ? "standard input" : f) << ": cut short at offset "
                      << info.error_offset << " (frame " << info.error_frame << "): " << info.error
                      << " (results cover what came before)\n";
    }
    return run.report(engine, unreadable);
}

}  // namespace revo::cli
