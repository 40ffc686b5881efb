// Saved inputs of the pipeline fuzz target (crashes found, and hand-made hostile cases) replayed as tests.
#include "fuzz_replay.h"

#define LLVMFuzzerTestOneInput revo_replay_pipeline
#include "../fuzz/fuzz_pipeline.cpp"
#undef LLVMFuzzerTestOneInput

TEST_CASE("saved pipeline fuzz inputs run without breaking an invariant", "[fuzz-replay]") {
    revo::robustness::replay_all("pipeline", [](const std::uint8_t* d, std::size_t n) { revo_replay_pipeline(d, n); });
}
