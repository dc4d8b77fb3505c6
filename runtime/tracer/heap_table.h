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
    size_t used;    /* slots that are not EMPTY */
    size_t full_at; /* cap - cap / 4: rebuild before used passes it */
    /* 1 while the owner is in a fast operation (tm_heap_enter); read by sweepers. Its own line: remote frees
     * read the line above on every lookup, and this word changes twice per malloc and free. */
    int in_op __attribute__((aligned(64)));
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
        if (TM_LIKELY(k == key)) /* the common case: found at home (a branch, not a select chain) */
            return (ptrdiff_t)i;
        if (k == TM_HEAP_EMPTY)
            return -1;
    }
}

/* Time to rebuild: one more entry would take the used slots (live + tombstones) past 3/4. */
static inline int tm_heap_full(const struct heap_table *t)
{
    return t->used >= t->full_at;
}

/* ---- the quiescence protocol, the owner's side (heap_table.c's first comment explains it) ---- */
/* The one word an owner reads inside an operation: 0 in the common case (tracing, no sweep, membarrier
 * available). TM_QUIESCE_SWEEP counts the sweeps in progress. */
#define TM_QUIESCE_STOPPED 1u   /* tracing is off (tm_set_tracing) */
#define TM_QUIESCE_SYMMETRIC 2u /* no membarrier(2): owners fence themselves */
#define TM_QUIESCE_SWEEP 4u
extern unsigned tm_quiesce_state TM_HIDDEN; /* atomic; quiesce.c */
unsigned tm_heap_enter_slow(struct heap_table *t, unsigned state) TM_HIDDEN;

/* Starts one operation of the owner on its table t, and returns the state it must go by: below
 * TM_QUIESCE_SWEEP the operation is fast (t->in_op is set, no sweep can overlap it, plain stores on its slots
 * are safe); from it on, slow (a sweep may be running: every change of a slot atomic, no tombstone reused).
 * TM_QUIESCE_STOPPED set: record nothing. `nested`: inside another operation of this thread (a signal handler),
 * which owns the mark: slow, and only removals, by tm_heap_remove_nested. */
static inline __attribute__((always_inline)) unsigned tm_heap_enter_marked(struct heap_table *t)
{
    __atomic_store_n(&t->in_op, 1, __ATOMIC_RELAXED);
    /* The light half of an asymmetric fence: the sweeper's membarrier() is the heavy half. */
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    return __atomic_load_n(&tm_quiesce_state, __ATOMIC_ACQUIRE);
}
static inline unsigned tm_heap_enter(struct heap_table *t, int nested)
{
    if (TM_UNLIKELY(nested))
        return __atomic_load_n(&tm_quiesce_state, __ATOMIC_ACQUIRE) | TM_QUIESCE_SWEEP;
    unsigned state = tm_heap_enter_marked(t);
    return TM_LIKELY(state == 0) ? 0 : tm_heap_enter_slow(t, state);
}
/* tm_heap_enter(t, 0) for fast paths that make no call: 1 when the operation is fast with state 0; 0 when the
 * caller must tm_heap_leave at once and go the ordinary way (a mark set and dropped tells a sweeper nothing
 * wrong: it waits for the drop at worst). */
static inline __attribute__((always_inline)) int tm_heap_enter_fast(struct heap_table *t)
{
    return TM_LIKELY(tm_heap_enter_marked(t) == 0);
}

static inline void tm_heap_leave(struct heap_table *t, int nested)
{
    if (!nested) /* release: the sweeper that sees 0 sees every change the operation made (slow: 0 already) */
        __atomic_store_n(&t->in_op, 0, __ATOMIC_RELEASE);
}

/* heap_table.c: everything but the fast paths below. */
struct heap_table *tm_heap_attach(void) TM_HIDDEN; /* this thread's table, adopted or new; NULL: out of memory */
int tm_heap_put_slow(struct heap_table *t, uintptr_t key, uint64_t value, uint64_t *old, int fresh, int fast) TM_HIDDEN;
int tm_heap_remove_remote(uintptr_t key, uint64_t *value, const struct heap_table *own) TM_HIDDEN;
/* Forgets key in an operation nested in one of this thread's own (a signal handler): 1 and *value (if non-NULL)
 * when it was traced; 0 also when the removal was deferred until the interrupted operation's rebuild or read
 * ends (then counted by whoever makes it). Nested operations insert nothing into domain 0 (record.h). */
int tm_heap_remove_nested(uintptr_t key, uint64_t *value) TM_HIDDEN;
/* The sweeper's side: returns once no other thread's table is inside a fast operation. */
void tm_heap_wait_for_owners(void) TM_HIDDEN;

/* This thread's table, attached on first use; NULL only when out of tracer memory. */
static inline struct heap_table *tm_heap_own(void)
{
    struct heap_table *t = tm_self.heap_table;
    return TM_LIKELY(t != NULL) ? t : tm_heap_attach();
}

/* Where key goes in the owner's table t, which has room: the first tombstone or empty slot on its probe (*k: its
 * key), or ~i when key's own stale entry (a block freed unseen), in slot i, was met on the way there. One past
 * that tombstone is not looked for: going on to the first empty slot cost 8% more instructions per malloc/free
 * pair, and the tracer sees every free it can (README, Known limits). */
static inline __attribute__((always_inline)) ptrdiff_t tm_heap_insert_at(const struct heap_table *t, uintptr_t key,
                                                                        uintptr_t *k)
{
    /* Relaxed atomic reads (plain moves on x86): other threads may retire a key here at any time. */
    for (size_t i = tm_heap_home(key, t->cap);; i = tm_heap_next(i, t->cap)) {
        *k = __atomic_load_n(&t->slots[i].key, __ATOMIC_RELAXED);
        if (TM_LIKELY(*k <= TM_HEAP_TOMBSTONE))
            return (ptrdiff_t)i;
        if (*k == key)
            return ~(ptrdiff_t)i;
    }
}

/* Puts key -> value into slot i of the owner's table t, which tm_heap_insert_at found free (its key k), in a
 * fast operation. */
static inline __attribute__((always_inline)) void tm_heap_fill(struct heap_table *t, ptrdiff_t i, uintptr_t k,
                                                              uintptr_t key, uint64_t value)
{
    struct heap_slot *s = &t->slots[i]; /* before the stores: they might alias t->slots for the compiler */
    if (k == TM_HEAP_EMPTY)
        t->used++;
    __atomic_store_n(&s->value, value, __ATOMIC_RELAXED);
    __atomic_store_n(&s->key, key, __ATOMIC_RELEASE);
}

/* Inserts into the owner's table t, which has room, in a fast operation: 1, or 2 when a stale entry for key
 * met on the way to the first tombstone or empty slot was replaced (*old set). */
static inline __attribute__((always_inline)) int tm_heap_insert(struct heap_table *t, uintptr_t key, uint64_t value,
                                                                uint64_t *old)
{
    uintptr_t k;
    ptrdiff_t i = tm_heap_insert_at(t, key, &k);
    if (i < 0) { /* no sweep overlaps a fast operation, and nobody else can hold this block now */
        i = ~i;
        *old = t->slots[i].value;
        __atomic_store_n(&t->slots[i].value, value, __ATOMIC_RELAXED);
        return 2;
    }
    tm_heap_fill(t, i, k, key, value);
    return 1;
}

/* Puts key into the owner's table t (`fast`: from tm_heap_enter). 1: inserted; 2: replaced (*old set);
 * -1: out of tracer memory. `fresh`: the allocator just returned key. */
static inline __attribute__((always_inline)) int tm_heap_put_in(struct heap_table *t, uintptr_t key, uint64_t value,
                                                                uint64_t *old, int fresh, int fast)
{
    if (TM_UNLIKELY(!fast || !fresh || tm_heap_full(t)))
        return tm_heap_put_slow(t, key, value, old, fresh, fast);
    return tm_heap_insert(t, key, value, old);
}

/* The same outside a marked operation (trace_map.c's forwarding of domain 0): always the atomic way. */
static inline int tm_heap_put(uintptr_t key, uint64_t value, uint64_t *old, int fresh)
{
    struct heap_table *t = tm_heap_own();
    return t ? tm_heap_put_slow(t, key, value, old, fresh, 0) : -1;
}

/* Retires slot s of the owner's table, which held key, in a slow operation: 1 and *value (if non-NULL) when
 * this thread did, 0 when a sweep did first (and counted it). An exchange suffices: only the owner gives a
 * slot a key, so the key can only have become a tombstone meanwhile. */
static inline int tm_heap_retire(struct heap_slot *s, uintptr_t key, uint64_t *value)
{
    uint64_t v = __atomic_load_n(&s->value, __ATOMIC_RELAXED);
    if (__atomic_exchange_n(&s->key, TM_HEAP_TOMBSTONE, __ATOMIC_ACQ_REL) != key)
        return 0;
    if (value)
        *value = v;
    return 1;
}

/* Forgets key: 1 and *value (if non-NULL) when it was traced, in table t (this thread's, may be NULL; `fast`:
 * from tm_heap_enter(t)) or another thread's. */
static inline int tm_heap_remove_in(struct heap_table *t, uintptr_t key, uint64_t *value, int fast)
{
    if (TM_LIKELY(t != NULL)) {
        ptrdiff_t i = tm_heap_find(t, key);
        if (i >= 0) {
            if (TM_UNLIKELY(!fast))
                return tm_heap_retire(&t->slots[i], key, value);
            /* A plain store: only a sweep could retire this slot meanwhile, and none overlaps a fast operation. */
            if (value)
                *value = t->slots[i].value;
            __atomic_store_n(&t->slots[i].key, TM_HEAP_TOMBSTONE, __ATOMIC_RELAXED);
            return 1;
        }
    }
    return tm_heap_remove_remote(key, value, t);
}

/* The same outside a marked operation: always the atomic way. */
static inline int tm_heap_remove(uintptr_t key, uint64_t *value)
{
    return tm_heap_remove_in(tm_self.heap_table, key, value, 0);
}

#endif
