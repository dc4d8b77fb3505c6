// clean_patterns.cc — tests that allocate and keep memory in every way that is NOT a leak. Each one is a
// false positive of a naive before/after count; the leak check must pass all of them.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <locale>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <tmtrace/gtest.h>

#include "background_thread.h"

namespace {

const std::string &FirstUseStatic()
{
    static const std::string *text = new std::string(200, 's');  // a function static, never freed
    return *text;
}

std::map<int, std::string> &Cache()
{
    static std::map<int, std::string> cache;
    return cache;
}

class Registry {
public:
    static Registry &Get()
    {
        static Registry *instance = new Registry;  // a leaky singleton, reachable from its static
        return *instance;
    }
    void Add(const std::string &name) { names_.push_back(name + std::string(100, 'r')); }

private:
    std::vector<std::string> names_;
};

std::once_flag table_once;
std::vector<int> *lookup_table;

thread_local std::vector<std::string> per_thread_cache;

struct Widget {
    char payload[64];
};

}  // namespace

TEST(CleanPatterns, FunctionStaticFirstUse) { EXPECT_EQ(FirstUseStatic().size(), 200u); }

TEST(CleanPatterns, CacheInsertedOnFirstUse)
{
    Cache()[7] = std::string(300, 'c');
    Cache()[8] = std::string(300, 'd');
    EXPECT_EQ(Cache().size(), 2u);
}

TEST(CleanPatterns, IostreamAndLocaleFirstUse)
{
    std::ostringstream out;
    out.imbue(std::locale::classic());
    out << 3.25 << ' ' << 42;
    std::cout << "iostream first use: " << out.str() << std::endl;
    std::locale::global(std::locale(std::locale::classic(), new std::numpunct<char>));
    EXPECT_EQ(out.str(), "3.25 42");
}

TEST(CleanPatterns, Singleton)
{
    Registry::Get().Add("first");
    Registry::Get().Add("second");
}

TEST(CleanPatterns, CallOnce)
{
    std::call_once(table_once, [] { lookup_table = new std::vector<int>(1000, 1); });
    EXPECT_EQ(lookup_table->size(), 1000u);
}

TEST(CleanPatterns, ThreadLocalCache)
{
    per_thread_cache.emplace_back(500, 't');
    EXPECT_GE(per_thread_cache.size(), 1u);  // grows with --gtest_repeat
}

TEST(CleanPatterns, RecordProperty) { RecordProperty("long_property", std::string(400, 'p')); }

TEST(CleanPatterns, SkipWithMessage) { GTEST_SKIP() << "skipped with a long message " << std::string(300, 'k'); }

TEST(CleanPatterns, BackgroundThreadAllocatesDuringTheTest)
{
    // The thread started before main; whatever it allocates (and leaks) meanwhile is not this test's.
    unsigned long seen = BackgroundAllocations();
    while (BackgroundAllocations() < seen + 3)
        std::this_thread::sleep_for(std::chrono::microseconds(200));
}

TEST(CleanPatterns, HelperThreadStoresIntoAGlobal)
{
    static std::vector<std::string> results;
    std::thread helper([] { results.emplace_back(250, 'h'); });
    helper.join();
    EXPECT_GE(results.size(), 1u);  // grows with --gtest_repeat
}

TEST(CleanPatterns, FreesEverything)
{
    std::vector<std::unique_ptr<Widget>> widgets;
    for (int i = 0; i < 100; i++)
        widgets.push_back(std::make_unique<Widget>());
    char *raw = static_cast<char *>(std::malloc(1000));
    std::strcpy(raw, "temporary");
    std::free(raw);
}

TEST(CleanPatterns, IgnoredObject)
{
    Widget *kept_on_purpose = new Widget;
    EXPECT_TRUE(tmtrace::gtest::IgnoreObject(kept_on_purpose));
}

TEST(CleanPatterns, AllowedAmount)
{
    tmtrace::gtest::AllowLeakedBytes(sizeof(Widget));
    (void)new Widget;  // 64 B, allowed
}

TEST(CleanPatterns, CheckDisabledForTheTest)
{
    tmtrace::gtest::DisableLeakCheckForTest();
    (void)std::malloc(123);
}

TEST(CleanPatternsDeathTest, ChildLeaksThenDies)
{
    EXPECT_DEATH(
        {
            (void)std::malloc(4096);
            std::abort();
        },
        "");
}

class CleanFixture : public ::testing::Test {
protected:
    void SetUp() override { buffer_ = new char[256]; }
    void TearDown() override { delete[] buffer_; }
    char *buffer_ = nullptr;
    std::unique_ptr<std::string> owned_ = std::make_unique<std::string>(300, 'f');
};

TEST_F(CleanFixture, SetUpAllocatesTearDownFrees) { std::memset(buffer_, 1, 256); }

class SuiteDisabled : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        tmtrace::gtest::DisableLeakCheckForSuite();
        (void)std::malloc(99);
    }
};

TEST_F(SuiteDisabled, LeaksButTheSuiteIsOff) { std::malloc(11); }
