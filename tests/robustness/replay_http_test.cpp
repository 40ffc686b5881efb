// Saved inputs of the http fuzz target (crashes found, and hand-made hostile cases) replayed as tests.
#include "fuzz_replay.h"

#define LLVMFuzzerTestOneInput revo_replay_http
#include "../fuzz/fuzz_http.cpp"
#undef LLVMFuzzerTestOneInput

TEST_CASE("saved http fuzz inputs run without breaking an invariant", "[fuzz-replay]") {
    revo::robustness::replay_all("http", [](const std::uint8_t* d, std::size_t n) { revo_replay_http(d, n); });
}
