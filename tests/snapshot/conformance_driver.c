/* conformance_driver.c — builds snapshots from a text description of raw traces and prints what the model
 * computes (statistics, compare_to, filter_traces, Traceback.format), so that conformance.py can compare it
 * byte for byte with python3's own tracemalloc fed the same raw traces.
 *
 * Input, one record per line, fields separated by tabs:
 *   snapshot LIMIT                               starts a new snapshot (numbered from 0)
 *   trace DOMAIN SIZE TOTAL_NFRAME FILE LINE ...  frames most recent first
 *   stats SNAP KEY CUMULATIVE
 *   compare NEW OLD KEY CUMULATIVE
 *   filter SNAP KEY CUMULATIVE NFILTERS, then NFILTERS lines:
 *     F INCLUSIVE PATTERN LINENO ALL_FRAMES DOMAIN   (LINENO, DOMAIN: -1 for None)
 *     D INCLUSIVE DOMAIN
 *   format SNAP INDEX LIMIT MOST_RECENT_FIRST     Traceback.format of statistics(traceback)[INDEX]
 *   domain SNAP DOMAIN NAME                      names a domain (prints nothing more)
 *   dump SNAP PATH                               Snapshot.dump(PATH) (prints nothing more; tmtrace-diff tests)
 *   reload SNAP PATH                             dumps SNAP to PATH and replaces it by what loads back
 * Each query prints "# " and its line, then the result, one entry per line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tmtrace/tmtrace.h>

enum { MAX_FIELDS = 4096, MAX_SNAPSHOTS = 64 };

static tmtrace_snapshot *snapshots[MAX_SNAPSHOTS];
static size_t nsnapshots;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "conformance_driver: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(2);
}

static size_t split(char *line, char **fields)
{
    size_t n = 0;
    line[strcspn(line, "\n")] = '\0';
    for (char *p = line;; p++) {
        if (n == MAX_FIELDS)
            die("too many fields", NULL);
        fields[n++] = p;
        p = strchr(p, '\t');
        if (!p)
            return n;
        *p = '\0';
    }
}

static tmtrace_snapshot *snapshot_arg(const char *text)
{
    size_t i = strtoul(text, NULL, 10);
    if (i >= nsnapshots)
        die("no such snapshot", text);
    return snapshots[i];
}

static tmtrace_key key_arg(const char *text)
{
    tmtrace_key key;
    if (tmtrace_key_parse(text, &key) < 0)
        die("bad key", text);
    return key;
}

static void print_statistics(const tmtrace_statistics *stats)
{
    if (!stats)
        die("statistics failed", tmtrace_last_error());
    char buf[8192];
    for (size_t i = 0; i < stats->len; i++) {
        if (tmtrace_statistic_format(&stats->items[i], buf, sizeof buf) >= sizeof buf)
            die("statistic too long", NULL);
        fputs(buf, stdout);
    }
}

static void add_trace(char **f, size_t n)
{
    if (nsnapshots == 0 || n < 6 || (n - 4) % 2)
        die("bad trace line", f[0]);
    tmtrace_snapshot *snap = snapshots[nsnapshots - 1];
    int32_t ids[MAX_FIELDS / 2];
    size_t nframe = (n - 4) / 2;
    for (size_t i = 0; i < nframe; i++) {
        ids[i] = tmtrace_snapshot_add_frame(snap, f[4 + 2 * i], (unsigned)strtoul(f[5 + 2 * i], NULL, 10), 0, "", 0);
        if (ids[i] < 0)
            die("add_frame", tmtrace_last_error());
    }
    int32_t tb = tmtrace_snapshot_add_traceback(snap, ids, nframe, strtoul(f[3], NULL, 10));
    if (tb < 0 || tmtrace_snapshot_add_trace(snap, (unsigned)strtoul(f[1], NULL, 10), strtoull(f[2], NULL, 10), tb) < 0)
        die("add_trace", tmtrace_last_error());
}

int main(int argc, char **argv)
{
    FILE *in = argc > 1 ? fopen(argv[1], "r") : stdin;
    if (!in)
        die("cannot open", argv[1]);
    char *line = NULL, *echo = NULL;
    size_t cap = 0;
    static char *f[MAX_FIELDS];
    while (getline(&line, &cap, in) >= 0) {
        free(echo);
        echo = strdup(line);
        size_t n = split(line, f);
        if (strcmp(f[0], "snapshot") == 0 && n == 2) {
            if (nsnapshots == MAX_SNAPSHOTS)
                die("too many snapshots", NULL);
            snapshots[nsnapshots++] = tmtrace_snapshot_new((unsigned)strtoul(f[1], NULL, 10));
            continue;
        }
        if (strcmp(f[0], "trace") == 0) {
            add_trace(f, n);
            continue;
        }
        fputs("# ", stdout);
        fputs(echo, stdout);
        if (strcmp(f[0], "stats") == 0 && n == 4) {
            tmtrace_statistics *stats = tmtrace_snapshot_statistics(snapshot_arg(f[1]), key_arg(f[2]), atoi(f[3]));
            print_statistics(stats);
            tmtrace_statistics_free(stats);
        } else if (strcmp(f[0], "compare") == 0 && n == 5) {
            tmtrace_statistic_diffs *diffs =
                tmtrace_snapshot_compare_to(snapshot_arg(f[1]), snapshot_arg(f[2]), key_arg(f[3]), atoi(f[4]));
            if (!diffs)
                die("compare_to failed", tmtrace_last_error());
            char buf[8192];
            for (size_t i = 0; i < diffs->len; i++) {
                if (tmtrace_statistic_diff_format(&diffs->items[i], buf, sizeof buf) >= sizeof buf)
                    die("diff too long", NULL);
                fputs(buf, stdout);
            }
            tmtrace_statistic_diffs_free(diffs);
        } else if (strcmp(f[0], "filter") == 0 && n == 5) {
            tmtrace_snapshot *snap = snapshot_arg(f[1]);
            tmtrace_key key = key_arg(f[2]);
            int cumulative = atoi(f[3]);
            size_t nfilters = strtoul(f[4], NULL, 10);
            tmtrace_filter *filters = calloc(nfilters + 1, sizeof *filters);
            char **patterns = calloc(nfilters + 1, sizeof *patterns);
            for (size_t i = 0; i < nfilters; i++) {
                if (getline(&line, &cap, in) < 0)
                    die("missing filter line", NULL);
                fputs("# ", stdout);
                fputs(line, stdout);
                size_t m = split(line, f);
                if (strcmp(f[0], "F") == 0 && m == 6) {
                    patterns[i] = strdup(f[2]);
                    filters[i] = (tmtrace_filter){atoi(f[1]), patterns[i], atoi(f[3]), atoi(f[4]), atoll(f[5])};
                } else if (strcmp(f[0], "D") == 0 && m == 3) {
                    filters[i] = (tmtrace_filter){atoi(f[1]), NULL, -1, 0, atoll(f[2])};
                } else {
                    die("bad filter line", f[0]);
                }
            }
            tmtrace_snapshot *filtered = tmtrace_snapshot_filter_traces(snap, filters, nfilters);
            if (!filtered)
                die("filter_traces failed", tmtrace_last_error());
            tmtrace_statistics *stats = tmtrace_snapshot_statistics(filtered, key, cumulative);
            print_statistics(stats);
            tmtrace_statistics_free(stats);
            tmtrace_snapshot_free(filtered);
            for (size_t i = 0; i < nfilters; i++)
                free(patterns[i]);
            free(patterns);
            free(filters);
        } else if (strcmp(f[0], "format") == 0 && n == 5) {
            tmtrace_statistics *stats = tmtrace_snapshot_statistics(snapshot_arg(f[1]), TMTRACE_KEY_TRACEBACK, 0);
            size_t index = strtoul(f[2], NULL, 10);
            if (!stats || index >= stats->len)
                die("no such statistic", f[2]);
            if (tmtrace_traceback_format(stats->items[index].traceback, atoi(f[3]), atoi(f[4]), stdout) < 0)
                die("format failed", tmtrace_last_error());
            tmtrace_statistics_free(stats);
        } else if (strcmp(f[0], "domain") == 0 && n == 4) {
            if (tmtrace_snapshot_set_domain_name(snapshot_arg(f[1]), (unsigned)strtoul(f[2], NULL, 10), f[3]) < 0)
                die("set_domain_name failed", tmtrace_last_error());
        } else if (strcmp(f[0], "dump") == 0 && n == 3) {
            if (tmtrace_snapshot_dump(snapshot_arg(f[1]), f[2]) < 0)
                die("dump failed", tmtrace_last_error());
        } else if (strcmp(f[0], "reload") == 0 && n == 3) {
            size_t i = strtoul(f[1], NULL, 10);
            tmtrace_snapshot *loaded = NULL;
            if (tmtrace_snapshot_dump(snapshot_arg(f[1]), f[2]) < 0 || !(loaded = tmtrace_snapshot_load(f[2])))
                die("reload failed", tmtrace_last_error());
            tmtrace_snapshot_free(snapshots[i]);
            snapshots[i] = loaded;
        } else {
            die("bad query", f[0]);
        }
    }
    free(line);
    free(echo);
    for (size_t i = 0; i < nsnapshots; i++)
        tmtrace_snapshot_free(snapshots[i]);
    return 0;
}
