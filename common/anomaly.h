// Named counters for everything the tool skips, clamps or cannot decode.
//
// Ids are stable lower_snake_case strings (e.g. "ipv4_bad_header_length", "tls_record_oversized");
// they appear verbatim in the JSON summary and the text report. Nothing is dropped without a count.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace revo {

class Anomalies {
public:
    void add(std::string_view id, std::uint64_t n = 1) {
        auto it = counts_.find(id);
        if (it == counts_.end()) counts_.emplace(std::string(id), n);
        else it->second += n;
    }
    std::uint64_t get(std::string_view id) const {
        auto it = counts_.find(id);
        return it == counts_.end() ? 0 : it->second;
    }
    const std::map<std::string, std::uint64_t, std::less<>>& all() const { return counts_; }
    void merge(const Anomalies& o) {
        for (auto& [k, v] : o.counts_) add(k, v);
    }

private:
    std::map<std::string, std::uint64_t, std::less<>> counts_;
};

}  // namespace revo
