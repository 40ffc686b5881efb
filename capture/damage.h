// Recovery from damaged classic pcap files: after a record that cannot be read (a corrupted header, a
// length past the end), find the next plausible record and go on reading from there.
//
// Classic pcap has no sync marker, so a record boundary is recognised by its header: a timestamp near
// the last good one, a sub-second field in range, 0 < caplen <= snapshot length, caplen <= wire length,
// and the header that follows it (or the end of the file) being plausible too. pcapng and compressed
// input are not resynchronised (libpcap owns their framing).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "capture/engine.h"
#include "common/bytes.h"

namespace revo::capture {

/// Layout of a classic pcap file, from its 24-byte header.
struct PcapLayout {
    bool big_endian = false;
    bool nanoseconds = false;
    std::uint32_t snaplen = 262144;
    int linktype = 1;
};
/// Parses the global header; nullopt when `header` is not a classic pcap header.
std::optional<PcapLayout> parse_pcap_header(ByteView header);

/// Offset (relative to `window`) of the first position at or after `from` where a record header is
/// plausible for `layout` and is followed by another plausible header or ends exactly at the end of the
/// window when `window_is_file_end`. `last_ts_s` is the last good record's seconds (0 = unknown).
std::optional<std::size_t> find_pcap_record(ByteView window, std::size_t from, const PcapLayout& layout,
                                            std::uint32_t last_ts_s, bool window_is_file_end);

struct ResyncResult {
    std::uint64_t resumed = 0;        ///< times reading resumed after damage
    std::uint64_t skipped_bytes = 0;  ///< bytes passed over while looking for a record
    std::uint64_t packets = 0;        ///< packets read after the first damage
    std::uint64_t first_resume_offset = 0;
};

/// Continues reading the classic pcap file `path` after damage at `damage_offset` (the offset of the
/// record that could not be read), feeding every recovered packet to `engine` for the current input.
/// Counts "capture_resynchronised" and "capture_bytes_skipped" in the engine's anomalies and appends
/// where reading resumed to `info.error`. Does nothing for files that are not classic pcap.
ResyncResult resume_pcap_after_damage(const std::string& path, std::uint64_t damage_offset, Engine& engine,
                                      InputFileInfo& info);

/// One line for people: "cut short at file offset N (frame F, after P packets): <error>".
std::string describe_damage(const InputFileInfo& info);

}  // namespace revo::capture
