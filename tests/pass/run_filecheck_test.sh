#!/usr/bin/env bash
# run_filecheck_test.sh — runs the "RUN:" lines of one pass test file, lit-style, in a fresh temporary directory.
# Substitutions: %s (the test file), %S (its directory), %t (a temporary path), %opt, %clang, %clangxx,
# %plugin, %FileCheck, %not. Every RUN line must succeed; the first failure fails the test.
set -euo pipefail
test_file=$1
opt=$2 clang=$3 clangxx=$4 plugin=$5 filecheck=$6 not=$7
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
grep -E '^(;|//|#) RUN: ' "$test_file" | sed -E 's/^(;|\/\/|#) RUN: //' > "$tmp/run_lines"
[ -s "$tmp/run_lines" ] || { echo "$test_file: no RUN lines" >&2; exit 1; }
while IFS= read -r line; do
  cmd=$(printf '%s' "$line" | sed -e "s|%opt|$opt|g" -e "s|%clangxx|$clangxx|g" -e "s|%clang|$clang|g" \
    -e "s|%plugin|$plugin|g" -e "s|%FileCheck|$filecheck|g" -e "s|%not|$not|g" -e "s|%s|$test_file|g" \
    -e "s|%S|$(dirname "$test_file")|g" -e "s|%t|$tmp/t|g")
  echo "RUN: $cmd"
  if ! (cd "$tmp" && bash -c "set -o pipefail; $cmd"); then
    echo "FAILED: $cmd" >&2
    status=1
    break
  fi
done < "$tmp/run_lines"
exit $status
