// Capture-level runs and summaries: what was read, how many packets and connections, how many bytes
// each side sent, and every decode problem by name.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "capture/engine.h"
#include "cli/cli.h"
#include "common/time.h"

namespace revo::cli {

bool expand_inputs(const std::vector<std::string>& args, std::vector<std::string>& files, std::string& error) {
    for (const auto& a : args) {
        struct stat st {};
        if (a != "-" && ::stat(a.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
            auto found = capture::capture_files_in(a);
            if (found.empty()) {
                error = a + ": directory holds no capture files";
                return false;
            }
            files.insert(files.end(), found.begin(), found.end());
        } else {
            files.push_back(a);
        }
    }
    return true;
}

namespace {

std::string conn_line(const capture::TcpConnection& c) {
    std::string s = fmt::format("#{} {} -> {} {}", c.info.flow_id, c.info.client.to_string(), c.info.server.to_string(),
                                capture::to_string(c.state));
    if (!c.info.roles_from_syn) s += " (mid-stream)";
    s += fmt::format("  client {} B in {} pkts, server {} B in {} pkts", c.payload_bytes[0], c.packets[0],
                     c.payload_bytes[1], c.packets[1]);
    if (c.gap_bytes[0] || c.gap_bytes[1]) s += fmt::format(", missing {}/{} B", c.gap_bytes[0], c.gap_bytes[1]);
    if (c.syns.size() > 1) s += fmt::format(", {} SYNs", c.syns.size());
    if (!c.rsts.empty())
        s += fmt::format(", RST by {} (frame {})", c.rsts.front().from == capture::Side::client ? "client" : "server",
                         c.rsts.front().frame.frame);
    if (!c.icmp.empty()) s += fmt::format(", ICMP {} from {}", c.icmp.front().meaning, c.icmp.front().reporter.to_string());
    if (c.end_reason) s += fmt::format(", ended: {}", capture::to_string(*c.end_reason));
    return s;
}

nlohmann::json conn_json(const capture::TcpConnection& c) {
    nlohmann::json j;
    j["type"] = "tcp_connection";
    j["flow_id"] = c.info.flow_id;
    j["client"] = c.info.client.to_string();
    j["server"] = c.info.server.to_string();
    j["roles_from_syn"] = c.info.roles_from_syn;
    j["state"] = capture::to_string(c.state);
    j["first_frame"] = c.first_frame.frame;
    j["last_frame"] = c.last_frame.frame;
    j["syns"] = c.syns.size();
    j["syn_ack"] = c.syn_ack.has_value();
    if (auto ms = c.connect_ms()) j["connect_ms"] = *ms;
    j["rsts"] = c.rsts.size();
    j["icmp_errors"] = c.icmp.size();
    for (int i = 0; i < 2; ++i) {
        const char* side = i == 0 ? "client" : "server";
        j[side + std::string("_packets")] = c.packets[i];
        j[side + std::string("_payload_bytes")] = c.payload_bytes[i];
        j[side + std::string("_gap_bytes")] = c.gap_bytes[i];
        j[side + std::string("_wire_bytes")] = c.wire_bytes[i];
    }
    if (c.end_reason) j["end_reason"] = capture::to_string(*c.end_reason);
    return j;
}

}  // namespace

void write_capture_summary(std::ostream& out, const capture::CaptureStats& stats,
                           const std::vector<capture::TcpConnection>& conns, bool jsonl,
                           const UnlistedConnections& unlisted) {
    if (jsonl) {
        for (const auto& f : stats.files) {
            nlohmann::json j;
            j["type"] = "input";
            j["name"] = f.name;
            j["format"] = f.format;
            j["size_bytes"] = f.size_bytes;
            j["sha256"] = f.sha256;
            j["link_types"] = f.link_types;
            j["packets"] = f.packets;
            j["bytes"] = f.bytes;
            j["first_frame"] = f.first_frame;
            j["tcp_flows"] = f.tcp_flows;
            j["udp_datagrams"] = f.udp_datagrams;
            if (f.packets) {
                j["first_time"] = format_rfc3339(f.first_ts);
                j["last_time"] = format_rfc3339(f.last_ts);
            }
            if (!f.error.empty()) {
                j["error"] = f.error;
                j["error_offset"] = f.error_offset;
            }
            j["partial"] = f.partial;
            out << j.dump() << '\n';
        }
        for (const auto& c : conns) out << conn_json(c).dump() << '\n';
        nlohmann::json s;
        s["type"] = "capture_summary";
        s["packets"] = stats.packets;
        s["bytes"] = stats.bytes;
        s["tcp_flows"] = stats.tcp_flows;
        s["flows_evicted"] = stats.flows_evicted;
        s["decode_problems"] = nlohmann::json::object();
        for (const auto& [k, v] : stats.anomalies.all()) s["decode_problems"][k] = v;
        if (stats.live) {
            s["live"] = {{"received", stats.live_stats.received},
                         {"dropped", stats.live_stats.dropped},
                         {"if_dropped", stats.live_stats.if_dropped}};
        }
        out << s.dump() << '\n';
        return;
    }
    out << "Capture summary\n";
    for (const auto& f : stats.files) {
        out << fmt::format("  {} ({}{}{}), {} bytes{}\n", f.name, f.format, f.link_types.empty() ? "" : ", ",
                           fmt::join(f.link_types, "/"), f.size_bytes,
                           f.sha256.empty() ? std::string() : ", sha256 " + f.sha256);
        out << fmt::format("    {} packets ({} bytes captured), {} TCP connections, {} UDP datagrams", f.packets,
                           f.bytes, f.tcp_flows, f.udp_datagrams);
        if (f.packets)
            out << fmt::format(", frames {}-{}, {} .. {}", f.first_frame, f.first_frame + f.packets - 1,
                               format_rfc3339(f.first_ts), format_rfc3339(f.last_ts));
        out << '\n';
        if (!f.error.empty())
            out << fmt::format("    {}: {} (at file offset {})\n", f.partial ? "cut short" : "error", f.error,
                               f.error_offset);
    }
    // Bytes per direction, summed per input over the connections it started.
    out << fmt::format("  total: {} packets, {} TCP connections", stats.packets, stats.tcp_flows);
    std::uint64_t cb = unlisted.client_bytes, sb = unlisted.server_bytes, gaps = unlisted.gap_bytes;
    for (const auto& c : conns) {
        cb += c.payload_bytes[0];
        sb += c.payload_bytes[1];
        gaps += c.gap_bytes[0] + c.gap_bytes[1];
    }
    out << fmt::format(", client->server {} B, server->client {} B", cb, sb);
    if (gaps) out << fmt::format(", {} B never captured", gaps);
    if (stats.flows_evicted) out << fmt::format(", {} flows evicted", stats.flows_evicted);
    out << '\n';
    if (stats.live)
        out << fmt::format("  live: {} received, {} dropped by the kernel, {} dropped by the interface\n",
                           stats.live_stats.received, stats.live_stats.dropped, stats.live_stats.if_dropped);
    if (!conns.empty()) {
        out << "TCP connections\n";
        for (const auto& c : conns) out << "  " << conn_line(c) << '\n';
        if (unlisted.count) out << fmt::format("  ... and {} more, not listed\n", unlisted.count);
    }
    if (stats.anomalies.all().empty()) {
        out << "Decode problems: none\n";
    } else {
        out << "Decode problems\n";
        for (const auto& [k, v] : stats.anomalies.all()) out << fmt::format("  {:<40} {}\n", k, v);
    }
}

namespace {

/// Keeps the first kMaxSummaryConnections connections in full; later ones only add to the totals.
struct ConnCollector {
    std::vector<capture::TcpConnection> conns;
    UnlistedConnections unlisted;
    void add(capture::TcpConnection&& c) {
        if (conns.size() < kMaxSummaryConnections) {
            conns.push_back(std::move(c));
            return;
        }
        ++unlisted.count;
        unlisted.client_bytes += c.payload_bytes[0];
        unlisted.server_bytes += c.payload_bytes[1];
        unlisted.gap_bytes += c.gap_bytes[0] + c.gap_bytes[1];
    }
};

int finish_summary(const RunOptions& o, capture::Engine& engine, ConnCollector& collected, bool unreadable) {
    engine.finish();
    auto& conns = collected.conns;
    if (collected.unlisted.count)
        engine.stats().anomalies.add("summary_connections_over_cap", collected.unlisted.count);
    std::sort(conns.begin(), conns.end(),
              [](const auto& a, const auto& b) { return a.info.flow_id < b.info.flow_id; });
    std::ofstream file;
    std::ostream* out = &std::cout;
    if (!o.output.empty()) {
        file.open(o.output, std::ios::binary | std::ios::trunc);
        if (!file) {
            std::cerr << "revoscope: cannot write " << o.output << "\n";
            return exit_code::unreadable;
        }
        out = &file;
    }
    write_capture_summary(*out, engine.stats(), conns, o.format == "jsonl", collected.unlisted);
    for (const auto& f : engine.stats().files)
        if (f.partial) unreadable = true;
    return unreadable ? exit_code::unreadable : exit_code::ok;
}

}  // namespace

int run_summary(const RunOptions& o, const std::vector<std::string>& files) {
    ConnCollector conns;
    capture::EngineHooks hooks;
    hooks.on_connection = [&](capture::TcpConnection&& c) { conns.add(std::move(c)); };
    capture::Engine engine(o.limits, std::move(hooks));
    bool unreadable = false;
    capture::FileReadOptions ro{o.filter, o.progress, true};
    for (const auto& f : files) {
        std::string err;
        auto rc = capture::read_capture_file(f, engine, ro, err);
        if (rc == capture::OpenError::bad_filter) {
            std::cerr << "revoscope: " << err << "\n";
            return exit_code::usage;
        }
        if (rc != capture::OpenError::none) {
            std::cerr << "revoscope: " << err << "\n";
            unreadable = true;
        } else {
            const auto& info = engine.stats().files.back();
            if (info.partial && !o.quiet)
                std::cerr << "revoscope: " << (f == "-" ? "standard input" : f) << ": cut short at offset "
                          << info.error_offset << " (frame " << info.error_frame << "): " << info.error
                          << " (results cover what came before)\n";
        }
    }
    return finish_summary(o, engine, conns, unreadable);
}

int run_summary_live(const RunOptions& o, const capture::LiveOptions& live) {
    ConnCollector conns;
    capture::EngineHooks hooks;
    hooks.on_connection = [&](capture::TcpConnection&& c) { conns.add(std::move(c)); };
    capture::Engine engine(o.limits, std::move(hooks));
    std::string err;
    const bool tty = ::isatty(2) == 1 && !o.quiet;
    auto tick = [&](bool) {
        if (tty)
            std::cerr << fmt::format("\r{} packets, {} TCP connections ", engine.frames(),
                                     engine.flows().flows_created())
                      << std::flush;
    };
    if (!capture::run_live(live, engine, err, tick)) {
        std::cerr << "revoscope: " << err << "\n";
        return exit_code::unreadable;
    }
    if (tty) std::cerr << "\n";
    return finish_summary(o, engine, conns, false);
}

}  // namespace revo::cli
