#!/usr/bin/env bash
# cmake_project.sh <package|wrapper|wrapper-rsp|config|multi-config|gcc> — configures, builds and runs
# tests/e2e/cmake_project (library + executable) instrumented through the CMake package or through the wrapper,
# and compares the exit report. All ways must give the same exact lines. wrapper-rsp: the Ninja generator
# passes the flags, -fsanitize=tmtrace included, and the link's inputs in response files
# (CMAKE_NINJA_FORCE_RESPONSE_FILE, as for long command lines). config: plain clang-19 with
# --config=tmtrace.cfg in CMAKE_C_FLAGS. multi-config: the package under Ninja
# Multi-Config, Release and Debug. gcc: the package with GCC as the C compiler; the configure step must stop
# with tmtrace_instrument()'s error.
source "$(dirname "$0")/lib.sh"
via=$1
configs=("") # one configuration, CMAKE_BUILD_TYPE's
greeter_debug_info=(0)
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
args=(-S "$E2E_SRC/cmake_project" -B "$WORK/build")
if [ "$via" = multi-config ]; then
  # -gline-directives-only only for the configurations whose flags choose no -g level (Release: -gz compresses
  # debug sections, it is no level), through a generator expression; the outputs of Release and Debug are the same.
  args+=(-G "Ninja Multi-Config" -DTMTRACE_VIA=package -DCMAKE_C_COMPILER=clang-19 -DCMAKE_C_FLAGS=-gz
         -Dtmtrace_DIR="$TMTRACE_BUILD/lib/cmake/tmtrace")
  configs=(Release Debug)
  greeter_debug_info=(0 1)
elif [ "$via" = package ]; then
  args+=(-G Ninja -DTMTRACE_VIA=package -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang-19
         -Dtmtrace_DIR="$TMTRACE_BUILD/lib/cmake/tmtrace")
elif [ "$via" = config ]; then
  flags="--config=$TMTRACE_BUILD/lib/tmtrace.cfg -fplugin=$TMTRACE_BUILD/lib/libtmtrace_pass.so"
  flags+=" -mllvm -tmtrace-allocators=$E2E_SRC/cmake_project/allocators.txt"
  args+=(-G Ninja -DTMTRACE_VIA=wrapper -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang-19
         "-DCMAKE_C_FLAGS=$flags")
else
  args+=(-G Ninja -DTMTRACE_VIA=wrapper -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER="$TMTRACE_CC"
         "-DCMAKE_C_FLAGS=-fsanitize=tmtrace -fsanitize-tmtrace-allocators=$E2E_SRC/cmake_project/allocators.txt")
fi
[ "$via" = wrapper-rsp ] && args+=(-DCMAKE_NINJA_FORCE_RESPONSE_FILE=ON)
cmake "${args[@]}" > "$WORK/configure.log" 2>&1 || { cat "$WORK/configure.log" >&2; exit 1; }
debug_sections() { readelf -SW "$1" | grep -c ' \.debug_info ' || true; }
for i in "${!configs[@]}"; do
  config=${configs[$i]}
  dir=${config:+/$config} # the multi-config generator's per-configuration directories
  cmake --build "$WORK/build" ${config:+--config "$config"} > "$WORK/build.log" 2>&1 ||
    { cat "$WORK/build.log" >&2; exit 1; }
  # greet's own -g keeps its debug info; greeter's is the tmtrace -gline-directives-only, gone from the object
  # (or the configuration's own -g).
  [ "$(debug_sections "$WORK/build/CMakeFiles/greet.dir$dir/main.c.o")" = 1 ] ||
    { echo "e2e: greet's -g was overridden: main.c.o has no .debug_info" >&2; exit 1; }
  [ "$(debug_sections "$WORK/build/CMakeFiles/greeter.dir$dir/greeter.c.o")" = "${greeter_debug_info[$i]}" ] ||
    { echo "e2e: ${config:-the} greeter.c.o should have ${greeter_debug_info[$i]} .debug_info section(s)" >&2; exit 1; }
  TMTRACE_OPTIONS=frames=25:report_at_exit=10 expect_output "$EXPECTED/cmake_project.txt" "$WORK/build$dir/greet"
done
