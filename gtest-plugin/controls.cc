// controls.cc — tmtrace/gtest.h: explicit installation and the per-test / per-suite controls.
#include <tmtrace/gtest.h>
#include <tmtrace/tmtrace.h>

#include "leak_listener.h"

namespace tmtrace {
namespace gtest {

void InstallLeakCheckListener() { tmtrace_gtest::LeakListener::Install(); }

void AllowLeakedBytes(std::size_t bytes)
{
    if (auto *l = tmtrace_gtest::LeakListener::Instance())
        l->AllowLeakedBytes(bytes);
}

bool IgnoreObject(const void *ptr) { return tmtrace_leak_ignore_object(ptr) == 0; }

void DisableLeakCheckForTest()
{
    if (auto *l = tmtrace_gtest::LeakListener::Instance())
        l->DisableForTest();
}

void DisableLeakCheckForSuite()
{
    auto *l = tmtrace_gtest::LeakListener::Instance();
    const ::testing::TestSuite *suite = ::testing::UnitTest::GetInstance()->current_test_suite();
    if (l && suite)
        l->DisableForSuite(suite->name());
}

}  // namespace gtest
}  // namespace tmtrace
