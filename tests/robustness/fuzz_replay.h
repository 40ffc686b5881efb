// Replays saved fuzz inputs (tests/robustness/data/<target>/*) through a fuzz target's entry point,
// compiled into the test binary with its invariant checks throwing instead of crashing.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "measured_run.h"
#include "tests/test_support.h"

namespace revo::robustness {

struct FuzzInvariantBroken : std::runtime_error {
    FuzzInvariantBroken() : std::runtime_error("fuzz target invariant broken") {}
};

/// Files under tests/robustness/data/<target>, sorted; plus those in $REVO_FUZZ_REPLAY_DIR/<target>
/// when that variable is set (e.g. a seed corpus or a fuzzer's findings).
inline std::vector<std::string> replay_inputs(const std::string& target) {
    std::vector<std::string> files;
    std::vector<std::string> dirs{test::source_path("tests/robustness/data/" + target)};
    if (const char* extra = std::getenv("REVO_FUZZ_REPLAY_DIR")) dirs.push_back(std::string(extra) + "/" + target);
    for (const auto& d : dirs) {
        std::error_code ec;
        for (auto it = std::filesystem::directory_iterator(d, ec); !ec && it != std::filesystem::directory_iterator();
             it.increment(ec))
            if (it->is_regular_file()) files.push_back(it->path().string());
    }
    std::sort(files.begin(), files.end());
    return files;
}

template <typename Fn>
void replay_all(const std::string& target, Fn&& one) {
    for (const auto& f : replay_inputs(target)) {
        const std::string bytes = slurp(f);
        INFO(target << " input " << f << " (" << bytes.size() << " bytes)");
        CHECK_NOTHROW(one(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
    }
}

}  // namespace revo::robustness

#define REVO_FUZZ_FAIL() throw ::revo::robustness::FuzzInvariantBroken()
