/* report_program.c — a tiny traced program for the process-level tests: it allocates from hand-built site
 * records (3 x 100 B at /src/app.c:10, 4096 B at /src/app.c:20) and exits, so its exit report, log and
 * snapshot are known to the byte. Modes (argv[1]): "status" also prints whether it is tracing; "oom"
 * allocates 1000 blocks and checks every one succeeded and is usable; "peak2" prints the peak two threads
 * reach together (40000 B each, both live at once, neither thread's counter flushed). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tmtrace/tmtrace.h>

#include "tmtrace_abi.h"

static const tmtrace_site small_site = {"/src/app.c", "main", NULL, 10, 5, 0, 0};
static const tmtrace_site big_site = {"/src/app.c", "main", NULL, 20, 5, 0, 0};

static void *allocate_and_free(void *unused)
{
    (void)unused;
    free(malloc(40000));
    return NULL;
}

static void *nothing(void *unused)
{
    return unused;
}

static int two_thread_peak(void)
{
    pthread_t t;
    /* A first thread makes glibc allocate its TLS vector (kept with the cached stack): not measured. */
    if (pthread_create(&t, NULL, nothing, NULL) != 0 || pthread_join(t, NULL) != 0)
        return 1;
    size_t base, peak;
    tmtrace_reset_peak();
    tmtrace_get_traced_memory(&base, &peak);
    void *mine = malloc(40000);
    if (pthread_create(&t, NULL, allocate_and_free, NULL) != 0 || pthread_join(t, NULL) != 0)
        return 1;
    free(mine);
    size_t current;
    tmtrace_get_traced_memory(&current, &peak);
    printf("peak-base=%zu current-base=%zu\n", peak - base, current - base);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "peak2") == 0)
        return two_thread_peak();
    if (strcmp(mode, "oom") == 0) {
        for (int i = 0; i < 1000; i++) {
            char *p = malloc(32);
            if (!p)
                return 1;
            memset(p, i, 32);
        }
        size_t current, peak;
        tmtrace_get_traced_memory(&current, &peak);
        printf("allocated=1000 current=%zu\n", current);
        return 0;
    }
    for (int i = 0; i < 3; i++)
        if (!__tmtrace_malloc(100, &small_site))
            return 1;
    if (!__tmtrace_malloc(4096, &big_site))
        return 1;
    if (strcmp(mode, "status") == 0)
        printf("tracing=%d limit=%d\n", tmtrace_is_tracing(), tmtrace_get_traceback_limit());
    return 0;
}
