// fork_test.cc — fork() while other threads allocate: the child inherits no held tracer lock nor a vanished
// thread's operation mark, keeps tracing and clearing, and its counters stay exact; the parent is unaffected.
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "runtime_test_support.h"

namespace {

using tmtest::Current;
using tmtest::FramesOf;

class Fork : public tmtest::TracerTest {};

// Runs in the child: 0 when every check passed, else the number of the failed check.
int ChildChecks()
{
    size_t before = Current();
    void *p = malloc(123);
    if (Current() - before != 123)
        return 1;
    if (FramesOf(p) != std::vector<std::string>{"<unknown>:0"})
        return 2;
    free(p);
    if (Current() != before)
        return 3;
    tmtrace_snapshot *snap = tmtrace_take_snapshot();
    if (!snap)
        return 4;
    tmtrace_snapshot_free(snap);
    // Clears against a churning thread: the parent's threads may have vanished inside an operation, whose
    // marks must not make the child's sweeps wait for ever, and each trace is still counted once.
    std::atomic<bool> done{false};
    std::thread churn([&] {
        while (!done.load())
            free(malloc(48));
    });
    for (int i = 0; i < 200; i++)
        tmtrace_clear_traces();
    done = true;
    churn.join();
    if (tmtest::SnapshotHeapBytes() != Current())
        return 5;
    return 0;
}

TEST_F(Fork, ChildKeepsTracingWhileOtherThreadsAllocate)
{
    std::atomic<bool> stop{false};
    std::thread churn([&] {
        while (!stop.load())
            free(malloc(64));
    });
    for (int i = 0; i < 20; i++) {
        pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0)
            _exit(ChildChecks());
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status));
        EXPECT_EQ(WEXITSTATUS(status), 0) << "fork " << i;
    }
    stop = true;
    churn.join();
    size_t before = Current();
    void *p = malloc(10);
    EXPECT_EQ(Current() - before, 10u);
    free(p);
}

} // namespace
