// counters_test.cc — tracemalloc's module functions on one thread: current and peak exact, reset_peak,
// clear_traces, start/stop and their argument checking, the traceback limit and the tracer's own memory.
#include <stdlib.h>

#include "runtime_test_support.h"

namespace {

using tmtest::Current;
using tmtest::Escape;
using tmtest::Peak;

class Counters : public tmtest::TracerTest {};

TEST_F(Counters, PeakAndCurrentAreExact)
{
    tmtrace_reset_peak();
    size_t base = Current();
    EXPECT_EQ(Peak(), base);
    void *a = malloc(1000);
    void *b = malloc(2000);
    free(a);
    EXPECT_EQ(Current(), base + 2000);
    EXPECT_EQ(Peak(), base + 3000);
    void *c = malloc(500);
    EXPECT_EQ(Peak(), base + 3000); // 2500 < 3000
    tmtrace_reset_peak();
    EXPECT_EQ(Peak(), base + 2500);
    void *d = malloc(1);
    free(d);
    EXPECT_EQ(Peak(), base + 2501);
    free(b);
    free(c);
    EXPECT_EQ(Current(), base);
    EXPECT_EQ(Peak(), base + 2501);
}

TEST_F(Counters, ClearTracesForgetsEverything)
{
    void *a = malloc(100);
    Escape(a);
    EXPECT_GE(Current(), 100u);
    tmtrace_clear_traces();
    EXPECT_EQ(Current(), 0u);
    EXPECT_EQ(Peak(), 0u);
    EXPECT_EQ(tmtrace_get_object_traceback(a), nullptr);
    free(a); // untraced now: nothing changes
    EXPECT_EQ(Current(), 0u);
    void *b = malloc(40);
    EXPECT_EQ(Current(), 40u);
    EXPECT_EQ(Peak(), 40u);
    free(b);
}

TEST_F(Counters, StopClearsAndStartResumes)
{
    void *a = malloc(100);
    Escape(a);
    tmtrace_stop();
    EXPECT_EQ(tmtrace_is_tracing(), 0);
    EXPECT_EQ(Current(), 0u);
    EXPECT_EQ(tmtrace_take_snapshot(), nullptr);
    EXPECT_STREQ(tmtrace_last_error(), "the tracemalloc module must be tracing memory to take a snapshot");
    ASSERT_EQ(tmtrace_start(3), 0);
    EXPECT_EQ(tmtrace_is_tracing(), 1);
    EXPECT_EQ(tmtrace_get_traceback_limit(), 3);
    EXPECT_EQ(tmtrace_start(7), 0); // already tracing: nothing changes, as in tracemalloc
    EXPECT_EQ(tmtrace_get_traceback_limit(), 3);
    free(a);
}

TEST_F(Counters, StartRejectsBadFrameCounts)
{
    tmtrace_stop();
    EXPECT_EQ(tmtrace_start(0), -1);
    EXPECT_STREQ(tmtrace_last_error(), "the number of frames must be in range [1; 65535]");
    EXPECT_EQ(tmtrace_start(65536), -1);
    EXPECT_EQ(tmtrace_start(-3), -1);
    EXPECT_EQ(tmtrace_is_tracing(), 0);
    EXPECT_EQ(tmtrace_start(65535), 0);
    EXPECT_EQ(tmtrace_get_traceback_limit(), 65535);
}

TEST_F(Counters, TracerMemoryGrowsWithTheTraces)
{
    size_t before = tmtrace_get_tracemalloc_memory();
    EXPECT_GT(before, 0u);
    std::vector<void *> blocks(20000);
    for (auto &p : blocks)
        p = malloc(8);
    size_t after = tmtrace_get_tracemalloc_memory();
    EXPECT_GT(after, before + 20000 * 16); // at least one 16-byte slot per trace
    EXPECT_LT(after, before + 20000 * 64);
    for (void *p : blocks)
        free(p);
}

} // namespace
