/* counters.c — traced memory (current, peak) without a shared write per malloc/free, and the per-thread
 * state that carries it.
 *
 * Each thread owns a counter slot (its own cache line) holding `pending`, the bytes it added or removed since
 * it last flushed into the shared `flushed`. A thread flushes when |pending| exceeds TM_FLUSH_BYTES, and on
 * exit. Current = flushed + the sum of all slots' pending (exact whenever no allocation is in flight).
 * Peak: after each allocation a thread computes flushed + its own pending and keeps the maximum in its slot;
 * peak = max(global peak, every slot's maximum, current). With one thread that value is exactly current at
 * every allocation, so peak is exact. With T threads each thread's view misses at most the others' pending,
 * so the reported peak is within (T - 1) * TM_FLUSH_BYTES of the true peak. exact_peak=1 flushes on every
 * allocation and free instead (one shared atomic per operation) and then the peak is exact: such a thread never
 * gets a slot, which keeps that test off the inline path.
 *
 * Clears and stops: the sweep subtracts the sizes of the traces it retired (tm_counters_clear) while other
 * threads go on counting their own. Current stays the sum of the traces because each trace is retired exactly
 * once, by a free or by the sweep, and whoever retires it counts the size of that very trace: heap_table.c's
 * quiescence protocol keeps owners' plain-store operations out of sweeps for that (and keeps any trace from
 * being recorded after tmtrace_stop()'s sweep). */
#include <pthread.h>
#include <string.h>

#include "spinlock.h"
#include "tracer.h"

__thread struct tm_thread tm_self __attribute__((tls_model("initial-exec")));

int64_t tm_flushed;         /* atomic */
#define flushed tm_flushed
static int64_t global_peak; /* atomic */
static struct tm_counter_slot *slots;
static tm_spinlock slots_lock;
static pthread_key_t thread_exit_key;
static int key_created;

static void raise_peak(int64_t *peak, int64_t value)
{
    int64_t seen = __atomic_load_n(peak, __ATOMIC_RELAXED);
    while (value > seen && !__atomic_compare_exchange_n(peak, &seen, value, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

static void thread_exit(void *arg)
{
    struct tm_counter_slot *slot = arg;
    /* Let go of it before another thread may take it: a signal handler's malloc from here on attaches anew. */
    if (tm_self.slot == slot)
        tm_self.slot = NULL;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    tm_spin_lock(&slots_lock);
    __atomic_fetch_add(&flushed, __atomic_load_n(&slot->pending, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
    raise_peak(&global_peak, __atomic_load_n(&slot->peak_local, __ATOMIC_RELAXED));
    __atomic_store_n(&slot->pending, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&slot->peak_local, 0, __ATOMIC_RELAXED);
    slot->in_use = 0;
    tm_spin_unlock(&slots_lock);
}

/* Gives this thread a slot (reusing one of an exited thread); NULL only when out of tracer memory. */
static struct tm_counter_slot *attach_thread(void)
{
    struct tm_counter_slot *slot;
    tm_spin_lock(&slots_lock);
    for (slot = slots; slot && slot->in_use; slot = slot->next)
        ;
    if (!slot) {
        /* The slot must own its cache line: over-allocate and align (slots are never freed). */
        char *raw = tm_tracer_alloc(sizeof *slot + 64);
        if (raw) {
            slot = (struct tm_counter_slot *)(((uintptr_t)raw + 63) & ~(uintptr_t)63);
            slot->next = slots;
            slots = slot;
        }
    }
    if (slot)
        slot->in_use = 1;
    tm_spin_unlock(&slots_lock);
    if (slot) {
        tm_self.slot = slot;
        if (key_created)
            pthread_setspecific(thread_exit_key, slot);
    }
    return slot;
}

int tm_counters_init(void)
{
    if (pthread_key_create(&thread_exit_key, thread_exit) != 0)
        return -1;
    key_created = 1;
    return 0;
}

void tm_counters_add_shared(int64_t delta)
{
    int64_t now = __atomic_add_fetch(&flushed, delta, __ATOMIC_RELAXED);
    if (delta > 0)
        raise_peak(&global_peak, now);
}

/* tm_counters_add (tracer.h) when the thread has no slot yet, exact_peak is on, or pending must flush. */
void tm_counters_add_slow(int64_t delta)
{
    struct tm_counter_slot *slot = tm_self.slot;
    if (!slot) {
        if (!tm_g.exact_peak) /* fixed at init, before anything is counted */
            slot = attach_thread();
        if (!slot) {
            tm_counters_add_shared(delta);
            return;
        }
    }
    int64_t pending = slot->pending + delta;
    if (TM_UNLIKELY(pending > TM_FLUSH_BYTES || pending < -TM_FLUSH_BYTES)) {
        __atomic_fetch_add(&flushed, pending, __ATOMIC_RELAXED);
        pending = 0;
    }
    __atomic_store_n(&slot->pending, pending, __ATOMIC_RELAXED);
    if (delta > 0) {
        int64_t now = __atomic_load_n(&flushed, __ATOMIC_RELAXED) + pending;
        if (now > __atomic_load_n(&slot->peak_local, __ATOMIC_RELAXED)) /* reset_peak stores it too */
            __atomic_store_n(&slot->peak_local, now, __ATOMIC_RELAXED);
    }
}

static int64_t sum_current_locked(void)
{
    int64_t sum = __atomic_load_n(&flushed, __ATOMIC_RELAXED);
    for (struct tm_counter_slot *s = slots; s; s = s->next)
        sum += __atomic_load_n(&s->pending, __ATOMIC_RELAXED);
    return sum;
}

void tm_counters_get(size_t *current, size_t *peak)
{
    tm_spin_lock(&slots_lock);
    int64_t cur = sum_current_locked();
    int64_t pk = __atomic_load_n(&global_peak, __ATOMIC_RELAXED);
    for (struct tm_counter_slot *s = slots; s; s = s->next) {
        int64_t p = __atomic_load_n(&s->peak_local, __ATOMIC_RELAXED);
        if (p > pk)
            pk = p;
    }
    tm_spin_unlock(&slots_lock);
    if (cur < 0) /* only while frees of other threads are in flight */
        cur = 0;
    if (pk < cur)
        pk = cur;
    if (current)
        *current = (size_t)cur;
    if (peak)
        *peak = (size_t)pk;
}

static void reset_peaks_locked(int64_t value)
{
    __atomic_store_n(&global_peak, value, __ATOMIC_RELAXED);
    for (struct tm_counter_slot *s = slots; s; s = s->next)
        __atomic_store_n(&s->peak_local, 0, __ATOMIC_RELAXED);
}

void tm_counters_reset_peak(void)
{
    tm_spin_lock(&slots_lock);
    reset_peaks_locked(sum_current_locked());
    tm_spin_unlock(&slots_lock);
}

void tm_counters_clear(int64_t removed)
{
    tm_spin_lock(&slots_lock);
    /* An add, not a store of 0: other threads' counting goes on meanwhile (exact_peak=1 adds to flushed
     * without the lock), and blocks they recorded while the tables were cleared are still traced. */
    __atomic_fetch_add(&flushed, -removed, __ATOMIC_RELAXED);
    reset_peaks_locked(sum_current_locked());
    tm_spin_unlock(&slots_lock);
}

void tm_counters_after_fork_child(int64_t traced)
{
    /* Only this thread survived: the others' slots are emptied and freed for reuse. */
    for (struct tm_counter_slot *s = slots; s; s = s->next) {
        if (s == tm_self.slot)
            continue;
        raise_peak(&global_peak, s->peak_local);
        s->pending = 0;
        s->peak_local = 0;
        s->in_use = 0;
    }
    __atomic_store_n(&flushed, traced - (tm_self.slot ? tm_self.slot->pending : 0), __ATOMIC_RELAXED);
    raise_peak(&global_peak, traced);
}

void tm_counters_lock(void)
{
    tm_spin_lock(&slots_lock);
}

void tm_counters_unlock(void)
{
    tm_spin_unlock(&slots_lock);
}
