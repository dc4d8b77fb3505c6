#!/usr/bin/env bash
# control_flow.sh <tag> "<flags>" — control_flow.cpp built with the pass, linked with uninstrumented.cpp built without
# it (plain clang++), run with frames=4 and the exit report (top 4); the output is compared exactly with
# expected/control_flow.<tag>.txt (levels differ where -O0 recursion wraps the shadow ring over main's entry).
source "$TMTRACE_SOURCE/tests/e2e/lib.sh"
read -r -a flags <<< "$2"
clang++-19 "${flags[@]}" -c "$PROGRAMS/uninstrumented.cpp" -o "$WORK/uninstrumented.o"
"$TMTRACE_CXX" -fsanitize=tmtrace "${flags[@]}" "$PROGRAMS/control_flow.cpp" "$WORK/uninstrumented.o" \
  -o "$WORK/control_flow"
TMTRACE_OPTIONS=frames=4:report_at_exit=4 expect_output "$EXPECTED/control_flow.$1.txt" "$WORK/control_flow"
