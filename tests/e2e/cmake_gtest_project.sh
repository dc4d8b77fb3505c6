#!/usr/bin/env bash
# cmake_gtest_project.sh — a GoogleTest binary built through find_package(tmtrace) + tmtrace::gtest: exactly the
# leaking test fails, and its report names the allocation line and the test's line.
source "$(dirname "$0")/lib.sh"
cmake -S "$E2E_SRC/cmake_gtest_project" -B "$WORK/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER=clang++-19 -Dtmtrace_DIR="$TMTRACE_BUILD/lib/cmake/tmtrace" > "$WORK/configure.log" 2>&1 ||
  { cat "$WORK/configure.log" >&2; exit 1; }
cmake --build "$WORK/build" > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }
status=0
TMTRACE_OPTIONS=frames=2 "$WORK/build/parser_test" > "$WORK/out" 2>&1 || status=$?
fail() { echo "e2e: $*; output:" >&2; cat "$WORK/out" >&2; exit 1; }
[ "$status" -eq 1 ] || fail "parser_test exited $status, expected 1 (one failing test)"
grep -qx '\[  FAILED  \] 1 test, listed below:' "$WORK/out" || fail "not exactly one failing test"
grep -qx '\[  FAILED  \] Parser.LeaksAToken' "$WORK/out" || fail "Parser.LeaksAToken is not the failing test"
# The report, exactly: the failure at the allocation line, then tracemalloc's StatisticDiff (key traceback, so
# str() names the traceback's oldest frame, as tracemalloc does) and the traceback, oldest first.
src="$E2E_SRC/cmake_gtest_project/parser_test.cc"
sed -n "\|^$src:9: Failure\$|,/^\$/p" "$WORK/out" > "$WORK/report"
cat > "$WORK/expected" <<REPORT
$src:9: Failure
tmtrace: test Parser.LeaksAToken leaked 13 B in 1 block (peak +277 B above its start)
Top 1 of 1 leak sites:
$src:23: size=13 B (+13 B), count=1 (+1), average=13 B
  File "$src", line 23
    char *token = copy_token("leaked-token");
  File "$src", line 9
    char *out = static_cast<char *>(std::malloc(std::strlen(s) + 1));

REPORT
diff -u "$WORK/expected" "$WORK/report" || fail "the leak report differs (diff above)"
