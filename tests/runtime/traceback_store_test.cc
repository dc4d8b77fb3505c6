// traceback_store_test.cc — deep tracebacks (frames=25) through the store and the per-thread memo: every
// block reads back its exact frames and total_nframe however many tracebacks exist (the id table grows),
// whichever order call paths come in (memo ways), from several threads at once (lock-free lookups); a
// traceback seen before is not stored again; changing any one frame gives another traceback.
#include <stdint.h>
#include <stdlib.h>

#include <string>
#include <thread>
#include <vector>

#include "runtime_test_support.h"

namespace {

using tmtest::CallerFrame;
using tmtest::FramesOf;
using tmtest::ShadowPush;
using tmtest::Site;
using FrameList = std::vector<std::string>;

constexpr int kDepth = 24; // shadow entries under the allocation site: 25 frames, the limit

// A family of hand-made call paths: path p calls through the site (level, digit of p at that level), so paths
// differ in some frames only; levels use distinct line numbers so every frame is identifiable.
class Paths {
public:
    static constexpr int kChoices = 4;
    Paths()
    {
        for (int level = 0; level < kDepth; level++)
            for (int c = 0; c < kChoices; c++)
                calls_[level][c] = Site("/src/paths.c", static_cast<uint32_t>(1000 * (level + 1) + c));
        for (int c = 0; c < kChoices; c++)
            allocs_[c] = Site("/src/alloc.c", static_cast<uint32_t>(10 + c));
    }
    // The digit of path p at `level`: base-kChoices digits, so paths 0..4^k-1 differ in their k lowest levels.
    static int Choice(unsigned p, int level) { return static_cast<int>((p >> (2 * (level % 16))) % kChoices); }
    const tmtrace_site *Call(unsigned p, int level) const { return &calls_[level][Choice(p, level)]; }
    const tmtrace_site *Alloc(int c) const { return &allocs_[c]; }

    // Allocates `size` bytes at alloc site `c` under path p, the shadow stack `extra` entries deeper below
    // the path (so total_nframe changes while the frames do not).
    void *Malloc(unsigned p, int c, size_t size, int extra = 0) const
    {
        std::vector<ShadowPush *> pushes;
        for (int i = 0; i < extra; i++) // the outermost callers: below the 24 entries the traceback keeps
            pushes.push_back(new ShadowPush(&base_, CallerFrame(0x100000 - 0x10 * i)));
        for (int level = 0; level < kDepth; level++)
            pushes.push_back(new ShadowPush(Call(p, level), CallerFrame(0x1000 * (kDepth - level))));
        void *block = __tmtrace_malloc(size, Alloc(c));
        while (!pushes.empty()) {
            delete pushes.back();
            pushes.pop_back();
        }
        return block;
    }

    // The frames Malloc(p, c, ...) must read back, most recent first.
    FrameList Expected(unsigned p, int c) const
    {
        FrameList frames{"/src/alloc.c:" + std::to_string(10 + c)};
        for (int level = kDepth; level-- > 0;)
            frames.push_back("/src/paths.c:" + std::to_string(1000 * (level + 1) + Choice(p, level)));
        return frames;
    }

private:
    tmtrace_site calls_[kDepth][kChoices];
    tmtrace_site allocs_[kChoices];
    tmtrace_site base_ = Site("/src/main.c", 1);
};

class TracebackStore : public tmtest::TracerTest {
protected:
    int Frames() const override { return 25; }
    Paths paths_;
};

TEST_F(TracebackStore, EveryPathReadsBackExactlyAsTheTableGrows)
{
    // Enough distinct tracebacks to grow the id table several times (it starts with 1024 slots).
    const unsigned kPaths = 6000;
    std::vector<void *> blocks;
    for (unsigned p = 0; p < kPaths; p++)
        blocks.push_back(paths_.Malloc(p, static_cast<int>(p % 3), 16));
    for (unsigned p = 0; p < kPaths; p++) {
        size_t total = 0;
        ASSERT_EQ(FramesOf(blocks[p], &total), paths_.Expected(p, static_cast<int>(p % 3))) << "path " << p;
        ASSERT_EQ(total, 25u);
    }
    // The same paths again, in another order: found, not added. Stored again, their records alone would add
    // kPaths * 25 pointers to tracer memory; other parts of the tracer may take or give back a little
    // meanwhile (under ASan freed addresses are quarantined, so the heap table sees new ones).
    size_t memory = tmtrace_get_tracemalloc_memory();
    for (unsigned i = 0; i < kPaths; i++) {
        unsigned p = (i * 7919u) % kPaths;
        void *again = paths_.Malloc(p, static_cast<int>(p % 3), 8);
        ASSERT_EQ(FramesOf(again), paths_.Expected(p, static_cast<int>(p % 3))) << "path " << p;
        free(again);
    }
    long long growth = static_cast<long long>(tmtrace_get_tracemalloc_memory()) - static_cast<long long>(memory);
    EXPECT_LT(growth, static_cast<long long>(kPaths * 25 * sizeof(void *) / 4));
    for (void *b : blocks)
        free(b);
}

TEST_F(TracebackStore, TotalNframeIsPartOfTheTraceback)
{
    // Same 25 frames, 0, 1 and 2 callers below them: three tracebacks, each with its own total_nframe.
    for (int round = 0; round < 2; round++) // the second round meets the memo and the store
        for (int extra = 0; extra < 3; extra++) {
            void *p = paths_.Malloc(5, 0, 8, extra);
            size_t total = 0;
            EXPECT_EQ(FramesOf(p, &total), paths_.Expected(5, 0));
            EXPECT_EQ(total, 25u + static_cast<size_t>(extra)) << "extra " << extra << " round " << round;
            free(p);
        }
}

TEST_F(TracebackStore, ChangingAnyOneFrameChangesTheTraceback)
{
    // Path 0 against the 24 paths that differ from it in one level (the allocation site included): the
    // frames read back differ exactly there, so neither the memo nor the store confused them.
    for (int round = 0; round < 2; round++) {
        void *base = paths_.Malloc(0, 0, 8);
        ASSERT_EQ(FramesOf(base), paths_.Expected(0, 0));
        for (int level = 0; level < 16; level++) {
            unsigned p = 1u << (2 * level); // digit 1 at `level`, 0 elsewhere (levels >= 16 repeat the low ones)
            void *q = paths_.Malloc(p, 0, 8);
            FrameList got = FramesOf(q), want = paths_.Expected(p, 0);
            EXPECT_EQ(got, want) << "level " << level;
            EXPECT_NE(got, paths_.Expected(0, 0));
            free(q);
        }
        void *other_site = paths_.Malloc(0, 1, 8);
        EXPECT_EQ(FramesOf(other_site), paths_.Expected(0, 1));
        free(other_site);
        free(base);
    }
}

TEST_F(TracebackStore, AlternatingPlacesEachKeepTheirFrames)
{
    // Allocations alternating between sites, paths and depths (what the memo's ways are for): each block has
    // its own frames, the tenth time as the first.
    for (int i = 0; i < 200; i++) {
        unsigned p = static_cast<unsigned>(i % 5) * 37u;
        int c = i % 4;
        void *block = paths_.Malloc(p, c, 8, i % 2);
        size_t total = 0;
        ASSERT_EQ(FramesOf(block, &total), paths_.Expected(p, c)) << "i " << i;
        ASSERT_EQ(total, 25u + static_cast<size_t>(i % 2)) << "i " << i;
        free(block);
    }
}

TEST_F(TracebackStore, OnlyTheInnermostCallerOrItsFrameDiffers)
{
    // Same site, same depth, same outer caller: the innermost shadow entry alone decides, by its site or by
    // its frame address (an address below the capture's own is a stale entry, skipped).
    tmtrace_site outer = Site("/src/o.c", 1), a = Site("/src/a.c", 2), b = Site("/src/b.c", 3);
    tmtrace_site site = Site("/src/s.c", 4);
    ShadowPush in_outer(&outer, CallerFrame(0x2000));
    for (int i = 0; i < 6; i++) {
        // a, then a with a stale frame, then b: each right after one that differs from it in one thing only
        const tmtrace_site *caller = i % 3 == 2 ? &b : &a;
        uintptr_t frame = i % 3 == 1 ? 16 : CallerFrame(0x1000);
        ShadowPush in_caller(caller, frame);
        void *p = __tmtrace_malloc(8, &site);
        FrameList want = i % 3 == 0   ? FrameList{"/src/s.c:4", "/src/a.c:2", "/src/o.c:1"}
                         : i % 3 == 1 ? FrameList{"/src/s.c:4", "/src/o.c:1"}
                                      : FrameList{"/src/s.c:4", "/src/b.c:3", "/src/o.c:1"};
        EXPECT_EQ(FramesOf(p), want) << "i " << i;
        free(p);
    }
}

TEST_F(TracebackStore, TheMemoRestsAndComesBackWithoutStaleAnswers)
{
    // A module's allocation is memoized; thousands of new call paths (windows of memo misses) make the memo
    // rest; meanwhile the module is unloaded and another one loaded at its address. Past the rest, the memo is
    // consulted again: the same site, depth and callers must read the new module's frames, not the memo's.
    // Nothing else allocates in between (pushes live on this stack), so the module's way keeps its capture
    // unless another site happens to share it.
    static tmtrace_site sites[1];
    sites[0] = tmtrace_site{"/src/first.c", "f", nullptr, 1, 1, 0, 0};
    ASSERT_EQ(__tmtrace_register_module(TMTRACE_ABI_VERSION, "first.so", sites, sites + 1), 0);
    struct Under { // path p under `site`
        static void *Malloc(const Paths &paths, unsigned p, const tmtrace_site *site, int level = 0)
        {
            if (level == kDepth)
                return __tmtrace_malloc(8, site);
            ShadowPush push(paths.Call(p, level), CallerFrame(0x1000 * (kDepth - level)));
            return Malloc(paths, p, site, level + 1);
        }
    };
    void *first = Under::Malloc(paths_, 7, &sites[0]);
    void *first_again = Under::Malloc(paths_, 7, &sites[0]); // found in the memo
    for (unsigned p = 0; p < 20000; p++) // new paths: misses, windows of them
        free(Under::Malloc(paths_, 200000u + p, paths_.Alloc(1)));
    __tmtrace_unregister_module(sites, sites + 1);
    sites[0] = tmtrace_site{"/src/second.c", "g", nullptr, 2, 1, 0, 0};
    ASSERT_EQ(__tmtrace_register_module(TMTRACE_ABI_VERSION, "second.so", sites, sites + 1), 0);
    for (int i = 0; i < 70000; i++) // past the rest (65536 captures), then hits: the memo stays consulted
        free(Under::Malloc(paths_, 0, paths_.Alloc(2)));
    void *second = Under::Malloc(paths_, 7, &sites[0]);
    FrameList want = paths_.Expected(7, 0);
    want[0] = "/src/second.c:2";
    EXPECT_EQ(FramesOf(second), want);
    want[0] = "/src/first.c:1";
    EXPECT_EQ(FramesOf(first), want);
    EXPECT_EQ(FramesOf(first_again), want);
    __tmtrace_unregister_module(sites, sites + 1);
    for (void *p : {first, first_again, second})
        free(p);
}

TEST_F(TracebackStore, ThreadsInterningTheSamePathsAgree)
{
    // Two threads intern overlapping sets of new tracebacks at once: every block reads back its own path.
    const unsigned kPaths = 3000;
    std::vector<void *> blocks[2];
    // CallerFrame() fixes its base on first use: from this thread, whose stack lies above the other's (the
    // main stack tops the mmap area), so the hand-made entries are above both threads' own frames.
    (void)CallerFrame(0);
    auto work = [&](int t) {
        for (unsigned i = 0; i < kPaths; i++) {
            unsigned p = 100000u + (t ? kPaths - 1 - i : i); // one thread walks the paths backwards
            blocks[t].push_back(paths_.Malloc(p, 2, 8));
        }
    };
    std::thread other(work, 1);
    work(0);
    other.join();
    for (int t = 0; t < 2; t++)
        for (unsigned i = 0; i < kPaths; i++) {
            unsigned p = 100000u + (t ? kPaths - 1 - i : i);
            ASSERT_EQ(FramesOf(blocks[t][i]), paths_.Expected(p, 2)) << "thread " << t << " path " << p;
        }
    for (auto &v : blocks)
        for (void *b : v)
            free(b);
}

} // namespace
