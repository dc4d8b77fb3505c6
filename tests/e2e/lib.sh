# lib.sh — shared by the e2e scripts: the build's wrappers, a scratch directory, and the exact comparison of a
# program's output (stdout and stderr) with an expected file, after replacing tests/e2e by $SRC, the repository
# by $ROOT, the scratch directory by $WORK and the build directory by $BUILD.
set -euo pipefail
: "${TMTRACE_BUILD:?set by tests/e2e/CMakeLists.txt}" "${E2E_SRC:?set by tests/e2e/CMakeLists.txt}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
TMTRACE_CC="$TMTRACE_BUILD/bin/tmtrace-clang"
TMTRACE_CXX="$TMTRACE_BUILD/bin/tmtrace-clang++"
PROGRAMS="$E2E_SRC/programs"
EXPECTED="$E2E_SRC/expected"

normalize() {
  # Most specific first: the build and tests/e2e usually lie inside the repository.
  sed -e "s|$E2E_SRC|\$SRC|g" -e "s|$TMTRACE_BUILD|\$BUILD|g" -e "s|$WORK|\$WORK|g" \
      -e "s|${TMTRACE_SOURCE:-$E2E_SRC}|\$ROOT|g"
}

# expect_output <expected-file> <command...>: runs the command, compares its normalized output exactly.
expect_output() {
  local expected=$1
  shift
  local status=0
  "$@" > "$WORK/raw_output" 2>&1 || status=$?
  normalize < "$WORK/raw_output" > "$WORK/output"
  if [ "$status" -ne 0 ]; then
    echo "e2e: '$*' exited with status $status; output:" >&2
    cat "$WORK/output" >&2
    exit 1
  fi
  if [ "${TMTRACE_E2E_UPDATE:-0}" = 1 ]; then # regenerate the golden file (review the diff before committing)
    cp "$WORK/output" "$expected"
    return
  fi
  if ! diff -u "$expected" "$WORK/output"; then
    echo "e2e: the output of '$*' differs from $expected (diff above: - expected, + actual)" >&2
    exit 1
  fi
}
