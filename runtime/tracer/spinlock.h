/* spinlock.h — the tracer's lock: one int-sized test-and-test-and-set spinlock, taken for a few dozen
 * instructions at a time; it never allocates, so hooks can take it, and fork handlers take them all. */
#ifndef TMTRACE_SPINLOCK_H
#define TMTRACE_SPINLOCK_H

#include <sched.h>

typedef struct tm_spinlock {
    int locked;
} tm_spinlock;

static inline void tm_spin_lock(tm_spinlock *l)
{
    unsigned spins = 0;
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
        while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
            if (++spins > 64) /* the holder may be descheduled: give it the core */
                sched_yield();
#if defined(__x86_64__) || defined(__i386__)
            else
                __builtin_ia32_pause();
#endif
        }
    }
}

static inline void tm_spin_unlock(tm_spinlock *l)
{
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
