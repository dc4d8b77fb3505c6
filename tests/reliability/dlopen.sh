#!/usr/bin/env bash
# dlopen.sh "<flags>" — an instrumented library loaded and unloaded 20 times by an instrumented program: after
# dlclose, its blocks' tracebacks, the snapshot's statistics and tmtrace-diff on the dumped snapshot still name
# the library's file:line exactly.
source "$TMTRACE_SOURCE/tests/e2e/lib.sh"
read -r -a flags <<< "$1"
"$TMTRACE_CC" -fsanitize=tmtrace "${flags[@]}" -fPIC -shared "$PROGRAMS/dl_lib.c" -o "$WORK/libdl_lib.so"
"$TMTRACE_CC" -fsanitize=tmtrace "${flags[@]}" "$PROGRAMS/dl_main.c" -o "$WORK/dl_main"
export TMTRACE_OPTIONS=frames=3
expect_output "$EXPECTED/dlopen.txt" "$WORK/dl_main" "$WORK/libdl_lib.so" "$WORK/after_dlclose.tmsnap"
expect_output "$EXPECTED/dlopen_diff.txt" "$TMTRACE_BUILD/bin/tmtrace-diff" --key traceback --limit 3 \
  --include '*dl_lib.c' "$WORK/after_dlclose.tmsnap"
