// signal_test.cc — signal tolerance: a handler that allocates and frees interrupts the tracer at arbitrary
// points (a profiling timer, as often as the kernel delivers it) without deadlock or corruption; blocks the handler
// makes while the tracer is busy go untraced, and the counters stay exact.
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "runtime_test_support.h"

namespace {

using tmtest::Current;

volatile sig_atomic_t handler_runs;

void AllocatingHandler(int)
{
    // malloc is not async-signal-safe: keep glibc out of the way by using a size whose tcache bin the
    // interrupted loop never touches (1000 B; the loop uses 16-215 B), so that only the tracer is re-entered.
    void *p = malloc(1000);
    free(p);
    handler_runs = handler_runs + 1;
}

class Signals : public tmtest::TracerTest {};

TEST_F(Signals, AllocatingHandlerInterruptsTheTracer)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = AllocatingHandler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    struct sigaction saved;
    ASSERT_EQ(sigaction(SIGPROF, &action, &saved), 0);
    size_t before = Current();
    itimerval every_50us = {{0, 50}, {0, 50}};
    ASSERT_EQ(setitimer(ITIMER_PROF, &every_50us, nullptr), 0);
    handler_runs = 0;
    // The timer ticks at the kernel's rate (a few ms): run until it fired 30 times (bounded, in case the
    // machine starves this process of CPU time).
    for (long i = 0; i < 200000000 && handler_runs < 30; i++) {
        void *p = malloc(16 + (size_t)i % 200);
        free(p);
    }
    itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_PROF, &off, nullptr);
    sigaction(SIGPROF, &saved, nullptr);
    EXPECT_EQ(Current(), before);
    EXPECT_EQ(handler_runs, 30);
}

} // namespace
