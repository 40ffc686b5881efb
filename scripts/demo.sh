#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (as root), builds, and analyses the bundled sample captures.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh >/dev/null
./build/revoscope analyze samples/ "$@"
