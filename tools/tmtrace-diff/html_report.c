/* html_report.c — the HTML page of tmtrace-diff --format html (see html_report.h): the document, its summaries
 * and tables, written from the model's statistics() and compare_to(); the flame graph's data comes from
 * flame_tree.c and frame_table.c, the styles and the drawing script from html/ (embedded at build time). */
#include "html_report.h"

#include <stdlib.h>
#include <string.h>

#include "flame_tree.h"
#include "frame_table.h"
#include "html_assets.h"
#include "text_escape.h"

struct page {
    FILE *out;
    const struct diff_options *opts;
    struct frame_table frames;
    int failed; /* a model call or an allocation failed: the message is printed, the page is abandoned */
};

static void fail(struct page *page, const char *what)
{
    if (!page->failed)
        fprintf(stderr, "tmtrace-diff: %s\n", what);
    page->failed = 1;
}

static void put_size(FILE *out, int64_t size, int sign)
{
    char buf[64];
    tmtrace_format_size(size, sign, buf, sizeof buf);
    fputs(buf, out);
}

/* ---- the document ---- */

static void page_begin(struct page *page, const char *title, const char *what)
{
    FILE *out = page->out;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", out);
    html_text(out, title);
    fputs("</title>\n<style>\n", out);
    fputs(tmtrace_report_css, out);
    fputs("</style>\n</head>\n<body>\n<header>\n<h1>", out);
    html_text(out, title);
    fprintf(out, "</h1>\n<p class=\"meta\">tmtrace-diff %s &middot; ", TMTRACE_VERSION_STRING);
    html_text(out, what);
    fprintf(out, " &middot; key %s%s</p>\n</header>\n", key_name(page->opts->key),
            page->opts->cumulative ? " (cumulative)" : "");
}

static void page_end(struct page *page)
{
    FILE *out = page->out;
    fputs("<script type=\"application/json\" id=\"tmtrace-frames\">", out);
    frame_table_write_json(out, &page->frames);
    fputs("</script>\n<script>\n", out);
    fputs(tmtrace_report_js, out);
    fputs("</script>\n</body>\n</html>\n", out);
}

/* ---- summary ---- */

struct domain_total {
    unsigned domain;
    uint64_t size[2], count[2]; /* [0] old, [1] new */
};

static int domain_order(const void *pa, const void *pb)
{
    const struct domain_total *a = pa, *b = pb;
    return a->domain < b->domain ? -1 : a->domain > b->domain;
}

/* Per-domain sizes and counts of old (may be NULL) and now, sorted by domain; NULL when out of memory. */
static struct domain_total *domain_totals(const tmtrace_snapshot *old, const tmtrace_snapshot *now, size_t *n)
{
    struct key_map ids = {0};
    struct domain_total *totals = NULL;
    size_t cap = 0;
    *n = 0;
    for (int which = 0; which < 2; which++) {
        const tmtrace_snapshot *snap = which ? now : old;
        for (size_t i = 0; snap && i < tmtrace_snapshot_ntraces(snap); i++) {
            unsigned domain;
            size_t size;
            tmtrace_snapshot_trace(snap, i, &domain, &size, NULL);
            uint64_t key[3] = {domain, 0, 0};
            int added;
            int64_t id = key_map_intern(&ids, key, &added);
            if (id >= 0 && added && *n == cap) {
                cap = cap ? cap * 2 : 8;
                struct domain_total *grown = realloc(totals, cap * sizeof *grown);
                id = grown ? id : -1;
                totals = grown ? grown : totals;
            }
            if (id < 0) {
                free(totals);
                key_map_free(&ids);
                return NULL;
            }
            if (added)
                totals[(*n)++] = (struct domain_total){.domain = domain};
            totals[id].size[which] += size;
            totals[id].count[which]++;
        }
    }
    key_map_free(&ids);
    if (!totals)
        totals = calloc(1, sizeof *totals); /* no traces: an empty, non-NULL list */
    else
        qsort(totals, *n, sizeof *totals, domain_order);
    return totals;
}

static const char *domain_label(const tmtrace_snapshot *old, const tmtrace_snapshot *now, unsigned domain)
{
    const char *name = tmtrace_snapshot_domain_name(now, domain);
    if (!name && old)
        name = tmtrace_snapshot_domain_name(old, domain);
    return name ? name : domain == 0 ? "C heap" : "";
}

/* "12.1 KiB (12345 B), count 7" and, for a comparison, "12.1 KiB (12345 B; +240 B), count 7 (+3)": the exact
 * bytes only when the formatted size rounds them. No count when count is NULL. */
static void put_amount(FILE *out, const uint64_t size[2], const uint64_t count[2], int is_diff)
{
    char text[64], exact[64];
    tmtrace_format_size((int64_t)size[1], 0, text, sizeof text);
    snprintf(exact, sizeof exact, "%llu B", (unsigned long long)size[1]);
    fprintf(out, "<span class=\"num\">%s</span>", text);
    int rounded = strcmp(text, exact) != 0;
    if (rounded || is_diff)
        fprintf(out, " (%s%s", rounded ? exact : "", rounded && is_diff ? "; " : "");
    if (is_diff)
        put_size(out, (int64_t)(size[1] - size[0]), 1);
    if (rounded || is_diff)
        fputc(')', out);
    if (!count)
        return;
    fprintf(out, ", count <span class=\"num\">%llu</span>", (unsigned long long)count[1]);
    if (is_diff)
        fprintf(out, " (%+lld)", (long long)(count[1] - count[0]));
}

static void put_memory(FILE *out, const char *label, const tmtrace_snapshot *snap)
{
    size_t current, peak;
    tmtrace_snapshot_traced_memory(snap, &current, &peak);
    fprintf(out, "<tr><th>%s</th><td>", label);
    if (peak) {
        uint64_t peak_size[2] = {0, peak}, current_size[2] = {0, current};
        fputs("peak ", out);
        put_amount(out, peak_size, NULL, 0);
        fputs(", traced when taken ", out);
        put_amount(out, current_size, NULL, 0);
    } else {
        fputs("not recorded", out);
    }
    fputs("</td></tr>\n", out);
}

static void write_summary(struct page *page, const tmtrace_snapshot *old, const tmtrace_snapshot *now)
{
    FILE *out = page->out;
    size_t ndomains;
    struct domain_total *domains = domain_totals(old, now, &ndomains);
    if (!domains) {
        fail(page, "out of memory");
        return;
    }
    struct domain_total all = {0};
    for (size_t i = 0; i < ndomains; i++)
        for (int w = 0; w < 2; w++)
            all.size[w] += domains[i].size[w], all.count[w] += domains[i].count[w];
    fputs("<table class=\"summary\">\n<tr><th>Total</th><td class=\"total\">", out);
    put_amount(out, all.size, all.count, old != NULL);
    fputs("</td></tr>\n", out);
    if (old) {
        fputs("<tr><th>Before</th><td>", out);
        uint64_t size[2] = {0, all.size[0]}, count[2] = {0, all.count[0]};
        put_amount(out, size, count, 0);
        fputs("</td></tr>\n", out);
        put_memory(out, "Memory before", old);
    }
    put_memory(out, old ? "Memory after" : "Memory", now);
    fprintf(out, "<tr><th>Traceback limit</th><td>%u frames", tmtrace_snapshot_traceback_limit(now));
    if (old && tmtrace_snapshot_traceback_limit(old) != tmtrace_snapshot_traceback_limit(now))
        fprintf(out, " (before: %u)", tmtrace_snapshot_traceback_limit(old));
    fputs("</td></tr>\n<tr><th>Domains</th><td><ul class=\"domains\">", out);
    for (size_t i = 0; i < ndomains; i++) {
        fprintf(out, "<li>%u", domains[i].domain);
        const char *label = domain_label(old, now, domains[i].domain);
        if (*label) {
            fputs(" &ldquo;", out);
            html_text(out, label);
            fputs("&rdquo;", out);
        }
        fputs(": ", out);
        put_amount(out, domains[i].size, domains[i].count, old != NULL);
        fputs("</li>", out);
    }
    if (!ndomains)
        fputs("<li>no traces</li>", out);
    fputs("</ul></td></tr>\n</table>\n", out);
    free(domains);
}

/* ---- the flame graph ---- */

static void write_flame(struct page *page, const tmtrace_snapshot *old, const tmtrace_snapshot *now)
{
    FILE *out = page->out;
    fprintf(out, "<div class=\"flame\">\n<div class=\"flame-bar\"><input type=\"search\" class=\"flame-search\" "
                 "placeholder=\"Highlight frames: file, line or function (regular expression)\">"
                 "<button type=\"button\" class=\"flame-reset\">Reset zoom</button>"
                 "<span class=\"flame-status\"></span>%s</div>\n"
                 "<div class=\"flame-frame\"><canvas class=\"flame-canvas\"></canvas>"
                 "<div class=\"flame-tip\" hidden></div></div>\n"
                 "<script type=\"application/json\" class=\"flame-data\">",
            old ? "<span class=\"legend\"><i class=\"grow\"></i>growth <i class=\"shrink\"></i>shrinkage</span>"
                : "");
    long nodes;
    if (old) {
        tmtrace_statistic_diffs *diffs = tmtrace_snapshot_compare_to(now, old, TMTRACE_KEY_TRACEBACK, 0);
        nodes = diffs ? flame_tree_write_differences(out, &page->frames, diffs) : -2;
        tmtrace_statistic_diffs_free(diffs);
    } else {
        tmtrace_statistics *stats = tmtrace_snapshot_statistics(now, TMTRACE_KEY_TRACEBACK, 0);
        nodes = stats ? flame_tree_write_statistics(out, &page->frames, stats) : -2;
        tmtrace_statistics_free(stats);
    }
    if (nodes < 0)
        fail(page, nodes == -2 ? tmtrace_last_error() : "out of memory");
    fputs("</script>\n</div>\n", out);
}

/* ---- top statistics tables ---- */

/* The fields of str(Statistic) / str(StatisticDiff): "LOCATION: size=S[ (SD)], count=C[ (CD)][, average=A]\n".
 * Pointers into the text, which is cut into NUL-terminated pieces; NULL where the field is absent. */
struct statistic_fields {
    char *location, *size, *size_diff, *count, *count_diff, *average;
};

static int split_statistic(char *text, int is_diff, struct statistic_fields *f)
{
    memset(f, 0, sizeof *f);
    char *size = NULL;
    for (char *p = strstr(text, ": size="); p; p = strstr(p + 1, ": size=")) /* the location may hold one */
        size = p;
    if (!size)
        return -1;
    *size = '\0';
    f->location = text;
    f->size = size + strlen(": size=");
    char *count = strstr(f->size, ", count=");
    if (!count)
        return -1;
    *count = '\0';
    f->count = count + strlen(", count=");
    char *average = strstr(f->count, ", average=");
    if (average) {
        *average = '\0';
        f->average = average + strlen(", average=");
    }
    char *end = f->average ? f->average : f->count;
    end[strcspn(end, "\n")] = '\0';
    if (is_diff) {
        char *open;
        if (!(open = strstr(f->size, " (")) || !strchr(open, ')'))
            return -1;
        *open = '\0', *strchr(open + 2, ')') = '\0';
        f->size_diff = open + 2;
        if (!(open = strstr(f->count, " (")) || !strchr(open, ')'))
            return -1;
        *open = '\0', *strchr(open + 2, ')') = '\0';
        f->count_diff = open + 2;
    }
    return 0;
}

static void cell(FILE *out, const char *cls, long double sort_value, const char *text)
{
    fprintf(out, "<td class=\"%s\" data-v=\"%.17Lg\">", cls, sort_value);
    html_text(out, text ? text : "");
    fputs("</td>", out);
}

/* Under the location: the function and source line for key lineno, the whole Traceback.format for traceback. */
static void location_details(struct page *page, tmtrace_key key, const tmtrace_traceback *tb)
{
    FILE *out = page->out;
    if (key == TMTRACE_KEY_TRACEBACK) {
        char *text = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&text, &len);
        if (!mem || tmtrace_traceback_format(tb, 0, 0, mem) < 0 || fclose(mem) != 0) {
            fail(page, "out of memory");
            free(text);
            return;
        }
        fputs("<pre class=\"tb\">", out);
        html_text_n(out, text, len);
        fputs("</pre>", out);
        free(text);
    } else if (key == TMTRACE_KEY_LINENO) {
        const tmtrace_frame *frame = tmtrace_traceback_frame(tb, tmtrace_traceback_nframe(tb) - 1);
        int64_t id = frame_table_add(&page->frames, frame);
        if (id < 0) {
            fail(page, "out of memory");
            return;
        }
        const char *source = page->frames.strings.strings[page->frames.source_ids[id]];
        if (*frame->function || *source) {
            fputs("<div class=\"src\">", out);
            if (*frame->function) {
                fputs("<span class=\"fn\">", out);
                html_text(out, frame->function);
                fputs("</span> ", out);
            }
            if (*source) {
                fputs("<code>", out);
                html_text(out, source);
                fputs("</code>", out);
            }
            fputs("</div>", out);
        }
    }
}

/* One row of a statistics table; text is str(Statistic) or str(StatisticDiff), malloc'd, and freed here. */
static void table_row(struct page *page, tmtrace_key key, size_t rank, const tmtrace_traceback *tb, char *text,
                      size_t size, int64_t size_diff, size_t count, int64_t count_diff, int is_diff)
{
    FILE *out = page->out;
    struct statistic_fields f;
    if (!text || split_statistic(text, is_diff, &f) < 0) {
        fail(page, text ? "unexpected statistic text" : "out of memory");
        free(text);
        return;
    }
    fprintf(out, "<tr><td class=\"rank\" data-v=\"%zu\">%zu</td><td class=\"loc\" data-v=\"", rank, rank);
    html_text(out, f.location);
    fputs("\"><span class=\"where\">", out);
    html_text(out, f.location);
    fputs("</span>", out);
    location_details(page, key, tb);
    fputs("</td>", out);
    cell(out, "size", size, f.size);
    if (is_diff)
        cell(out, "size-diff", size_diff, f.size_diff);
    cell(out, "count", count, f.count);
    if (is_diff)
        cell(out, "count-diff", count_diff, f.count_diff);
    cell(out, "average", count ? (long double)size / count : 0, f.average);
    fputs("</tr>\n", out);
    free(text);
}

static void write_table(struct page *page, tmtrace_key key, const tmtrace_snapshot *old,
                        const tmtrace_snapshot *now)
{
    FILE *out = page->out;
    int cumulative = key != TMTRACE_KEY_TRACEBACK && page->opts->cumulative; /* refused with traceback */
    tmtrace_statistics *stats = old ? NULL : tmtrace_snapshot_statistics(now, key, cumulative);
    tmtrace_statistic_diffs *diffs = old ? tmtrace_snapshot_compare_to(now, old, key, cumulative) : NULL;
    if (!stats && !diffs) {
        fail(page, tmtrace_last_error());
        return;
    }
    size_t len = stats ? stats->len : diffs->len, n = entries_shown(page->opts, len);
    fprintf(out, "<div class=\"stats\" data-key=\"%s\"%s>\n<p class=\"caption\">Top %zu of %zu by %s%s</p>\n"
                 "<table class=\"sortable\"><thead><tr><th data-type=\"num\">#</th>"
                 "<th data-type=\"text\">Location</th><th data-type=\"num\">Size</th>%s"
                 "<th data-type=\"num\">Count</th>%s<th data-type=\"num\">Average</th></tr></thead>\n<tbody>\n",
            key_name(key), key == page->opts->key ? "" : " hidden", n, len, key_name(key),
            cumulative ? " (cumulative)" : "", diffs ? "<th data-type=\"num\">Size diff</th>" : "",
            diffs ? "<th data-type=\"num\">Count diff</th>" : "");
    for (size_t i = 0; i < n && !page->failed; i++) {
        if (stats) {
            const tmtrace_statistic *s = &stats->items[i];
            table_row(page, key, i + 1, s->traceback, statistic_text(s), s->size, 0, s->count, 0, 0);
        } else {
            const tmtrace_statistic_diff *d = &diffs->items[i];
            table_row(page, key, i + 1, d->traceback, statistic_diff_text(d), d->size, d->size_diff, d->count,
                      d->count_diff, 1);
        }
    }
    fputs("</tbody></table>\n</div>\n", out);
    tmtrace_statistics_free(stats);
    tmtrace_statistic_diffs_free(diffs);
}

static void write_section(struct page *page, const char *id, const char *heading, const tmtrace_snapshot *old,
                          const tmtrace_snapshot *now)
{
    FILE *out = page->out;
    fprintf(out, "<section class=\"report\" id=\"%s\">\n<h2>", id);
    html_text(out, heading);
    fputs("</h2>\n", out);
    write_summary(page, old, now);
    fputs("<h3>Flame graph by traceback</h3>\n", out);
    write_flame(page, old, now);
    fputs("<h3>Top statistics</h3>\n<div class=\"tabs\">", out);
    static const tmtrace_key keys[] = {TMTRACE_KEY_LINENO, TMTRACE_KEY_FILENAME, TMTRACE_KEY_TRACEBACK};
    for (size_t k = 0; k < 3; k++)
        fprintf(out, "<button type=\"button\" data-key=\"%s\"%s>by %s</button>", key_name(keys[k]),
                keys[k] == page->opts->key ? " class=\"active\"" : "", key_name(keys[k]));
    fputs("</div>\n", out);
    for (size_t k = 0; k < 3 && !page->failed; k++)
        write_table(page, keys[k], old, now);
    fputs("</section>\n", out);
}

static int finish(struct page *page)
{
    if (!page->failed)
        page_end(page);
    frame_table_free(&page->frames);
    return page->failed ? 2 : 0;
}

int html_statistics(FILE *out, const struct diff_options *opts, const char *path, const tmtrace_snapshot *snap)
{
    struct page page = {out, opts, {0}, 0};
    page_begin(&page, "tmtrace report", path);
    write_section(&page, "snapshot", path, NULL, snap);
    return finish(&page);
}

int html_differences(FILE *out, const struct diff_options *opts, const char *old_path, const char *new_path,
                     const tmtrace_snapshot *old, const tmtrace_snapshot *now)
{
    size_t len = strlen(old_path) + strlen(new_path) + 8;
    char *what = malloc(len);
    if (!what) {
        fputs("tmtrace-diff: out of memory\n", stderr);
        return 2;
    }
    snprintf(what, len, "%s \xe2\x86\x92 %s", old_path, new_path); /* U+2192 RIGHTWARDS ARROW */
    struct page page = {out, opts, {0}, 0};
    page_begin(&page, "tmtrace differences", what);
    write_section(&page, "compare", what, old, now);
    free(what);
    return finish(&page);
}

/* The test's peak above the memory traced when it started: the listener resets the peak as the test starts. */
static int64_t test_peak(const struct test_row *row)
{
    size_t before_current, before_peak, after_current, after_peak;
    tmtrace_snapshot_traced_memory(row->before, &before_current, &before_peak);
    tmtrace_snapshot_traced_memory(row->after, &after_current, &after_peak);
    if (!after_peak)
        return -1;
    return after_peak > before_current ? (int64_t)(after_peak - before_current) : 0;
}

int html_tests(FILE *out, const struct diff_options *opts, const struct test_row *rows, size_t nrows,
               int64_t total_size_diff, int64_t total_count_diff)
{
    struct page page = {out, opts, {0}, 0};
    char what[64];
    snprintf(what, sizeof what, "%zu tests", nrows);
    nrows = opts->limit_given ? entries_shown(opts, nrows) : nrows; /* as the text output: all unless --limit */
    page_begin(&page, "tmtrace per-test report", what);
    fputs("<section class=\"tests\" id=\"tests\">\n<h2>Tests by leaked bytes</h2>\n<p class=\"total\">All tests: ",
          out);
    put_size(out, total_size_diff, 1);
    fprintf(out, " (%lld B) in %+lld blocks</p>\n", (long long)total_size_diff, (long long)total_count_diff);
    fputs("<table class=\"sortable\"><thead><tr><th data-type=\"num\">#</th><th data-type=\"text\">Test</th>"
          "<th data-type=\"num\">Leaked</th><th data-type=\"num\">Blocks</th>"
          "<th data-type=\"num\">Peak above start</th><th data-type=\"text\">Top difference</th></tr></thead>\n"
          "<tbody>\n", out);
    for (size_t i = 0; i < nrows; i++) {
        const struct test_row *r = &rows[i];
        fprintf(out, "<tr><td class=\"rank\" data-v=\"%zu\">%zu</td><td class=\"test\" data-v=\"", i + 1, i + 1);
        html_text(out, r->display);
        fprintf(out, "\"><a href=\"#test-%zu\">", i + 1);
        html_text(out, r->display);
        fprintf(out, "</a></td><td class=\"size-diff\" data-v=\"%lld\">", (long long)r->size_diff);
        put_size(out, r->size_diff, 1);
        fprintf(out, "</td><td class=\"count-diff\" data-v=\"%lld\">%+lld</td>", (long long)r->count_diff,
                (long long)r->count_diff);
        int64_t peak = test_peak(r);
        fprintf(out, "<td class=\"peak\" data-v=\"%lld\">", (long long)peak);
        if (peak >= 0)
            put_size(out, peak, 0);
        else
            fputs("not recorded", out);
        fputs("</td><td class=\"top\" data-v=\"\">", out);
        if (r->diffs->len && (r->diffs->items[0].size_diff || r->diffs->items[0].count_diff)) {
            char *text = statistic_diff_text(&r->diffs->items[0]);
            if (!text) {
                fail(&page, "out of memory");
                break;
            }
            text[strcspn(text, "\n")] = '\0';
            fputs("<code>", out);
            html_text(out, text);
            fputs("</code>", out);
            free(text);
        }
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n</section>\n", out);
    for (size_t i = 0; i < nrows && !page.failed; i++) {
        char id[32];
        snprintf(id, sizeof id, "test-%zu", i + 1);
        write_section(&page, id, rows[i].display, rows[i].before, rows[i].after);
        fputs("<p class=\"back\"><a href=\"#tests\">&uarr; all tests</a></p>\n", out);
    }
    return finish(&page);
}
