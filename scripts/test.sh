#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (as root), builds, and runs the whole test suite with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test
bash scripts/build.sh
cd build
ctest --output-on-failure -j"$(nproc)"
