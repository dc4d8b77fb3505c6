/* churn.c — malloc/free churn, the allocator's hot path and nothing else.
 *   churn local THREADS ITERS  each thread frees and refills a window of 256 blocks of 16..256 bytes (its own)
 *   churn pc ITERS             a producer thread mallocs, a consumer thread frees: every free is cross-thread
 * Prints a checksum so that the work cannot be optimized away. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW 256

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

/* Producer/consumer: blocks travel in batches, so that the time measured is the allocator's (every free is
 * cross-thread) and not the scheduler's: the two threads meet once per batch, under a mutex. */
#define BATCH 1024
#define NBATCHES 8

struct batch {
    void *blocks[BATCH];
    unsigned n;
};

static struct batch batches[NBATCHES];
static struct batch *full[NBATCHES], *empty[NBATCHES]; /* stacks of batch pointers */
static unsigned nfull, nempty;
static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_changed = PTHREAD_COND_INITIALIZER;

/* Moves b onto `to` (NULL: take one from `from`), waiting while `from` is empty. FIFO order does not matter. */
static struct batch *exchange(struct batch **to, unsigned *nto, struct batch *b, struct batch **from,
                              unsigned *nfrom)
{
    pthread_mutex_lock(&queue_lock);
    if (b)
        to[(*nto)++] = b;
    struct batch *got = NULL;
    if (from) {
        while (*nfrom == 0)
            pthread_cond_wait(&queue_changed, &queue_lock);
        got = from[--*nfrom];
    }
    pthread_cond_broadcast(&queue_changed);
    pthread_mutex_unlock(&queue_lock);
    return got;
}

static void *producer(void *arg)
{
    uint64_t rng = (uintptr_t)arg;
    struct batch *b = exchange(NULL, NULL, NULL, empty, &nempty);
    for (long i = 0; i < iterations; i++) {
        unsigned char *p = malloc(block_size(&rng));
        p[0] = (unsigned char)i;
        b->blocks[b->n++] = p;
        if (b->n == BATCH || i + 1 == iterations)
            b = exchange(full, &nfull, b, i + 1 == iterations ? NULL : empty, &nempty);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
    uintptr_t sum = 0;
    for (long freed = 0; freed < iterations;) {
        struct batch *b = exchange(NULL, NULL, NULL, full, &nfull);
        for (unsigned k = 0; k < b->n; k++) {
            sum += ((unsigned char *)b->blocks[k])[0];
            free(b->blocks[k]);
        }
        freed += b->n;
        b->n = 0;
        exchange(empty, &nempty, b, NULL, NULL);
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
        for (unsigned k = 0; k < NBATCHES; k++)
            empty[nempty++] = &batches[k];
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
