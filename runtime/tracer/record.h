/* record.h — the one recording path, inline because every malloc and free runs it. Interposed malloc/new,
 * the sanitizer hooks, the pass's entry points (through the pending site) and tmtrace_track() all end here:
 * capture the traceback, intern it, put the trace in its domain's map, adjust the counters. The callers pass
 * constants for domain and fresh, so each inlined copy keeps only its own branch. record.c has the rest. */
#ifndef TMTRACE_RECORD_H
#define TMTRACE_RECORD_H

#include "heap_table.h"
#include "leak_check.h"
#include "tracer.h"

/* record.c */
/* Traceback limit > 1; at limit 1, a system site whose traceback goes on past the next shadow entry. */
uint32_t tm_current_traceback_deep(const tmtrace_site *site) TM_HIDDEN;
/* Puts back a trace removed by tm_forget (a realloc that failed). */
void tm_restore(unsigned domain, uintptr_t ptr, uint64_t old) TM_HIDDEN;

/* The traceback of the allocation happening now; consumes the pending site. */
static inline __attribute__((always_inline)) uint32_t tm_current_traceback(void)
{
    const tmtrace_site *site = tm_self.pending_site;
    tm_self.pending_site = NULL;
    if (TM_UNLIKELY(tm_nframe() != 1))
        return tm_current_traceback_deep(site);
    return tm_traceback_one(site);
}

/* Adds delta bytes to traced memory from an operation, `nested` or not (tm_counters_add_shared). */
static inline __attribute__((always_inline)) void tm_count(int64_t delta, int nested)
{
    if (TM_UNLIKELY(nested))
        tm_counters_add_shared(delta);
    else
        tm_counters_add(delta);
}

/* Puts (domain, ptr) -> value (a trace of `size` bytes) inside an operation on this thread's table t entered
 * with `state`, and counts it: 1 inserted, 2 replaced, <= 0 not put. Shared by tm_record and tm_restore.
 * `nested` (in one of this thread's own operations: a signal handler): domain 0 refuses, as the interrupted
 * operation may be rebuilding this thread's table or filling the slot an insert would take (heap_table.c). */
static inline __attribute__((always_inline)) int tm_put_counted(struct heap_table *t, unsigned state, unsigned domain,
                                                                uintptr_t ptr, size_t size, uint64_t value, int fresh,
                                                                int nested)
{
    uint64_t old = 0;
    int put = -1;
    struct tm_trace_map *map;
    if (domain == 0) { /* the hot path: straight to this thread's heap table */
        if (TM_LIKELY(!nested))
            put = tm_heap_put_in(t, ptr, value, &old, fresh, state < TM_QUIESCE_SWEEP);
    } else if ((map = tm_domain_map(domain, 1)) != NULL) {
        put = tm_trace_map_put(map, ptr, value, &old, fresh);
    }
    if (TM_LIKELY(put > 0))
        tm_count((int64_t)size - (put == 2 ? (int64_t)tm_packed_size(old) : 0), nested);
    return put;
}

/* Records (domain, ptr) with `size` and the traceback of the current thread (pending site + shadow stack),
 * replacing an existing trace. `fresh`: the allocator just returned ptr (interposers, hooks), as opposed to
 * tmtrace_track(). Returns 0 (also when tracing stopped meanwhile), or -1 if it could not (counted as untraced):
 * out of tracer memory, or domain 0 nested in another operation of this thread (see tm_put_counted). The whole
 * of it, from the tracing check on, is one operation on this thread's table (heap_table.h). */
static inline __attribute__((always_inline)) int tm_record(unsigned domain, uintptr_t ptr, size_t size, int fresh)
{
    int nested = tm_self.busy++ != 0; /* constant 0 in the interposers and hooks, which test busy first */
    /* Nested: no attach (the interrupted operation may hold the registry's lock), and t is not used. */
    struct heap_table *t = TM_LIKELY(!nested) ? tm_heap_own() : tm_self.heap_table;
    int rc = -1, recorded = 0;
    if (TM_LIKELY(t != NULL) || nested) {
        unsigned state = tm_heap_enter(t, nested);
        /* Tracing is checked in the state read inside the operation: a tmtrace_stop() that this misses waits
         * for the operation to end before it sweeps. */
        if (TM_LIKELY(!(state & TM_QUIESCE_STOPPED))) {
            /* Nested in domain 0: refused (tm_put_counted) before a capture, which may take the store's lock. */
            uint32_t tb = TM_UNLIKELY(nested && domain == 0) ? (tm_self.pending_site = NULL, TM_NO_TRACEBACK)
                                                             : tm_current_traceback();
            recorded = TM_LIKELY(tb != TM_NO_TRACEBACK && size <= TM_MAX_TRACE_SIZE) &&
                       TM_LIKELY(tm_put_counted(t, state, domain, ptr, size, tm_pack(size, tb), fresh, nested) > 0);
            rc = recorded ? 0 : -1;
        } else {
            tm_self.pending_site = NULL; /* consumed all the same */
            rc = 0;                      /* stopped meanwhile: nothing to record */
        }
        tm_heap_leave(t, nested);
    }
    if (recorded && domain == 0)
        tm_leak_check_note_alloc(ptr, size); /* outside the map's locks, as leak_check.h asks */
    if (rc != 0)
        tm_note_untraced();
    tm_self.busy--;
    return rc;
}

/* tm_record(0, ptr, size, 1) from an interposer or a hook, which found busy 0, in the common case (the thread's
 * table and counter slot exist, limit 1, no sweep, tracing, the traceback cached, no flush, no leak-check
 * scope open): returns 1 when done, 0 when it gave up having changed nothing (the marks, busy and in_op, taken
 * back). It makes no call, so that the interposers inline it without saving registers, and send the rest to
 * tm_record out of line by a tail call. */
static inline __attribute__((always_inline)) int tm_record_fresh_fast(uintptr_t ptr, size_t size)
{
    struct heap_table *t = tm_self.heap_table;
    struct tm_counter_slot *slot = tm_self.slot;
    if (TM_UNLIKELY(!t || !slot || tm_heap_full(t) || size > TM_MAX_TRACE_SIZE ||
                    __atomic_load_n(&tm_leak_check_active, __ATOMIC_RELAXED)))
        return 0;
    tm_self.busy = 1;
    __atomic_signal_fence(__ATOMIC_SEQ_CST); /* busy before the in_op mark: a handler in between goes nested */
    const tmtrace_site *site = tm_self.pending_site;
    uint32_t total, tb;
    uintptr_t k;
    ptrdiff_t i;
    /* The limit is read after the state (acquire), as tm_record does: a start(25) seen is a limit of 25 seen. */
    int done = tm_heap_enter_fast(t) && tm_nframe() == 1 && tm_traceback_one_cached(&site, &total, &tb) &&
               (i = tm_heap_insert_at(t, ptr, &k)) >= 0 && /* a stale trace of ptr: tm_record counts it */
               tm_counters_try_add(slot, (int64_t)size);     /* the last test: it counts when it passes */
    if (TM_LIKELY(done)) {
        tm_self.pending_site = NULL;
        tm_heap_fill(t, i, k, ptr, tm_pack(size, tb));
    }
    tm_heap_leave(t, 0);
    __atomic_signal_fence(__ATOMIC_SEQ_CST); /* the operation and its in_op release before busy drops */
    tm_self.busy = 0;
    return done;
}

/* record.c: tm_record(0, ptr, size, 1) out of line. */
void tm_record_fresh_slow(uintptr_t ptr, size_t size) TM_HIDDEN;

/* record.c: the rest of tm_recorded, out of line. */
void *tm_recorded_slow(void *p, size_t size) TM_HIDDEN;

/* An interposer's block: p (NULL when the allocator failed) of `size` bytes, recorded if the interposers
 * record now; returns p. Everything but the fast path is reached by a tail call, so that an interposer's fast
 * path saves no register (and a deep traceback sees no extra frame). */
static inline __attribute__((always_inline)) void *tm_recorded(void *p, size_t size)
{
    if (TM_UNLIKELY(!p))
        return p;
    int records = tm_interposer_records_now();
    if (TM_LIKELY(records > 0) && TM_LIKELY(tm_record_fresh_fast((uintptr_t)p, size)))
        return p;
    return records == 0 ? p : tm_recorded_slow(p, size);
}

static inline __attribute__((always_inline)) void tm_record_fresh(uintptr_t ptr, size_t size)
{
    if (!tm_record_fresh_fast(ptr, size))
        tm_record_fresh_slow(ptr, size);
}

/* Forgets (domain, ptr); returns 1 and sets *old (if non-NULL) when it was traced. `taken` (domain 0, may be
 * NULL): where the leak check's note is kept, for a realloc that may fail and keep the block. */
static inline __attribute__((always_inline)) int tm_forget(unsigned domain, uintptr_t ptr, uint64_t *old,
                                                           struct tm_leak_taken *taken)
{
    uint64_t value;
    int removed;
    int nested = tm_self.busy++ != 0; /* as in tm_record */
    if (domain == 0) {
        if (taken) /* before the block goes back to the allocator */
            tm_leak_check_note_free_taking(ptr, taken);
        else
            tm_leak_check_note_free(ptr);
        struct heap_table *t = tm_self.heap_table; /* none yet: the block can only be in another table */
        if (TM_UNLIKELY(nested)) {
            removed = tm_heap_remove_nested(ptr, &value);
            if (removed)
                tm_counters_add_shared(-(int64_t)tm_packed_size(value));
        } else {
            int fast = t && tm_heap_enter(t, 0) < TM_QUIESCE_SWEEP;
            removed = tm_heap_remove_in(t, ptr, &value, fast);
            if (removed) /* inside the operation: a sweep that waited for it sees the count */
                tm_counters_add(-(int64_t)tm_packed_size(value));
            if (t)
                tm_heap_leave(t, 0);
        }
    } else {
        struct tm_trace_map *map = tm_domain_map(domain, 0);
        removed = map ? tm_trace_map_remove(map, ptr, &value) : 0;
        if (removed)
            tm_count(-(int64_t)tm_packed_size(value), nested);
    }
    tm_self.busy--;
    if (removed && old)
        *old = value;
    return removed;
}

/* tm_forget(0, ptr, NULL, NULL) from an interposer or a hook, which found busy 0, in the common case (the block is
 * in this thread's table, no sweep, no flush, no leak-check scope open), making no call: 1 when done; 0 when it
 * gave up having changed nothing but its marks, which it took back; -1 as 0, having found in a fast operation
 * that this thread's table does not hold ptr (the caller passes it to tm_forget_heap_slow). */
static inline __attribute__((always_inline)) int tm_forget_heap_fast(uintptr_t ptr)
{
    struct heap_table *t = tm_self.heap_table;
    struct tm_counter_slot *slot = tm_self.slot;
    if (TM_UNLIKELY(!t || !slot || __atomic_load_n(&tm_leak_check_active, __ATOMIC_RELAXED)))
        return 0;
    tm_self.busy = 1;
    __atomic_signal_fence(__ATOMIC_SEQ_CST); /* busy before the in_op mark: a handler in between goes nested */
    int done = 0;
    if (TM_LIKELY(tm_heap_enter_fast(t))) {
        ptrdiff_t i = tm_heap_find(t, ptr);
        if (TM_UNLIKELY(i < 0)) {
            done = -1;
        } else {
            struct heap_slot *s = &t->slots[i]; /* before the counter's store, which might alias t->slots */
            if (TM_LIKELY(tm_counters_try_add(slot, -(int64_t)tm_packed_size(s->value)))) {
                /* A plain store, as in tm_heap_remove_in: no sweep overlaps a fast operation. */
                __atomic_store_n(&s->key, TM_HEAP_TOMBSTONE, __ATOMIC_RELAXED);
                done = 1;
            }
        }
    }
    tm_heap_leave(t, 0);
    __atomic_signal_fence(__ATOMIC_SEQ_CST); /* the operation and its in_op release before busy drops */
    tm_self.busy = 0;
    return done;
}

/* record.c: tm_forget(0, ptr, NULL, NULL) out of line; `not_own`: tm_forget_heap_fast returned -1, so only the
 * other threads' tables are searched. */
void tm_forget_heap_slow(uintptr_t ptr, int not_own) TM_HIDDEN;

static inline __attribute__((always_inline)) void tm_forget_heap(uintptr_t ptr)
{
    int done = tm_forget_heap_fast(ptr);
    if (done <= 0)
        tm_forget_heap_slow(ptr, done < 0);
}

#endif
