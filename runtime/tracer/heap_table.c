/* heap_table.c — the trace table of domain 0 (the C heap), built so that a malloc/free pair made by one
 * thread costs no atomic read-modify-write and no lock.
 *
 * Every thread owns a table (address -> packed {size, traceback id}, 16-byte slots, linear probing over any
 * multiple of 64 slots, tombstones instead of moving entries). Only the owner inserts. A block freed by another
 * thread is found by searching the other tables and its slot is retired with one compare-and-swap (key ->
 * tombstone): safe against the owner's plain stores because a live block's slot is only ever touched by
 * whoever holds the block, and the owner only writes empty or tombstone slots (or its own blocks). What the
 * owner alone must never have next to it is a reader while it rebuilds its table: remote users announce
 * themselves in `readers` and back off while `resizing` is set (Dekker-style, sequentially consistent), and
 * the owner waits for readers to leave before it rebuilds. Tables outlive their threads (the blocks do) and
 * are adopted by the next new thread. Snapshots, sweeps and cross-thread frees are the remote users; a fork
 * child resets the protocol state the vanished threads left.
 *
 * Sweeps (tmtrace_clear_traces, tmtrace_stop) retire every slot of every table, so they do touch live blocks'
 * slots; they are made safe by quiescence, an asymmetric fence as in userspace RCU or Folly:
 * - The owner brackets each operation (record or forget) with `in_op` = 1 ... 0, plain stores to its own
 *   cache line, and between the mark and the work reads `tm_quiesce_state` (quiesce.c) behind a compiler fence
 *   only: one word that also says whether tracing is on, so the read is also the operation's tracing check.
 *   No sweep there means a fast operation: plain stores on its slots (a free writes a tombstone, a malloc
 *   reuses tombstones, a stale entry of the same address is overwritten).
 * - A sweeper adds TM_QUIESCE_SWEEP to the state, calls membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), waits
 *   until no other table has `in_op` set, sweeps with compare-and-swap, and subtracts. After the membarrier,
 *   every owner either had its mark visible (the sweeper waits for it) or reads the state afterwards and sees
 *   the sweep: no fast operation overlaps a sweep, and no operation that read tracing = 1 records after
 *   tmtrace_stop()'s sweep.
 * - An operation that sees a sweep drops its mark and goes the slow way: every slot change atomic (exchange
 *   against the sweep's compare-and-swap, so exactly one of them counts a trace as gone), and no tombstone
 *   reused. The last rule closes an ABA: a sweep reads a slot's key and then its value before its
 *   compare-and-swap; had the owner freed that block and put the same address (reused at once by the
 *   allocator) back in the same slot meanwhile, the swap would retire the new trace while counting the old
 *   size (current then drifts from the sum of the traces by the difference: seen under ThreadSanitizer).
 * - Without membarrier (old kernel, seccomp, or the option membarrier=0) the state keeps
 *   TM_QUIESCE_SYMMETRIC and the owner pays a full fence after its mark instead (one per malloc and free).
 * A sweeper waits for nobody that can wait for it: owners never wait for a sweep, and it holds no lock while
 * it waits. It does not wait for its own thread (a sweep from a signal handler that interrupted this thread's
 * malloc or free may miscount that one block).
 *
 * Operations nested in one of their thread's own (a signal handler that interrupted the tracer: a free, or
 * tmtrace_track/untrack) leave the mark to the interrupted one, which may be about to fill the slot an insert
 * would take, or rebuilding the table. So they only remove (tm_heap_remove_nested; record.h refuses their
 * inserts, counted as untraced): in this thread's table by one exchange, which the interrupted operation cannot
 * undo (it only writes empty slots, tombstones and its own block's slot); in the others as a remote user. They
 * wait for nothing this thread holds up: not for this table while it is rebuilt, not for another table's
 * rebuild while this thread is reading that table (whose owner waits for the read to end). Such a removal is
 * deferred, and made by this thread in that table as soon as that rebuild or read ends. They count in the shared
 * counter, as the interrupted operation may be changing this thread's counter slot.
 *
 * Memory: the owner rebuilds when used slots (live + tombstones) pass 3/4 of the table, sizing the new table
 * to twice the live entries: 16 B per slot is 21-32 B per live block. A fuller table (7/8 full, rebuilt to
 * 3/2) stays within 18-24 B but made a growing heap's malloc several times slower here: linear probing's
 * insert cost explodes past 3/4, and rebuilds came 2.3 times as often. */
#include <pthread.h>
#include <string.h>

#include "heap_table.h"
#include "spinlock.h"

#define EMPTY TM_HEAP_EMPTY
#define TOMBSTONE TM_HEAP_TOMBSTONE
#define MIN_SLOTS 64

static inline uintptr_t load_key(const struct heap_slot *s)
{
    return __atomic_load_n(&s->key, __ATOMIC_ACQUIRE);
}

static struct heap_table *tables; /* atomic head */
static tm_spinlock registry_lock;
static pthread_key_t exit_key;
static int exit_key_ready;

/* ---- remote users ---- */

/* The table this thread is reading as a remote user (between enter_remote and leave_remote), or NULL: an
 * operation nested in that read (a signal handler) must not wait for that table's rebuild, which waits for the
 * read to end. Set before the read announces itself and cleared after it leaves. */
static __thread const struct heap_table *reading __attribute__((tls_model("initial-exec")));

/* Removals that a nested operation could not make at once (heap_table.h's tm_heap_remove_nested): made by this
 * thread as soon as the rebuild or the read that stood in the way ends, in that table only: the others were
 * searched already, and a trace found there later is of a new block at the same address (the freed one given
 * out again, to another thread), which must stay. */
#define MAX_DEFERRED 32
static __thread struct {
    uintptr_t keys[MAX_DEFERRED];
    struct heap_table *tables[MAX_DEFERRED];
    unsigned n;
    int draining;
} deferred __attribute__((tls_model("initial-exec")));

static void drain_deferred(void);

static const struct heap_table *enter_remote(struct heap_table *t)
{
    const struct heap_table *outer = reading;
    reading = t;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    for (;;) {
        __atomic_fetch_add(&t->readers, 1, __ATOMIC_SEQ_CST);
        if (!__atomic_load_n(&t->resizing, __ATOMIC_SEQ_CST))
            return outer;
        __atomic_fetch_sub(&t->readers, 1, __ATOMIC_SEQ_CST);
        while (__atomic_load_n(&t->resizing, __ATOMIC_ACQUIRE))
            sched_yield();
    }
}

/* enter_remote for a nested operation on the table this thread is reading: 0 (not entered) while it is being
 * rebuilt. */
static int try_enter_remote(struct heap_table *t)
{
    __atomic_fetch_add(&t->readers, 1, __ATOMIC_SEQ_CST);
    if (!__atomic_load_n(&t->resizing, __ATOMIC_SEQ_CST))
        return 1;
    __atomic_fetch_sub(&t->readers, 1, __ATOMIC_SEQ_CST);
    return 0;
}

static void leave_remote(struct heap_table *t, const struct heap_table *outer)
{
    __atomic_fetch_sub(&t->readers, 1, __ATOMIC_RELEASE);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    reading = outer;
    if (TM_UNLIKELY(deferred.n != 0))
        drain_deferred();
}

static struct heap_table *first_table(void)
{
    return __atomic_load_n(&tables, __ATOMIC_ACQUIRE);
}

/* Retires key from table t, entered, if it is there; 1 and *value when it was. */
static int retire_from(struct heap_table *t, uintptr_t key, uint64_t *value)
{
    ptrdiff_t i = tm_heap_find(t, key);
    if (i < 0)
        return 0;
    uint64_t v = __atomic_load_n(&t->slots[i].value, __ATOMIC_RELAXED);
    uintptr_t expected = key;
    if (!__atomic_compare_exchange_n(&t->slots[i].key, &expected, TOMBSTONE, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
        return 0;
    if (value)
        *value = v;
    return 1;
}

/* Retires key from table t if it is there; 1 and *value when it was. */
static int remove_from(struct heap_table *t, uintptr_t key, uint64_t *value)
{
    const struct heap_table *outer = enter_remote(t);
    int removed = retire_from(t, key, value);
    leave_remote(t, outer);
    return removed;
}

/* Retires key from a table other than `own`; 1 and *value when found. The table that held the thread's
 * last cross-thread free is tried first: a consumer usually frees one producer's blocks. */
int tm_heap_remove_remote(uintptr_t key, uint64_t *value, const struct heap_table *own)
{
    struct heap_table *last = tm_self.last_remote_table;
    if (last && last != own && remove_from(last, key, value))
        return 1;
    for (struct heap_table *t = first_table(); t; t = t->next) {
        if (t == own || t == last || !remove_from(t, key, value))
            continue;
        tm_self.last_remote_table = t;
        return 1;
    }
    return 0;
}

/* Removes key from table t in an operation nested in one of this thread's own: 1 removed (*value set), 0 not
 * there, -1 not now (this thread is rebuilding t, or reading it while its owner waits to rebuild it). Its own
 * table by one exchange (the interrupted operation never writes a live slot of another key); the others as a
 * remote user. */
static int remove_nested_from(struct heap_table *t, const struct heap_table *own, uintptr_t key, uint64_t *value)
{
    if (t == own) {
        if (__atomic_load_n(&t->resizing, __ATOMIC_RELAXED)) /* only this thread sets it */
            return -1;
        ptrdiff_t i = tm_heap_find(t, key);
        return i >= 0 && tm_heap_retire(&t->slots[i], key, value);
    }
    if (t != reading)
        return remove_from(t, key, value);
    if (!try_enter_remote(t))
        return -1;
    int removed = retire_from(t, key, value);
    __atomic_fetch_sub(&t->readers, 1, __ATOMIC_RELEASE);
    return removed;
}

static void defer(uintptr_t key, struct heap_table *t)
{
    unsigned n = __atomic_load_n(&deferred.n, __ATOMIC_RELAXED);
    do { /* a compare-and-swap: a handler may append (or drain) between the entry's stores and its count */
        if (n == MAX_DEFERRED) /* more: that trace stays (README, Known limits) */
            return;
        deferred.keys[n] = key;
        deferred.tables[n] = t;
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
    } while (!__atomic_compare_exchange_n(&deferred.n, &n, n + 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
}

/* Forgets key in an operation nested in one of this thread's own (heap_table.h): it waits for nothing this
 * thread holds up. A table it had to skip (at most one: a rebuild reads no other table) gets the removal
 * deferred (see drain_deferred). */
int tm_heap_remove_nested(uintptr_t key, uint64_t *value)
{
    struct heap_table *own = tm_self.heap_table, *skipped = NULL;
    int removed = own ? remove_nested_from(own, own, key, value) : 0;
    if (removed < 0)
        skipped = own;
    for (struct heap_table *t = first_table(); t && removed <= 0; t = t->next) {
        if (t == own)
            continue;
        removed = remove_nested_from(t, own, key, value);
        if (removed < 0)
            skipped = t;
    }
    if (removed > 0)
        return 1;
    if (skipped)
        defer(key, skipped);
    return 0;
}

/* Makes the deferred removals (each counted as it is made), once the rebuild or the read that stood in their
 * way has ended. The list is taken entry by entry, so that a handler may add to it meanwhile (its entries are
 * made too). */
static void drain_deferred(void)
{
    if (deferred.draining)
        return;
    deferred.draining = 1;
    /* Bounded: a removal deferred again (a read further out is still in its way) waits for the next drain. */
    for (unsigned todo = 2 * MAX_DEFERRED; todo > 0; todo--) {
        unsigned n = __atomic_load_n(&deferred.n, __ATOMIC_RELAXED);
        uintptr_t key;
        struct heap_table *t;
        do { /* a compare-and-swap against this thread's own handlers, which append */
            if (n == 0)
                break;
            key = deferred.keys[n - 1];
            t = deferred.tables[n - 1];
        } while (!__atomic_compare_exchange_n(&deferred.n, &n, n - 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
        if (n == 0)
            break;
        uint64_t value;
        int removed = remove_nested_from(t, tm_self.heap_table, key, &value);
        if (removed > 0)
            tm_counters_add_shared(-(int64_t)tm_packed_size(value));
        else if (removed < 0)
            defer(key, t);
    }
    deferred.draining = 0;
}

/* ---- the owner ---- */

static void thread_exit(void *arg)
{
    struct heap_table *t = arg;
    /* Let go of it before another thread may adopt it: a signal handler's malloc from here on attaches anew. */
    if (tm_self.heap_table == t)
        tm_self.heap_table = NULL;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    tm_spin_lock(&registry_lock);
    t->owned = 0;
    tm_spin_unlock(&registry_lock);
}

/* This thread's table: an orphan adopted, or a new one. NULL only when out of tracer memory. */
struct heap_table *tm_heap_attach(void)
{
    if (!__atomic_load_n(&exit_key_ready, __ATOMIC_ACQUIRE)) { /* double-checked: pairs with the store */
        tm_spin_lock(&registry_lock);
        if (!exit_key_ready && pthread_key_create(&exit_key, thread_exit) == 0)
            __atomic_store_n(&exit_key_ready, 1, __ATOMIC_RELEASE);
        tm_spin_unlock(&registry_lock);
    }
    tm_spin_lock(&registry_lock);
    struct heap_table *t;
    for (t = first_table(); t && t->owned; t = t->next)
        ;
    if (!t) {
        /* A table always has slots, so probes need no other test. */
        char *raw = tm_tracer_alloc(sizeof *t + 64);
        struct heap_slot *slots = raw ? tm_tracer_alloc(MIN_SLOTS * sizeof *slots) : NULL;
        if (slots) {
            t = (struct heap_table *)(((uintptr_t)raw + 63) & ~(uintptr_t)63);
            t->slots = slots;
            t->cap = MIN_SLOTS;
            t->full_at = MIN_SLOTS - MIN_SLOTS / 4;
            t->next = first_table();
            __atomic_store_n(&tables, t, __ATOMIC_RELEASE);
        } else {
            tm_tracer_free(raw, sizeof *t + 64);
        }
    }
    if (t)
        t->owned = 1;
    tm_spin_unlock(&registry_lock);
    if (t) {
        tm_self.heap_table = t;
        if (exit_key_ready)
            pthread_setspecific(exit_key, t);
    }
    return t;
}

/* Rebuilds the owner's table without tombstones, sized to twice its live entries. Returns 0 or -1. */
static int rebuild(struct heap_table *t)
{
    __atomic_store_n(&t->resizing, 1, __ATOMIC_SEQ_CST);
    __atomic_signal_fence(__ATOMIC_SEQ_CST); /* a handler that sees 0 finds the table whole */
    while (__atomic_load_n(&t->readers, __ATOMIC_SEQ_CST))
        sched_yield();
    size_t live = 0;
    for (size_t i = 0; i < t->cap; i++)
        live += t->slots[i].key > TOMBSTONE;
    size_t cap = (live + 1) * 2;
    cap = cap < MIN_SLOTS ? MIN_SLOTS : (cap + MIN_SLOTS - 1) / MIN_SLOTS * MIN_SLOTS;
    struct heap_slot *slots = tm_tracer_alloc(cap * sizeof *slots);
    if (!slots) {
        __atomic_store_n(&t->resizing, 0, __ATOMIC_RELEASE);
        drain_deferred();
        return -1;
    }
    for (size_t i = 0; i < t->cap; i++) {
        if (t->slots[i].key <= TOMBSTONE)
            continue;
        size_t j = tm_heap_home(t->slots[i].key, cap);
        while (slots[j].key != EMPTY)
            j = tm_heap_next(j, cap);
        slots[j] = t->slots[i];
    }
    struct heap_slot *old = t->slots;
    size_t old_cap = t->cap;
    t->slots = slots;
    t->cap = cap;
    t->full_at = cap - cap / 4;
    t->used = live;
    __atomic_store_n(&t->resizing, 0, __ATOMIC_RELEASE);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    tm_tracer_free(old, old_cap * sizeof *old);
    drain_deferred(); /* the removals handlers could not make in the table meanwhile */
    return 0;
}

/* Inserts key in a slow operation: up to the first empty slot, reusing no tombstone (see the first comment),
 * and retiring the first stale entry for key met on the way unless `replaced` (the caller retired one
 * already). 1, or 2 when an entry was retired (*old set by whoever retired it). */
static int insert_slow(struct heap_table *t, uintptr_t key, uint64_t value, uint64_t *old, int replaced)
{
    size_t i = tm_heap_home(key, t->cap);
    for (uintptr_t k; (k = load_key(&t->slots[i])) != EMPTY; i = tm_heap_next(i, t->cap))
        if (k == key && !replaced)
            replaced = tm_heap_retire(&t->slots[i], key, old);
    t->used++;
    __atomic_store_n(&t->slots[i].value, value, __ATOMIC_RELAXED);
    __atomic_store_n(&t->slots[i].key, key, __ATOMIC_RELEASE);
    return replaced ? 2 : 1;
}

/* tm_heap_put_in (heap_table.h) when the table is full, the operation slow, or the block may be traced
 * elsewhere. */
int tm_heap_put_slow(struct heap_table *t, uintptr_t key, uint64_t value, uint64_t *old, int fresh, int fast)
{
    if (tm_heap_full(t) && rebuild(t) != 0 && t->used + 1 >= t->cap)
        return -1;
    if (fast && fresh)
        return tm_heap_insert(t, key, value, old);
    int replaced = 0;
    if (!fresh) {
        /* The block may be traced already, by this thread or another: that trace goes. */
        ptrdiff_t i = tm_heap_find(t, key);
        replaced = (i >= 0 && tm_heap_retire(&t->slots[i], key, old)) || tm_heap_remove_remote(key, old, t);
    }
    return insert_slow(t, key, value, old, replaced);
}

/* The owner's side when tm_quiesce_state is not 0 (heap_table.h's tm_heap_enter). */
unsigned tm_heap_enter_slow(struct heap_table *t, unsigned state)
{
    if (state & TM_QUIESCE_SYMMETRIC) {
        /* No membarrier: the mark again, now sequentially consistent, and the state read so, pair with the
         * sweeper's increment and reads (Dekker). A locked instruction, not mfence: 3 times cheaper here. */
        __atomic_exchange_n(&t->in_op, 1, __ATOMIC_SEQ_CST);
        state = __atomic_load_n(&tm_quiesce_state, __ATOMIC_SEQ_CST);
    }
    if (state >= TM_QUIESCE_SWEEP) /* slow: the mark goes, the sweeper need not wait for this operation */
        __atomic_store_n(&t->in_op, 0, __ATOMIC_RELEASE);
    return state & ~TM_QUIESCE_SYMMETRIC;
}

void tm_heap_wait_for_owners(void)
{
    for (struct heap_table *t = first_table(); t; t = t->next) {
        if (t == tm_self.heap_table)
            continue; /* this thread sweeps: it is not inside an operation (see the first comment) */
        for (unsigned spins = 0; __atomic_load_n(&t->in_op, __ATOMIC_SEQ_CST); spins++) {
            if (spins > 64) /* the owner may be descheduled: give it the core */
                sched_yield();
#if defined(__x86_64__) || defined(__i386__)
            else
                __builtin_ia32_pause();
#endif
        }
    }
}

int tm_heap_get(uintptr_t key, uint64_t *value)
{
    for (struct heap_table *t = first_table(); t; t = t->next) {
        const struct heap_table *outer = enter_remote(t);
        ptrdiff_t i = tm_heap_find(t, key);
        if (i >= 0)
            *value = __atomic_load_n(&t->slots[i].value, __ATOMIC_RELAXED);
        leave_remote(t, outer);
        if (i >= 0)
            return 1;
    }
    return 0;
}

int64_t tm_heap_clear(void)
{
    int64_t removed = 0;
    for (struct heap_table *t = first_table(); t; t = t->next) {
        const struct heap_table *outer = enter_remote(t);
        for (size_t i = 0; i < t->cap; i++) {
            uintptr_t k = load_key(&t->slots[i]);
            if (k <= TOMBSTONE)
                continue;
            /* The value before the swap: afterwards the owner may reuse the slot. */
            uint64_t value = __atomic_load_n(&t->slots[i].value, __ATOMIC_RELAXED);
            if (__atomic_compare_exchange_n(&t->slots[i].key, &k, TOMBSTONE, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
                removed += (int64_t)tm_packed_size(value);
        }
        leave_remote(t, outer);
    }
    return removed;
}

int tm_heap_each(int (*fn)(void *ctx, uintptr_t key, uint64_t value), void *ctx)
{
    struct heap_slot *copy = NULL;
    size_t copy_cap = 0;
    int rc = 0;
    for (struct heap_table *t = first_table(); t && rc == 0;) {
        const struct heap_table *outer = enter_remote(t);
        if (t->cap > copy_cap) {
            /* Allocate outside the table, then look again: it may have been rebuilt meanwhile. */
            size_t want = t->cap;
            leave_remote(t, outer);
            tm_tracer_free(copy, copy_cap * sizeof *copy);
            copy = tm_tracer_alloc(want * sizeof *copy);
            copy_cap = copy ? want : 0;
            if (!copy)
                return -1;
            continue;
        }
        size_t n = 0;
        for (size_t i = 0; i < t->cap; i++) {
            uintptr_t k = load_key(&t->slots[i]);
            if (k > TOMBSTONE)
                copy[n++] = (struct heap_slot){k, __atomic_load_n(&t->slots[i].value, __ATOMIC_RELAXED)};
        }
        leave_remote(t, outer);
        for (size_t i = 0; i < n && rc == 0; i++)
            rc = fn(ctx, copy[i].key, copy[i].value);
        t = t->next;
    }
    tm_tracer_free(copy, copy_cap * sizeof *copy);
    return rc;
}

int tm_heap_after_fork_child(void)
{
    /* Only this thread survived: nobody else is reading or rebuilding, and the other tables are orphans. */
    int vanished_owners = 0;
    for (struct heap_table *t = first_table(); t; t = t->next) {
        t->readers = 0;
        t->resizing = 0;
        if (t != tm_self.heap_table) /* its owner vanished, maybe inside an operation */
            t->in_op = 0;
        vanished_owners += t->owned && t != tm_self.heap_table;
        t->owned = t == tm_self.heap_table;
    }
    registry_lock.locked = 0;
    return vanished_owners;
}
