#!/usr/bin/env bash
# config_file.sh — plain clang-19 with --config=<build>/lib/tmtrace.cfg (no wrapper) compiles and links
# programs/chain.c in two steps (-c, then link) and gives chain.c's exact expected output. A clang of another
# major given the same config file (clang-14, where installed) stops with the plugin's one-line error.
source "$(dirname "$0")/lib.sh"
config="$TMTRACE_BUILD/lib/tmtrace.cfg"
clang-19 --config="$config" -O2 -c "$PROGRAMS/chain.c" -o "$WORK/chain.o"
clang-19 --config="$config" "$WORK/chain.o" -o "$WORK/chain"
export TMTRACE_OPTIONS=frames=25:report_at_exit=20
expect_output "$EXPECTED/chain.txt" "$WORK/chain"
if command -v clang-14 > /dev/null; then
  status=0
  clang-14 --config "$config" -O2 -c "$PROGRAMS/chain.c" -o "$WORK/old.o" > "$WORK/old.log" 2>&1 || status=$?
  expected="error: tmtrace: $TMTRACE_BUILD/lib/libtmtrace_pass.so is built for clang 19 and cannot run in this"
  expected+=" older clang; use clang-19"
  if [ "$status" != 1 ] || [ "$(cat "$WORK/old.log")" != "$expected" ]; then
    echo "e2e: clang-14 with the config file exited $status (expected 1) with:" >&2
    cat "$WORK/old.log" >&2
    echo "expected: $expected" >&2
    exit 1
  fi
else
  echo "config_file: clang-14 is not installed; the other-major check was not run" >&2
fi
