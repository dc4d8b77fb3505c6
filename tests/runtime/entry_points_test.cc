// entry_points_test.cc — the pass's ABI driven by hand: entry points called with hand-built site records,
// inline chains, shadow-stack pushes done as tmtrace_abi.h prescribes, stale entries, ring overflow, module
// unloading and ABI mismatch. Every expectation is the exact list of frames (most recent first) and
// total_nframe as traceback_capture.c documents it.
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <new>

#include "runtime_test_support.h"

namespace {

using tmtest::Current;
using tmtest::FramesOf;
using tmtest::CallerFrame;
using tmtest::ShadowPush;
using tmtest::Site;
using FrameList = std::vector<std::string>;

class EntryPoints : public tmtest::TracerTest {
protected:
    int Frames() const override { return 25; }
};

TEST_F(EntryPoints, SiteIsTheOnlyFrameWithAnEmptyShadowStack)
{
    tmtrace_site site = Site("/src/a.c", 10);
    size_t before = Current();
    void *p = __tmtrace_malloc(32, &site);
    size_t total = 0;
    EXPECT_EQ(FramesOf(p, &total), (FrameList{"/src/a.c:10"}));
    EXPECT_EQ(total, 1u);
    EXPECT_EQ(Current() - before, 32u);
    free(p);
    EXPECT_EQ(Current(), before);
}

TEST_F(EntryPoints, InlineChainGivesOneFramePerRecord)
{
    tmtrace_site outer = Site("/src/b.c", 20);
    tmtrace_site middle = Site("/src/b.h", 7, &outer);
    tmtrace_site inner = Site("/src/a.h", 5, &middle);
    void *p = __tmtrace_malloc(8, &inner);
    size_t total = 0;
    EXPECT_EQ(FramesOf(p, &total), (FrameList{"/src/a.h:5", "/src/b.h:7", "/src/b.c:20"}));
    EXPECT_EQ(total, 3u);
    free(p);
}

TEST_F(EntryPoints, ShadowStackGivesTheCallers)
{
    tmtrace_site main_call = Site("/src/main.c", 3);
    tmtrace_site f_call = Site("/src/f.c", 30);
    tmtrace_site site = Site("/src/g.c", 300);
    ShadowPush in_main(&main_call, CallerFrame(0x7000));
    ShadowPush in_f(&f_call, CallerFrame(0x6000));
    void *p = __tmtrace_malloc(8, &site);
    size_t total = 0;
    EXPECT_EQ(FramesOf(p, &total), (FrameList{"/src/g.c:300", "/src/f.c:30", "/src/main.c:3"}));
    EXPECT_EQ(total, 3u);
    free(p);
}

TEST_F(EntryPoints, UninstrumentedCallerIsBlamedOnTheInnermostShadowEntry)
{
    tmtrace_site main_call = Site("/src/main.c", 3);
    tmtrace_site f_call = Site("/src/f.c", 30);
    ShadowPush in_main(&main_call, CallerFrame(0x7000));
    ShadowPush in_f(&f_call, CallerFrame(0x6000));
    void *p = malloc(8); // e.g. from inside libc, called at f.c:30
    size_t total = 0;
    EXPECT_EQ(FramesOf(p, &total), (FrameList{"/src/f.c:30", "/src/main.c:3"}));
    EXPECT_EQ(total, 2u);
    free(p);
}

TEST_F(EntryPoints, ShadowEntriesExpandTheirInlineChains)
{
    tmtrace_site outer = Site("/src/main.c", 3);
    tmtrace_site inlined = Site("/src/util.h", 12, &outer);
    tmtrace_site site = Site("/src/g.c", 300);
    ShadowPush in_main(&inlined, CallerFrame(0x7000));
    void *p = __tmtrace_malloc(8, &site);
    EXPECT_EQ(FramesOf(p), (FrameList{"/src/g.c:300", "/src/util.h:12", "/src/main.c:3"}));
    free(p);
}

TEST_F(EntryPoints, StaleEntriesAreSkipped)
{
    tmtrace_site main_call = Site("/src/main.c", 3);
    tmtrace_site stale_call = Site("/src/stale.c", 66);
    tmtrace_site h_call = Site("/src/h.c", 40);
    tmtrace_site site = Site("/src/g.c", 300);
    // What a longjmp past instrumented frames into uninstrumented code leaves: depth 3, and entry 1 belongs
    // to a function that already returned (its frame is below the innermost live caller's).
    __tmtrace_shadow.entries[0] = {&main_call, CallerFrame(0x7000)};
    __tmtrace_shadow.entries[1] = {&stale_call, CallerFrame(0x5000)};
    __tmtrace_shadow.entries[2] = {&h_call, CallerFrame(0x6000)};
    __tmtrace_shadow.depth = 3;
    void *p = __tmtrace_malloc(8, &site);
    size_t total = 0;
    EXPECT_EQ(FramesOf(p, &total), (FrameList{"/src/g.c:300", "/src/h.c:40", "/src/main.c:3"}));
    EXPECT_EQ(total, 3u);
    __tmtrace_shadow.depth = 0;
    free(p);
}

TEST_F(EntryPoints, RepeatedCapturesFollowEveryShadowChange)
{
    // The same site at the same depth, three times in a row: what the entries say must win each time (the
    // runtime remembers its last capture and may reuse it only when nothing it examined changed).
    tmtrace_site main_call = Site("/src/main.c", 3);
    tmtrace_site f_call = Site("/src/f.c", 30);
    tmtrace_site g_call = Site("/src/g.c", 40);
    tmtrace_site site = Site("/src/leaf.c", 1);
    __tmtrace_shadow.entries[0] = {&main_call, CallerFrame(0x7000)};
    __tmtrace_shadow.entries[1] = {&f_call, CallerFrame(0x6000)};
    __tmtrace_shadow.depth = 2;
    void *a = __tmtrace_malloc(8, &site);
    void *b = __tmtrace_malloc(8, &site);
    __tmtrace_shadow.entries[1] = {&g_call, CallerFrame(0x6000)}; // another caller, same frame
    void *c = __tmtrace_malloc(8, &site);
    __tmtrace_shadow.entries[1] = {&g_call, CallerFrame(0x8000)}; // frame above main's: main's entry now reads as stale
    void *d = __tmtrace_malloc(8, &site);
    __tmtrace_shadow.depth = 0;
    EXPECT_EQ(FramesOf(a), (FrameList{"/src/leaf.c:1", "/src/f.c:30", "/src/main.c:3"}));
    EXPECT_EQ(FramesOf(b), (FrameList{"/src/leaf.c:1", "/src/f.c:30", "/src/main.c:3"}));
    EXPECT_EQ(FramesOf(c), (FrameList{"/src/leaf.c:1", "/src/g.c:40", "/src/main.c:3"}));
    EXPECT_EQ(FramesOf(d), (FrameList{"/src/leaf.c:1", "/src/g.c:40"}));
    for (void *p : {a, b, c, d})
        free(p);
}

// Recursion deeper than the ring: depth 300, entry d at frame 0x100000 - 16 * d, site "/r.c:<d>".
class DeepRecursion : public EntryPoints {
protected:
    void SetUp() override
    {
        EntryPoints::SetUp();
        for (uint32_t d = 0; d < 300; d++) {
            sites_[d] = Site("/r.c", d);
            __tmtrace_shadow.entries[d & TMTRACE_SHADOW_MASK] = {&sites_[d], CallerFrame(0x100000 - 16 * uintptr_t{d})};
        }
        __tmtrace_shadow.depth = 300;
    }
    tmtrace_site sites_[300];
};

TEST_F(DeepRecursion, LimitKeepsTheInnermostFrames)
{
    tmtrace_site site = Site("/src/leaf.c", 1);
    void *p = __tmtrace_malloc(8, &site);
    size_t total = 0;
    FrameList frames = FramesOf(p, &total);
    ASSERT_EQ(frames.size(), 25u);
    EXPECT_EQ(frames[0], "/src/leaf.c:1");
    EXPECT_EQ(frames[1], "/r.c:299");
    EXPECT_EQ(frames[24], "/r.c:276");
    EXPECT_EQ(total, 301u); // 25 read + 276 entries below them
    __tmtrace_shadow.depth = 0;
    free(p);
}

TEST_F(DeepRecursion, RingKeepsTheInnermost256Entries)
{
    tmtrace_stop();
    ASSERT_EQ(tmtrace_start(1000), 0);
    tmtrace_site site = Site("/src/leaf.c", 1);
    void *p = __tmtrace_malloc(8, &site);
    size_t total = 0;
    FrameList frames = FramesOf(p, &total);
    ASSERT_EQ(frames.size(), 257u);
    EXPECT_EQ(frames[1], "/r.c:299");
    EXPECT_EQ(frames[256], "/r.c:44"); // entries 0..43 were overwritten by 256..299
    EXPECT_EQ(total, 301u);            // the 44 lost entries still count
    __tmtrace_shadow.depth = 0;
    free(p);
}

TEST_F(EntryPoints, FrameOneLimitCountsTheRest)
{
    tmtrace_stop();
    ASSERT_EQ(tmtrace_start(1), 0);
    tmtrace_site outer = Site("/src/b.c", 20);
    tmtrace_site inner = Site("/src/a.h", 5, &outer);
    tmtrace_site main_call = Site("/src/main.c", 3);
    tmtrace_site f_call = Site("/src/f.c", 30);
    ShadowPush in_main(&main_call, CallerFrame(0x7000));
    ShadowPush in_f(&f_call, CallerFrame(0x6000));
    void *p = __tmtrace_malloc(8, &inner);
    size_t total = 0;
    EXPECT_EQ(FramesOf(p, &total), (FrameList{"/src/a.h:5"}));
    EXPECT_EQ(total, 3u); // 1 frame read + 2 shadow entries not read (the inline record past the limit is not)
    free(p);
}

TEST_F(EntryPoints, EveryEntryPointRecordsItsSite)
{
    tmtrace_site s = Site("/src/all.c", 77);
    const FrameList expected{"/src/all.c:77"};
    std::vector<void *> blocks;
    blocks.reserve(16); // before measuring: the vector's own buffer is traced too
    size_t before = Current();
    blocks.push_back(__tmtrace_malloc(1, &s));
    blocks.push_back(__tmtrace_calloc(2, 3, &s));
    blocks.push_back(__tmtrace_realloc(nullptr, 5, &s));
    blocks.push_back(__tmtrace_reallocarray(nullptr, 2, 4, &s));
    void *pm = nullptr;
    ASSERT_EQ(__tmtrace_posix_memalign(&pm, 64, 10, &s), 0);
    blocks.push_back(pm);
    blocks.push_back(__tmtrace_aligned_alloc(64, 12, &s));
    blocks.push_back(__tmtrace_memalign(64, 14, &s));
    blocks.push_back(__tmtrace_valloc(16, &s));
    blocks.push_back(__tmtrace_pvalloc(18, &s));
    blocks.push_back(__tmtrace_strdup("abc", &s));      // 4
    blocks.push_back(__tmtrace_strndup("abcdef", 2, &s)); // 3
    EXPECT_EQ(Current() - before, 1u + 6 + 5 + 8 + 10 + 12 + 14 + 16 + 18 + 4 + 3);
    for (void *b : blocks) {
        EXPECT_EQ(FramesOf(b), expected);
        free(b);
    }
    EXPECT_EQ(Current(), before);

    void *n1 = __tmtrace_new(20, &s);
    void *n2 = __tmtrace_new_array(21, &s);
    void *n3 = __tmtrace_new_nothrow(22, &s);
    void *n4 = __tmtrace_new_array_nothrow(23, &s);
    void *n5 = __tmtrace_new_aligned(24, 128, &s);
    void *n6 = __tmtrace_new_array_aligned(25, 128, &s);
    void *n7 = __tmtrace_new_aligned_nothrow(26, 128, &s);
    void *n8 = __tmtrace_new_array_aligned_nothrow(27, 128, &s);
    EXPECT_EQ(Current() - before, 20u + 21 + 22 + 23 + 24 + 25 + 26 + 27);
    for (void *p : {n1, n2, n3, n4})
        EXPECT_EQ(FramesOf(p), expected);
    for (void *p : {n5, n6, n7, n8}) {
        EXPECT_EQ(FramesOf(p), expected);
        EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 128, 0u);
    }
    ::operator delete(n1);
    ::operator delete[](n2);
    ::operator delete(n3);
    ::operator delete[](n4);
    ::operator delete(n5, std::align_val_t{128});
    ::operator delete[](n6, std::align_val_t{128});
    ::operator delete(n7, std::align_val_t{128});
    ::operator delete[](n8, std::align_val_t{128});
    EXPECT_EQ(Current(), before);
}

TEST_F(EntryPoints, ReallocEntryPointGivesTheNewSite)
{
    tmtrace_site first = Site("/src/r.c", 1);
    tmtrace_site second = Site("/src/r.c", 2);
    void *p = __tmtrace_malloc(10, &first);
    p = __tmtrace_realloc(p, 20, &second);
    EXPECT_EQ(FramesOf(p), (FrameList{"/src/r.c:2"}));
    free(p);
}

TEST_F(EntryPoints, FailuresKeepErrnoAndClearThePendingSite)
{
    tmtrace_site s = Site("/src/fail.c", 9);
    size_t before = Current();
    errno = 0;
    EXPECT_EQ(__tmtrace_malloc(SIZE_MAX - 4096, &s), nullptr);
    EXPECT_EQ(errno, ENOMEM);
    EXPECT_EQ(__tmtrace_calloc(SIZE_MAX / 2, 3, &s), nullptr);
    EXPECT_THROW(__tmtrace_new(SIZE_MAX / 2, &s), std::bad_alloc);
    EXPECT_EQ(__tmtrace_new_nothrow(SIZE_MAX / 2, &s), nullptr);
    EXPECT_EQ(Current(), before);
    void *p = malloc(8); // not from fail.c: the site did not outlive its call
    EXPECT_EQ(FramesOf(p), (FrameList{"<unknown>:0"}));
    free(p);
}

TEST_F(EntryPoints, TrackAtNamesTheDomainOnFirstUse)
{
    tmtrace_site s = Site("/src/pool.c", 42);
    size_t before = Current();
    __tmtrace_track_at(7, "pool", reinterpret_cast<void *>(0x10000), 64, &s);
    __tmtrace_track_at(7, "other name", reinterpret_cast<void *>(0x20000), 16, &s);
    __tmtrace_track_at(7, "pool", nullptr, 1000, &s); // NULL is ignored
    EXPECT_EQ(Current() - before, 80u);
    tmtrace_snapshot *snap = tmtrace_take_snapshot();
    ASSERT_NE(snap, nullptr);
    EXPECT_STREQ(tmtrace_snapshot_domain_name(snap, 7), "pool");
    size_t in_domain = 0;
    for (size_t i = 0; i < tmtrace_snapshot_ntraces(snap); i++) {
        unsigned domain;
        size_t size;
        const tmtrace_traceback *tb;
        tmtrace_snapshot_trace(snap, i, &domain, &size, &tb);
        if (domain != 7)
            continue;
        in_domain += size;
        const tmtrace_frame *f = tmtrace_traceback_frame(tb, tmtrace_traceback_nframe(tb) - 1);
        EXPECT_STREQ(f->filename, "/src/pool.c");
        EXPECT_EQ(f->lineno, 42u);
    }
    EXPECT_EQ(in_domain, 80u);
    tmtrace_snapshot_free(snap);
    __tmtrace_untrack_at(7, reinterpret_cast<void *>(0x10000));
    __tmtrace_untrack_at(7, reinterpret_cast<void *>(0x20000));
    EXPECT_EQ(Current(), before);
}

TEST_F(EntryPoints, UnloadedModuleSitesAreCopied)
{
    // A "module": its site records and strings live in memory that is scribbled over after unregistering,
    // as dlclose would unmap it.
    struct Module {
        tmtrace_site sites[2];
        char file[32];
        char function[16];
    };
    Module *m = static_cast<Module *>(malloc(sizeof(Module)));
    strcpy(m->file, "/src/plugin.c");
    strcpy(m->function, "plugin_alloc");
    m->sites[1] = tmtrace_site{m->file, m->function, nullptr, 11, 2, 0, 0};
    m->sites[0] = tmtrace_site{m->file, m->function, &m->sites[1], 10, 4, 0, 0};
    ASSERT_EQ(__tmtrace_register_module(TMTRACE_ABI_VERSION, "plugin.so", m->sites, m->sites + 2), 0);
    void *p = __tmtrace_malloc(8, &m->sites[0]);
    __tmtrace_unregister_module(m->sites, m->sites + 2);
    memset(m, 0x5a, sizeof *m);
    free(m);
    tmtrace_traceback *tb = tmtrace_get_object_traceback(p);
    ASSERT_NE(tb, nullptr);
    ASSERT_EQ(tmtrace_traceback_nframe(tb), 2u);
    const tmtrace_frame *f = tmtrace_traceback_frame(tb, 1); // most recent
    EXPECT_STREQ(f->filename, "/src/plugin.c");
    EXPECT_EQ(f->lineno, 10u);
    EXPECT_EQ(f->column, 4u);
    EXPECT_STREQ(f->function, "plugin_alloc");
    EXPECT_STREQ(tmtrace_traceback_frame(tb, 0)->filename, "/src/plugin.c");
    EXPECT_EQ(tmtrace_traceback_frame(tb, 0)->lineno, 11u);
    tmtrace_traceback_free(tb);
    free(p);
}

TEST_F(EntryPoints, ModuleLoadedWhereAnUnloadedOneWasGetsItsOwnFrames)
{
    // dlclose then dlopen of another module at the same address: same site addresses, other contents.
    tmtrace_stop();
    ASSERT_EQ(tmtrace_start(1), 0);
    static tmtrace_site sites[1];
    sites[0] = tmtrace_site{"/src/first.c", "f", nullptr, 1, 1, 0, 0};
    ASSERT_EQ(__tmtrace_register_module(TMTRACE_ABI_VERSION, "first.so", sites, sites + 1), 0);
    void *first = __tmtrace_malloc(8, &sites[0]);
    __tmtrace_unregister_module(sites, sites + 1);
    sites[0] = tmtrace_site{"/src/second.c", "g", nullptr, 2, 1, 0, 0};
    ASSERT_EQ(__tmtrace_register_module(TMTRACE_ABI_VERSION, "second.so", sites, sites + 1), 0);
    void *second = __tmtrace_malloc(8, &sites[0]);
    EXPECT_EQ(FramesOf(first), (FrameList{"/src/first.c:1"}));
    EXPECT_EQ(FramesOf(second), (FrameList{"/src/second.c:2"}));
    __tmtrace_unregister_module(sites, sites + 1);
    free(first);
    free(second);
}

TEST_F(EntryPoints, ModuleOfAnotherAbiIsRefusedWithOneWarning)
{
    static tmtrace_site sites[1] = {{"/src/old.c", "f", nullptr, 5, 1, 0, 0}};
    testing::internal::CaptureStderr();
    static_assert(TMTRACE_ABI_VERSION == 2, "the expected warning below names the versions");
    /* Version 1 is the per-call shadow-stack protocol this runtime no longer reads. */
    EXPECT_EQ(__tmtrace_register_module(1, "old.so", sites, sites + 1), -1);
    EXPECT_EQ(testing::internal::GetCapturedStderr(),
              "tmtrace: warning: module 'old.so' was instrumented for ABI version 1 but this runtime implements "
              "version 2; its allocations are traced with the frame <unknown>:0\n");
    void *p = __tmtrace_malloc(8, &sites[0]);
    EXPECT_EQ(FramesOf(p), (FrameList{"<unknown>:0"}));
    free(p);
}

TEST_F(EntryPoints, SitesSeenBeforeTheirModuleIsRefusedReadUnknownAfterwards)
{
    // The per-thread memos of tracebacks (frames=1's cache, frames>1's deep memo) must not keep answering
    // with a site whose module a later registration refuses.
    static tmtrace_site sites[2] = {{"/src/late.c", "f", nullptr, 7, 1, 0, 0}, {"/src/late.c", "g", nullptr, 8, 1, 0, 0}};
    tmtrace_stop();
    ASSERT_EQ(tmtrace_start(1), 0);
    void *one_before = __tmtrace_malloc(8, &sites[0]);
    tmtrace_stop();
    ASSERT_EQ(tmtrace_start(25), 0);
    void *deep_before = __tmtrace_malloc(8, &sites[1]);
    testing::internal::CaptureStderr();
    EXPECT_EQ(__tmtrace_register_module(1, "late.so", sites, sites + 2), -1);
    testing::internal::GetCapturedStderr();
    void *deep_after = __tmtrace_malloc(8, &sites[1]);
    EXPECT_EQ(FramesOf(deep_after), (FrameList{"<unknown>:0"}));
    tmtrace_stop();
    ASSERT_EQ(tmtrace_start(1), 0);
    void *one_after = __tmtrace_malloc(8, &sites[0]);
    EXPECT_EQ(FramesOf(one_after), (FrameList{"<unknown>:0"}));
    free(one_before);
    free(deep_before);
    free(deep_after);
    free(one_after);
}

} // namespace

namespace {
// At frames=1 as at frames=2, the caller's own slot, cleared for its entry-point call, is no frame and is not
// counted in total_nframe (tm_capture's rule; the frames=1 cache once counted it).
class OneFrameTotal : public tmtest::TracerTest {};
class TwoFramesTotal : public tmtest::TracerTest {
protected:
    int Frames() const override { return 2; }
};
size_t TotalWithClearedOwnSlot()
{
    tmtrace_site main_call = Site("/src/main.c", 3);
    tmtrace_site site = Site("/src/g.c", 300);
    ShadowPush in_main(&main_call, CallerFrame(0x7000));
    ShadowPush in_f(nullptr, CallerFrame(0x6000)); // f's slot, site cleared before the entry-point call
    void *p = __tmtrace_malloc(8, &site);
    size_t total = 0;
    FramesOf(p, &total);
    free(p);
    return total;
}
TEST_F(OneFrameTotal, CallersClearedSlotIsNotCounted) { EXPECT_EQ(TotalWithClearedOwnSlot(), 2u); }
TEST_F(TwoFramesTotal, CallersClearedSlotIsNotCounted) { EXPECT_EQ(TotalWithClearedOwnSlot(), 2u); }
} // namespace
