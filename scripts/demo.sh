#!/usr/bin/env bash
# The README's demo command: installs what is missing, builds, and runs the demo (examples/waste_memory) instrumented.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
build=${TMTRACE_BUILD_DIR:-build}
exec "$build/bin/tmtrace-demo"
