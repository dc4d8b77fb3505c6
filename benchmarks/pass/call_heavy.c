/* call_heavy.c — a program that makes ~10^8 calls and never allocates, to measure what the shadow stack costs
 * when nothing allocates. Two workloads:
 *   direct    recursive calls between module functions: the pass proves they cannot allocate (no push)
 *   indirect  the same through function pointers: an unknown callee may allocate, so each call is pushed
 * Prints the checksum and the CPU seconds each workload took (this thread's CPU time, so that other work on the
 * machine disturbs it less; best of `repeats`, argv[1], default 5). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

__attribute__((noinline)) static unsigned long fib(unsigned n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

typedef unsigned long (*fib_fn)(unsigned n, const void *self);

__attribute__((noinline)) static unsigned long fib_indirect(unsigned n, const void *self)
{
    fib_fn next = *(const fib_fn *)self;
    return n < 2 ? n : next(n - 1, self) + next(n - 2, self);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int repeats = argc > 1 ? atoi(argv[1]) : 5;
    volatile unsigned depth = 32; /* fib(32): 7 million calls */
    static volatile fib_fn table[1];
    table[0] = fib_indirect;
    double best_direct = 1e9, best_indirect = 1e9;
    unsigned long sum = 0;
    for (int r = 0; r < repeats; r++) {
        double t0 = now();
        sum += fib(depth);
        double t1 = now();
        sum += table[0](depth, (const void *)table);
        double t2 = now();
        if (t1 - t0 < best_direct)
            best_direct = t1 - t0;
        if (t2 - t1 < best_indirect)
            best_indirect = t2 - t1;
    }
    printf("checksum %lu\ndirect %.4f s\nindirect %.4f s\n", sum, best_direct, best_indirect);
    return 0;
}
