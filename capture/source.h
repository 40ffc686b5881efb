// Packet sources: capture files (pcap in either byte order with micro- or nanosecond stamps, pcapng,
// gzip-compressed either, stdin) read through libpcap, and live interfaces.
#pragma once

#include <csignal>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "capture/engine.h"

namespace revo::capture {

struct FileReadOptions {
    std::string bpf;            ///< applied to files too (empty: none)
    bool progress = false;      ///< progress line on stderr
    bool resync = false;        ///< classic pcap: after a damaged record, resume at the next plausible one
};

/// Why a file could not be read at all (it then contributed nothing).
enum class OpenError { none, missing, unreadable, not_capture, unknown_link_type, bad_filter, other };

/// Reads one capture file ("-" for stdin) through `engine`. The input's InputFileInfo is filled (size,
/// SHA-256, format, link types, packets, error/offset/partial when the file is damaged). Returns
/// OpenError::none when the file could be opened (even if it was cut short); otherwise `error` holds one
/// line naming the file and the problem.
OpenError read_capture_file(const std::string& path, Engine& engine, const FileReadOptions& opts, std::string& error);

/// Lists the capture files in a directory (sorted by name): *.pcap, *.pcapng, *.cap, *.dmp and their
/// .gz forms, plus any regular file starting with a pcap/pcapng/gzip magic number.
std::vector<std::string> capture_files_in(const std::string& dir);

struct LiveOptions {
    std::string interface;
    int snaplen = 262144;
    bool promisc = true;
    int buffer_mib = 0;         ///< 0: libpcap's default
    bool immediate = true;
    std::string bpf;
    std::string write_file;     ///< keep the raw packets (pcap) here
    double duration_s = 0;      ///< 0: until stopped
    std::uint64_t count = 0;    ///< 0: no limit
    std::string user;           ///< drop root to this user once the interface is open ("" = "nobody")
};

/// Set by SIGINT/SIGTERM during run_live (and by tests).
extern volatile std::sig_atomic_t g_stop_requested;

/// Captures from a live interface until stopped, the duration passes or `count` packets were seen.
/// `tick` is called about every 250 ms (for progress lines and live findings) with `backlog` true when
/// packets kept arriving since the last call without the kernel buffer ever running empty (work done
/// in the tick then delays reading and risks drops). Returns false with a one-line `error` when the
/// capture could not start.
bool run_live(const LiveOptions& opts, Engine& engine, std::string& error,
              const std::function<void(bool backlog)>& tick);

struct InterfaceInfo {
    std::string name;
    std::string description;
    std::vector<std::string> addresses;
    bool up = false, running = false, loopback = false;
};
/// The capture devices libpcap knows. Returns false with `error` on failure.
bool list_interfaces(std::vector<InterfaceInfo>& out, std::string& error);

/// Drops root privileges to `user` (setgroups, setgid, setuid). Returns false with `error`.
bool drop_privileges(const std::string& user, std::string& error);

}  // namespace revo::capture
