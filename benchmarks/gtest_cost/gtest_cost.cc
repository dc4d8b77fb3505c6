// gtest_cost.cc — what the leak-check listener adds per test when 1M blocks are alive from before the tests.
// Built twice: with the listener (tmtrace::gtest) and without it (tracing only). Each run prints the mean time
// per test (median and mean; see Clock) and how many tests paid a reachability scan (over 1 ms).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <gtest/gtest.h>

namespace {

// Keeps the optimizer from deleting an allocation whose result is not otherwise used.
void *Opaque(void *p)
{
    __asm__ volatile("" : "+r"(p));
    return p;
}

std::vector<void *> *live_blocks;

struct LiveHeap {
    LiveHeap()
    {
        const char *n = std::getenv("GTEST_COST_LIVE_BLOCKS");
        size_t count = n ? std::strtoul(n, nullptr, 10) : 1000000;
        live_blocks = new std::vector<void *>(count);
        for (auto &p : *live_blocks)
            p = std::malloc(32);
    }
} live_heap;

// Per-test time = from a test's OnTestStart to the next one's (the last: to OnTestSuiteEnd). Appended after the
// leak check, so each interval holds the check's OnTestEnd of that test and OnTestStart of the next.
class Clock : public ::testing::EmptyTestEventListener {
public:
    Clock() { intervals_.reserve(1 << 16); }  // never grows inside a test: the clock must not allocate there
    void OnTestSuiteStart(const ::testing::TestSuite &) override { intervals_.clear(), started_ = false; }
    void OnTestStart(const ::testing::TestInfo &) override { Tick(); }
    void OnTestSuiteEnd(const ::testing::TestSuite &suite) override
    {
        Tick();
        std::vector<double> sorted = intervals_;
        std::sort(sorted.begin(), sorted.end());
        double sum = 0;
        size_t slow = 0;
        for (double ns : sorted) {
            sum += ns;
            slow += ns > 1e6;
        }
        std::printf("gtest_cost: %s: %zu tests, %zu live blocks: median %.0f ns, mean %.0f ns per test, "
                    "%zu over 1 ms (max %.1f ms)\n",
                    suite.name(), sorted.size(), live_blocks->size(), sorted.empty() ? 0 : sorted[sorted.size() / 2],
                    sorted.empty() ? 0 : sum / sorted.size(), slow, sorted.empty() ? 0 : sorted.back() / 1e6);
    }

private:
    void Tick()
    {
        auto now = std::chrono::steady_clock::now();
        if (started_)
            intervals_.push_back(std::chrono::duration<double, std::nano>(now - last_).count());
        started_ = true;
        last_ = now;
    }
    std::chrono::steady_clock::time_point last_;
    bool started_ = false;
    std::vector<double> intervals_;
};

class Empty : public ::testing::TestWithParam<int> {};
TEST_P(Empty, AllocatesNothing) {}
INSTANTIATE_TEST_SUITE_P(Many, Empty, ::testing::Range(0, 2000));

class Balanced : public ::testing::TestWithParam<int> {};
TEST_P(Balanced, FreesWhatItAllocates)
{
    void *blocks[16];
    for (auto &b : blocks)
        b = Opaque(std::malloc(64));
    for (auto b : blocks)
        std::free(b);
}
INSTANTIATE_TEST_SUITE_P(Many, Balanced, ::testing::Range(0, 2000));

class Leaky : public ::testing::TestWithParam<int> {};
TEST_P(Leaky, LeaksOneBlock) { Opaque(std::malloc(48)); }  // the reachability scan runs once per test
INSTANTIATE_TEST_SUITE_P(Few, Leaky, ::testing::Range(0, 5));

}  // namespace

int main(int argc, char **argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::UnitTest::GetInstance()->listeners().Append(new Clock);
    return RUN_ALL_TESTS();
}
