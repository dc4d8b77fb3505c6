#!/usr/bin/env bash
# leak_diff.sh BUILD_DIR — end to end through the tracer: builds programs/leak_between_snapshots.c with
# tmtrace-clang -fsanitize=tmtrace, runs it (two snapshots around a leaking call, plus snapshot_at_exit), and
# checks tmtrace-diff's exact output: the leaking line first with its exact size_diff and count_diff, the
# traceback with source lines under --key traceback, and the exit snapshot.
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
src=$here/programs/leak_between_snapshots.c
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/bin/tmtrace-clang" -fsanitize=tmtrace -O1 "$src" -o "$work/program"
TMTRACE_OPTIONS="frames=3:snapshot_at_exit=$work/exit.tmsnap" "$work/program" "$work/before.tmsnap" "$work/after.tmsnap"
diff=$build/bin/tmtrace-diff
failed=0
check() { # check <expected-text> <tmtrace-diff args...>
  local expected=$1
  shift
  local actual
  actual=$("$diff" "$@")
  if [ "$actual" != "$expected" ]; then
    printf 'leak_diff: tmtrace-diff %s\n--- expected\n%s\n--- actual\n%s\n' "$*" "$expected" "$actual" >&2
    failed=1
  fi
}
check "[ Top 1 differences ]
$src:14: size=240 B (+240 B), count=3 (+3), average=80 B" --limit 1 "$work/before.tmsnap" "$work/after.tmsnap"
check "[ Top 1 differences ]
$src:38: size=240 B (+240 B), count=3 (+3), average=80 B
  File \"$src\", line 38
    leak();
  File \"$src\", line 14
    kept[i] = malloc(80);" --limit 1 --key traceback "$work/before.tmsnap" "$work/after.tmsnap"
check "[ Top 10 ]
$src:14: size=240 B, count=3, average=80 B" --include "$src" "$work/exit.tmsnap"
exit $failed
