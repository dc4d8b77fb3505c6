/* html_report.h — tmtrace-diff --format html: one self-contained page (styles and scripts inlined, no network)
 * with a summary, an icicle flame graph by traceback and sortable top-statistics tables per snapshot, per
 * comparison, or per test of a gtest listener directory. Every number comes from the snapshot model. */
#ifndef TMTRACE_DIFF_HTML_REPORT_H
#define TMTRACE_DIFF_HTML_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include <tmtrace/tmtrace.h>

#include "options.h"
#include "render.h"

/* Each returns 0, or 2 after printing why (a model error, out of memory). */
int html_statistics(FILE *out, const struct diff_options *opts, const char *path, const tmtrace_snapshot *snap);
int html_differences(FILE *out, const struct diff_options *opts, const char *old_path, const char *new_path,
                     const tmtrace_snapshot *old, const tmtrace_snapshot *now);
/* rows as render_tests() gets them: sorted, with their snapshots loaded and compared. */
int html_tests(FILE *out, const struct diff_options *opts, const struct test_row *rows, size_t nrows,
               int64_t total_size_diff, int64_t total_count_diff);

#endif
