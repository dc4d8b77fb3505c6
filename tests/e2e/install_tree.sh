#!/usr/bin/env bash
# install_tree.sh — `cmake --install` of the build into a scratch prefix, moved elsewhere afterwards (both paths
# with a space: the install is relocatable), then, from the moved prefix only: the wrapper builds
# programs/chain.c (exact chain.txt output), plain clang-19 with the installed tmtrace.cfg does too, the
# installed demo runs (exact demo.txt output), and find_package(tmtrace) through CMAKE_PREFIX_PATH builds the
# CMake project (exact cmake_project.txt).
source "$(dirname "$0")/lib.sh"
: "${TMTRACE_SOURCE:?set by tests/e2e/CMakeLists.txt}"
cmake --install "$TMTRACE_BUILD" --prefix "$WORK/installed here" > "$WORK/install.log" 2>&1 ||
  { cat "$WORK/install.log" >&2; exit 1; }
prefix="$WORK/moved prefix"
mv "$WORK/installed here" "$prefix"
"$prefix/bin/tmtrace-clang" -fsanitize=tmtrace -O2 "$PROGRAMS/chain.c" -o "$WORK/chain"
TMTRACE_OPTIONS=frames=25:report_at_exit=20 expect_output "$EXPECTED/chain.txt" "$WORK/chain"
libdir=$(dirname "$(find "$prefix" -name tmtrace.cfg)")
clang-19 --config="$libdir/tmtrace.cfg" -O2 "$PROGRAMS/chain.c" -o "$WORK/chain_cfg"
TMTRACE_OPTIONS=frames=25:report_at_exit=20 expect_output "$EXPECTED/chain.txt" "$WORK/chain_cfg"
TMTRACE_OPTIONS=frames=25:report_at_exit=10 expect_output "$EXPECTED/demo.txt" "$prefix/bin/tmtrace-demo"
cmake -S "$E2E_SRC/cmake_project" -B "$WORK/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang-19 \
  -DCMAKE_PREFIX_PATH="$prefix" > "$WORK/configure.log" 2>&1 || { cat "$WORK/configure.log" >&2; exit 1; }
grep -q "tmtrace_DIR:PATH=$prefix/" "$WORK/build/CMakeCache.txt" ||
  { echo "e2e: tmtrace not found in $prefix" >&2; exit 1; }
cmake --build "$WORK/build" > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }
TMTRACE_OPTIONS=frames=25:report_at_exit=10 expect_output "$EXPECTED/cmake_project.txt" "$WORK/build/greet"
