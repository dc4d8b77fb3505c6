/* threads.c — two threads allocate through different call chains at the same time; each traceback has its own
 * thread's frames only (the shadow stack is per thread). */
#include <pthread.h>
#include <stdlib.h>

#include "show.h"

static pthread_barrier_t both_inside;

static void *leaf_alloc(size_t size)
{
    pthread_barrier_wait(&both_inside); /* both threads are in their chain at once */
    return malloc(size);
}

static void *chain_a(void)
{
    return leaf_alloc(11);
}

static void *chain_b2(void)
{
    return leaf_alloc(22);
}

static void *chain_b(void)
{
    return chain_b2();
}

static void *thread_a(void *unused)
{
    (void)unused;
    return chain_a();
}

static void *thread_b(void *unused)
{
    (void)unused;
    return chain_b();
}

#include "two_threads.h"

int main(void)
{
    return run_two_threads(&both_inside, thread_a, thread_b);
}
