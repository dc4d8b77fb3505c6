/* test_dirs.h — finding the per-test snapshot pairs (<Suite>.<Test>.before.tmsnap / .after.tmsnap) that the
 * gtest listener writes, across the directories of sharded runs. */
#ifndef TMTRACE_DIFF_TEST_DIRS_H
#define TMTRACE_DIFF_TEST_DIRS_H

#include <stddef.h>

#include "render.h"

#define BEFORE_SUFFIX ".before.tmsnap"
#define AFTER_SUFFIX ".after.tmsnap"

/* Fills *rows with one row per .before.tmsnap file (name and directory set, the rest zero). Returns 0, or 2
 * after printing why (unreadable directory, a .before without its .after). */
int find_test_pairs(char *const *dirs, size_t ndirs, struct test_row **rows, size_t *nrows);

/* "DIR/NAME<suffix>", malloc'd. */
char *test_snapshot_path(const struct test_row *row, const char *suffix);

#endif
