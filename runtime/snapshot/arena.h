/* arena.h — storage for the model: a bump arena for objects whose addresses must stay stable (strings, frames,
 * tracebacks handed out as borrowed pointers) and a growable array helper. All memory comes from tm_malloc,
 * so the model never shows up in the traces it describes. */
#ifndef TMTRACE_SNAPSHOT_ARENA_H
#define TMTRACE_SNAPSHOT_ARENA_H

#include <stddef.h>

/* Model internals: hidden, so that libtmtrace.so exports only the public tmtrace_* API. */
#pragma GCC visibility push(hidden)

struct tm_arena_block;
typedef struct tm_arena {
    struct tm_arena_block *head;
    size_t used_bytes; /* bytes obtained from tm_malloc, for memory accounting */
} tm_arena;

/* size bytes aligned to `align` (a power of two <= 16); NULL when out of memory. Freed only all at once. */
void *tm_arena_alloc(tm_arena *arena, size_t size, size_t align);
char *tm_arena_strdup(tm_arena *arena, const char *s, size_t len);
void tm_arena_release(tm_arena *arena);

/* Makes room for `need` elements of `elem_size` bytes in *items (capacity *cap), growing by 1.5x so that a
 * large array wastes at most a third of itself. Returns 0, or -1 with *items untouched when out of memory. */
int tm_array_reserve(void **items, size_t *cap, size_t elem_size, size_t need);

#pragma GCC visibility pop

#endif
