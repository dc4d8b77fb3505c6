/* live1m.c — a program holding 1 M live blocks from 64 allocation sites: tracer memory per live block, and,
 * when it runs under tmtrace, how long a snapshot and a compare_to of 1 M vs 1 M traces take.
 * The tmtrace calls are weak references, so the same source builds and runs without tmtrace. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <tmtrace/tmtrace.h>

#pragma weak tmtrace_take_snapshot
#pragma weak tmtrace_snapshot_free
#pragma weak tmtrace_snapshot_compare_to
#pragma weak tmtrace_statistic_diffs_free
#pragma weak tmtrace_get_tracemalloc_memory
#pragma weak tmtrace_get_traced_memory

#define SITE(n) static void *alloc_##n(size_t size) { return malloc(size + n % 8); }
#define SITES8(a) SITE(a##0) SITE(a##1) SITE(a##2) SITE(a##3) SITE(a##4) SITE(a##5) SITE(a##6) SITE(a##7)
SITES8(1) SITES8(2) SITES8(3) SITES8(4) SITES8(5) SITES8(6) SITES8(7) SITES8(8)
#define REF(n) alloc_##n,
#define REFS8(a) REF(a##0) REF(a##1) REF(a##2) REF(a##3) REF(a##4) REF(a##5) REF(a##6) REF(a##7)
static void *(*const sites[64])(size_t) = {REFS8(1) REFS8(2) REFS8(3) REFS8(4) REFS8(5) REFS8(6) REFS8(7) REFS8(8)};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    void **blocks = calloc((size_t)n, sizeof *blocks);
    uint64_t rng = 7;
    for (long i = 0; i < n; i++) {
        rng = rng * 6364136223846793005ull + 1;
        blocks[i] = sites[(rng >> 40) % 64](16 + (rng >> 33) % 113);
        *(unsigned char *)blocks[i] = (unsigned char)i;
    }
    if (tmtrace_take_snapshot && tmtrace_get_tracemalloc_memory) {
        double t0 = now_ms();
        tmtrace_snapshot *a = tmtrace_take_snapshot();
        double t1 = now_ms();
        tmtrace_snapshot *b = tmtrace_take_snapshot();
        double t2 = now_ms();
        tmtrace_statistic_diffs *d = a && b ? tmtrace_snapshot_compare_to(b, a, TMTRACE_KEY_TRACEBACK, 0) : NULL;
        double t3 = now_ms();
        size_t current = 0, peak = 0;
        tmtrace_get_traced_memory(&current, &peak);
        printf("tmtrace snapshot_ms=%.1f snapshot2_ms=%.1f compare_to_ms=%.1f tracer_bytes_per_block=%.1f\n",
               t1 - t0, t2 - t1, t3 - t2, (double)tmtrace_get_tracemalloc_memory() / (double)n);
        tmtrace_statistic_diffs_free(d);
        tmtrace_snapshot_free(a);
        tmtrace_snapshot_free(b);
    }
    unsigned long checksum = 0;
    for (long i = 0; i < n; i++) {
        checksum += *(unsigned char *)blocks[i]; /* contents, not addresses: the same under every tracer */
        free(blocks[i]);
    }
    free(blocks);
    printf("checksum %lu\n", checksum);
    return 0;
}
