#!/usr/bin/env bash
# demo.sh — the demo (bin/tmtrace-demo, examples/waste_memory) run as scripts/demo.sh runs it: the biggest
# traceback main -> run -> get_data -> my_object_new -> malloc, and the exit report's Top 10 lines.
source "$(dirname "$0")/lib.sh"
: "${TMTRACE_SOURCE:?set by tests/e2e/CMakeLists.txt}"
export TMTRACE_OPTIONS=frames=25:report_at_exit=10
expect_output "$EXPECTED/demo.txt" "$TMTRACE_BUILD/bin/tmtrace-demo"
