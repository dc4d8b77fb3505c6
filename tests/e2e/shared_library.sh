#!/usr/bin/env bash
# shared_library.sh <expected> "<flags>" <library source> <main source> — an instrumented shared library and an
# instrumented executable that uses it (sources from tests/e2e/programs; C, or C++ for a .cpp main), both built
# with tmtrace-clang(++) -fsanitize=tmtrace and the flags (@PROGRAMS@ names that directory); the tracebacks span
# both, compared exactly.
source "$(dirname "$0")/lib.sh"
expected=$EXPECTED/$1
read -r -a flags <<< "$2"
flags=("${flags[@]//@PROGRAMS@/$PROGRAMS}")
main_compiler=$TMTRACE_CC
[[ "$4" == *.cpp ]] && main_compiler=$TMTRACE_CXX
"$TMTRACE_CC" -fsanitize=tmtrace "${flags[@]}" -fPIC -shared "$PROGRAMS/$3" -o "$WORK/libe2e.so"
"$main_compiler" -fsanitize=tmtrace "${flags[@]}" "$PROGRAMS/$4" -o "$WORK/main" -L"$WORK" -le2e -Wl,-rpath,"$WORK"
export TMTRACE_OPTIONS=frames=25
expect_output "$expected" "$WORK/main"
