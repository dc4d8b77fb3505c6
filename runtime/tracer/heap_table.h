/* heap_table.h — the owner's fast paths of heap_table.c (domain 0's per-thread tables), inline because they
 * run on every malloc and free: insert into and remove from this thread's own table. Everything else (first
 * use, rebuilding, other threads' tables) is in heap_table.c; its first comment explains the design. */
#ifndef TMTRACE_HEAP_TABLE_H
#define TMTRACE_HEAP_TABLE_H

#include "tracer.h"

#define TM_HEAP_EMPTY ((uintptr_t)0)
#define TM_HEAP_TOMBSTONE ((uintptr_t)1) /* no block lives at address 1 */

struct heap_slot {
    uintptr_t key;
    uint64_t value;
};

struct heap_table {
    /* Written by the owner only (and read by remote users between enter/leave). Never NULL. */
    struct heap_slot *slots;
    size_t cap;
    size_t used; /* slots that are not EMPTY */
    /* Shared. */
    int readers __attribute__((aligned(64)));
    int resizing;
    int owned;
    struct heap_table *next; /* registry: append-only */
};

static inline size_t tm_heap_home(uintptr_t key, size_t cap)
{
    uint64_t h = (uint64_t)(key >> 4 | key << 60) * UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(((h >> 32) * (uint64_t)cap) >> 32);
}

static inline size_t tm_heap_next(size_t i, size_t cap)
{
    return ++i == cap ? 0 : i;
}

/* The slot of key in t, or -1. Probing stops at the first EMPTY: every table keeps one (put refuses the last). */
static inline ptrdiff_t tm_heap_find(const struct heap_table *t, uintptr_t key)
{
    for (size_t i = tm_heap_home(key, t->cap);; i = tm_heap_next(i, t->cap)) {
        uintptr_t k = __atomic_load_n(&t->slots[i].key, __ATOMIC_ACQUIRE);
        if (k == key)
            return (ptrdiff_t)i;
        if (k == TM_HEAP_EMPTY)
            return -1;
    }
}

/* Time to rebuild: one more entry would take the used slots (live + tombstones) past 3/4. */
static inline int tm_heap_full(const struct heap_table *t)
{
    return t->used + 1 > t->cap - t->cap / 4;
}

/* heap_table.c: everything but the fast paths below. */
int tm_heap_put_slow(uintptr_t key, uint64_t value, uint64_t *old, int fresh) TM_HIDDEN;
int tm_heap_remove_remote(uintptr_t key, uint64_t *value, const struct heap_table *own) TM_HIDDEN;

/* Inserts into the owner's table t, which has room: 1, or 2 when a stale entry for key met on the way to the
 * first tombstone or empty slot was replaced (*old set). */
static inline int tm_heap_insert(struct heap_table *t, uintptr_t key, uint64_t value, uint64_t *old)
{
    size_t i = tm_heap_home(key, t->cap);
    uintptr_t k;
    /* Relaxed atomic reads (plain moves on x86): other threads may retire a key here at any time. */
    while ((k = __atomic_load_n(&t->slots[i].key, __ATOMIC_RELAXED)) > TM_HEAP_TOMBSTONE) {
        if (k == key) {
            *old = t->slots[i].value;
            __atomic_store_n(&t->slots[i].value, value, __ATOMIC_RELAXED);
            return 2;
        }
        i = tm_heap_next(i, t->cap);
    }
    if (k == TM_HEAP_EMPTY)
        t->used++;
    __atomic_store_n(&t->slots[i].value, value, __ATOMIC_RELAXED);
    __atomic_store_n(&t->slots[i].key, key, __ATOMIC_RELEASE);
    return 1;
}

/* 1: inserted; 2: replaced (*old set); -1: out of tracer memory. `fresh`: the allocator just returned key. */
static inline int tm_heap_put(uintptr_t key, uint64_t value, uint64_t *old, int fresh)
{
    struct heap_table *t = tm_self.heap_table;
    if (TM_UNLIKELY(!fresh || !t || tm_heap_full(t)))
        return tm_heap_put_slow(key, value, old, fresh);
    return tm_heap_insert(t, key, value, old);
}

/* 1 and *value (if non-NULL) when key was traced, in this thread's table or another's. */
static inline int tm_heap_remove(uintptr_t key, uint64_t *value)
{
    struct heap_table *t = tm_self.heap_table;
    if (TM_LIKELY(t != NULL)) {
        ptrdiff_t i = tm_heap_find(t, key);
        if (i >= 0) {
            uint64_t v = t->slots[i].value;
            /* An exchange, not a store: tmtrace_clear_traces() in another thread may retire this very slot
             * now, and only one of us may count the block as gone. */
            if (__atomic_exchange_n(&t->slots[i].key, TM_HEAP_TOMBSTONE, __ATOMIC_ACQ_REL) != key)
                return 0;
            if (value)
                *value = v;
            return 1;
        }
    }
    return tm_heap_remove_remote(key, value, t);
}

#endif
