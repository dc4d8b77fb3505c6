/* segment_threads.c — two threads allocate at once from deep inside recursion through a function-pointer table
 * (whose shadow slot is used in several blocks) and below a function that returns a struct through memory
 * (sret, which stores an argument before it takes its slot). Optimized code addresses the shadow stack
 * relative to the thread's %fs segment on x86-64: each traceback has every frame of its own thread, and none of
 * the other's. */
#include <pthread.h>
#include <stdlib.h>

#include "show.h"

static pthread_barrier_t both_inside;

__attribute__((noinline)) static void *leaf_alloc(size_t size)
{
    pthread_barrier_wait(&both_inside); /* both threads are at the bottom of their recursion at once */
    return malloc(size);
}

typedef void *(*alloc_fn)(size_t size);
static alloc_fn volatile table[1] = {leaf_alloc};

__attribute__((noinline)) static void *walk(int depth, size_t size)
{
    if (depth == 0)
        return table[0](size);
    return walk(depth - 1, size);
}

struct wide {
    void *block;
    long filler[3]; /* returned through memory */
};

__attribute__((noinline)) static struct wide wide_walk(int depth, size_t size)
{
    struct wide w = {walk(depth, size), {1, 2, 3}};
    return w;
}

static void *thread_a(void *unused)
{
    (void)unused;
    return walk(2, 11);
}

static void *thread_b(void *unused)
{
    (void)unused;
    return wide_walk(3, 22).block;
}

#include "two_threads.h"

int main(void)
{
    return run_two_threads(&both_inside, thread_a, thread_b);
}
