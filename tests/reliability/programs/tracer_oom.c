/* tracer_oom.c — the tracer runs out of its own memory (run with max_memory=262144): every user allocation still
 * succeeds and holds its bytes, tracing goes on for what fits, blocks beyond it are counted as untraced (and
 * the exit report says how many), frees of untraced blocks leave the counters alone, and snapshots either
 * work or fail cleanly. Output goes through write(2) so that stdio allocates nothing. */
#include <stdint.h>

#include "reliability.h"

enum { BLOCKS = 20000, SIZE = 1000 };
static char *blocks[BLOCKS];

static size_t current(void)
{
    size_t current, peak;
    tmtrace_get_traced_memory(&current, &peak);
    return current;
}

int main(void)
{
    start_watchdog(30);
    size_t base = current();
    for (int i = 0; i < BLOCKS; i++) {
        blocks[i] = malloc(SIZE);
        CHECK(blocks[i] != NULL, "malloc %d failed", i);
        memset(blocks[i], i & 0xff, SIZE);
    }
    size_t traced_bytes = current() - base;
    CHECK(traced_bytes % SIZE == 0, "traced %zu B: not whole blocks", traced_bytes);
    size_t traced = traced_bytes / SIZE;
    CHECK(traced > 0 && traced < BLOCKS, "%zu of %d blocks traced", traced, BLOCKS);
    CHECK(tmtrace_get_tracemalloc_memory() <= 262144, "tracer memory %zu over max_memory",
          tmtrace_get_tracemalloc_memory());
    size_t found = 0; /* which blocks are traced: exactly `traced` of them */
    for (int i = 0; i < BLOCKS; i++) {
        tmtrace_traceback *tb = tmtrace_get_object_traceback(blocks[i]);
        found += tb != NULL;
        tmtrace_traceback_free(tb);
    }
    tmtrace_snapshot *snap = tmtrace_take_snapshot(); /* may need memory the tracer no longer has */
    if (snap) {
        CHECK(traces_at(snap, __FILE__, 0).count == traced, "snapshot disagrees with current");
        tmtrace_snapshot_free(snap);
    } else {
        CHECK(strstr(tmtrace_last_error(), "memory") != NULL, "snapshot failed: %s", tmtrace_last_error());
    }
    for (int i = 0; i < BLOCKS; i++) {
        for (int k = 0; k < SIZE; k++)
            CHECK(blocks[i][k] == (char)(i & 0xff), "block %d corrupted", i);
        free(blocks[i]);
    }
    CHECK(current() == base, "current %zu after freeing everything, %zu before", current(), base);
    CHECK(found == traced, "%zu blocks found by address, %zu traced", found, traced);
    dprintf(1, "all %d allocations succeeded and kept their bytes; current back to its start after the frees\n",
            BLOCKS);
    dprintf(1, "untraced blocks: %zu\n", (size_t)BLOCKS - traced);
    return 0;
}
