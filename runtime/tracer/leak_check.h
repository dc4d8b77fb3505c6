/* leak_check.h — the tracer's side of leak-check scopes (tmtrace_leak_scope_begin/end in tmtrace.h).
 *
 * While a scope is open, the record path tells leak_check.c about every domain-0 block it traces and every
 * domain-0 block it is about to free, so that the end of a scope only looks at the blocks the scope allocated.
 * Both notes cost one relaxed load when no scope is open. Call them OUTSIDE the trace table's locks (the scope
 * end holds leak_check's lock while it walks the trace table), and call the free note BEFORE the block goes
 * back to the allocator (so that no block can be unmapped while a scope end scans it).
 */
#ifndef TMTRACE_TRACER_LEAK_CHECK_H
#define TMTRACE_TRACER_LEAK_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* Non-zero while at least one scope is open. */
extern int tm_leak_check_active __attribute__((visibility("hidden")));

/* What a free note took out of leak_check's tables, so that a realloc that fails (the block stays) can give
 * it back: without that, a block kept by a failed realloc would stop being a candidate of its scope. */
struct tm_leak_taken {
    int table;       /* -2: nothing taken; -1: the reported blocks; >= 0: that scope's candidates */
    unsigned serial; /* that scope's: it gets the block back if it is still open (not one opened since) */
    size_t size;
    int ignored;
};

void tm_leak_check_record_alloc(uintptr_t ptr, size_t size) __attribute__((visibility("hidden")));
void tm_leak_check_record_free(uintptr_t ptr, struct tm_leak_taken *taken) __attribute__((visibility("hidden")));
void tm_leak_check_record_kept(uintptr_t ptr, const struct tm_leak_taken *taken)
    __attribute__((visibility("hidden")));

static inline void tm_leak_check_note_alloc(uintptr_t ptr, size_t size)
{
    if (__builtin_expect(__atomic_load_n(&tm_leak_check_active, __ATOMIC_RELAXED), 0))
        tm_leak_check_record_alloc(ptr, size);
}

static inline void tm_leak_check_note_free(uintptr_t ptr)
{
    if (__builtin_expect(__atomic_load_n(&tm_leak_check_active, __ATOMIC_RELAXED), 0))
        tm_leak_check_record_free(ptr, NULL);
}

/* The free note of a realloc, which may fail and keep the block: then tm_leak_check_note_kept gives back what
 * this took. */
static inline void tm_leak_check_note_free_taking(uintptr_t ptr, struct tm_leak_taken *taken)
{
    taken->table = -2;
    if (__builtin_expect(__atomic_load_n(&tm_leak_check_active, __ATOMIC_RELAXED), 0))
        tm_leak_check_record_free(ptr, taken);
}

static inline void tm_leak_check_note_kept(uintptr_t ptr, const struct tm_leak_taken *taken)
{
    if (__builtin_expect(taken->table != -2, 0))
        tm_leak_check_record_kept(ptr, taken);
}

#endif
