/* threads_stress.c <threads> <milliseconds> — worker threads allocate, reallocate and free each other's blocks
 * through shared slots while a controller thread takes snapshots (each checked for internal consistency), stops
 * and restarts tracing, clears traces and resets the peak. Afterwards: traced memory equals the sum of the live
 * traces, threads that exit with live blocks leave exactly their traces, and thread-specific-data destructors
 * (which run after the tracer's own thread-exit hook) free and allocate with exact accounting. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "reliability.h"

enum { NSLOTS = 2048, MAX_THREADS = 16 };
static _Atomic(void *) slots[NSLOTS];
static atomic_int stop_workers;

/* Each site allocates sizes from its own range, so a snapshot can tell a trace from an invented one. */
enum { MALLOC_MIN = 1, CALLOC_MIN = 601, REALLOC_MIN = 1201, RANGE = 600 };
enum { LINE_MALLOC = __LINE__ + 1 };
static void *churn_malloc(size_t size) { return malloc(size); }
enum { LINE_CALLOC = __LINE__ + 1 };
static void *churn_calloc(size_t size) { return calloc(1, size); }
enum { LINE_REALLOC = __LINE__ + 1 };
static void *churn_realloc(void *old, size_t size) { return realloc(old, size); }

static void *worker(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg * 7919u + 1;
    while (!atomic_load_explicit(&stop_workers, memory_order_relaxed)) {
        unsigned slot = (unsigned)rand_r(&seed) % NSLOTS;
        size_t offset = (size_t)rand_r(&seed) % RANGE;
        void *fresh = NULL;
        switch (rand_r(&seed) % 4) {
        case 0:
            fresh = churn_malloc(MALLOC_MIN + offset);
            break;
        case 1:
            fresh = churn_calloc(CALLOC_MIN + offset);
            break;
        case 2: /* grows or shrinks a block another thread probably allocated */
            fresh = churn_realloc(atomic_exchange(&slots[slot], NULL), REALLOC_MIN + offset);
            break;
        default: /* frees it: a cross-thread free */
            break;
        }
        free(atomic_exchange(&slots[slot], fresh));
    }
    return NULL;
}

static int size_fits_line(size_t size, unsigned line)
{
    size_t min = line == LINE_MALLOC ? MALLOC_MIN : line == LINE_CALLOC ? CALLOC_MIN : REALLOC_MIN;
    return size >= min && size < min + RANGE;
}

/* A snapshot taken mid-run: every trace of this file comes from a churn site with a size that site allocates,
 * and the model's statistics add up to its traces. (A snapshot is not atomic: a block freed after its table
 * was copied and its replacement copied later from another table are both in it, so the number of traces is
 * not bounded by the number of slots.) */
static void check_mid_run_snapshot(const tmtrace_snapshot *snap, unsigned limit)
{
    size_t total = 0;
    for (size_t i = 0; i < tmtrace_snapshot_ntraces(snap); i++) {
        unsigned domain;
        size_t size;
        const tmtrace_traceback *tb;
        tmtrace_snapshot_trace(snap, i, &domain, &size, &tb);
        total += size;
        CHECK(tmtrace_traceback_nframe(tb) >= 1 && tmtrace_traceback_nframe(tb) <= limit, "nframe %zu, limit %u",
              tmtrace_traceback_nframe(tb), limit);
        const tmtrace_frame *frame = allocation_frame(tb);
        /* (Other lines of this file hold what libc allocated for them, e.g. pthread_create's thread data.) */
        if (strcmp(base_name(frame->filename), base_name(__FILE__)) != 0 ||
            (frame->lineno != LINE_MALLOC && frame->lineno != LINE_CALLOC && frame->lineno != LINE_REALLOC))
            continue;
        CHECK(size_fits_line(size, frame->lineno), "size %zu from line %u", size, frame->lineno);
    }
    tmtrace_statistics *stats = tmtrace_snapshot_statistics(snap, TMTRACE_KEY_FILENAME, 0);
    CHECK(stats != NULL, "statistics: %s", tmtrace_last_error());
    size_t grouped = 0, count = 0;
    for (size_t i = 0; i < stats->len; i++) {
        grouped += stats->items[i].size;
        count += stats->items[i].count;
    }
    CHECK(grouped == total && count == tmtrace_snapshot_ntraces(snap), "statistics %zu B in %zu, traces %zu B in %zu",
          grouped, count, total, tmtrace_snapshot_ntraces(snap));
    tmtrace_statistics_free(stats);
}

struct controller_args {
    int nthreads;
    long milliseconds;
    int restart; /* also stop and restart tracing (with another limit) */
    int clear;   /* also clear the traces and reset the peak */
    unsigned snapshots, clears, restarts, peak_resets;
};

enum { MIN_ROUNDS = 22 }; /* two restarts (every 11th round), three clears (every 7th) */

static long elapsed_ms(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

static void *controller(void *arg)
{
    struct controller_args *c = arg;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    unsigned limit = 25;
    /* For its time, and at least MIN_ROUNDS rounds: a slow machine (a TSan build, a busy VM) still gets every
     * kind of disturbance more than once. */
    for (unsigned round = 1; elapsed_ms(&t0) < c->milliseconds || round <= MIN_ROUNDS; round++) {
        tmtrace_snapshot *snap = snapshot_or_die();
        CHECK(tmtrace_snapshot_traceback_limit(snap) == limit, "limit %u", tmtrace_snapshot_traceback_limit(snap));
        check_mid_run_snapshot(snap, limit);
        tmtrace_snapshot_free(snap);
        c->snapshots++;
        size_t current, peak;
        tmtrace_get_traced_memory(&current, &peak);
        CHECK(peak >= current, "peak %zu < current %zu", peak, current);
        if (c->clear && round % 5 == 0) {
            tmtrace_reset_peak();
            c->peak_resets++;
        }
        if (c->clear && round % 7 == 0) {
            tmtrace_clear_traces();
            c->clears++;
        }
        if (c->restart && round % 11 == 0) { /* blocks allocated before the stop are freed untraced afterwards */
            tmtrace_stop();
            CHECK(!tmtrace_is_tracing() && tmtrace_take_snapshot() == NULL, "still tracing after stop");
            usleep(1000);
            limit = limit == 25 ? 1 : 25;
            CHECK(tmtrace_start((int)limit) == 0, "start: %s", tmtrace_last_error());
            c->restarts++;
        }
    }
    return NULL;
}

/* Frees every block still in a slot: current stays the sum of the traces, and no churn trace is left. */
static void free_slots_leaving_no_churn_trace(const char *when)
{
    for (int i = 0; i < NSLOTS; i++)
        free(atomic_exchange(&slots[i], NULL));
    check_current_is_sum_of_traces(when);
    tmtrace_snapshot *snap = snapshot_or_die();
    struct traces_total churn = traces_at(snap, __FILE__, LINE_MALLOC);
    churn.count += traces_at(snap, __FILE__, LINE_CALLOC).count + traces_at(snap, __FILE__, LINE_REALLOC).count;
    CHECK(churn.count == 0, "%s: %zu churn traces outlive their blocks", when, churn.count);
    tmtrace_snapshot_free(snap);
}

/* Threads that exit while their blocks live on: thread i leaves i+1 blocks of 1000+i bytes. */
enum { LINE_EXIT_SITE = __LINE__ + 1 };
static void *exit_with_live_blocks_site(size_t size) { return malloc(size); }
static void *leaving_blocks[MAX_THREADS * (MAX_THREADS + 1) / 2];

static void *exit_with_live_blocks(void *arg)
{
    uintptr_t i = (uintptr_t)arg;
    for (uintptr_t k = 0; k <= i; k++)
        leaving_blocks[i * (i + 1) / 2 + k] = exit_with_live_blocks_site(1000 + i);
    return NULL;
}

/* Thread-specific data whose destructor frees the thread's blocks and allocates one block that outlives it. */
static pthread_key_t tsd_key;
static _Atomic(void *) from_destructors[MAX_THREADS];
static atomic_int destructors_run;
enum { LINE_TSD_BLOCK = __LINE__ + 1 };
static void *tsd_block(size_t size) { return malloc(size); }
enum { LINE_DESTRUCTOR_BLOCK = __LINE__ + 1 };
static void *destructor_block(void) { return malloc(77); }

static void free_thread_blocks(void *blocks)
{
    void **list = blocks;
    for (int k = 0; k < 8; k++)
        free(list[k]);
    free(list);
    int n = atomic_fetch_add(&destructors_run, 1);
    atomic_store(&from_destructors[n], destructor_block());
}

static void *with_thread_specific_data(void *arg)
{
    (void)arg;
    void **list = tsd_block(8 * sizeof(void *));
    for (int k = 0; k < 8; k++)
        list[k] = tsd_block(300 + (size_t)k);
    pthread_setspecific(tsd_key, list);
    return NULL;
}

static void run_threads(int n, void *(*body)(void *))
{
    pthread_t threads[MAX_THREADS];
    for (int i = 0; i < n; i++)
        CHECK(pthread_create(&threads[i], NULL, body, (void *)(uintptr_t)i) == 0, "pthread_create");
    for (int i = 0; i < n; i++)
        pthread_join(threads[i], NULL);
}

/* Workers churn until the controller has run for its time. */
static void churn_against(struct controller_args *control)
{
    pthread_t workers[MAX_THREADS], controller_thread;
    atomic_store(&stop_workers, 0);
    for (int i = 0; i < control->nthreads; i++)
        CHECK(pthread_create(&workers[i], NULL, worker, (void *)(uintptr_t)i) == 0, "pthread_create");
    CHECK(pthread_create(&controller_thread, NULL, controller, control) == 0, "pthread_create");
    pthread_join(controller_thread, NULL);
    atomic_store(&stop_workers, 1);
    for (int i = 0; i < control->nthreads; i++)
        pthread_join(workers[i], NULL);
}

int main(int argc, char **argv)
{
    CHECK(argc == 3, "usage: threads_stress <threads> <milliseconds>");
    int nthreads = atoi(argv[1]);
    CHECK(nthreads >= 1 && nthreads <= MAX_THREADS, "threads %d", nthreads);
    start_watchdog(60);
    tmtrace_stop(); /* start() while tracing keeps the limit, as in tracemalloc */
    CHECK(tmtrace_start(25) == 0, "start: %s", tmtrace_last_error());

    /* Phase 1 restarts tracing under the churn, phase 2 clears under it. A free while stopped forgets nothing,
     * so a block recorded after tmtrace_stop() swept the tables would keep its trace for good: after each
     * phase, with every block freed, no churn trace may be left. */
    long milliseconds = atol(argv[2]);
    struct controller_args restarts = {nthreads, milliseconds / 2, 1, 1, 0, 0, 0, 0};
    churn_against(&restarts);
    CHECK(restarts.snapshots >= 12 && restarts.restarts >= 1 && restarts.clears >= 1,
          "only %u snapshots, %u restarts, %u clears", restarts.snapshots, restarts.restarts, restarts.clears);
    check_current_is_sum_of_traces("after the churn with restarts");
    free_slots_leaving_no_churn_trace("after the churn with restarts");
    tmtrace_stop(); /* back to limit 25, which the controller checks */
    CHECK(tmtrace_start(25) == 0, "start: %s", tmtrace_last_error());
    struct controller_args clears = {nthreads, milliseconds / 2, 0, 1, 0, 0, 0, 0};
    churn_against(&clears);
    CHECK(clears.snapshots >= 12 && clears.clears >= 1, "only %u snapshots, %u clears",
          clears.snapshots, clears.clears);
    check_current_is_sum_of_traces("after the churn");
    free_slots_leaving_no_churn_trace("after the churn");
    printf("churn: %d threads, every block freed, current == sum of traces\n", nthreads);

    run_threads(nthreads, exit_with_live_blocks);
    tmtrace_snapshot *snap = snapshot_or_die();
    struct traces_total left = traces_at(snap, __FILE__, LINE_EXIT_SITE);
    tmtrace_snapshot_free(snap);
    printf("threads exited with live blocks: %zu traces, %zu B\n", left.count, left.size);
    check_current_is_sum_of_traces("after the threads exited");
    for (int i = 0; i < nthreads * (nthreads + 1) / 2; i++)
        free(leaving_blocks[i]);
    snap = snapshot_or_die();
    left = traces_at(snap, __FILE__, LINE_EXIT_SITE);
    tmtrace_snapshot_free(snap);
    printf("freed by main: %zu traces left\n", left.count);

    CHECK(pthread_key_create(&tsd_key, free_thread_blocks) == 0, "pthread_key_create");
    run_threads(nthreads, with_thread_specific_data);
    snap = snapshot_or_die();
    struct traces_total tsd = traces_at(snap, __FILE__, LINE_TSD_BLOCK);
    struct traces_total from_destructor = traces_at(snap, __FILE__, LINE_DESTRUCTOR_BLOCK);
    tmtrace_snapshot_free(snap);
    printf("destructors run: %d; their frees left %zu traces; blocks they allocated: %zu traces, %zu B\n",
           atomic_load(&destructors_run), tsd.count, from_destructor.count, from_destructor.size);
    check_current_is_sum_of_traces("after the destructors");
    for (int i = 0; i < nthreads; i++)
        free(atomic_load(&from_destructors[i]));
    check_current_is_sum_of_traces("at the end");
    return 0;
}
