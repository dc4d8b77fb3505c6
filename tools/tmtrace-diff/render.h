/* render.h — tmtrace-diff's output: statistics, differences and per-test rows, as text or JSON (HTML: html_report.h). */
#ifndef TMTRACE_DIFF_RENDER_H
#define TMTRACE_DIFF_RENDER_H

#include <stdint.h>
#include <stdio.h>

#include <tmtrace/tmtrace.h>

#include "options.h"

struct test_row {
    char *name;       /* the file stem: the listener's %XX-escaped <Suite>.<Test> */
    char *display;    /* the stem unescaped: "Inst/Suite.Test/0" for a parameterized test */
    char *directory;
    int64_t size_diff; /* after - before, all traces kept by the filters */
    int64_t count_diff;
    tmtrace_statistic_diffs *diffs; /* compare_to(after, before); its first item is the top difference */
    tmtrace_snapshot *before, *after;
};

/* "filename", "lineno" or "traceback". */
const char *key_name(tmtrace_key key);
/* How many of len entries --limit shows. */
size_t entries_shown(const struct diff_options *opts, size_t len);

/* str(Statistic) and str(StatisticDiff) with their trailing newline, malloc'd (NULL when out of memory). */
char *statistic_text(const tmtrace_statistic *stat);
char *statistic_diff_text(const tmtrace_statistic_diff *diff);

void render_statistics(FILE *out, const struct diff_options *opts, const tmtrace_statistics *stats,
                       uint64_t total_size, uint64_t total_count);
void render_differences(FILE *out, const struct diff_options *opts, const tmtrace_statistic_diffs *diffs,
                        int64_t total_size_diff, int64_t total_count_diff);
void render_tests(FILE *out, const struct diff_options *opts, const struct test_row *rows, size_t nrows,
                  int64_t total_size_diff, int64_t total_count_diff);

#endif
