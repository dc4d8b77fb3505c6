#!/usr/bin/env bash
# wrapper_debug_info.sh — the debug info in the object files tmtrace-clang -fsanitize=tmtrace writes, for each
# debug-info choice the wrapper supports: none (the wrapper's -gline-directives-only, removed by the pass once
# the site records exist: no .debug_* section at all), -g0, -g, -gline-tables-only (kept whole), and the user's
# own -gline-directives-only (kept); at -O0 and -O2 the program's exit report still names the exact lines
# (no debug info with -g0: "?":0).
set -euo pipefail
: "${TMTRACE_BUILD:?set by tests/pass/CMakeLists.txt}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/leak.c" <<'C'
#include <stdlib.h>
static char *make(int n) {
  return malloc(n);
}
int main(void) {
  static char *kept;
  kept = make(10);
  return kept == 0;
}
C
run() {
  local level=$1 debug=$2
  echo "$level ${debug:-(no -g)}:"
  # shellcheck disable=SC2086 # $debug is zero or one option
  "$TMTRACE_BUILD/bin/tmtrace-clang" -fsanitize=tmtrace "$level" $debug -c "$work/leak.c" -o "$work/leak.o"
  local sections
  sections=$(readelf -SW "$work/leak.o" | grep -o '\.debug_[a-z_]*' | sort -u | paste -sd ' ' || true)
  echo "  debug sections: ${sections:-none}"
  "$TMTRACE_BUILD/bin/tmtrace-clang" -fsanitize=tmtrace "$work/leak.o" -o "$work/leak"
  TMTRACE_OPTIONS=report_at_exit=1 "$work/leak" 2>&1 | sed -e "s|$work|\$WORK|" -e 's/^/  /'
}
{
  for level in -O0 -O2; do
    for debug in "" -g0 -g -gline-tables-only -gline-directives-only; do
      run "$level" "$debug"
    done
  done
} > "$work/output"
cat > "$work/expected" <<'EXPECTED'
-O0 (no -g):
  debug sections: none
  [ Top 1 ]
  $WORK/leak.c:3: size=10 B, count=1, average=10 B
-O0 -g0:
  debug sections: none
  [ Top 1 ]
  ?:0: size=10 B, count=1, average=10 B
-O0 -g:
  debug sections: .debug_abbrev .debug_addr .debug_info .debug_line .debug_line_str .debug_str .debug_str_offsets
  [ Top 1 ]
  $WORK/leak.c:3: size=10 B, count=1, average=10 B
-O0 -gline-tables-only:
  debug sections: .debug_abbrev .debug_addr .debug_info .debug_line .debug_line_str .debug_str .debug_str_offsets
  [ Top 1 ]
  $WORK/leak.c:3: size=10 B, count=1, average=10 B
-O0 -gline-directives-only:
  debug sections: .debug_line .debug_line_str
  [ Top 1 ]
  $WORK/leak.c:3: size=10 B, count=1, average=10 B
-O2 (no -g):
  debug sections: none
  [ Top 1 ]
  $WORK/leak.c:3: size=10 B, count=1, average=10 B
-O2 -g0:
  debug sections: none
  [ Top 1 ]
  ?:0: size=10 B, count=1, average=10 B
-O2 -g:
  debug sections: .debug_abbrev .debug_addr .debug_info .debug_line .debug_line_str .debug_str .debug_str_offsets
  [ Top 1 ]
  $WORK/leak.c:3: size=10 B, count=1, average=10 B
-O2 -gline-tables-only:
  debug sections: .debug_abbrev .debug_addr .debug_info .debug_line .debug_line_str .debug_str .debug_str_offsets
  [ Top 1 ]
  $WORK/leak.c:3: size=10 B, count=1, average=10 B
-O2 -gline-directives-only:
  debug sections: .debug_line .debug_line_str
  [ Top 1 ]
  $WORK/leak.c:3: size=10 B, count=1, average=10 B
EXPECTED
diff -u "$work/expected" "$work/output"
