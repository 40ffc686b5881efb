// Saved inputs of the ocsp fuzz target (crashes found, and hand-made hostile cases) replayed as tests.
#include "fuzz_replay.h"

#define LLVMFuzzerTestOneInput revo_replay_ocsp
#include "../fuzz/fuzz_ocsp.cpp"
#undef LLVMFuzzerTestOneInput

TEST_CASE("saved ocsp fuzz inputs run without breaking an invariant", "[fuzz-replay]") {
    revo::robustness::replay_all("ocsp", [](const std::uint8_t* d, std::size_t n) { revo_replay_ocsp(d, n); });
}
