/* deferred_removal_program.c — a removal that a signal handler defers while its thread rebuilds its own table
 * (heap_table.c) is made later in that table only: meanwhile another thread may trace the same address anew (a
 * block the handler freed, given out again), and that trace must stay. The handler is raised from inside the
 * rebuild itself: this executable's __libc_calloc comes first in the lookup order, and the rebuild asks it for
 * the new table. Prints "deferred-removal-program: ok" when every check passed. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tmtrace/tmtrace.h>

void *__libc_malloc(size_t);

/* A block that no trace holds, freed by the handler; the helper's block of the same size is then mapped at the
 * same address (blocks above 32 MiB are always mmapped, and the kernel reuses the highest hole that fits). */
enum { kMapped = 64 << 20 };
static void *untraced_block, *helper_block;
static int armed, fired;
static int helper_go, helper_done; /* atomic */

static void freeing_handler(int sig)
{
    (void)sig;
    free(untraced_block); /* inside the rebuild: this thread's table cannot be searched now, so deferred */
}

/* Another thread, which allocates (traced, in its own table) once told to. */
static void *helper(void *arg)
{
    (void)arg;
    free(malloc(8)); /* its table exists before the test */
    while (!__atomic_load_n(&helper_go, __ATOMIC_ACQUIRE))
        ;
    helper_block = malloc(kMapped);
    __atomic_store_n(&helper_done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* glibc's, as the runtime asks it for its own memory; once armed, the first table-sized request (a rebuild's
 * new table: a multiple of 64 slots of 16 bytes) raises the handler there, then lets the helper allocate. */
void *__libc_calloc(size_t n, size_t size)
{
    if (armed && (n * size) % 1024 == 0) {
        armed = 0;
        fired = 1;
        raise(SIGUSR1);
        __atomic_store_n(&helper_go, 1, __ATOMIC_RELEASE);
        while (!__atomic_load_n(&helper_done, __ATOMIC_ACQUIRE))
            ;
    }
    void *p = __libc_malloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

#define CHECK(cond)                                                                                              \
    do {                                                                                                         \
        if (!(cond)) {                                                                                           \
            printf("deferred-removal-program: failed: %s (line %d)\n", #cond, __LINE__);                         \
            return 1;                                                                                            \
        }                                                                                                        \
    } while (0)

enum { kBlocks = 100000 };
static void *blocks[kBlocks];

int main(void)
{
    CHECK(tmtrace_is_tracing());
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = freeing_handler;
    sigemptyset(&action.sa_mask);
    CHECK(sigaction(SIGUSR1, &action, NULL) == 0);
    tmtrace_stop();
    untraced_block = malloc(kMapped);
    CHECK(tmtrace_start(1) == 0);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, helper, NULL) == 0);
    free(malloc(8)); /* this thread's table, counter and traceback exist before arming */
    size_t before, current, peak;
    tmtrace_get_traced_memory(&before, &peak); /* the new thread's blocks included */
    __atomic_store_n(&armed, 1, __ATOMIC_SEQ_CST);
    int n = 0;
    while (n < kBlocks && !fired)
        blocks[n++] = malloc(16);
    CHECK(fired);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(helper_block != NULL);
    if (helper_block != untraced_block) { /* the kernel chose another place: nothing to show */
        printf("deferred-removal-program: ok (the address was not reused)\n");
        return 0;
    }
    tmtrace_traceback *tb = tmtrace_get_object_traceback(helper_block);
    CHECK(tb != NULL); /* the helper's trace stays */
    tmtrace_traceback_free(tb);
    tmtrace_get_traced_memory(&current, &peak);
    CHECK(current - before == (size_t)n * 16 + kMapped);
    for (int i = 0; i < n; i++)
        free(blocks[i]);
    free(helper_block);
    printf("deferred-removal-program: ok\n");
    return 0;
}
