// leaks.cc — real leaks of every shape. Each line marked "expect: <Suite.Test>#<k>" must appear as frame k
// (1 = oldest) of the leak report of that test; check_leak_report.py reads these marks.
#include <dlfcn.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <tmtrace/tmtrace.h>

namespace {

void *AllocateForCaller(std::size_t n)
{
    return std::malloc(n);  // expect: Leaks.Direct#2
}

struct Node {
    Node *next;
    char payload[200];
};

Node *MakeList(int n)
{
    Node *head = nullptr;
    for (int i = 0; i < n; i++) {
        Node *node = new Node;  // expect: Leaks.IndirectChain#2
        node->next = head;
        head = node;
    }
    return head;
}

}  // namespace

TEST(Leaks, Direct)
{
    (void)AllocateForCaller(333);  // expect: Leaks.Direct#1
}

TEST(Leaks, IndirectChain)
{
    Node *list = MakeList(3);  // expect: Leaks.IndirectChain#1
    EXPECT_NE(list, nullptr);
}

TEST(Leaks, InJoinedHelperThread)
{
    std::thread helper([] {
        (void)new int[70];  // expect: Leaks.InJoinedHelperThread#1
    });
    helper.join();
}

TEST(Leaks, Strdup)
{
    char *copy = strdup(std::string(250, 'a').c_str());  // expect: Leaks.Strdup#1
    EXPECT_EQ(copy[0], 'a');
}

// Leaked sizes here are 200 B and more: small chunks that GoogleTest frees between tests keep dangling pointers
// in the unused capacity of its live vectors, and a leak that reuses such an address looks reachable (a
// conservative scan's false negative, as with LeakSanitizer); see runtime/tracer/leak_check.c.
struct Labelled {
    std::string label;
    char notes[200];
};

TEST(Leaks, StdString)
{
    auto *labelled = new Labelled{std::string(300, 'x'), {}};  // expect: Leaks.StdString#1
    EXPECT_EQ(labelled->label.size(), 300u);
}

TEST(Leaks, FailingTestThatAlsoLeaks)
{
    EXPECT_EQ(1, 2) << "an assertion failure with a long message " << std::string(200, 'm');
    (void)std::malloc(260);  // expect: Leaks.FailingTestThatAlsoLeaks#1
}

TEST(Leaks, FailingTestWithoutLeak)
{
    EXPECT_EQ(3, 4) << "only an assertion failure " << std::string(200, 'n');
}

class SuiteLevelLeak : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        (void)std::malloc(277);  // expect: SuiteLevelLeak#1
    }
};

TEST_F(SuiteLevelLeak, FirstTestIsClean) {}
TEST_F(SuiteLevelLeak, SecondTestIsClean) {}

class ParamLeaks : public ::testing::TestWithParam<int> {};

TEST_P(ParamLeaks, LeaksOnlyForTwo)
{
    if (GetParam() == 2)
        (void)std::malloc(240);  // expect: Values/ParamLeaks.LeaksOnlyForTwo/1#1
}

INSTANTIATE_TEST_SUITE_P(Values, ParamLeaks, ::testing::Values(1, 2, 3));

template <typename T>
class TypedLeaks : public ::testing::Test {};
using LeakTypes = ::testing::Types<char, long>;
TYPED_TEST_SUITE(TypedLeaks, LeakTypes);

TYPED_TEST(TypedLeaks, LeaksOnlyForLong)
{
    if (sizeof(TypeParam) == sizeof(long))
        (void)new TypeParam[40];  // expect: TypedLeaks/1.LeaksOnlyForLong#1
}

// A realloc that fails leaves the block where it was: it stays the test's block, and so its leak.
TEST(Leaks, KeptByFailedRealloc)
{
    void *block = std::malloc(280);  // expect: Leaks.KeptByFailedRealloc#1
    void *volatile grown = std::realloc(block, static_cast<std::size_t>(-1) / 2);
    EXPECT_EQ(grown, nullptr);
}

// The same while another scope begins and ends meanwhile (inside the allocator, see __libc_realloc below): the
// test's scope is still open, so the block goes back to it.
constexpr std::size_t kReallocOpeningAScope = SIZE_MAX / 2 - 15; // fails too: no such mapping

TEST(Leaks, KeptByFailedReallocAcrossScopes)
{
    void *block = std::malloc(290);  // expect: Leaks.KeptByFailedReallocAcrossScopes#1
    void *volatile grown = std::realloc(block, kReallocOpeningAScope);
    EXPECT_EQ(grown, nullptr);
}

// libtmtrace's realloc calls glibc's __libc_realloc between taking the block out of its scope and putting it
// back: this definition comes first in the lookup order, so a scope can begin and end exactly there.
extern "C" void *__libc_realloc(void *p, std::size_t size)
{
    using Realloc = void *(*)(void *, std::size_t);
    static const Realloc real = reinterpret_cast<Realloc>(dlsym(RTLD_NEXT, "__libc_realloc"));
    if (size == kReallocOpeningAScope) {
        EXPECT_GE(tmtrace_leak_scope_begin(), 1);
        tmtrace_snapshot *leaked = nullptr;
        EXPECT_EQ(tmtrace_leak_scope_end(&leaked), 0);
        EXPECT_EQ(leaked, nullptr);
    }
    return real(p, size);
}
