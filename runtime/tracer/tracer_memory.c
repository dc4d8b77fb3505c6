/* tracer_memory.c — the tracer's own memory: taken beneath the interposer (untraced_alloc.h), counted for
 * tmtrace_get_tracemalloc_memory(), capped by max_memory; and the count of blocks that could not be traced
 * because that memory ran out (the program's allocation itself always succeeds). */
#include <inttypes.h>
#include <string.h>

#include "common/untraced_alloc.h"
#include "tracer.h"

static size_t tracer_bytes;      /* atomic: changes only when a table grows */
static uint64_t untraced_blocks; /* atomic: changes only when memory ran out */
static int warned;

void *tm_tracer_alloc(size_t size)
{
    size_t limit = (size_t)tm_opt.max_memory;
    size_t now = __atomic_add_fetch(&tracer_bytes, size, __ATOMIC_RELAXED);
    if (limit != 0 && now > limit) {
        __atomic_sub_fetch(&tracer_bytes, size, __ATOMIC_RELAXED);
        return NULL;
    }
    /* busy: in a sanitizer build of the runtime, tm_calloc is the sanitizer's malloc, whose hooks must not
     * record the tracer's own memory as the program's. */
    tm_self.busy++;
    void *p = tm_calloc(1, size);
    tm_self.busy--;
    if (!p)
        __atomic_sub_fetch(&tracer_bytes, size, __ATOMIC_RELAXED);
    return p;
}

void tm_tracer_free(void *p, size_t size)
{
    if (!p)
        return;
    tm_self.busy++;
    tm_free(p);
    tm_self.busy--;
    __atomic_sub_fetch(&tracer_bytes, size, __ATOMIC_RELAXED);
}

size_t tm_tracer_memory(void)
{
    return __atomic_load_n(&tracer_bytes, __ATOMIC_RELAXED);
}

void tm_note_untraced(void)
{
    __atomic_add_fetch(&untraced_blocks, 1, __ATOMIC_RELAXED);
    if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
        tm_log("warning: out of tracer memory (%zu bytes in use%s): some blocks are not traced; the program's "
               "allocations are unaffected",
               tm_tracer_memory(), tm_opt.max_memory ? ", max_memory reached" : "");
}

uint64_t tm_untraced_blocks(void)
{
    return __atomic_load_n(&untraced_blocks, __ATOMIC_RELAXED);
}
