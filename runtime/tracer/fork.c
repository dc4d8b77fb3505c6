/* fork.c — fork safety: every tracer lock is taken before fork() and released in both processes, so the
 * child never inherits a lock held by a thread that does not exist there, and keeps tracing. The heap tables
 * take no lock per operation: the child resets what the vanished threads may have left mid-way instead (their
 * readers and operation marks, a sweep in progress), and when other threads existed, rebuilds current from its
 * traces (O(live blocks), only then): a thread caught between changing a table and its counter would otherwise
 * leave current off by its block for good. */
#include <pthread.h>

#include "tracer.h"

static void before_fork(void)
{
    tm_self.busy++;
    tm_traceback_lock();
    tm_domains_lock_all();
    tm_counters_lock();
}

static void after_fork_in_parent(void)
{
    tm_counters_unlock();
    tm_domains_unlock_all();
    tm_traceback_unlock();
    tm_self.busy--;
}

static void after_fork_in_child(void)
{
    tm_quiesce_after_fork_child();
    int other_threads = tm_heap_after_fork_child();
    after_fork_in_parent();
    if (other_threads) {
        tm_self.busy++;
        tm_counters_after_fork_child(tm_domains_traced_size());
        tm_self.busy--;
    }
    tm_log_open(tm_opt.log_path); /* FILE.<pid> names this process now */
}

int tm_fork_handlers_install(void)
{
    return pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child) == 0 ? 0 : -1;
}
