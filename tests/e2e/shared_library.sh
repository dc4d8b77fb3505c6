#!/usr/bin/env bash
# shared_library.sh "<flags>" — an instrumented shared library and an instrumented executable that uses it,
# both built with tmtrace-clang -fsanitize=tmtrace and the flags; the traceback spans both.
source "$(dirname "$0")/lib.sh"
read -r -a flags <<< "$1"
"$TMTRACE_CC" -fsanitize=tmtrace "${flags[@]}" -fPIC -shared "$PROGRAMS/shared_lib.c" -o "$WORK/libshared_e2e.so"
"$TMTRACE_CC" -fsanitize=tmtrace "${flags[@]}" "$PROGRAMS/shared_main.c" -o "$WORK/shared_main" \
  -L"$WORK" -lshared_e2e -Wl,-rpath,"$WORK"
export TMTRACE_OPTIONS=frames=25
expect_output "$EXPECTED/shared_library.txt" "$WORK/shared_main"
