#!/usr/bin/env bash
# Sanitizer run for CI: the whole test suite built with AddressSanitizer and UndefinedBehaviorSanitizer,
# then every fuzz target (clang, libFuzzer) for a short fixed time over its seed corpus.
#
#   scripts/test-sanitize.sh            # FUZZ_SECONDS (default 30) per target
#   FUZZ_SECONDS=0 scripts/test-sanitize.sh   # sanitizer test suite only
#   FUZZ_SEED=N                               # libFuzzer random seed (default 1: the same run everywhere)
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
jobs=${JOBS:-$(nproc)}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

cmake -S "$src" -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREVO_SANITIZE=ON
cmake --build build-asan -j"$jobs"
ctest --test-dir build-asan --output-on-failure -j"$jobs"

secs=${FUZZ_SECONDS:-30}
if [ "$secs" != 0 ]; then
    command -v clang++ >/dev/null || { echo "test-sanitize: clang++ is needed for the fuzz targets" >&2; exit 1; }
    CC=clang CXX=clang++ cmake -S "$src" -B build-fuzz -DREVO_FUZZ=ON -DREVO_BUILD_TESTS=OFF \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo
    cmake --build build-fuzz -j"$jobs" --target fuzz_all
    work=$(mktemp -d /tmp/revo-fuzz-ci.XXXXXX)
    trap 'rm -rf "$work"' EXIT
    bash tests/fuzz/run.sh -t "$secs" -r "${FUZZ_SEED:-1}" -b build-fuzz -w "$work"
fi
