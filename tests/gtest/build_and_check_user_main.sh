#!/usr/bin/env bash
# build_and_check_user_main.sh WRAPPER LIBDIR INCLUDEDIR SRCDIR PYTHON — builds user_main.cc the way a user
# would (tmtrace-clang++ -fsanitize=tmtrace ... -ltmtrace_gtest -lgtest) and checks that the listener installed
# itself: exactly UserMain.Leaks fails, naming its line.
set -euo pipefail
wrapper=$1 libdir=$2 includedir=$3 srcdir=$4 python=$5
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$wrapper" -fsanitize=tmtrace -O1 -std=c++17 "$srcdir/user_main.cc" -o "$work/user_main" \
  -L"$libdir" -ltmtrace_gtest -lgtest -pthread
exec "$python" "$srcdir/check_gtest_run.py" "$work/user_main" --sources "$srcdir/user_main.cc"
