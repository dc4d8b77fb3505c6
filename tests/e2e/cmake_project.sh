#!/usr/bin/env bash
# cmake_project.sh <package|wrapper|wrapper-rsp> — configures, builds and runs tests/e2e/cmake_project (library +
# executable) instrumented through the CMake package or through the wrapper, and compares the exit report.
# All ways must give the same exact lines. wrapper-rsp: the Ninja generator passes the flags, -fsanitize=tmtrace
# included, and the link's inputs in response files (CMAKE_NINJA_FORCE_RESPONSE_FILE, as for long command lines).
source "$(dirname "$0")/lib.sh"
via=$1
args=(-S "$E2E_SRC/cmake_project" -B "$WORK/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTMTRACE_VIA="${via%-rsp}")
if [ "$via" = package ]; then
  args+=(-DCMAKE_C_COMPILER=clang-19 -Dtmtrace_DIR="$TMTRACE_BUILD/lib/cmake/tmtrace")
else
  args+=(-DCMAKE_C_COMPILER="$TMTRACE_CC" -DCMAKE_C_FLAGS=-fsanitize=tmtrace)
fi
[ "$via" = wrapper-rsp ] && args+=(-DCMAKE_NINJA_FORCE_RESPONSE_FILE=ON)
cmake "${args[@]}" > "$WORK/configure.log" 2>&1 || { cat "$WORK/configure.log" >&2; exit 1; }
cmake --build "$WORK/build" > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }
# greet's own -g keeps its debug info; greeter's (the tmtrace -gline-directives-only) is gone.
debug_sections() { readelf -SW "$1" | grep -c ' \.debug_info ' || true; }
[ "$(debug_sections "$WORK/build/CMakeFiles/greet.dir/main.c.o")" = 1 ] ||
  { echo "e2e: greet's -g was overridden: main.c.o has no .debug_info" >&2; exit 1; }
[ "$(debug_sections "$WORK/build/CMakeFiles/greeter.dir/greeter.c.o")" = 0 ] ||
  { echo "e2e: greeter.c.o has a .debug_info section" >&2; exit 1; }
export TMTRACE_OPTIONS=frames=25:report_at_exit=10
expect_output "$EXPECTED/cmake_project.txt" "$WORK/build/greet"
