// traceback_fingerprint_test.cc — the store finds a traceback by its fingerprint alone (traceback_store.c), never
// comparing frames: random shadow stacks (stale entries, entries without a site, inline chains, truncation)
// each read back exactly the frames and total_nframe a model of the capture rules gives, the first time and
// when found again; frames past the first 32 (the hash's second block) count, order included; a module loaded
// where an unloaded one was never gets the old module's tracebacks, before or after the id table grows.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <memory>
#include <random>
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

struct Entry {
    const tmtrace_site *site;
    uintptr_t frame;
};

std::string Name(const tmtrace_site *s)
{
    return std::string(s->filename) + ":" + std::to_string(s->lineno);
}

// The frames (most recent first) and total_nframe of an allocation at `site` over `stack` (outermost entry
// first), by the rules of traceback_capture.c's file comment. Every frame here lies above the capture's own.
FrameList Model(const tmtrace_site *site, const std::vector<Entry> &stack, size_t limit, size_t *total)
{
    FrameList frames;
    bool truncated = false;
    for (const tmtrace_site *s = site; s && !truncated; s = s->inlined_at) {
        if (frames.size() == limit)
            truncated = true;
        else
            frames.push_back(Name(s));
    }
    size_t d = stack.size();
    if (d > 0 && !stack[d - 1].site) // the innermost slot cleared for the entry-point call: no frame at all
        d--;
    uintptr_t last = 0;
    while (!truncated && d > 0) {
        if (frames.size() == limit) {
            truncated = true;
            break;
        }
        const Entry &e = stack[--d];
        if (!e.site || e.frame <= last)
            continue;
        last = e.frame;
        for (const tmtrace_site *s = e.site; s; s = s->inlined_at) {
            if (frames.size() == limit) {
                truncated = true;
                break;
            }
            frames.push_back(Name(s));
        }
    }
    *total = frames.size() + (truncated ? d : 0);
    return frames;
}

void *MallocOver(const tmtrace_site *site, const std::vector<Entry> &stack, size_t size)
{
    std::vector<std::unique_ptr<ShadowPush>> pushes;
    for (const Entry &e : stack)
        pushes.push_back(std::make_unique<ShadowPush>(e.site, e.frame));
    void *block = __tmtrace_malloc(size, site);
    while (!pushes.empty())
        pushes.pop_back(); // innermost first
    return block;
}

// A small pool of call sites (some of them inline chains) and allocation sites, so that random stacks repeat
// whole tracebacks and often share all frames but one.
class Pool {
public:
    Pool()
    {
        for (int i = 0; i < kCalls; i++)
            calls_[i] = Site("/src/call.c", static_cast<uint32_t>(100 + i));
        inlined_[0] = Site("/src/inl.c", 1);
        inlined_[1] = Site("/src/inl.c", 2, &inlined_[0]);
        calls_[3].inlined_at = &inlined_[1]; // call.c:103 -> inl.c:2 -> inl.c:1
        calls_[7].inlined_at = &inlined_[0]; // call.c:107 -> inl.c:1
        for (int i = 0; i < kAllocs; i++)
            allocs_[i] = Site("/src/alloc.c", static_cast<uint32_t>(10 + i));
        allocs_[2].inlined_at = &calls_[5]; // an inlined allocation: alloc.c:12 -> call.c:105
    }
    static constexpr int kCalls = 8, kAllocs = 3;

    // A random stack of 0..max_depth entries, outermost first, frame keys falling as it deepens; some entries
    // have no site, some are stale (their frame key lies below the entry above them).
    std::vector<Entry> Stack(std::mt19937 &rng, int max_depth) const
    {
        int depth = static_cast<int>(rng() % static_cast<unsigned>(max_depth + 1));
        std::vector<Entry> stack;
        for (int i = 0; i < depth; i++) {
            unsigned kind = rng() % 16;
            const tmtrace_site *site = kind == 0 ? nullptr : &calls_[rng() % kCalls];
            uintptr_t frame = CallerFrame(0x10000 - 0x100 * static_cast<uintptr_t>(i));
            if (kind == 1)
                frame = CallerFrame(0x10000 - 0x100 * static_cast<uintptr_t>(i + 1) - 8); // stale
            stack.push_back({site, frame});
        }
        return stack;
    }
    const tmtrace_site *Alloc(std::mt19937 &rng) const { return &allocs_[rng() % kAllocs]; }

private:
    tmtrace_site calls_[kCalls];
    tmtrace_site inlined_[2];
    tmtrace_site allocs_[kAllocs];
};

struct Case {
    const tmtrace_site *site;
    std::vector<Entry> stack;
    FrameList frames;
    size_t total;
};

// Random stacks at the fixture's limit: every block reads back its model traceback, the second time (found in
// the store, or in the memos) as the first; the second pass stores nothing new. With `refuse_between`, a module
// is refused before the second pass, so that the first pass's captures take the common walk, which makes the
// fingerprint's sums as it goes (traceback_capture.c), and the second pass's the general walk and the store's
// own fingerprint: they must name the same tracebacks.
void RandomStacksReadBackTheirModel(size_t limit, int max_depth, bool refuse_between = false)
{
    Pool pool;
    std::mt19937 rng(12345);
    std::vector<Case> cases;
    for (int i = 0; i < 4000; i++) {
        Case c{pool.Alloc(rng), pool.Stack(rng, max_depth), {}, 0};
        c.frames = Model(c.site, c.stack, limit, &c.total);
        cases.push_back(std::move(c));
    }
    std::vector<void *> blocks;
    for (const Case &c : cases)
        blocks.push_back(MallocOver(c.site, c.stack, 16));
    if (refuse_between) {
        static tmtrace_site refused[1] = {{"/src/refused.c", "f", nullptr, 1, 1, 0, 0}};
        testing::internal::CaptureStderr();
        EXPECT_EQ(__tmtrace_register_module(1, "refused.so", refused, refused + 1), -1);
        testing::internal::GetCapturedStderr();
    }
    size_t memory = tmtrace_get_tracemalloc_memory();
    // On a thread of its own, whose heap table holds a few blocks at a time: this thread's table, which holds the
    // 4000 blocks, could be rebuilt by the passes' frees (~128 KB), which is not what is measured.
    std::thread([&] {
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < cases.size(); i++) {
                size_t k = pass == 0 ? i : (i * 7919u) % cases.size(); // pass 1: another order
                void *again = MallocOver(cases[k].site, cases[k].stack, 8);
                size_t total = 0;
                ASSERT_EQ(FramesOf(again, &total), cases[k].frames) << "case " << k << " pass " << pass;
                ASSERT_EQ(total, cases[k].total) << "case " << k << " pass " << pass;
                free(again);
            }
    }).join();
    // Stored again, even a tenth of the cases' records would add 400 * 8 pointers or more.
    long long growth = static_cast<long long>(tmtrace_get_tracemalloc_memory()) - static_cast<long long>(memory);
    EXPECT_LT(growth, 400 * 8 * static_cast<long long>(sizeof(void *)));
    for (size_t i = 0; i < cases.size(); i++) {
        size_t total = 0;
        ASSERT_EQ(FramesOf(blocks[i], &total), cases[i].frames) << "case " << i;
        ASSERT_EQ(total, cases[i].total) << "case " << i;
        free(blocks[i]);
    }
}

class Fingerprint25 : public tmtest::TracerTest {
protected:
    int Frames() const override { return 25; }
};

class Fingerprint64 : public tmtest::TracerTest {
protected:
    int Frames() const override { return 64; }
};

TEST_F(Fingerprint25, RandomStacksReadBackTheirModel)
{
    // Up to 40 entries: many tracebacks are truncated at 25 frames, with total_nframe counting the rest.
    RandomStacksReadBackTheirModel(25, 40);
}

TEST_F(Fingerprint25, TheCommonWalkAndTheGeneralOneNameTheSameTracebacks)
{
    RandomStacksReadBackTheirModel(25, 40, true);
}

TEST_F(Fingerprint64, RandomStacksReadBackTheirModel)
{
    // Up to 60 entries, inline chains included: tracebacks of more than 32 frames, hashed in two blocks.
    RandomStacksReadBackTheirModel(64, 60);
}

TEST_F(Fingerprint64, FramesPastTheFirstBlockCountInOrder)
{
    // 40 distinct callers under one allocation site: 41 frames. Against the plain stack, one with frames 3 and
    // 35 (entries in different hash blocks) swapped, one with frames 33 and 34 swapped (same block), and one
    // with frame 35 replaced: four tracebacks, each read back as it was made.
    std::vector<tmtrace_site> sites;
    for (int i = 0; i < 41; i++)
        sites.push_back(Site("/src/deep.c", static_cast<uint32_t>(1 + i)));
    const tmtrace_site *alloc = &sites[40];
    auto stack_of = [&](int swap_a, int swap_b, const tmtrace_site *replace35) {
        // frame k (k >= 1) is entry 40 - k, outermost first
        std::vector<Entry> stack;
        for (int i = 0; i < 40; i++)
            stack.push_back({&sites[i], CallerFrame(0x10000 - 0x100 * static_cast<uintptr_t>(i))});
        if (swap_a)
            std::swap(stack[40 - swap_a].site, stack[40 - swap_b].site);
        if (replace35)
            stack[40 - 35].site = replace35;
        return stack;
    };
    tmtrace_site other = Site("/src/other.c", 99);
    std::vector<std::vector<Entry>> stacks = {stack_of(0, 0, nullptr), stack_of(3, 35, nullptr),
                                              stack_of(33, 34, nullptr), stack_of(0, 0, &other)};
    for (int round = 0; round < 2; round++)
        for (size_t s = 0; s < stacks.size(); s++) {
            size_t want_total = 0;
            FrameList want = Model(alloc, stacks[s], 64, &want_total);
            ASSERT_EQ(want.size(), 41u);
            for (size_t t = 0; t < s; t++) { // the stacks differ, so must the tracebacks read back
                size_t t_total = 0;
                ASSERT_NE(Model(alloc, stacks[t], 64, &t_total), want);
            }
            void *p = MallocOver(alloc, stacks[s], 8);
            size_t total = 0;
            EXPECT_EQ(FramesOf(p, &total), want) << "stack " << s << " round " << round;
            EXPECT_EQ(total, 41u);
            free(p);
        }
}

TEST_F(Fingerprint25, ModuleLoadedWhereAnUnloadedOneWasGetsItsOwnTracebacks)
{
    // A module's allocations under a few callers, found once in the store and once in the thread's cache; the
    // module unloads and another one is loaded at the same address (same site addresses, other contents): its
    // allocations read their own frames, also after the id table has grown, and the first blocks keep theirs.
    static tmtrace_site sites[2];
    tmtrace_site caller = Site("/src/caller.c", 5), other = Site("/src/other.c", 6);
    std::vector<Entry> stack = {{&caller, CallerFrame(0x2000)}};
    sites[0] = tmtrace_site{"/src/first.c", "f", &sites[1], 1, 1, 0, 0};
    sites[1] = tmtrace_site{"/src/first.c", "f", nullptr, 2, 1, 0, 0};
    ASSERT_EQ(__tmtrace_register_module(TMTRACE_ABI_VERSION, "first.so", sites, sites + 2), 0);
    void *first = MallocOver(&sites[0], stack, 8);
    void *between = MallocOver(&other, stack, 8); // the next one is not the thread's last traceback
    void *first_again = MallocOver(&sites[0], stack, 8);
    __tmtrace_unregister_module(sites, sites + 2);
    sites[0] = tmtrace_site{"/src/second.c", "g", &sites[1], 3, 1, 0, 0};
    sites[1] = tmtrace_site{"/src/second.c", "g", nullptr, 4, 1, 0, 0};
    ASSERT_EQ(__tmtrace_register_module(TMTRACE_ABI_VERSION, "second.so", sites, sites + 2), 0);
    const FrameList first_frames{"/src/first.c:1", "/src/first.c:2", "/src/caller.c:5"};
    const FrameList second_frames{"/src/second.c:3", "/src/second.c:4", "/src/caller.c:5"};
    void *second = MallocOver(&sites[0], stack, 8);
    EXPECT_EQ(FramesOf(second), second_frames);
    // Thousands of new tracebacks: the id table (1024 slots at first) grows, dropping the retired slots.
    std::vector<tmtrace_site> more;
    for (int i = 0; i < 3000; i++)
        more.push_back(Site("/src/more.c", static_cast<uint32_t>(1000 + i)));
    for (const tmtrace_site &s : more)
        free(MallocOver(&s, stack, 8));
    void *second_again = MallocOver(&sites[0], stack, 8);
    EXPECT_EQ(FramesOf(second_again), second_frames);
    EXPECT_EQ(FramesOf(first), first_frames);
    EXPECT_EQ(FramesOf(first_again), first_frames);
    __tmtrace_unregister_module(sites, sites + 2);
    EXPECT_EQ(FramesOf(second), second_frames);
    for (void *p : {first, between, first_again, second, second_again})
        free(p);
}

} // namespace
