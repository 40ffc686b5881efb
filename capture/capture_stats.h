// What was read: per input file metadata and decode counters, for summaries and report headers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/anomaly.h"
#include "common/time.h"

namespace revo::capture {

struct InputFileInfo {
    std::string name;              ///< as given on the command line ("-" for stdin, or the interface name)
    std::uint64_t size_bytes = 0;
    std::string sha256;            ///< of the file as read (empty for stdin/live)
    std::string format;            ///< "pcap", "pcap-ns", "pcapng", "live", "pcap.gz", ...
    std::vector<std::string> link_types;  ///< e.g. "EN10MB", "LINUX_SLL2"
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;       ///< captured bytes
    std::uint64_t first_frame = 0; ///< run-wide number of its first frame
    Timestamp first_ts{};
    Timestamp last_ts{};
    std::uint64_t tcp_flows = 0;
    std::uint64_t udp_datagrams = 0;
    std::string error;             ///< non-empty when the file could not be read, or was cut short
    std::uint64_t error_offset = 0;///< file offset where reading stopped, when known
    std::uint64_t error_frame = 0; ///< run-wide number of the frame that could not be read (0: none)
    bool partial = false;          ///< results cover only part of the file
};

struct LiveStats {
    std::uint64_t received = 0;    ///< pcap_stats ps_recv
    std::uint64_t dropped = 0;     ///< ps_drop: dropped by the kernel buffer
    std::uint64_t if_dropped = 0;  ///< ps_ifdrop
};

struct CaptureStats {
    std::vector<InputFileInfo> files;
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
    std::uint64_t tcp_flows = 0;
    std::uint64_t flows_evicted = 0;
    Timestamp first_ts{};
    Timestamp last_ts{};
    Anomalies anomalies;           ///< decode problems, caps hit, skipped input: id -> count
    bool live = false;
    LiveStats live_stats;
};

}  // namespace revo::capture
