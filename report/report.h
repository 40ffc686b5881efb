// Reporters: text for people, JSON lines for machines, Markdown and HTML to attach to a ticket.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "analysis/analyzer.h"
#include "capture/capture_stats.h"

namespace revo::report {

enum class Format { text, jsonl, markdown, html };
/// Parses "text", "jsonl", "markdown"/"md", "html"; returns false on an unknown name.
bool parse_format(const std::string& name, Format& out);

struct RunInfo {
    std::string tool_version;
    std::vector<std::string> command_line;   ///< options used, for the report header
    capture::CaptureStats capture;
    bool redact = false;                     ///< --redact: stable pseudonyms for IPs and host names
    bool color = false;                      ///< text on a terminal
};

/// Writes the whole report in the chosen format.
void write_report(Format fmt, std::ostream& out, const analysis::Results& results, const RunInfo& run);

/// Exit status per the documented contract: 0 nothing at warning or above, 1 findings at warning or above.
int exit_status_for(const analysis::Results& results);

}  // namespace revo::report
