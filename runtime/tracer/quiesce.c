/* quiesce.c — the sweeper's side of the quiescence protocol that lets tables' owners record and forget with
 * plain stores (heap_table.c's first comment describes it): the global state the owners read, the heavy
 * fence, and registration for it.
 *
 * The heavy fence is membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED): an IPI makes every running thread of the
 * process execute a full barrier, so the owners' side needs only a compiler fence. It must be registered once
 * per process (a fork child is a new process). Where registration fails (kernel without it, seccomp) or the
 * option membarrier=0 asks, the state keeps TM_QUIESCE_SYMMETRIC: owners then fence themselves and the
 * sweeper's full fence pairs with theirs. The state also carries "tracing is off", so that an owner's one read
 * inside its operation is its tracing check too. */
#include <errno.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "heap_table.h"

unsigned tm_quiesce_state = TM_QUIESCE_STOPPED;

static int membarrier(int cmd)
{
    return (int)syscall(SYS_membarrier, cmd, 0, 0);
}

void tm_quiesce_init(void)
{
    if (!tm_opt.membarrier || membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) != 0)
        __atomic_fetch_or(&tm_quiesce_state, TM_QUIESCE_SYMMETRIC, __ATOMIC_SEQ_CST);
}

void tm_quiesce_set_stopped(int stopped)
{
    if (stopped)
        __atomic_fetch_or(&tm_quiesce_state, TM_QUIESCE_STOPPED, __ATOMIC_SEQ_CST);
    else
        __atomic_fetch_and(&tm_quiesce_state, ~TM_QUIESCE_STOPPED, __ATOMIC_SEQ_CST);
}

void tm_quiesce_begin(void)
{
    unsigned state = __atomic_add_fetch(&tm_quiesce_state, TM_QUIESCE_SWEEP, __ATOMIC_SEQ_CST);
    if (!(state & TM_QUIESCE_SYMMETRIC)) {
        int rc;
        while ((rc = membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)) != 0 && (errno == EINTR || errno == ENOMEM))
            sched_yield();
        if (rc != 0) {
            /* Registered, yet refused (a seccomp filter installed since?): owners fence themselves from now
             * on; operations already past their check without a fence are not covered by this one sweep. */
            tm_log("warning: membarrier failed (errno %d): clears and stops fall back to full fences", errno);
            __atomic_fetch_or(&tm_quiesce_state, TM_QUIESCE_SYMMETRIC, __ATOMIC_SEQ_CST);
        }
    }
    /* Pairs with the owners' fences (symmetric), or orders this thread's own reads (membarrier). */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    tm_heap_wait_for_owners();
}

void tm_quiesce_end(void)
{
    __atomic_sub_fetch(&tm_quiesce_state, TM_QUIESCE_SWEEP, __ATOMIC_RELEASE);
}

void tm_quiesce_after_fork_child(void)
{
    /* Only this thread survived, and it is not sweeping (a sweep does not fork). The registration for
     * membarrier belongs to the address space, which the child inherits (exec would reset it). */
    __atomic_and_fetch(&tm_quiesce_state, TM_QUIESCE_SYMMETRIC | TM_QUIESCE_STOPPED, __ATOMIC_SEQ_CST);
}
