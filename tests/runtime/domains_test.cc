// domains_test.cc — tmtrace_track/untrack for custom allocators: domains other than 0, replacement of a
// tracked block, names, counters, and the errors when not tracing.
#include <thread>

#include "runtime_test_support.h"

namespace {

using tmtest::Current;
using tmtest::CallerFrame;
using tmtest::ShadowPush;
using tmtest::Site;

class Domains : public tmtest::TracerTest {};

// Sum of the sizes of the snapshot's traces in `domain`, and how many there are.
std::pair<size_t, size_t> DomainTotals(unsigned domain)
{
    tmtrace_snapshot *snap = tmtrace_take_snapshot();
    size_t bytes = 0, count = 0;
    for (size_t i = 0; snap && i < tmtrace_snapshot_ntraces(snap); i++) {
        unsigned d;
        size_t size;
        const tmtrace_traceback *tb;
        tmtrace_snapshot_trace(snap, i, &d, &size, &tb);
        if (d == domain) {
            bytes += size;
            count++;
        }
    }
    tmtrace_snapshot_free(snap);
    return {bytes, count};
}

TEST_F(Domains, TrackReplaceUntrack)
{
    size_t before = Current();
    EXPECT_EQ(tmtrace_track(5, 0x1000, 100), 0);
    EXPECT_EQ(tmtrace_track(5, 0x2000, 30), 0);
    EXPECT_EQ(Current() - before, 130u);
    EXPECT_EQ(tmtrace_track(5, 0x1000, 50), 0); // same (domain, ptr): replaces
    EXPECT_EQ(Current() - before, 80u);
    EXPECT_EQ(DomainTotals(5), (std::pair<size_t, size_t>{80, 2}));
    EXPECT_EQ(tmtrace_untrack(5, 0x1000), 0);
    EXPECT_EQ(tmtrace_untrack(5, 0x9999), 0); // unknown: nothing happens
    EXPECT_EQ(tmtrace_untrack(6, 0x2000), 0); // other domain: nothing happens
    EXPECT_EQ(Current() - before, 30u);
    EXPECT_EQ(tmtrace_untrack(5, 0x2000), 0);
    EXPECT_EQ(Current(), before);
    EXPECT_EQ(DomainTotals(5), (std::pair<size_t, size_t>{0, 0}));
}

TEST_F(Domains, SameAddressInTwoDomainsAreTwoTraces)
{
    EXPECT_EQ(tmtrace_track(1, 0x4000, 10), 0);
    EXPECT_EQ(tmtrace_track(2, 0x4000, 20), 0);
    EXPECT_EQ(DomainTotals(1), (std::pair<size_t, size_t>{10, 1}));
    EXPECT_EQ(DomainTotals(2), (std::pair<size_t, size_t>{20, 1}));
    tmtrace_untrack(1, 0x4000);
    tmtrace_untrack(2, 0x4000);
}

TEST_F(Domains, TrackTakesTheCallersShadowStack)
{
    tmtrace_site caller = Site("/src/gpu.c", 88);
    ShadowPush in_caller(&caller, CallerFrame(0x7000));
    ASSERT_EQ(tmtrace_track(9, 0xdead0000, 4096), 0);
    tmtrace_snapshot *snap = tmtrace_take_snapshot();
    ASSERT_NE(snap, nullptr);
    int found = 0;
    for (size_t i = 0; i < tmtrace_snapshot_ntraces(snap); i++) {
        unsigned d;
        size_t size;
        const tmtrace_traceback *tb;
        tmtrace_snapshot_trace(snap, i, &d, &size, &tb);
        if (d != 9)
            continue;
        found++;
        EXPECT_EQ(size, 4096u);
        ASSERT_EQ(tmtrace_traceback_nframe(tb), 1u);
        EXPECT_STREQ(tmtrace_traceback_frame(tb, 0)->filename, "/src/gpu.c");
        EXPECT_EQ(tmtrace_traceback_frame(tb, 0)->lineno, 88u);
    }
    EXPECT_EQ(found, 1);
    tmtrace_snapshot_free(snap);
    tmtrace_untrack(9, 0xdead0000);
}

TEST_F(Domains, NamesAreCopiedAndReplaced)
{
    char name[] = "gpu";
    EXPECT_EQ(tmtrace_set_domain_name(12, name), 0);
    name[0] = 'X';
    tmtrace_snapshot *snap = tmtrace_take_snapshot();
    EXPECT_STREQ(tmtrace_snapshot_domain_name(snap, 12), "gpu");
    tmtrace_snapshot_free(snap);
    EXPECT_EQ(tmtrace_set_domain_name(12, "vram"), 0);
    snap = tmtrace_take_snapshot();
    EXPECT_STREQ(tmtrace_snapshot_domain_name(snap, 12), "vram");
    EXPECT_EQ(tmtrace_snapshot_domain_name(snap, 13), nullptr);
    tmtrace_snapshot_free(snap);
    EXPECT_EQ(tmtrace_set_domain_name(12, nullptr), -1);
    EXPECT_STREQ(tmtrace_last_error(), "tmtrace_set_domain_name: name is NULL");
}

TEST_F(Domains, TrackingAHeapBlockReplacesItsTrace)
{
    // What the pass emits after an xmalloc-style wrapper: domain 0, the block malloc already recorded.
    tmtrace_site wrapper_call = tmtest::Site("/src/app.c", 31);
    std::thread([] {}).join(); // glibc keeps a first thread's TLS vector: allocate it before measuring
    size_t before = Current();
    void *here = malloc(40);
    void *there = nullptr;
    std::thread([&] { there = malloc(50); }).join(); // recorded in another thread's table
    EXPECT_EQ(Current() - before, 90u);
    {
        ShadowPush in_wrapper_caller(&wrapper_call, CallerFrame(0x7000));
        EXPECT_EQ(tmtrace_track(0, reinterpret_cast<uintptr_t>(here), 41), 0);
        EXPECT_EQ(tmtrace_track(0, reinterpret_cast<uintptr_t>(there), 51), 0);
    }
    EXPECT_EQ(Current() - before, 92u);
    EXPECT_EQ(tmtest::FramesOf(here), std::vector<std::string>{"/src/app.c:31"});
    EXPECT_EQ(tmtest::FramesOf(there), std::vector<std::string>{"/src/app.c:31"});
    free(here);
    free(there);
    EXPECT_EQ(Current(), before);
}

TEST_F(Domains, NotTracingIsAnError)
{
    tmtrace_stop();
    EXPECT_EQ(tmtrace_track(5, 0x1000, 100), -1);
    EXPECT_STREQ(tmtrace_last_error(), "tmtrace_track: not tracing");
    EXPECT_EQ(tmtrace_untrack(5, 0x1000), -1);
    EXPECT_STREQ(tmtrace_last_error(), "tmtrace_untrack: not tracing");
}

} // namespace
