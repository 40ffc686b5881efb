// Reference to the captured frame that carried a fact, so every finding can cite it.
#pragma once

#include <cstdint>

#include "common/time.h"

namespace revo {

/// Frame numbers are 1-based and count across all input files of a run, as in Wireshark for one file.
struct FrameRef {
    std::uint64_t frame = 0;  ///< 0 means "no frame"
    Timestamp ts{};
    bool valid() const { return frame != 0; }
};

}  // namespace revo
