// runtime_test_support.h — helpers shared by the tracer's gtest files: traced-memory deltas, the frames of a
// block as "file:line" strings, hand-built site records and shadow-stack pushes that follow tmtrace_abi.h.
#ifndef TMTRACE_TESTS_RUNTIME_SUPPORT_H
#define TMTRACE_TESTS_RUNTIME_SUPPORT_H

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <tmtrace/tmtrace.h>

#include "tmtrace_abi.h"

namespace tmtest {

// Makes p visible to the outside world, so that the optimizer cannot drop an allocation/free pair.
inline void Escape(const void *p)
{
    asm volatile("" : : "r"(p) : "memory");
}

inline size_t Current()
{
    size_t current = 0, peak = 0;
    tmtrace_get_traced_memory(&current, &peak);
    return current;
}

inline size_t Peak()
{
    size_t current = 0, peak = 0;
    tmtrace_get_traced_memory(&current, &peak);
    return peak;
}

// The sum of the sizes of the traces a snapshot holds (0 when not tracing).
inline size_t SnapshotHeapBytes()
{
    tmtrace_snapshot *snap = tmtrace_take_snapshot();
    size_t bytes = 0;
    for (size_t i = 0; snap && i < tmtrace_snapshot_ntraces(snap); i++) {
        unsigned domain;
        size_t size;
        const tmtrace_traceback *tb;
        tmtrace_snapshot_trace(snap, i, &domain, &size, &tb);
        bytes += size;
    }
    tmtrace_snapshot_free(snap);
    return bytes;
}

// FramesOf() of a block allocated with no instrumented frame on the stack, and of a block not traced.
inline const std::vector<std::string> kUnknown = {"<unknown>:0"};
inline const std::vector<std::string> kUntraced = {"untraced"};

// The frames of the traced block at p, most recent first, as "file:line"; {"untraced"} if it is not traced.
inline std::vector<std::string> FramesOf(const void *p, size_t *total_nframe = nullptr)
{
    tmtrace_traceback *tb = tmtrace_get_object_traceback(p);
    if (!tb)
        return {"untraced"};
    std::vector<std::string> frames;
    size_t n = tmtrace_traceback_nframe(tb);
    for (size_t i = n; i-- > 0;) {
        const tmtrace_frame *f = tmtrace_traceback_frame(tb, i);
        frames.push_back(std::string(f->filename) + ":" + std::to_string(f->lineno));
    }
    if (total_nframe)
        *total_nframe = tmtrace_traceback_total_nframe(tb);
    tmtrace_traceback_free(tb);
    return frames;
}

// A frame address for a hand-made shadow entry, `offset` bytes above every frame of the running test: the
// runtime keeps an entry only if its frame lies above the capture's own, as a live caller's frame does.
inline uintptr_t CallerFrame(uintptr_t offset)
{
    static const uintptr_t above_the_test = reinterpret_cast<uintptr_t>(__builtin_frame_address(0)) + (1u << 20);
    return above_the_test + offset;
}

inline tmtrace_site Site(const char *file, uint32_t line, const tmtrace_site *inlined_at = nullptr)
{
    return tmtrace_site{file, "fn", inlined_at, line, 1, 0, 0};
}

// One push of the shadow stack exactly as instrumented code does it; popped when the object dies.
class ShadowPush {
public:
    ShadowPush(const tmtrace_site *site, uintptr_t frame) : d0_(__tmtrace_shadow.depth)
    {
        __tmtrace_shadow.depth = d0_ + 1;
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        __tmtrace_shadow.entries[d0_ & TMTRACE_SHADOW_MASK] = {site, frame};
    }
    ~ShadowPush() { __tmtrace_shadow.depth = d0_; }
    ShadowPush(const ShadowPush &) = delete;
    ShadowPush &operator=(const ShadowPush &) = delete;

private:
    uintptr_t d0_;
};

// Every test starts and ends tracing at frames=1 with no traces of its own making left behind.
class TracerTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        saved_depth_ = __tmtrace_shadow.depth;
        __tmtrace_shadow.depth = 0;
        tmtrace_stop();
        ASSERT_EQ(tmtrace_start(Frames()), 0) << tmtrace_last_error();
    }
    void TearDown() override
    {
        __tmtrace_shadow.depth = saved_depth_;
        tmtrace_stop();
        tmtrace_start(1);
    }
    virtual int Frames() const { return 1; }

private:
    uintptr_t saved_depth_ = 0;
};

} // namespace tmtest

#endif
