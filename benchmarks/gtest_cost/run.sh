#!/usr/bin/env bash
# run.sh BUILD_DIR — per-test cost of the leak check with 1M live blocks: empty tests, tests that free what
# they allocate, and tests that leak one block (where the reachability scan runs). Prints both builds' figures.
set -euo pipefail
bin=${1:-build}/bin
for suite in 'Many/Empty.*' 'Many/Balanced.*' 'Few/Leaky.*'; do
  for variant in baseline listener; do
    printf '%-9s ' "$variant"
    "$bin/gtest_cost_$variant" --gtest_filter="$suite" | grep '^gtest_cost:'
  done
done
