// pool_main.cpp — C++ calling an instrumented C shared library (pool.c) whose pool allocator is a user allocator:
// pool blocks made inside the library and in main are traced in domain 7 with lines on both sides; a block freed
// through pool_free is untracked; pool.h's inline helper has its own frame on either side of the boundary.
#include <cstdio>

#include "pool.h"
#include "show.h"

// The pool's live blocks (domain 7), smallest first (a snapshot's order depends on addresses).
static void show_pool_traces()
{
    tmtrace_snapshot *snap = tmtrace_take_snapshot();
    size_t count = 0;
    for (size_t want = 0; want <= 256; want++) {
        for (size_t i = 0; i < tmtrace_snapshot_ntraces(snap); i++) {
            unsigned domain;
            size_t size;
            const tmtrace_traceback *tb;
            tmtrace_snapshot_trace(snap, i, &domain, &size, &tb);
            if (domain != 7 || size != want)
                continue;
            count++;
            std::printf("domain %u (%s): %zu B\n", domain, tmtrace_snapshot_domain_name(snap, domain), size);
            for (size_t f = 0; f < tmtrace_traceback_nframe(tb); f++)
                show_frame(tmtrace_traceback_frame(tb, f));
        }
    }
    std::printf("pool blocks: %zu\n", count);
    tmtrace_snapshot_free(snap);
}

int main()
{
    static pool arena;
    pool_make_pair(&arena);
    void *mine = pool_alloc(&arena, 40);
    char *inner = pool_label();
    char *outer = label_of(5);
    show_traceback("label in the library", inner);
    show_traceback("label in main", outer);
    show_pool_traces();
    (void)mine;
    std::fflush(stdout);
    return 0;
}
