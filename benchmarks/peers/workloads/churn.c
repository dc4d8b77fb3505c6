/* churn.c — malloc/free churn, the allocator's hot path and nothing else.
 *   churn local THREADS ITERS  each thread frees and refills a window of 256 blocks of 16..256 bytes (its own)
 *   churn pc ITERS             a producer thread mallocs, a consumer thread frees: every free is cross-thread
 * Prints a checksum so that the work cannot be optimized away. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW 256
#define RING 4096

static long iterations;

static unsigned block_size(uint64_t *rng)
{
    *rng = *rng * 6364136223846793005ull + 1442695040888963407ull;
    return 16 + (unsigned)((*rng >> 33) % 241); /* 16..256 */
}

static void *local_churn(void *arg)
{
    uint64_t rng = (uintptr_t)arg;
    unsigned char *window[WINDOW] = {0};
    uintptr_t sum = 0;
    for (long i = 0; i < iterations; i++) {
        unsigned slot = (unsigned)i % WINDOW;
        free(window[slot]);
        window[slot] = malloc(block_size(&rng));
        window[slot][0] = (unsigned char)i;
        sum += window[slot][0];
    }
    for (unsigned slot = 0; slot < WINDOW; slot++)
        free(window[slot]);
    return (void *)sum;
}

/* Single-producer single-consumer ring of pointers. */
static void *ring[RING];
static _Atomic unsigned long head, tail;

static void *producer(void *arg)
{
    uint64_t rng = (uintptr_t)arg;
    for (long i = 0; i < iterations; i++) {
        unsigned char *p = malloc(block_size(&rng));
        p[0] = (unsigned char)i;
        unsigned long h = atomic_load_explicit(&head, memory_order_relaxed);
        while (h - atomic_load_explicit(&tail, memory_order_acquire) == RING)
            sched_yield(); /* full: let the consumer run, even when it shares our core */
        ring[h % RING] = p;
        atomic_store_explicit(&head, h + 1, memory_order_release);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
    uintptr_t sum = 0;
    for (long i = 0; i < iterations; i++) {
        unsigned long t = atomic_load_explicit(&tail, memory_order_relaxed);
        while (atomic_load_explicit(&head, memory_order_acquire) == t)
            sched_yield();
        unsigned char *p = ring[t % RING];
        atomic_store_explicit(&tail, t + 1, memory_order_release);
        sum += p[0];
        free(p);
    }
    return (void *)sum;
}

int main(int argc, char **argv)
{
    if (argc != 4 && !(argc == 3 && strcmp(argv[1], "pc") == 0)) {
        fprintf(stderr, "usage: churn local THREADS ITERS | churn pc ITERS\n");
        return 2;
    }
    uintptr_t sum = 0;
    if (strcmp(argv[1], "pc") == 0) {
        iterations = atol(argv[2]);
        pthread_t p, c;
        pthread_create(&p, NULL, producer, (void *)1);
        pthread_create(&c, NULL, consumer, NULL);
        void *r;
        pthread_join(p, NULL);
        pthread_join(c, &r);
        sum = (uintptr_t)r;
    } else {
        int threads = atoi(argv[2]);
        iterations = atol(argv[3]);
        pthread_t t[64];
        if (threads < 1 || threads > 64)
            return 2;
        for (int i = 0; i < threads; i++)
            pthread_create(&t[i], NULL, local_churn, (void *)(uintptr_t)(i + 1));
        for (int i = 0; i < threads; i++) {
            void *r;
            pthread_join(t[i], &r);
            sum += (uintptr_t)r;
        }
    }
    printf("checksum %lu\n", (unsigned long)sum);
    return 0;
}
