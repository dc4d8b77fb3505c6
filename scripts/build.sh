#!/usr/bin/env bash
# Configures and builds tmtrace into ./build (or $TMTRACE_BUILD_DIR) with Debian's clang-19.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${TMTRACE_BUILD_DIR:-build}
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 "$@"
fi
cmake --build "$build" -j"$(nproc)"
