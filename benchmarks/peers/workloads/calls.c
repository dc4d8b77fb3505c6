/* calls.c — a call-heavy program that never allocates: what the pass's shadow stack costs on its own.
 * Direct recursion (the pass can prove it allocation-free) and calls through a function-pointer table (it
 * cannot, so those call sites pay the shadow-stack push). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef uint64_t (*step_fn)(uint64_t, int);

static uint64_t fib(int n) { return n < 2 ? (uint64_t)n : fib(n - 1) + fib(n - 2); }

static uint64_t step_add(uint64_t x, int i) { return x + (uint64_t)i; }
static uint64_t step_mix(uint64_t x, int i) { return (x ^ (x >> 7)) * 0x9E3779B97F4A7C15ull + (uint64_t)i; }
static uint64_t step_rot(uint64_t x, int i) { return (x << 13 | x >> 51) + (uint64_t)i; }

/* volatile so the table is opaque to the optimizer, as a plugin or callback table would be. */
static step_fn volatile table[3] = {step_add, step_mix, step_rot};

static uint64_t walk(uint64_t x, int depth, int i)
{
    if (depth == 0)
        return table[i % 3](x, i);
    return walk(table[(i + depth) % 3](x, i), depth - 1, i);
}

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 1000000;
    int fibn = argc > 2 ? atoi(argv[2]) : 30;
    uint64_t acc = fib(fibn);
    for (long r = 0; r < rounds; r++)
        acc += walk(acc, 8, (int)r);
    printf("checksum %llu\n", (unsigned long long)acc);
    return 0;
}
