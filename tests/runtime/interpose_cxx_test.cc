// interpose_cxx_test.cc — every standard operator new/delete variant: traced once with the size asked for
// (aligned new would otherwise show libstdc++'s rounded aligned_alloc size), forgotten by every delete form,
// and std::bad_alloc / nothrow failures behave as always and leave the tracer's state clean.
#include <new>

#include "runtime_test_support.h"

namespace {

using tmtest::Current;
using tmtest::Escape;
using tmtest::FramesOf;

using tmtest::kUnknown;
using tmtest::kUntraced;

class InterposeCxx : public tmtest::TracerTest {};

TEST_F(InterposeCxx, PlainAndArray)
{
    size_t before = Current();
    void *p = ::operator new(24);
    void *a = ::operator new[](40);
    EXPECT_EQ(Current() - before, 64u);
    EXPECT_EQ(FramesOf(p), kUnknown);
    ::operator delete(p);
    ::operator delete[](a);
    EXPECT_EQ(Current(), before);
}

TEST_F(InterposeCxx, SizedDelete)
{
    size_t before = Current();
    void *p = ::operator new(24);
    void *a = ::operator new[](40);
    EXPECT_EQ(Current() - before, 64u);
    ::operator delete(p, 24);
    ::operator delete[](a, 40);
    EXPECT_EQ(Current(), before);
}

TEST_F(InterposeCxx, Nothrow)
{
    size_t before = Current();
    void *p = ::operator new(24, std::nothrow);
    void *a = ::operator new[](40, std::nothrow);
    ASSERT_TRUE(p && a);
    EXPECT_EQ(Current() - before, 64u);
    ::operator delete(p, std::nothrow);
    ::operator delete[](a, std::nothrow);
    EXPECT_EQ(Current(), before);
}

TEST_F(InterposeCxx, AlignedRecordsTheRequestedSize)
{
    size_t before = Current();
    const std::align_val_t al{256};
    void *p = ::operator new(100, al);
    void *a = ::operator new[](300, al);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 256, 0u);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 256, 0u);
    EXPECT_EQ(Current() - before, 400u);
    ::operator delete(p, al);
    ::operator delete[](a, al);
    EXPECT_EQ(Current(), before);
}

TEST_F(InterposeCxx, AlignedSizedDelete)
{
    size_t before = Current();
    const std::align_val_t al{64};
    void *p = ::operator new(100, al);
    void *a = ::operator new[](300, al);
    EXPECT_EQ(Current() - before, 400u);
    ::operator delete(p, 100, al);
    ::operator delete[](a, 300, al);
    EXPECT_EQ(Current(), before);
}

TEST_F(InterposeCxx, AlignedNothrow)
{
    size_t before = Current();
    const std::align_val_t al{128};
    void *p = ::operator new(10, al, std::nothrow);
    void *a = ::operator new[](20, al, std::nothrow);
    ASSERT_TRUE(p && a);
    EXPECT_EQ(Current() - before, 30u);
    ::operator delete(p, al, std::nothrow);
    ::operator delete[](a, al, std::nothrow);
    EXPECT_EQ(Current(), before);
}

TEST_F(InterposeCxx, NewExpressions)
{
    struct alignas(64) Wide {
        char bytes[64];
    };
    size_t before = Current();
    int *i = new int(7);
    Wide *w = new Wide[3];
    Escape(i);
    Escape(w);
    EXPECT_EQ(Current() - before, sizeof(int) + 3 * sizeof(Wide));
    delete i;
    delete[] w;
    EXPECT_EQ(Current(), before);
}

TEST_F(InterposeCxx, BadAllocLeavesNoTraceAndNoStaleState)
{
    size_t before = Current();
    EXPECT_THROW((void)::operator new(SIZE_MAX / 2), std::bad_alloc);
    EXPECT_THROW((void)::operator new(SIZE_MAX / 2, std::align_val_t{64}), std::bad_alloc);
    EXPECT_EQ(::operator new(SIZE_MAX / 2, std::nothrow), nullptr);
    EXPECT_EQ(Current(), before);
    // The suppression flag set around the real operator new was reset by the unwinding: malloc records.
    void *p = malloc(8);
    EXPECT_EQ(Current() - before, 8u);
    free(p);
}

TEST_F(InterposeCxx, NewHandlerRunsAndCanSucceed)
{
    static int calls;
    static void *reserve;
    calls = 0;
    reserve = malloc(1 << 20);
    std::set_new_handler([] {
        calls++;
        free(reserve); // frees memory, then lets operator new retry... which fails again for this size
        reserve = nullptr;
        std::set_new_handler(nullptr);
    });
    EXPECT_THROW((void)::operator new(SIZE_MAX / 2), std::bad_alloc);
    EXPECT_EQ(calls, 1);
    std::set_new_handler(nullptr);
}

// A free inside the real operator new (here its new-handler's) records nothing, yet the block's trace goes.
TEST_F(InterposeCxx, NewHandlerFreeForgetsTheBlock)
{
    static void *reserve;
    size_t before = Current();
    reserve = malloc(4096);
    const void *freed = reserve;
    EXPECT_EQ(Current() - before, 4096u);
    std::set_new_handler([] {
        free(reserve);
        reserve = nullptr;
        std::set_new_handler(nullptr);
    });
    EXPECT_THROW((void)::operator new(SIZE_MAX / 2), std::bad_alloc);
    std::set_new_handler(nullptr);
    EXPECT_EQ(reserve, nullptr);
    EXPECT_EQ(Current(), before);
    EXPECT_EQ(FramesOf(freed), kUntraced);
}

} // namespace
