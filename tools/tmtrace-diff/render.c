/* render.c — the text tracemalloc users know ("[ Top 10 ]" then str(Statistic) lines, Traceback.format under
 * each entry with --key traceback) and the JSON a CI job parses. */
#include "render.h"

#include <stdlib.h>
#include <string.h>

#include "text_escape.h"

const char *key_name(tmtrace_key key)
{
    return key == TMTRACE_KEY_FILENAME ? "filename" : key == TMTRACE_KEY_LINENO ? "lineno" : "traceback";
}

size_t entries_shown(const struct diff_options *opts, size_t len)
{
    return opts->limit && opts->limit < len ? opts->limit : len;
}

/* Formats with an snprintf-style formatter into a malloc'd string grown to fit (NULL when out of memory). */
static char *formatted(size_t (*format)(const void *, char *, size_t), const void *item)
{
    char small[512];
    size_t need = format(item, small, sizeof small);
    char *text = malloc(need + 1);
    if (text && need < sizeof small)
        memcpy(text, small, need + 1);
    else if (text)
        format(item, text, need + 1);
    return text;
}

static size_t format_statistic(const void *item, char *buf, size_t size)
{
    return tmtrace_statistic_format(item, buf, size);
}

static size_t format_diff(const void *item, char *buf, size_t size)
{
    return tmtrace_statistic_diff_format(item, buf, size);
}

char *statistic_text(const tmtrace_statistic *stat)
{
    return formatted(format_statistic, stat);
}

char *statistic_diff_text(const tmtrace_statistic_diff *diff)
{
    return formatted(format_diff, diff);
}

static void put_formatted(FILE *out, char *text)
{
    if (text)
        fputs(text, out);
    free(text);
}

static void put_size(FILE *out, int64_t size, int sign)
{
    char buf[64];
    tmtrace_format_size(size, sign, buf, sizeof buf);
    fputs(buf, out);
}

/* ---- JSON ---- */

static void json_traceback(FILE *out, const tmtrace_traceback *tb)
{
    fputs("\"traceback\": [", out);
    for (size_t i = 0; i < tmtrace_traceback_nframe(tb); i++) {
        const tmtrace_frame *f = tmtrace_traceback_frame(tb, i);
        fputs(i ? ", {\"filename\": " : "{\"filename\": ", out);
        json_string(out, f->filename, 0);
        fprintf(out, ", \"lineno\": %u, \"column\": %u, \"function\": ", f->lineno, f->column);
        json_string(out, f->function, 0);
        fputc('}', out);
    }
    fputc(']', out);
}

static void json_diff(FILE *out, const tmtrace_statistic_diff *d)
{
    fprintf(out, "{\"size\": %zu, \"size_diff\": %lld, \"count\": %zu, \"count_diff\": %lld, ", d->size,
            (long long)d->size_diff, d->count, (long long)d->count_diff);
    json_traceback(out, d->traceback);
    fputc('}', out);
}

static void json_header(FILE *out, const char *mode, const struct diff_options *opts)
{
    fprintf(out, "{\"mode\": \"%s\", \"key\": \"%s\", \"cumulative\": %s, ", mode, key_name(opts->key),
            opts->cumulative ? "true" : "false");
}

/* ---- statistics of one snapshot ---- */

void render_statistics(FILE *out, const struct diff_options *opts, const tmtrace_statistics *stats,
                       uint64_t total_size, uint64_t total_count)
{
    size_t n = entries_shown(opts, stats->len);
    if (opts->format == FORMAT_JSON) {
        json_header(out, "statistics", opts);
        fprintf(out, "\"total_size\": %llu, \"total_count\": %llu, \"entries\": [", (unsigned long long)total_size,
                (unsigned long long)total_count);
        for (size_t i = 0; i < n; i++) {
            const tmtrace_statistic *s = &stats->items[i];
            fprintf(out, "%s\n  {\"size\": %zu, \"count\": %zu, ", i ? "," : "", s->size, s->count);
            json_traceback(out, s->traceback);
            fputc('}', out);
        }
        fputs(n ? "\n]}\n" : "]}\n", out);
        return;
    }
    fprintf(out, "[ Top %zu ]\n", opts->limit ? opts->limit : stats->len);
    for (size_t i = 0; i < n; i++) {
        put_formatted(out, statistic_text(&stats->items[i]));
        if (opts->key == TMTRACE_KEY_TRACEBACK)
            tmtrace_traceback_format(stats->items[i].traceback, 0, 0, out);
    }
}

/* ---- compare_to ---- */

void render_differences(FILE *out, const struct diff_options *opts, const tmtrace_statistic_diffs *diffs,
                        int64_t total_size_diff, int64_t total_count_diff)
{
    size_t n = entries_shown(opts, diffs->len);
    if (opts->format == FORMAT_JSON) {
        json_header(out, "compare", opts);
        fprintf(out, "\"total_size_diff\": %lld, \"total_count_diff\": %lld, \"entries\": [",
                (long long)total_size_diff, (long long)total_count_diff);
        for (size_t i = 0; i < n; i++) {
            fputs(i ? ",\n  " : "\n  ", out);
            json_diff(out, &diffs->items[i]);
        }
        fputs(n ? "\n]}\n" : "]}\n", out);
        return;
    }
    fprintf(out, "[ Top %zu differences ]\n", opts->limit ? opts->limit : diffs->len);
    for (size_t i = 0; i < n; i++) {
        put_formatted(out, statistic_diff_text(&diffs->items[i]));
        if (opts->key == TMTRACE_KEY_TRACEBACK)
            tmtrace_traceback_format(diffs->items[i].traceback, 0, 0, out);
    }
}

/* ---- per-test rows ---- */

void render_tests(FILE *out, const struct diff_options *opts, const struct test_row *rows, size_t nrows,
                  int64_t total_size_diff, int64_t total_count_diff)
{
    size_t n = opts->limit_given ? entries_shown(opts, nrows) : nrows;
    if (opts->format == FORMAT_JSON) {
        json_header(out, "tests", opts);
        fprintf(out, "\"total_size_diff\": %lld, \"total_count_diff\": %lld, \"tests\": [",
                (long long)total_size_diff, (long long)total_count_diff);
        for (size_t i = 0; i < n; i++) {
            const struct test_row *r = &rows[i];
            fputs(i ? ",\n  {\"test\": " : "\n  {\"test\": ", out);
            json_string(out, r->display, 0);
            fputs(", \"directory\": ", out);
            json_string(out, r->directory, 0);
            fprintf(out, ", \"size_diff\": %lld, \"count_diff\": %lld, \"top\": ", (long long)r->size_diff,
                    (long long)r->count_diff);
            if (r->diffs->len && (r->diffs->items[0].size_diff || r->diffs->items[0].count_diff))
                json_diff(out, &r->diffs->items[0]);
            else
                fputs("null", out);
            fputc('}', out);
        }
        fputs(n ? "\n]}\n" : "]}\n", out);
        return;
    }
    fprintf(out, "[ %zu tests by leaked bytes ]\n", nrows);
    for (size_t i = 0; i < n; i++) {
        const struct test_row *r = &rows[i];
        fprintf(out, "%s: size_diff=", r->display);
        put_size(out, r->size_diff, 1);
        fprintf(out, ", count_diff=%+lld\n", (long long)r->count_diff);
        if (r->diffs->len && (r->diffs->items[0].size_diff || r->diffs->items[0].count_diff)) {
            fputs("    ", out);
            put_formatted(out, statistic_diff_text(&r->diffs->items[0]));
        }
    }
}
