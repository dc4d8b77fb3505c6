/* snapshot_scale.c — the snapshot model at scale: building a 1M-trace snapshot through the builder API (what
 * tmtrace_take_snapshot() does after copying the tracer's tables), statistics and compare_to of 1M vs 1M
 * (budget 300 ms), dump and load throughput (budget >= 200 MB/s) and the model's bytes per trace (budget 32 at
 * frames=1). Each timing is the best of 3 runs. Usage: snapshot_scale [NTRACES [NSITES [FRAMES [DIR]]]] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <tmtrace/tmtrace.h>

#include "snapshot_internal.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t next_random(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* ntraces traces over nsites allocation sites, each with a call chain of `frames` frames; `variant` changes
 * about 1% of the traces, as a second snapshot taken a little later would. */
static tmtrace_snapshot *build(size_t ntraces, size_t nsites, size_t frames, int variant, double *ms)
{
    double start = now_ms();
    tmtrace_snapshot *snap = tmtrace_snapshot_new((unsigned)frames);
    int32_t *tracebacks = malloc(nsites * sizeof *tracebacks);
    int32_t *ids = malloc(frames * sizeof *ids);
    char file[64], function[64];
    for (size_t s = 0; s < nsites; s++) {
        for (size_t f = 0; f < frames; f++) {
            size_t site = f == 0 ? s : (s * 31 + f * 7) % (nsites / 4 + 1); /* callers are shared */
            snprintf(file, sizeof file, "/src/project/module%zu/file%zu.c", site % 97, site % 1013);
            snprintf(function, sizeof function, "function_%zu", site);
            ids[f] = tmtrace_snapshot_add_frame(snap, file, (unsigned)(site % 5000 + 1), 5, function, 0);
        }
        tracebacks[s] = tmtrace_snapshot_add_traceback(snap, ids, frames, frames);
    }
    rng_state = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < ntraces; i++) {
        uint64_t r = next_random();
        size_t site = r % nsites, size = 16 + (r >> 32) % 512;
        if (variant && (r >> 20) % 100 == 0)
            size += 64, site = (site + 1) % nsites;
        if (tmtrace_snapshot_add_trace(snap, 0, size, tracebacks[site]) < 0) {
            fprintf(stderr, "snapshot_scale: %s\n", tmtrace_last_error());
            exit(1);
        }
    }
    free(ids);
    free(tracebacks);
    *ms = now_ms() - start;
    return snap;
}

static double best_of_3(double (*run)(void *), void *arg)
{
    double best = 1e18;
    for (int i = 0; i < 3; i++) {
        double t = run(arg);
        if (t < best)
            best = t;
    }
    return best;
}

struct pair {
    tmtrace_snapshot *a, *b;
    tmtrace_key key;
    const char *path;
};

static double run_statistics(void *arg)
{
    struct pair *p = arg;
    double start = now_ms();
    tmtrace_statistics_free(tmtrace_snapshot_statistics(p->a, p->key, 0));
    return now_ms() - start;
}

static double run_compare(void *arg)
{
    struct pair *p = arg;
    double start = now_ms();
    tmtrace_statistic_diffs *d = tmtrace_snapshot_compare_to(p->b, p->a, p->key, 0);
    double t = now_ms() - start;
    if (!d) {
        fprintf(stderr, "snapshot_scale: %s\n", tmtrace_last_error());
        exit(1);
    }
    tmtrace_statistic_diffs_free(d);
    return t;
}

static double run_dump(void *arg)
{
    struct pair *p = arg;
    double start = now_ms();
    if (tmtrace_snapshot_dump(p->a, p->path) < 0) {
        fprintf(stderr, "snapshot_scale: %s\n", tmtrace_last_error());
        exit(1);
    }
    return now_ms() - start;
}

static double run_load(void *arg)
{
    struct pair *p = arg;
    double start = now_ms();
    tmtrace_snapshot *s = tmtrace_snapshot_load(p->path);
    double t = now_ms() - start;
    if (!s) {
        fprintf(stderr, "snapshot_scale: %s\n", tmtrace_last_error());
        exit(1);
    }
    tmtrace_snapshot_free(s);
    return t;
}

int main(int argc, char **argv)
{
    size_t ntraces = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    size_t nsites = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000;
    size_t frames = argc > 3 ? strtoul(argv[3], NULL, 10) : 1;
    const char *dir = argc > 4 ? argv[4] : "/tmp";
    if (!ntraces || !nsites || !frames) {
        fputs("usage: snapshot_scale [NTRACES [NSITES [FRAMES [DIR]]]] (all > 0)\n", stderr);
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/snapshot_scale.%d.tmsnap", dir, (int)getpid());

    double build_a, build_b;
    tmtrace_snapshot *a = build(ntraces, nsites, frames, 0, &build_a);
    tmtrace_snapshot *b = build(ntraces, nsites, frames, 1, &build_b);
    printf("snapshot_scale: %zu traces, %zu sites, %zu frames per traceback\n", ntraces, nsites, frames);
    printf("  build (builder API)          %8.1f ms\n", build_a < build_b ? build_a : build_b);
    printf("  model memory                 %8.1f B per trace\n",
           (double)tm_snapshot_memory_usage(a) / (double)ntraces);
    static const char *const key_names[] = {"filename", "lineno", "traceback"};
    for (int key = TMTRACE_KEY_FILENAME; key <= TMTRACE_KEY_TRACEBACK; key++) {
        struct pair p = {a, b, (tmtrace_key)key, NULL};
        printf("  statistics(%-9s)        %8.1f ms\n", key_names[key], best_of_3(run_statistics, &p));
        printf("  compare_to(%-9s) 1M vs 1M %6.1f ms\n", key_names[key], best_of_3(run_compare, &p));
    }
    struct pair p = {a, b, TMTRACE_KEY_LINENO, path};
    double dump_ms = best_of_3(run_dump, &p);
    struct stat st;
    stat(path, &st);
    double mb = (double)st.st_size / 1e6;
    double load_ms = best_of_3(run_load, &p);
    printf("  file                         %8.1f MB (%.1f B per trace)\n", mb, (double)st.st_size / (double)ntraces);
    printf("  dump                         %8.1f ms  %7.0f MB/s\n", dump_ms, mb / (dump_ms / 1e3));
    printf("  load                         %8.1f ms  %7.0f MB/s\n", load_ms, mb / (load_ms / 1e3));
    unlink(path);
    tmtrace_snapshot_free(a);
    tmtrace_snapshot_free(b);
    return 0;
}
