#!/usr/bin/env bash
# options.sh [gtest-program] — hostile TMTRACE_OPTIONS (overflows, signs, junk, empty, huge, repeated, non-ASCII)
# and unwritable log_path / snapshot_at_exit / snapshot_dir: the program always runs to completion with the
# documented fallback and a warning that names the problem; the whole output is compared exactly.
source "$TMTRACE_SOURCE/tests/e2e/lib.sh"
"$TMTRACE_CC" -fsanitize=tmtrace -O1 "$PROGRAMS/options_program.c" -o "$WORK/options_program"
pid_pattern='[0-9][0-9]*'
long=$(printf 'x%.0s' $(seq 5000))
cases=(
  "frames=99999999999999999999999"
  "frames=-5"
  "frames=5x"
  "frames="
  "=5"
  ":::,,,"
  "frames=3:frames=4"
  "FRAMES=2"
  " frames=2"
  $'fr\xffames=2'
  "max_memory=-1"
  "frames=2:log_path=$long"
  "$long=1:frames=6"
  "start=1:frames=8:$(printf 'verbosity=0:%.0s' $(seq 10000))" # 120 KB, near the kernel's limit per string
  "verbosity=1:log_path=/dev/null/not-a-directory/log"
  "snapshot_at_exit=/dev/null/not-a-directory/exit.tmsnap"
)
{
  for options in "${cases[@]}"; do
    printf '== TMTRACE_OPTIONS=%.60s (%d bytes)\n' "$options" "${#options}"
    status=0
    TMTRACE_OPTIONS="$options" "$WORK/options_program" > "$WORK/run" 2>&1 || status=$?
    cut -c1-300 "$WORK/run" | sed "s/\(not-a-directory\/log\)\.$pid_pattern'/\1.<pid>'/"
    echo "exit status $status"
  done
  if [ $# -ge 1 ]; then # the GoogleTest listener writing per-test snapshots where it cannot
    echo "== gtest listener with snapshot_dir=/dev/null/not-a-directory"
    status=0
    TMTRACE_OPTIONS=snapshot_dir=/dev/null/not-a-directory "$1" --gtest_filter='CleanPatterns.Singleton' \
      > "$WORK/run" 2>&1 || status=$?
    grep -E 'tmtrace|PASSED|FAILED' "$WORK/run" | sed 's/ ([0-9]* ms.*)//'
    echo "exit status $status"
  fi
} > "$WORK/all_runs"
expect_output "$EXPECTED/options.txt" cat "$WORK/all_runs"
