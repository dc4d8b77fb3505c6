// environment_leak.cc — a global test environment that leaks in SetUp: the program fails with a report
// against the environment, and its clean test still passes.
#include <cstdlib>

#include <gtest/gtest.h>

namespace {

class LeakyEnvironment : public ::testing::Environment {
public:
    void SetUp() override
    {
        kept_ = std::malloc(300);  // freed in TearDown: not a leak
        (void)std::malloc(310);    // expect: environment#1
    }
    void TearDown() override { std::free(kept_); }

private:
    void *kept_ = nullptr;
};

const auto *registered = ::testing::AddGlobalTestEnvironment(new LeakyEnvironment);

}  // namespace

TEST(EnvironmentLeak, TestItselfIsClean) { std::free(std::malloc(10)); }

TEST(EnvironmentLeak, DISABLED_WouldLeakButNeverRuns) { (void)std::malloc(320); }
