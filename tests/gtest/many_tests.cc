// many_tests.cc — the "done when" suite: 310 tests that cycle through the false-positive patterns, and exactly
// one real leak (parameter 137).
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "background_thread.h"

namespace {

std::map<int, std::string> &Memo()
{
    static std::map<int, std::string> memo;
    return memo;
}

std::once_flag once;
std::string *configured;
thread_local std::vector<std::string> scratch;

void *RealLeak(std::size_t n)
{
    return std::malloc(n);  // expect: Many/ManyPatterns.Pattern/137#2
}

void Exercise(int i)
{
    switch (i % 9) {
    case 0:
        Memo()[i] = std::string(64 + i, 'm');  // a cache that grows on first use of each key
        break;
    case 1: {
        std::ostringstream out;
        out << "value " << i * 1.5;
        std::cout << out.str() << '\n';
        break;
    }
    case 2:
        std::call_once(once, [] { configured = new std::string(500, 'c'); });
        break;
    case 3:
        scratch.emplace_back(100, 's');
        break;
    case 4:
        ::testing::Test::RecordProperty("iteration", std::string(40 + i % 50, 'p'));
        break;
    case 5: {
        static std::vector<std::string> shared;
        std::thread([i] { shared.emplace_back(50 + i % 20, 't'); }).join();
        break;
    }
    case 6: {
        unsigned long seen = BackgroundAllocations();
        while (BackgroundAllocations() == seen)
            std::this_thread::yield();
        break;
    }
    case 7: {
        std::vector<int> temporary(1000 + i);
        EXPECT_EQ(temporary.size(), static_cast<std::size_t>(1000 + i));
        break;
    }
    default:
        static const std::string *first_use = new std::string(300, 'f');
        EXPECT_EQ(first_use->size(), 300u);
    }
}

}  // namespace

class ManyPatterns : public ::testing::TestWithParam<int> {};

TEST_P(ManyPatterns, Pattern)
{
    Exercise(GetParam());
    if (GetParam() == 137)
        (void)RealLeak(137);  // expect: Many/ManyPatterns.Pattern/137#1
}

INSTANTIATE_TEST_SUITE_P(Many, ManyPatterns, ::testing::Range(0, 300));

template <int N>
struct Tag {};

template <typename T>
class TypedPatterns : public ::testing::Test {};
using Tags = ::testing::Types<Tag<0>, Tag<1>, Tag<2>, Tag<3>, Tag<4>, Tag<5>, Tag<6>, Tag<7>, Tag<8>, Tag<9>>;
TYPED_TEST_SUITE(TypedPatterns, Tags);

int typed_calls;  // shared by every instantiation, so the ten types cycle through the patterns

TYPED_TEST(TypedPatterns, Pattern) { Exercise(typed_calls++); }
