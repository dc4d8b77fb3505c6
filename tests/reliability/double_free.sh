#!/usr/bin/env bash
# double_free.sh — double_free.c built plainly and with tmtrace: both die of SIGABRT with glibc's own message.
source "$TMTRACE_SOURCE/tests/e2e/lib.sh"
clang-19 -O0 "$PROGRAMS/double_free.c" -o "$WORK/plain"
"$TMTRACE_CC" -fsanitize=tmtrace -O0 "$PROGRAMS/double_free.c" -o "$WORK/traced"
run() { # prints "<exit status>: <stderr>" of the program
  local status=0
  "$1" > "$WORK/out" 2> "$WORK/err" || status=$?
  printf '%s: %s|%s\n' "$status" "$(cat "$WORK/err")" "$(cat "$WORK/out")"
}
plain=$(run "$WORK/plain")
traced=$(TMTRACE_OPTIONS=report_at_exit=5 run "$WORK/traced")
echo "plain:  $plain"
echo "traced: $traced"
[ "$plain" = "134: free(): double free detected in tcache 2|" ] || { echo "unexpected plain behaviour" >&2; exit 1; }
[ "$traced" = "$plain" ] || { echo "tmtrace changed glibc's double-free behaviour" >&2; exit 1; }
