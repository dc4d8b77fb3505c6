#!/usr/bin/env bash
# The README's demo command: installs what is missing, builds, and runs the demo (examples/waste_memory)
# instrumented, with 25-frame tracebacks and the top 10 lines at exit unless TMTRACE_OPTIONS is already set,
# and writes the HTML report of its exit snapshot (report.html in the build directory).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
build=${TMTRACE_BUILD_DIR:-build}
export TMTRACE_OPTIONS="${TMTRACE_OPTIONS-frames=25:report_at_exit=10}:snapshot_at_exit=$build/demo.tmsnap"
"$build/bin/tmtrace-demo"
"$build/bin/tmtrace-diff" --format html -o "$build/report.html" "$build/demo.tmsnap" && echo "HTML report: $build/report.html"
