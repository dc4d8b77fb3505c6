#!/usr/bin/env bash
# run_program.sh <expected> <c|c++> "<compile flags>" <program sources...> — builds the sources (from
# tests/e2e/programs) with tmtrace-clang(++) -fsanitize=tmtrace and the flags (@PROGRAMS@ names that
# directory), runs the program with TMTRACE_OPTIONS=frames=25:report_at_exit=20 (unless the environment sets
# it) and compares its output exactly.
source "$(dirname "$0")/lib.sh"
expected=$EXPECTED/$1
compiler=$TMTRACE_CC
[ "$2" = "c++" ] && compiler=$TMTRACE_CXX
read -r -a flags <<< "$3"
flags=("${flags[@]//@PROGRAMS@/$PROGRAMS}")
shift 3
sources=()
for s in "$@"; do sources+=("$PROGRAMS/$s"); done
"$compiler" -fsanitize=tmtrace "${flags[@]}" "${sources[@]}" -o "$WORK/program" -lpthread
export TMTRACE_OPTIONS="${TMTRACE_OPTIONS-frames=25:report_at_exit=20}"
expect_output "$expected" "$WORK/program"
