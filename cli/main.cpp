// revoscope command line: subcommands analyze, live, summary, interfaces, version.
#include <unistd.h>

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "capture/source.h"
#include "cli/cli.h"

namespace po = boost::program_options;
using namespace revo;
using namespace revo::cli;

namespace {

const char* kExitCodes =
    "Exit status:\n"
    "  0  nothing at warning or above\n"
    "  1  findings at warning or above\n"
    "  2  usage error (unknown option, bad value, bad filter)\n"
    "  3  an input could not be read, or was cut short (partial results are still printed)\n";

const char* kMainHelp =
    "revoscope - finds out why TLS certificate revocation checking fails, from packet captures\n"
    "\n"
    "Usage:\n"
    "  revoscope analyze [options] FILE|DIR|- ...   analyse capture files (pcap, pcapng, .gz; '-' = stdin;\n"
    "                                               a directory = every capture file in it, by name)\n"
    "  revoscope live -i IFACE [options]            capture and analyse live until Ctrl-C\n"
    "  revoscope summary [options] FILE|DIR|- ...   capture statistics only: packets, TCP connections,\n"
    "                                               bytes per direction, decode problems\n"
    "  revoscope interfaces                         list capture devices\n"
    "  revoscope version                            print the version\n"
    "\n"
    "Run 'revoscope COMMAND --help' for the options of a command.\n";

struct UsageError {
    std::string msg;
};

po::options_description report_options() {
    po::options_description d("Report options");
    d.add_options()
        ("format", po::value<std::string>()->default_value("text"), "output format: text, jsonl, markdown, html")
        ("output,o", po::value<std::string>(), "write the report to FILE instead of standard output")
        ("redact", po::bool_switch(), "replace IP addresses and host names (outside certificates) with stable pseudonyms")
        ("quiet,q", po::bool_switch(), "no progress or warnings on standard error");
    return d;
}

po::options_description analysis_options() {
    po::options_description d("Analysis options");
    d.add_options()
        ("filter", po::value<std::string>(), "BPF filter applied to every packet (files and live), e.g. 'tcp port 80 or port 443'")
        ("keylog", po::value<std::vector<std::string>>()->composing(), "TLS key log file (SSLKEYLOGFILE format); repeatable")
        ("ca-file", po::value<std::string>(), "PEM file of trusted CA certificates (added to the system store)")
        ("ca-path", po::value<std::string>(), "directory of hashed trusted CA certificates")
        ("slow-ms", po::value<double>()->default_value(1000), "an OCSP/CRL answer slower than this many milliseconds is slow")
        ("clock-tolerance", po::value<std::int64_t>()->default_value(300), "seconds of slack for thisUpdate/nextUpdate/validity checks")
        ("max-flows", po::value<std::size_t>()->default_value(Limits{}.max_flows), "concurrent TCP connections tracked; the least recently active are evicted beyond it")
        ("flow-memory", po::value<std::size_t>()->default_value(Limits{}.flow_memory_bytes >> 20), "MiB of memory for connection state and out-of-order data");
    return d;
}

po::options_description live_options() {
    po::options_description d("Capture options");
    d.add_options()
        ("interface,i", po::value<std::string>(), "interface to capture on (see 'revoscope interfaces')")
        ("snaplen", po::value<int>()->default_value(262144), "bytes captured per packet")
        ("promisc", po::bool_switch(), "promiscuous mode (the default)")
        ("no-promisc", po::bool_switch(), "do not put the interface in promiscuous mode")
        ("buffer-size", po::value<int>()->default_value(0), "kernel capture buffer in MiB (0: libpcap default)")
        ("no-immediate", po::bool_switch(), "let the kernel batch packets (fewer wake-ups, later findings)")
        ("duration", po::value<double>()->default_value(0), "stop after this many seconds (0: until Ctrl-C)")
        ("count", po::value<std::uint64_t>()->default_value(0), "stop after this many packets (0: no limit)")
        ("write,w", po::value<std::string>(), "also write the raw packets to this pcap file")
        ("user,Z", po::value<std::string>(), "when started as root, switch to this user once the interface is open (default: nobody)");
    return d;
}

void fill_run_options(const po::variables_map& vm, RunOptions& o) {
    if (vm.count("format")) o.format = vm["format"].as<std::string>();
    if (o.format == "md") o.format = "markdown";
    if (o.format != "text" && o.format != "jsonl" && o.format != "markdown" && o.format != "html")
        throw UsageError{"unknown format '" + o.format + "' (use text, jsonl, markdown or html)"};
    if (vm.count("output")) o.output = vm["output"].as<std::string>();
    if (vm.count("filter")) o.filter = vm["filter"].as<std::string>();
    if (vm.count("keylog")) o.keylogs = vm["keylog"].as<std::vector<std::string>>();
    if (vm.count("ca-file")) o.ca_file = vm["ca-file"].as<std::string>();
    if (vm.count("ca-path")) o.ca_path = vm["ca-path"].as<std::string>();
    if (vm.count("slow-ms")) o.slow_ms = vm["slow-ms"].as<double>();
    if (vm.count("clock-tolerance")) o.clock_tolerance_s = vm["clock-tolerance"].as<std::int64_t>();
    if (vm.count("redact")) o.redact = vm["redact"].as<bool>();
    if (vm.count("quiet")) o.quiet = vm["quiet"].as<bool>();
    if (vm.count("progress")) o.progress = vm["progress"].as<bool>();
    if (vm.count("max-flows")) {
        o.limits.max_flows = vm["max-flows"].as<std::size_t>();
        if (o.limits.max_flows == 0) throw UsageError{"--max-flows must be at least 1"};
    }
    if (vm.count("flow-memory")) {
        std::size_t mib = vm["flow-memory"].as<std::size_t>();
        if (mib == 0) throw UsageError{"--flow-memory must be at least 1 MiB"};
        o.limits.flow_memory_bytes = mib << 20;
    }
    if (o.slow_ms <= 0) throw UsageError{"--slow-ms must be positive"};
    if (o.clock_tolerance_s < 0) throw UsageError{"--clock-tolerance must not be negative"};
}

int cmd_analyze(const std::vector<std::string>& args, const std::vector<std::string>& full, bool summary_cmd) {
    po::options_description visible;
    visible.add(report_options()).add(analysis_options());
    visible.add_options()("progress", po::bool_switch(), "show progress on standard error (when it is a terminal)");
    po::options_description hidden;
    hidden.add_options()("input", po::value<std::vector<std::string>>(), "input");
    hidden.add_options()("help,h", "show this help");
    po::options_description all;
    all.add(visible).add(hidden);
    po::positional_options_description pos;
    pos.add("input", -1);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
        if (summary_cmd)
            std::cout << "Usage: revoscope summary [options] FILE|DIR|- ...\n\n"
                         "Reads captures and prints, per input, packets, time span, TCP connections with bytes per\n"
                         "direction and what was never captured, and decode problems by name. No protocol analysis.\n\n";
        else
            std::cout << "Usage: revoscope analyze [options] FILE|DIR|- ...\n\n"
                         "Reads pcap/pcapng captures (optionally gzip-compressed; '-' reads standard input; a directory\n"
                         "stands for the capture files in it, sorted by name) as one run: frame numbers continue from\n"
                         "one file to the next and one report covers them all.\n\n";
        std::cout << visible << "\n" << kExitCodes;
        return exit_code::ok;
    }
    if (!vm.count("input")) throw UsageError{"no input: give one or more capture files, directories or '-'"};
    RunOptions o;
    fill_run_options(vm, o);
    o.command_line = full;
    std::vector<std::string> files;
    std::string err;
    if (!expand_inputs(vm["input"].as<std::vector<std::string>>(), files, err)) {
        std::cerr << "revoscope: " << err << "\n";
        return exit_code::unreadable;
    }
    return summary_cmd ? run_summary(o, files) : run_pipeline(o, files, nullptr);
}

int cmd_live(const std::vector<std::string>& args, const std::vector<std::string>& full) {
    po::options_description visible;
    visible.add(live_options()).add(report_options()).add(analysis_options());
    po::options_description all;
    all.add(visible);
    all.add_options()("help,h", "show this help");
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(all).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
        std::cout << "Usage: revoscope live -i IFACE [options]\n\n"
                     "Captures on IFACE and analyses as packets arrive, until Ctrl-C (SIGINT/SIGTERM), --duration or\n"
                     "--count; then prints the full report. Started as root, it switches to --user (default nobody)\n"
                     "once the interface is open. Kernel drops are reported.\n\n"
                  << visible << "\n"
                  << kExitCodes;
        return exit_code::ok;
    }
    if (!vm.count("interface")) throw UsageError{"live needs an interface: -i IFACE (see 'revoscope interfaces')"};
    RunOptions o;
    fill_run_options(vm, o);
    o.command_line = full;
    capture::LiveOptions l;
    l.interface = vm["interface"].as<std::string>();
    l.snaplen = vm["snaplen"].as<int>();
    if (l.snaplen <= 0) throw UsageError{"--snaplen must be positive"};
    if (vm["promisc"].as<bool>() && vm["no-promisc"].as<bool>()) throw UsageError{"--promisc and --no-promisc conflict"};
    l.promisc = !vm["no-promisc"].as<bool>();
    l.buffer_mib = vm["buffer-size"].as<int>();
    l.immediate = !vm["no-immediate"].as<bool>();
    l.duration_s = vm["duration"].as<double>();
    l.count = vm["count"].as<std::uint64_t>();
    if (vm.count("write")) l.write_file = vm["write"].as<std::string>();
    if (vm.count("user")) l.user = vm["user"].as<std::string>();
    l.bpf = o.filter;
    return run_pipeline(o, {}, &l);
}

int cmd_interfaces(const std::vector<std::string>& args) {
    for (const auto& a : args) {
        if (a == "--help" || a == "-h") {
            std::cout << "Usage: revoscope interfaces\n\nLists the devices 'revoscope live -i' can capture on, with their "
                         "addresses.\n\n"
                      << kExitCodes;
            return exit_code::ok;
        }
        throw UsageError{"interfaces takes no arguments (got '" + a + "')"};
    }
    std::vector<capture::InterfaceInfo> list;
    std::string err;
    if (!capture::list_interfaces(list, err)) {
        std::cerr << "revoscope: " << err << "\n";
        return exit_code::unreadable;
    }
    for (const auto& i : list) {
        std::cout << i.name;
        std::vector<std::string> flags;
        if (i.up) flags.push_back("up");
        if (i.running) flags.push_back("running");
        if (i.loopback) flags.push_back("loopback");
        if (!flags.empty()) {
            std::cout << " [";
            for (std::size_t k = 0; k < flags.size(); ++k) std::cout << (k ? "," : "") << flags[k];
            std::cout << "]";
        }
        for (const auto& a : i.addresses) std::cout << " " << a;
        if (!i.description.empty()) std::cout << " (" << i.description << ")";
        std::cout << "\n";
    }
    return exit_code::ok;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> full(argv, argv + argc);
    if (argc < 2) {
        std::cerr << kMainHelp;
        return exit_code::usage;
    }
    std::string cmd = argv[1];
    std::vector<std::string> rest(argv + 2, argv + argc);
    try {
        if (cmd == "--help" || cmd == "-h" || cmd == "help") {
            std::cout << kMainHelp << "\n" << kExitCodes;
            return exit_code::ok;
        }
        if (cmd == "version" || cmd == "--version") {
            std::cout << "revoscope " REVO_VERSION "\n";
            return exit_code::ok;
        }
        if (cmd == "analyze" || cmd == "analyse") return cmd_analyze(rest, full, false);
        if (cmd == "summary") return cmd_analyze(rest, full, true);
        if (cmd == "live") return cmd_live(rest, full);
        if (cmd == "interfaces") return cmd_interfaces(rest);
        std::cerr << "revoscope: unknown command '" << cmd << "' (try 'revoscope --help')\n";
        return exit_code::usage;
    } catch (const UsageError& e) {
        std::cerr << "revoscope: " << e.msg << "\n";
        return exit_code::usage;
    } catch (const po::error& e) {
        std::cerr << "revoscope: " << e.what() << " (try 'revoscope " << cmd << " --help')\n";
        return exit_code::usage;
    } catch (const std::exception& e) {
        std::cerr << "revoscope: " << e.what() << "\n";
        return exit_code::unreadable;
    }
}
