/* main.c — tmtrace-diff: tracemalloc's snapshot reports from saved snapshots, for people and CI.
 *   SNAP        "[ Top N ]" statistics          OLD NEW   "[ Top N differences ]" (NEW.compare_to(OLD))
 *   DIR...      one row per test (gtest listener snapshots), most leaked bytes first
 * as text, JSON or one HTML page, on standard output or into -o FILE.
 * Exit 0, 1 when --fail-over is exceeded, 2 on bad arguments or an unreadable snapshot. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tmtrace/tmtrace.h>

#include "html_report.h"
#include "options.h"
#include "render.h"
#include "test_dirs.h"

static tmtrace_snapshot *replace_filtered(tmtrace_snapshot *snap, const char *path, const tmtrace_filter *filters,
                                          size_t n)
{
    tmtrace_snapshot *filtered = tmtrace_snapshot_filter_traces(snap, filters, n);
    tmtrace_snapshot_free(snap);
    if (!filtered)
        fprintf(stderr, "tmtrace-diff: %s: %s\n", path, tmtrace_last_error());
    return filtered;
}

/* Loads a snapshot and applies the filters; prints why and returns NULL on failure. */
static tmtrace_snapshot *load_filtered(const char *path, const struct diff_options *opts)
{
    tmtrace_snapshot *snap = tmtrace_snapshot_load(path);
    if (!snap) {
        fprintf(stderr, "tmtrace-diff: %s\n", tmtrace_last_error());
        return NULL;
    }
    /* Two passes: filters of one filter_traces() call are OR-ed for inclusion, the domain must AND. */
    if (opts->nfilters)
        snap = replace_filtered(snap, path, opts->filters, opts->nfilters);
    if (snap && opts->domain_given)
        snap = replace_filtered(snap, path, &opts->domain, 1);
    return snap;
}

static void totals(const tmtrace_snapshot *snap, uint64_t *size, uint64_t *count)
{
    *size = 0;
    *count = tmtrace_snapshot_ntraces(snap);
    for (size_t i = 0; i < *count; i++) {
        size_t s;
        tmtrace_snapshot_trace(snap, i, NULL, &s, NULL);
        *size += s;
    }
}

/* -o FILE is written into FILE.tmp.XXXXXX beside it and renamed over FILE only when complete, so a failed run
 * never leaves a partial report (nor replaces a previous one). NULL after printing why. */
static FILE *open_temporary(const char *path, char **temporary)
{
    size_t len = strlen(path) + sizeof ".tmp.XXXXXX";
    *temporary = malloc(len);
    if (!*temporary) {
        fputs("tmtrace-diff: out of memory\n", stderr);
        return NULL;
    }
    snprintf(*temporary, len, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(*temporary);
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!out) {
        fprintf(stderr, "tmtrace-diff: cannot write '%s': %s\n", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(*temporary);
        }
        free(*temporary);
        *temporary = NULL;
        return NULL;
    }
    fchmod(fd, 0644); /* mkstemp's 0600 would make the report private */
    return out;
}

static int over_budget(const struct diff_options *opts, int64_t total_size_diff)
{
    if (!opts->fail_over_given || total_size_diff <= 0 || (uint64_t)total_size_diff <= opts->fail_over)
        return 0;
    char text[64];
    tmtrace_format_size(total_size_diff, 1, text, sizeof text);
    fprintf(stderr, "tmtrace-diff: total size difference %lld B (%s) exceeds --fail-over %llu\n",
            (long long)total_size_diff, text, (unsigned long long)opts->fail_over);
    return 1;
}

static int statistics_mode(FILE *out, const struct diff_options *opts, const char *path)
{
    tmtrace_snapshot *snap = load_filtered(path, opts);
    if (!snap)
        return 2;
    tmtrace_statistics *stats = tmtrace_snapshot_statistics(snap, opts->key, opts->cumulative);
    int status = stats ? 0 : 2;
    if (!stats) {
        fprintf(stderr, "tmtrace-diff: %s\n", tmtrace_last_error());
    } else {
        uint64_t size, count;
        totals(snap, &size, &count);
        if (opts->format == FORMAT_HTML)
            status = html_statistics(out, opts, path, snap);
        else
            render_statistics(out, opts, stats, size, count);
        status = status == 2 ? 2 : over_budget(opts, (int64_t)size);
    }
    tmtrace_statistics_free(stats);
    tmtrace_snapshot_free(snap);
    return status;
}

static int compare_mode(FILE *out, const struct diff_options *opts, const char *old_path, const char *new_path)
{
    tmtrace_snapshot *old = load_filtered(old_path, opts);
    tmtrace_snapshot *now = old ? load_filtered(new_path, opts) : NULL;
    int status = 2;
    tmtrace_statistic_diffs *diffs = now ? tmtrace_snapshot_compare_to(now, old, opts->key, opts->cumulative) : NULL;
    if (diffs)
        status = 0;
    if (now && !diffs) {
        fprintf(stderr, "tmtrace-diff: %s\n", tmtrace_last_error());
    } else if (diffs) {
        uint64_t old_size, old_count, new_size, new_count;
        totals(old, &old_size, &old_count);
        totals(now, &new_size, &new_count);
        int64_t size_diff = (int64_t)(new_size - old_size), count_diff = (int64_t)(new_count - old_count);
        if (opts->format == FORMAT_HTML && html_differences(out, opts, old_path, new_path, old, now) != 0)
            status = 2;
        else if (opts->format != FORMAT_HTML)
            render_differences(out, opts, diffs, size_diff, count_diff);
        status = status == 2 ? 2 : over_budget(opts, size_diff);
    }
    tmtrace_statistic_diffs_free(diffs);
    tmtrace_snapshot_free(now);
    tmtrace_snapshot_free(old);
    return status;
}

/* Most leaked bytes first, then most leaked blocks, then by name and directory so the order is stable. */
static int row_order(const void *pa, const void *pb)
{
    const struct test_row *a = pa, *b = pb;
    if (a->size_diff != b->size_diff)
        return a->size_diff > b->size_diff ? -1 : 1;
    if (a->count_diff != b->count_diff)
        return a->count_diff > b->count_diff ? -1 : 1;
    int c = strcmp(a->display, b->display);
    return c ? c : strcmp(a->directory, b->directory);
}

static int tests_mode(FILE *out, const struct diff_options *opts)
{
    struct test_row *rows;
    size_t nrows;
    int status = find_test_pairs(opts->operands, opts->noperands, &rows, &nrows);
    if (status)
        return status;
    int64_t total_size = 0, total_count = 0;
    for (size_t i = 0; i < nrows && !status; i++) {
        struct test_row *r = &rows[i];
        char *before = test_snapshot_path(r, BEFORE_SUFFIX), *after = test_snapshot_path(r, AFTER_SUFFIX);
        r->before = before ? load_filtered(before, opts) : NULL;
        r->after = r->before && after ? load_filtered(after, opts) : NULL;
        free(before);
        free(after);
        if (!r->after) {
            status = 2;
            break;
        }
        r->diffs = tmtrace_snapshot_compare_to(r->after, r->before, opts->key, opts->cumulative);
        if (!r->diffs) {
            fprintf(stderr, "tmtrace-diff: %s\n", tmtrace_last_error());
            status = 2;
            break;
        }
        uint64_t bs, bc, as, ac;
        totals(r->before, &bs, &bc);
        totals(r->after, &as, &ac);
        r->size_diff = (int64_t)(as - bs);
        r->count_diff = (int64_t)(ac - bc);
        total_size += r->size_diff;
        total_count += r->count_diff;
    }
    if (!status) {
        if (nrows) /* no directory entry: rows is NULL, which qsort must not get */
            qsort(rows, nrows, sizeof *rows, row_order);
        if (opts->format == FORMAT_HTML)
            status = html_tests(out, opts, rows, nrows, total_size, total_count);
        else
            render_tests(out, opts, rows, nrows, total_size, total_count);
        status = status == 2 ? 2 : over_budget(opts, total_size);
    }
    for (size_t i = 0; i < nrows; i++) {
        tmtrace_statistic_diffs_free(rows[i].diffs);
        tmtrace_snapshot_free(rows[i].before);
        tmtrace_snapshot_free(rows[i].after);
        free(rows[i].name);
        free(rows[i].display);
    }
    free(rows);
    return status;
}

int main(int argc, char **argv)
{
    struct diff_options opts;
    int status = parse_options(argc, argv, &opts);
    if (status) {
        free_options(&opts);
        return status == 1 ? 0 : 2;
    }
    char *temporary = NULL;
    FILE *out = opts.output ? open_temporary(opts.output, &temporary) : stdout;
    if (!out) {
        free_options(&opts);
        return 2;
    }
    size_t ndirs = 0;
    for (size_t i = 0; i < opts.noperands; i++) {
        struct stat st;
        ndirs += stat(opts.operands[i], &st) == 0 && S_ISDIR(st.st_mode);
    }
    if (ndirs && ndirs != opts.noperands) {
        fputs("tmtrace-diff: give either snapshot files or test directories, not both\n"
              "Try 'tmtrace-diff --help'.\n", stderr);
        status = 2;
    } else if (ndirs) {
        status = tests_mode(out, &opts);
    } else if (opts.noperands == 1) {
        status = statistics_mode(out, &opts, opts.operands[0]);
    } else if (opts.noperands == 2) {
        status = compare_mode(out, &opts, opts.operands[0], opts.operands[1]);
    } else {
        fprintf(stderr, "tmtrace-diff: too many snapshots (%zu); give one or two\nTry 'tmtrace-diff --help'.\n",
                opts.noperands);
        status = 2;
    }
    errno = 0;
    int write_failed = out == stdout ? fflush(out) != 0 || ferror(out) : ferror(out) | fclose(out);
    if (write_failed && status != 2) {
        fprintf(stderr, "tmtrace-diff: cannot write '%s': %s\n", opts.output ? opts.output : "standard output",
                strerror(errno ? errno : EIO));
        status = 2;
    }
    if (temporary && status != 2 && rename(temporary, opts.output) != 0) {
        fprintf(stderr, "tmtrace-diff: cannot write '%s': %s\n", opts.output, strerror(errno));
        status = 2;
    }
    if (temporary && status == 2)
        unlink(temporary);
    free(temporary);
    free_options(&opts);
    return status;
}
