// Fuzz target: a whole capture file through the whole pipeline, as `revoscope analyze` runs it:
// file reading (pcap/pcapng/gzip through libpcap), link/IP/TCP/UDP decoding, flow table and
// reassembly, protocol dispatch and dissectors, analysis, and every report format (with and without
// redaction).
//
// The input bytes are written to an in-memory file (memfd) and read by path, exactly like a file
// given on the command line. Small limits make the caps reachable.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "analysis/analyzer.h"
#include "capture/engine.h"
#include "capture/source.h"
#include "dissect/dispatch.h"
#include "fuzz_support.h"
#include "report/report.h"

using namespace revo;

namespace {

int memfd_with(const std::uint8_t* data, std::size_t size) {
    int fd = ::memfd_create("revo-fuzz", MFD_CLOEXEC);
    if (fd < 0) return -1;
    std::size_t done = 0;
    while (done < size) {
        ssize_t w = ::write(fd, data + done, size - done);
        if (w <= 0) {
            ::close(fd);
            return -1;
        }
        done += static_cast<std::size_t>(w);
    }
    return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const int fd = memfd_with(data, size);
    if (fd < 0) return 0;
    const std::string path = "/proc/self/fd/" + std::to_string(fd);

    static const Limits limits = fuzz::small_limits();
    analysis::AnalysisOptions aopts;
    aopts.trust.use_system_store = false;  // same code paths, without loading the system store per input
    aopts.max_records = 100;
    aopts.max_connections = 100;
    analysis::Analyzer analyzer(aopts);
    Anomalies dissect_anomalies;
    dissect::DissectContext ctx;
    ctx.limits = &limits;
    ctx.sink = &analyzer;
    ctx.anomalies = &dissect_anomalies;

    capture::EngineHooks hooks;
    hooks.make_consumer = [&](const capture::ConnInfo& c) { return dissect::make_stream_dissector(c, ctx); };
    hooks.on_connection = [&](capture::TcpConnection&& c) { analyzer.on_tcp_connection(std::move(c)); };
    hooks.on_udp = [&](const Endpoint& s, const Endpoint& d, ByteView p, const FrameRef& f) {
        dissect::dissect_udp(s, d, p, f, ctx);
    };
    {
        capture::Engine engine(limits, std::move(hooks));
        std::string err;
        capture::FileReadOptions ro;
        (void)capture::read_capture_file(path, engine, ro, err);
        engine.finish();
        dissect::finish_udp(ctx);
        engine.stats().anomalies.merge(dissect_anomalies);

        const analysis::Results& results = analyzer.finish();
        report::RunInfo run;
        run.tool_version = "fuzz";
        run.capture = engine.stats();
        // One report per input, chosen by the input's length (writing every format per input would multiply
        // the time per run): text, JSON lines, Markdown or HTML, each with and without --redact.
        static constexpr report::Format kFormats[] = {report::Format::text, report::Format::jsonl,
                                                      report::Format::markdown, report::Format::html};
        run.redact = (size / 4) % 2 == 1;
        std::ostringstream out;
        report::write_report(kFormats[size % 4], out, results, run);
        (void)report::exit_status_for(results);
    }
    ::close(fd);
    return 0;
}
