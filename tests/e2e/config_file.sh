#!/usr/bin/env bash
# config_file.sh — plain clang-19 with --config=<build>/lib/tmtrace.cfg (no wrapper) compiles and links
# programs/chain.c in two steps (-c, then link) and gives chain.c's exact expected output.
source "$(dirname "$0")/lib.sh"
config="$TMTRACE_BUILD/lib/tmtrace.cfg"
clang-19 --config="$config" -O2 -c "$PROGRAMS/chain.c" -o "$WORK/chain.o"
clang-19 --config="$config" "$WORK/chain.o" -o "$WORK/chain"
export TMTRACE_OPTIONS=frames=25:report_at_exit=20
expect_output "$EXPECTED/chain.txt" "$WORK/chain"
