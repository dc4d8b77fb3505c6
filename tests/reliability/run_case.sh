#!/usr/bin/env bash
# run_case.sh <expected> <c|c++> "<compile flags>" <sources...> [-- <program arguments...>] — builds the sources
# (from tests/reliability/programs) with tmtrace-clang(++) -fsanitize=tmtrace and the flags, runs the program
# with TMTRACE_OPTIONS (frames=25 unless the environment sets it) and compares its whole output exactly.
# TMTRACE_RUNTIME_DIR, when set, runs it against another build of libtmtrace.so (the sanitizer variants).
# The e2e suite's lib.sh supplies the scratch directory and the exact comparison.
source "$TMTRACE_SOURCE/tests/e2e/lib.sh"
expected=$EXPECTED/$1
compiler=$TMTRACE_CC
[ "$2" = "c++" ] && compiler=$TMTRACE_CXX
read -r -a flags <<< "$3"
shift 3
sources=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do sources+=("$PROGRAMS/$1"); shift; done
[ $# -gt 0 ] && shift
"$compiler" -fsanitize=tmtrace "${flags[@]}" "${sources[@]}" -o "$WORK/program" -lpthread
export TMTRACE_OPTIONS="${TMTRACE_OPTIONS-frames=25}"
[ -n "${TMTRACE_RUNTIME_DIR:-}" ] && export LD_LIBRARY_PATH="$TMTRACE_RUNTIME_DIR"
expect_output "$expected" "$WORK/program" "$@"
