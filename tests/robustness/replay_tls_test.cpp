// Saved inputs of the tls fuzz target (crashes found, and hand-made hostile cases) replayed as tests.
#include "fuzz_replay.h"

#define LLVMFuzzerTestOneInput revo_replay_tls
#include "../fuzz/fuzz_tls.cpp"
#undef LLVMFuzzerTestOneInput

TEST_CASE("saved tls fuzz inputs run without breaking an invariant", "[fuzz-replay]") {
    revo::robustness::replay_all("tls", [](const std::uint8_t* d, std::size_t n) { revo_replay_tls(d, n); });
}
