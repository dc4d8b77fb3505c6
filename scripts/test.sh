#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs the whole suite through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
cd "${TMTRACE_BUILD_DIR:-build}"
ctest --output-on-failure -j"$(nproc)" --timeout 600
