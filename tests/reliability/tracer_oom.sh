#!/usr/bin/env bash
# tracer_oom.sh — tracer_oom.c with max_memory=262144: the program checks its allocations and
# counters itself; here, the runtime's one warning when it runs out and its count of untraced blocks at exit
# must equal the number of the program's blocks that went untraced.
source "$TMTRACE_SOURCE/tests/e2e/lib.sh"
"$TMTRACE_CC" -fsanitize=tmtrace -O2 "$PROGRAMS/tracer_oom.c" -o "$WORK/tracer_oom"
TMTRACE_OPTIONS=max_memory=262144 "$WORK/tracer_oom" > "$WORK/out" 2> "$WORK/err" || {
  cat "$WORK/out" "$WORK/err" >&2; echo "tracer_oom failed" >&2; exit 1; }
cat "$WORK/out" "$WORK/err"
untraced=$(sed -n 's/^untraced blocks: \([0-9]*\)$/\1/p' "$WORK/out")
reported=$(sed -n 's/^tmtrace: warning: \([0-9]*\) blocks were not traced: the tracer ran out of memory (max_memory)$/\1/p' "$WORK/err")
warnings=$(grep -c '^tmtrace: warning: out of tracer memory (.* max_memory reached): some blocks are not traced' "$WORK/err")
[ -n "$untraced" ] && [ "$untraced" = "$reported" ] || {
  echo "the program left $untraced blocks untraced, the exit report says '$reported'" >&2; exit 1; }
[ "$warnings" = 1 ] || { echo "expected one out-of-memory warning, got $warnings" >&2; exit 1; }
[ "$(wc -l < "$WORK/err")" = 2 ] || { echo "unexpected messages on stderr" >&2; exit 1; }
