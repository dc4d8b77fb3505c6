/* allocators.c — user allocators named in allocators.txt (-fsanitize-tmtrace-allocators=): an xmalloc-style
 * wrapper is traced at its caller's line, and a pool's blocks (pool.c) are traced in domain 7 ("pool") at the
 * lines that allocate them, and untracked when freed. */
#include <stdint.h>
#include <stdlib.h>

#include "pool.h"
#include "show.h"

__attribute__((noinline)) void *xmalloc(size_t size)
{
    void *block = malloc(size);
    if (!block)
        abort();
    return block;
}

static char *make_name(void)
{
    return xmalloc(12);
}

/* Prints the pool's live blocks from a snapshot: domain name, size and frames. */
static void show_pool_traces(void)
{
    tmtrace_snapshot *snap = tmtrace_take_snapshot();
    for (size_t i = 0; i < tmtrace_snapshot_ntraces(snap); i++) {
        unsigned domain;
        size_t size;
        const tmtrace_traceback *tb;
        tmtrace_snapshot_trace(snap, i, &domain, &size, &tb);
        if (domain != 7)
            continue;
        printf("domain %u (%s): %zu B\n", domain, tmtrace_snapshot_domain_name(snap, domain), size);
        for (size_t f = 0; f < tmtrace_traceback_nframe(tb); f++)
            show_frame(tmtrace_traceback_frame(tb, f));
    }
    tmtrace_snapshot_free(snap);
}

int main(void)
{
    static struct pool pool;
    char *name = make_name();
    void *kept = pool_alloc(&pool, 40);
    void *freed = pool_alloc(&pool, 16);
    pool_free(&pool, freed);
    show_traceback("xmalloc", name);
    show_pool_traces();
    (void)kept;
    fflush(stdout);
    return 0;
}
