#!/usr/bin/env bash
# The README's demo command: installs what is missing, builds, and runs the demo (examples/waste_memory)
# instrumented, with 25-frame tracebacks and the top 10 lines at exit unless TMTRACE_OPTIONS is already set.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
build=${TMTRACE_BUILD_DIR:-build}
export TMTRACE_OPTIONS="${TMTRACE_OPTIONS-frames=25:report_at_exit=10}"
exec "$build/bin/tmtrace-demo"
