/* size_format.c — the text of tracemalloc's _format_size(), str(Statistic) and str(StatisticDiff),
 * byte-identical to CPython's for the same numbers. */
#include <stdarg.h>
#include <stdio.h>

#include "snapshot_internal.h"

/* snprintf-style appending: `len` counts what the full text needs even when `buf` is too small. */
struct text {
    char *buf;
    size_t size;
    size_t len;
};

__attribute__((format(printf, 2, 3))) static void append(struct text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->len < t->size ? t->buf + t->len : NULL, t->len < t->size ? t->size - t->len : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len += (size_t)n;
}

/* _format_size: "%.0f B" below 10 KiB, then "%.1f" while below 100 units, "%.0f" below 10240 units. Python
 * divides the integer by 1024 with correct rounding; converting to double first and dividing by a power of
 * two gives the same double. */
static void append_size(struct text *t, double size, int sign)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    for (size_t u = 0;; u++) {
        double magnitude = size < 0 ? -size : size;
        if (magnitude < 100 && u != 0) {
            append(t, sign ? "%+.1f %s" : "%.1f %s", size, units[u]);
            return;
        }
        if (magnitude < 10 * 1024 || u == 4) {
            append(t, sign ? "%+.0f %s" : "%.0f %s", size, units[u]);
            return;
        }
        size /= 1024;
    }
}

static void terminate(struct text *t)
{
    if (t->size)
        t->buf[t->len < t->size ? t->len : t->size - 1] = '\0';
}

size_t tmtrace_format_size(int64_t size, int sign, char *buf, size_t bufsize)
{
    struct text t = {buf, bufsize, 0};
    append_size(&t, (double)size, sign);
    terminate(&t);
    return t.len;
}

/* str(Traceback) is str(self[0]): the oldest frame. */
static void append_traceback(struct text *t, const tmtrace_traceback *tb)
{
    if (tb && tb->nframe)
        append(t, "%s:%u", tb->frames[0]->filename, tb->frames[0]->lineno);
}

static void append_average(struct text *t, size_t size, size_t count)
{
    /* Python's int / int is correctly rounded; long double keeps 64-bit sizes exact before the division. */
    if (count)
        append_size(t, (double)((long double)size / (long double)count), 0);
}

size_t tmtrace_statistic_format(const tmtrace_statistic *stat, char *buf, size_t bufsize)
{
    struct text t = {buf, bufsize, 0};
    append_traceback(&t, stat->traceback);
    append(&t, ": size=");
    append_size(&t, (double)stat->size, 0);
    append(&t, ", count=%zu", stat->count);
    if (stat->count) {
        append(&t, ", average=");
        append_average(&t, stat->size, stat->count);
    }
    append(&t, "\n");
    terminate(&t);
    return t.len;
}

size_t tmtrace_statistic_diff_format(const tmtrace_statistic_diff *diff, char *buf, size_t bufsize)
{
    struct text t = {buf, bufsize, 0};
    append_traceback(&t, diff->traceback);
    append(&t, ": size=");
    append_size(&t, (double)diff->size, 0);
    append(&t, " (");
    append_size(&t, (double)diff->size_diff, 1);
    append(&t, "), count=%zu (%+lld)", diff->count, (long long)diff->count_diff);
    if (diff->count) {
        append(&t, ", average=");
        append_average(&t, diff->size, diff->count);
    }
    append(&t, "\n");
    terminate(&t);
    return t.len;
}
