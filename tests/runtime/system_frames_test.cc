// system_frames_test.cc — a traceback whose innermost `frames` frames are all in system headers goes on to the
// first frame that is not (traceback_capture.c), through inline chains and shadow entries alike, at frames=1
// (its cache and slow path) as at frames=2 (tm_capture and record.c's memo). Exact frames and total_nframe.
#include <stdlib.h>

#include "runtime_test_support.h"

namespace {

using tmtest::CallerFrame;
using tmtest::FramesOf;
using tmtest::ShadowPush;
using tmtest::Site;
using FrameList = std::vector<std::string>;

tmtrace_site SystemSite(const char *file, uint32_t line, const tmtrace_site *inlined_at = nullptr)
{
    tmtrace_site s = Site(file, line, inlined_at);
    s.flags = TMTRACE_SITE_SYSTEM;
    return s;
}

const char kAllocator[] = "/usr/include/c++/12/bits/new_allocator.h";
const char kVector[] = "/usr/include/c++/12/bits/stl_vector.h";
const char kTraits[] = "/usr/include/c++/12/bits/alloc_traits.h";

class SystemFrames1 : public tmtest::TracerTest {};
class SystemFrames2 : public tmtest::TracerTest {
protected:
    int Frames() const override { return 2; }
};

// Frames and total_nframe of one block allocated at `site` (NULL: malloc from uninstrumented code).
FrameList AllocatedAt(const tmtrace_site *site, size_t *total)
{
    void *p = site ? __tmtrace_malloc(8, site) : malloc(8);
    FrameList frames = FramesOf(p, total);
    free(p);
    return frames;
}

// -O0: new_allocator.h's site, then stl_vector.h's call, then the user's, each a shadow entry; one user entry
// below is counted, not read. The allocating function's own slot is cleared (no frame).
FrameList ThroughShadowEntries(size_t *total)
{
    tmtrace_site start_call = Site("/src/start.c", 1);
    tmtrace_site main_call = Site("/src/main.c", 12);
    tmtrace_site vector_call = SystemSite(kVector, 1287);
    tmtrace_site site = SystemSite(kAllocator, 137);
    ShadowPush in_start(&start_call, CallerFrame(0x8000));
    ShadowPush in_main(&main_call, CallerFrame(0x7000));
    ShadowPush in_vector(&vector_call, CallerFrame(0x6000));
    ShadowPush in_allocate(nullptr, CallerFrame(0x5000));
    return AllocatedAt(&site, total);
}

TEST_F(SystemFrames1, ExtendThroughShadowEntriesToTheFirstUserFrame)
{
    size_t total = 0;
    for (int i = 0; i < 2; i++) { // the second time as the first (nothing cached answers for it)
        EXPECT_EQ(ThroughShadowEntries(&total),
                  (FrameList{std::string(kAllocator) + ":137", std::string(kVector) + ":1287", "/src/main.c:12"}));
        EXPECT_EQ(total, 4u);
    }
}

TEST_F(SystemFrames2, ExtendThroughShadowEntriesToTheFirstUserFrame)
{
    size_t total = 0;
    EXPECT_EQ(ThroughShadowEntries(&total),
              (FrameList{std::string(kAllocator) + ":137", std::string(kVector) + ":1287", "/src/main.c:12"}));
    EXPECT_EQ(total, 4u);
}

// -O2: the library inlined into the user's function, one site record per inlined location.
FrameList ThroughInlineChain(size_t *total)
{
    tmtrace_site start_call = Site("/src/start.c", 1);
    tmtrace_site user = Site("/src/main.c", 12);
    tmtrace_site traits = SystemSite(kTraits, 482, &user);
    tmtrace_site site = SystemSite(kAllocator, 137, &traits);
    ShadowPush in_start(&start_call, CallerFrame(0x8000));
    ShadowPush in_main(nullptr, CallerFrame(0x7000));
    return AllocatedAt(&site, total);
}

TEST_F(SystemFrames1, ExtendThroughTheInlineChain)
{
    size_t total = 0;
    for (int i = 0; i < 2; i++) { // the second from frames=1's cache
        EXPECT_EQ(ThroughInlineChain(&total),
                  (FrameList{std::string(kAllocator) + ":137", std::string(kTraits) + ":482", "/src/main.c:12"}));
        EXPECT_EQ(total, 4u); // the three records read, and start.c's entry
    }
}

TEST_F(SystemFrames2, ExtendThroughTheInlineChain)
{
    size_t total = 0;
    EXPECT_EQ(ThroughInlineChain(&total),
              (FrameList{std::string(kAllocator) + ":137", std::string(kTraits) + ":482", "/src/main.c:12"}));
    EXPECT_EQ(total, 4u);
}

TEST_F(SystemFrames1, ExtendFromAnInlineChainIntoShadowEntriesSkippingStaleOnes)
{
    tmtrace_site main_call = Site("/src/main.c", 12);
    tmtrace_site stale_call = Site("/src/stale.c", 66);
    tmtrace_site vector_call = SystemSite(kVector, 1287);
    tmtrace_site traits = SystemSite(kTraits, 482);
    tmtrace_site site = SystemSite(kAllocator, 137, &traits);
    __tmtrace_shadow.entries[0] = {&main_call, CallerFrame(0x7000)};
    __tmtrace_shadow.entries[1] = {&stale_call, CallerFrame(0x5000)}; // below vector's frame: stale
    __tmtrace_shadow.entries[2] = {&vector_call, CallerFrame(0x6000)};
    __tmtrace_shadow.depth = 3;
    size_t total = 0;
    EXPECT_EQ(AllocatedAt(&site, &total), (FrameList{std::string(kAllocator) + ":137", std::string(kTraits) + ":482",
                                                     std::string(kVector) + ":1287", "/src/main.c:12"}));
    EXPECT_EQ(total, 4u);
    __tmtrace_shadow.depth = 0;
}

TEST_F(SystemFrames1, UninstrumentedAllocationFromASystemCallSite)
{
    // std::string's inline code calling into libstdc++.so, which calls malloc: the frame is the call site.
    tmtrace_site main_call = Site("/src/main.c", 12);
    tmtrace_site string_call = SystemSite("/usr/include/c++/12/bits/basic_string.h", 234);
    ShadowPush in_main(&main_call, CallerFrame(0x7000));
    ShadowPush in_string(&string_call, CallerFrame(0x6000));
    size_t total = 0;
    for (int i = 0; i < 2; i++) {
        EXPECT_EQ(AllocatedAt(nullptr, &total),
                  (FrameList{"/usr/include/c++/12/bits/basic_string.h:234", "/src/main.c:12"}));
        EXPECT_EQ(total, 2u);
    }
}

TEST_F(SystemFrames2, AUserFrameInsideTheLimitChangesNothing)
{
    tmtrace_site start_call = Site("/src/start.c", 1);
    tmtrace_site main_call = Site("/src/main.c", 12);
    tmtrace_site site = SystemSite(kAllocator, 137);
    ShadowPush in_start(&start_call, CallerFrame(0x8000));
    ShadowPush in_main(&main_call, CallerFrame(0x7000));
    ShadowPush in_allocate(nullptr, CallerFrame(0x6000));
    size_t total = 0;
    EXPECT_EQ(AllocatedAt(&site, &total), (FrameList{std::string(kAllocator) + ":137", "/src/main.c:12"}));
    EXPECT_EQ(total, 3u);
}

TEST_F(SystemFrames1, AUserSiteChangesNothing)
{
    tmtrace_site vector_call = SystemSite(kVector, 1287);
    tmtrace_site site = Site("/src/pool.c", 40);
    ShadowPush in_vector(&vector_call, CallerFrame(0x7000));
    ShadowPush in_pool(nullptr, CallerFrame(0x6000));
    size_t total = 0;
    EXPECT_EQ(AllocatedAt(&site, &total), (FrameList{"/src/pool.c:40"}));
    EXPECT_EQ(total, 2u);
}

// Every frame in a system header: the traceback is what the limit keeps, total_nframe as without extension.
FrameList NoUserFrame(size_t *total)
{
    tmtrace_site vector_call = SystemSite(kVector, 1287);
    tmtrace_site traits_call = SystemSite(kTraits, 482);
    tmtrace_site site = SystemSite(kAllocator, 137);
    ShadowPush in_vector(&vector_call, CallerFrame(0x7000));
    ShadowPush in_traits(&traits_call, CallerFrame(0x6000));
    ShadowPush in_allocate(nullptr, CallerFrame(0x5000));
    return AllocatedAt(&site, total);
}

TEST_F(SystemFrames1, NoUserFrameKeepsWhatTheLimitKeeps)
{
    size_t total = 0;
    EXPECT_EQ(NoUserFrame(&total), (FrameList{std::string(kAllocator) + ":137"}));
    EXPECT_EQ(total, 3u);
}

TEST_F(SystemFrames2, NoUserFrameKeepsWhatTheLimitKeeps)
{
    size_t total = 0;
    EXPECT_EQ(NoUserFrame(&total), (FrameList{std::string(kAllocator) + ":137", std::string(kTraits) + ":482"}));
    EXPECT_EQ(total, 3u);
}

// One system site, at one depth, reached from two user call sites in turn: frames=1's cache is keyed by
// (site, total_nframe), which does not tell them apart, so each must get its own traceback.
FrameList FromCaller(const tmtrace_site *user_call)
{
    tmtrace_site vector_call = SystemSite(kVector, 1287);
    tmtrace_site site = SystemSite(kAllocator, 137);
    ShadowPush in_user(user_call, CallerFrame(0x7000));
    ShadowPush in_vector(&vector_call, CallerFrame(0x6000));
    ShadowPush in_allocate(nullptr, CallerFrame(0x5000));
    return AllocatedAt(&site, nullptr);
}

TEST_F(SystemFrames1, OneSystemSiteFromTwoUserCallSitesGetsTwoTracebacks)
{
    tmtrace_site a = Site("/src/a.c", 10);
    tmtrace_site b = Site("/src/b.c", 20);
    for (const tmtrace_site *user : {&a, &b, &b, &a, &a}) { // repeated: the second from the cache
        EXPECT_EQ(FromCaller(user), (FrameList{std::string(kAllocator) + ":137", std::string(kVector) + ":1287",
                                               std::string(user->filename) + ":" + std::to_string(user->lineno)}));
    }
}

TEST_F(SystemFrames1, AnEntryTheExtensionReadWentStale)
{
    // The same site, depth and entry sites as a traceback just cached, but the user entry is now below the
    // library's (stale): the capture skips it and goes on to start.c.
    tmtrace_site start_call = Site("/src/start.c", 1);
    tmtrace_site main_call = Site("/src/main.c", 12);
    tmtrace_site vector_call = SystemSite(kVector, 1287);
    tmtrace_site site = SystemSite(kAllocator, 137);
    __tmtrace_shadow.entries[0] = {&start_call, CallerFrame(0x9000)};
    __tmtrace_shadow.entries[1] = {&main_call, CallerFrame(0x7000)};
    __tmtrace_shadow.entries[2] = {&vector_call, CallerFrame(0x6000)};
    __tmtrace_shadow.entries[3] = {nullptr, CallerFrame(0x5000)};
    __tmtrace_shadow.depth = 4;
    size_t total = 0;
    for (int i = 0; i < 2; i++) {
        EXPECT_EQ(AllocatedAt(&site, &total),
                  (FrameList{std::string(kAllocator) + ":137", std::string(kVector) + ":1287", "/src/main.c:12"}));
        EXPECT_EQ(total, 4u);
    }
    __tmtrace_shadow.entries[1].frame = CallerFrame(0x5800);
    EXPECT_EQ(AllocatedAt(&site, &total),
              (FrameList{std::string(kAllocator) + ":137", std::string(kVector) + ":1287", "/src/start.c:1"}));
    EXPECT_EQ(total, 3u);
    __tmtrace_shadow.depth = 0;
}

TEST_F(SystemFrames1, ALongExtensionThroughShadowEntries)
{
    // -O0: one entry per library function, more than frames=1's cache keys (it takes the deep capture).
    tmtrace_site main_call = Site("/src/main.c", 12);
    tmtrace_site push_call = SystemSite(kVector, 1287);
    tmtrace_site realloc_call = SystemSite("/usr/include/c++/12/bits/vector.tcc", 451);
    tmtrace_site allocate_call = SystemSite(kVector, 378);
    tmtrace_site traits_call = SystemSite(kTraits, 482);
    tmtrace_site site = SystemSite(kAllocator, 137);
    ShadowPush in_main(&main_call, CallerFrame(0xa000));
    ShadowPush in_push(&push_call, CallerFrame(0x9000));
    ShadowPush in_realloc(&realloc_call, CallerFrame(0x8000));
    ShadowPush in_allocate(&allocate_call, CallerFrame(0x7000));
    ShadowPush in_traits(&traits_call, CallerFrame(0x6000));
    ShadowPush in_new_allocator(nullptr, CallerFrame(0x5000));
    size_t total = 0;
    for (int i = 0; i < 2; i++) {
        EXPECT_EQ(AllocatedAt(&site, &total),
                  (FrameList{std::string(kAllocator) + ":137", std::string(kTraits) + ":482",
                             std::string(kVector) + ":378", "/usr/include/c++/12/bits/vector.tcc:451",
                             std::string(kVector) + ":1287", "/src/main.c:12"}));
        EXPECT_EQ(total, 6u);
    }
}

TEST_F(SystemFrames2, TheExtendedEntriesAreComparedByTheMemo)
{
    // The same site at the same depth twice: only the user entry, read by the extension alone, differs.
    tmtrace_site a = Site("/src/a.c", 10);
    tmtrace_site b = Site("/src/b.c", 20);
    tmtrace_site traits = SystemSite(kTraits, 482);
    tmtrace_site site = SystemSite(kAllocator, 137, &traits);
    tmtrace_site vector_call = SystemSite(kVector, 1287);
    __tmtrace_shadow.entries[0] = {&a, CallerFrame(0x7000)};
    __tmtrace_shadow.entries[1] = {&vector_call, CallerFrame(0x6000)};
    __tmtrace_shadow.depth = 2;
    FrameList first = AllocatedAt(&site, nullptr);
    __tmtrace_shadow.entries[0] = {&b, CallerFrame(0x7000)};
    FrameList second = AllocatedAt(&site, nullptr);
    __tmtrace_shadow.depth = 0;
    EXPECT_EQ(first, (FrameList{std::string(kAllocator) + ":137", std::string(kTraits) + ":482",
                                std::string(kVector) + ":1287", "/src/a.c:10"}));
    EXPECT_EQ(second, (FrameList{std::string(kAllocator) + ":137", std::string(kTraits) + ":482",
                                 std::string(kVector) + ":1287", "/src/b.c:20"}));
}

} // namespace
