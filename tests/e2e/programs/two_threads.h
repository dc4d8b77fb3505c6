/* two_threads.h — the main of the e2e programs whose two threads allocate at the same moment: starts `a` and `b`
 * (which meet at `barrier`), waits for both and shows the traceback of the block each returned. Included after
 * the programs' own functions, so that their line numbers (in the expected output) do not depend on it. */
#ifndef TMTRACE_E2E_TWO_THREADS_H
#define TMTRACE_E2E_TWO_THREADS_H

#include <pthread.h>

#include "show.h"

static int run_two_threads(pthread_barrier_t *barrier, void *(*a)(void *), void *(*b)(void *))
{
    pthread_t thread_a, thread_b;
    void *block_a, *block_b;
    pthread_barrier_init(barrier, NULL, 2);
    pthread_create(&thread_a, NULL, a, NULL);
    pthread_create(&thread_b, NULL, b, NULL);
    pthread_join(thread_a, &block_a);
    pthread_join(thread_b, &block_b);
    show_traceback("thread a", block_a);
    show_traceback("thread b", block_b);
    fflush(stdout);
    return 0;
}

#endif
