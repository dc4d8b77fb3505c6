#!/usr/bin/env bash
# cmake_project.sh <package|wrapper|wrapper-rsp|gcc> — configures, builds and runs tests/e2e/cmake_project (library +
# executable) instrumented through the CMake package or through the wrapper, and compares the exit report.
# All ways must give the same exact lines. wrapper-rsp: the Ninja generator passes the flags, -fsanitize=tmtrace
# included, and the link's inputs in response files (CMAKE_NINJA_FORCE_RESPONSE_FILE, as for long command lines).
# gcc: the package with GCC as the C compiler; the configure step must stop with tmtrace_instrument()'s error.
source "$(dirname "$0")/lib.sh"
via=$1
if [ "$via" = gcc ]; then
  status=0
  cmake -S "$E2E_SRC/cmake_project" -B "$WORK/build" -G Ninja -DCMAKE_C_COMPILER=gcc \
    -Dtmtrace_DIR="$TMTRACE_BUILD/lib/cmake/tmtrace" > "$WORK/configure.log" 2>&1 || status=$?
  expected="tmtrace_instrument(greeter): the C compiler is GNU $(gcc -dumpfullversion); the tmtrace pass plugin"
  expected+=" needs clang 19 (e.g. -DCMAKE_C_COMPILER=clang-19)"
  # CMake wraps the message: compare it with blanks and line breaks collapsed.
  if [ "$status" = 0 ] || ! tr -s ' \n' ' ' < "$WORK/configure.log" | grep -qF "$expected"; then
    echo "e2e: configuring with gcc exited $status, expected an error saying: $expected" >&2
    cat "$WORK/configure.log" >&2
    exit 1
  fi
  exit 0
fi
args=(-S "$E2E_SRC/cmake_project" -B "$WORK/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTMTRACE_VIA="${via%-rsp}")
if [ "$via" = package ]; then
  args+=(-DCMAKE_C_COMPILER=clang-19 -Dtmtrace_DIR="$TMTRACE_BUILD/lib/cmake/tmtrace")
else
  args+=(-DCMAKE_C_COMPILER="$TMTRACE_CC"
         "-DCMAKE_C_FLAGS=-fsanitize=tmtrace -fsanitize-tmtrace-allocators=$E2E_SRC/cmake_project/allocators.txt")
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
