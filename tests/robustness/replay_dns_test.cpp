// Saved inputs of the dns fuzz target (crashes found, and hand-made hostile cases) replayed as tests.
#include "fuzz_replay.h"

#define LLVMFuzzerTestOneInput revo_replay_dns
#include "../fuzz/fuzz_dns.cpp"
#undef LLVMFuzzerTestOneInput

TEST_CASE("saved dns fuzz inputs run without breaking an invariant", "[fuzz-replay]") {
    revo::robustness::replay_all("dns", [](const std::uint8_t* d, std::size_t n) { revo_replay_dns(d, n); });
}
