// interpose_c_test.cc — every interposed C allocation function: the block is traced with the exact size the
// program asked for, freed blocks are forgotten, failures (overflow, bad alignment) leave no trace and keep
// glibc's errno and results.
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime_test_support.h"

namespace {

using tmtest::Current;
using tmtest::Escape;
using tmtest::FramesOf;

using tmtest::kUnknown;
using tmtest::kUntraced;

class InterposeC : public tmtest::TracerTest {};

TEST_F(InterposeC, MallocAndFree)
{
    size_t before = Current();
    void *p = malloc(100);
    Escape(p);
    EXPECT_EQ(Current() - before, 100u);
    EXPECT_EQ(FramesOf(p), kUnknown);
    free(p);
    EXPECT_EQ(Current(), before);
    EXPECT_EQ(FramesOf(p), kUntraced);
}

TEST_F(InterposeC, MallocZeroIsTracedWithSizeZero)
{
    size_t before = Current();
    void *p = malloc(0);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(Current(), before);
    EXPECT_EQ(FramesOf(p), kUnknown);
    free(p);
    EXPECT_EQ(FramesOf(p), kUntraced);
}

TEST_F(InterposeC, FreeNullIsHarmless)
{
    size_t before = Current();
    free(nullptr);
    EXPECT_EQ(Current(), before);
}

TEST_F(InterposeC, Calloc)
{
    size_t before = Current();
    unsigned char *p = static_cast<unsigned char *>(calloc(10, 12));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(Current() - before, 120u);
    for (int i = 0; i < 120; i++)
        ASSERT_EQ(p[i], 0);
    free(p);
    EXPECT_EQ(Current(), before);
}

TEST_F(InterposeC, CallocOverflowFailsWithoutTrace)
{
    size_t before = Current();
    errno = 0;
    void *p = calloc(SIZE_MAX / 2, 3);
    EXPECT_EQ(p, nullptr);
    EXPECT_EQ(errno, ENOMEM);
    EXPECT_EQ(Current(), before);
}

TEST_F(InterposeC, ReallocNullIsMalloc)
{
    size_t before = Current();
    void *p = realloc(nullptr, 50);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(Current() - before, 50u);
    EXPECT_EQ(FramesOf(p), kUnknown);
    free(p);
    EXPECT_EQ(Current(), before);
}

TEST_F(InterposeC, ReallocReplacesTheTrace)
{
    size_t before = Current();
    char *p = static_cast<char *>(malloc(10));
    memcpy(p, "123456789", 10);
    char *q = static_cast<char *>(realloc(p, 100000));
    ASSERT_NE(q, nullptr);
    EXPECT_STREQ(q, "123456789");
    EXPECT_EQ(Current() - before, 100000u);
    q = static_cast<char *>(realloc(q, 20));
    EXPECT_EQ(Current() - before, 20u);
    EXPECT_EQ(FramesOf(q), kUnknown);
    free(q);
    EXPECT_EQ(Current(), before);
}

TEST_F(InterposeC, ReallocToZeroFrees)
{
    size_t before = Current();
    void *p = malloc(10);
    EXPECT_EQ(realloc(p, 0), nullptr); // glibc frees and returns NULL
    EXPECT_EQ(Current(), before);
    EXPECT_EQ(FramesOf(p), kUntraced);
}

TEST_F(InterposeC, FailedReallocKeepsTheOldTrace)
{
    size_t before = Current();
    void *p = malloc(10);
    errno = 0;
    EXPECT_EQ(realloc(p, SIZE_MAX - 4096), nullptr);
    EXPECT_EQ(errno, ENOMEM);
    EXPECT_EQ(Current() - before, 10u);
    EXPECT_EQ(FramesOf(p), kUnknown);
    free(p);
    EXPECT_EQ(Current(), before);
}

TEST_F(InterposeC, Reallocarray)
{
    size_t before = Current();
    void *p = reallocarray(nullptr, 7, 9);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(Current() - before, 63u);
    errno = 0;
    EXPECT_EQ(reallocarray(p, SIZE_MAX / 2, 3), nullptr);
    EXPECT_EQ(errno, ENOMEM);
    EXPECT_EQ(Current() - before, 63u); // p untouched, still traced
    p = reallocarray(p, 3, 11);
    EXPECT_EQ(Current() - before, 33u);
    free(p);
    EXPECT_EQ(Current(), before);
}

TEST_F(InterposeC, PosixMemalign)
{
    size_t before = Current();
    void *p = nullptr;
    ASSERT_EQ(posix_memalign(&p, 256, 100), 0);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 256, 0u);
    EXPECT_EQ(Current() - before, 100u);
    void *bad = reinterpret_cast<void *>(1);
    EXPECT_EQ(posix_memalign(&bad, 24, 100), EINVAL); // not a power of two
    EXPECT_EQ(posix_memalign(&bad, 4, 100), EINVAL);  // not a multiple of sizeof(void *)
    EXPECT_EQ(bad, reinterpret_cast<void *>(1));
    EXPECT_EQ(Current() - before, 100u);
    free(p);
    EXPECT_EQ(Current(), before);
}

TEST_F(InterposeC, AlignedAlloc)
{
    size_t before = Current();
    void *p = aligned_alloc(64, 128);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
    EXPECT_EQ(Current() - before, 128u);
    errno = 0;
    volatile size_t not_a_power_of_two = 48;
    EXPECT_EQ(aligned_alloc(not_a_power_of_two, 96), nullptr);
    EXPECT_EQ(errno, EINVAL);
    free(p);
    EXPECT_EQ(Current(), before);
}

TEST_F(InterposeC, MemalignVallocPvalloc)
{
    size_t before = Current();
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    void *m = memalign(128, 40);
    void *v = valloc(70);
    void *pv = pvalloc(90);
    ASSERT_TRUE(m && v && pv);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(m) % 128, 0u);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(v) % page, 0u);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(pv) % page, 0u);
    EXPECT_EQ(Current() - before, 40u + 70u + 90u); // the sizes asked for, not the rounded ones
    free(m);
    free(v);
    free(pv);
    EXPECT_EQ(Current(), before);
}

TEST_F(InterposeC, MallocUsableSize)
{
    void *p = malloc(100);
    EXPECT_GE(malloc_usable_size(p), 100u);
    EXPECT_LT(malloc_usable_size(p), 100u + 32u);
    free(p);
}

TEST_F(InterposeC, LibcInternalAllocationsAreTraced)
{
    size_t before = Current();
    char *s = strdup("hello");
    EXPECT_EQ(Current() - before, 6u);
    char *n = strndup("abcdefgh", 3);
    EXPECT_EQ(Current() - before, 6u + 4u);
    EXPECT_EQ(FramesOf(s), kUnknown);
    free(s);
    free(n);
    EXPECT_EQ(Current(), before);
}

TEST_F(InterposeC, NothingIsRecordedWhileStopped)
{
    tmtrace_stop();
    EXPECT_EQ(tmtrace_is_tracing(), 0);
    void *p = malloc(64);
    Escape(p);
    EXPECT_EQ(Current(), 0u);
    ASSERT_EQ(tmtrace_start(1), 0);
    EXPECT_EQ(FramesOf(p), kUntraced);
    free(p); // a block allocated before start: freeing it changes nothing
    EXPECT_EQ(Current(), 0u);
}

} // namespace
