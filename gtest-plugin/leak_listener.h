// leak_listener.h — the GoogleTest event listener that opens a leak-check scope around every environment
// set, test suite and test, and fails whichever of them leaks.
#ifndef TMTRACE_GTEST_PLUGIN_LEAK_LISTENER_H
#define TMTRACE_GTEST_PLUGIN_LEAK_LISTENER_H

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <sys/types.h>
#include <vector>

#include <gtest/gtest.h>

#include "suppressions.h"

namespace tmtrace_gtest {

class LeakListener : public ::testing::EmptyTestEventListener {
public:
    // The installed listener, or nullptr; gtest.h's controls act on it.
    static LeakListener *Instance();
    static void Install();

    void AllowLeakedBytes(std::size_t bytes) { test_allowance_ += bytes; }
    void DisableForTest() { test_disabled_ = true; }
    void DisableForSuite(const std::string &suite) { disabled_suites_.insert(suite); }

    void OnTestProgramStart(const ::testing::UnitTest &unit_test) override;
    void OnEnvironmentsSetUpStart(const ::testing::UnitTest &unit_test) override;
    void OnEnvironmentsTearDownEnd(const ::testing::UnitTest &unit_test) override;
    void OnTestSuiteStart(const ::testing::TestSuite &suite) override;
    void OnTestSuiteEnd(const ::testing::TestSuite &suite) override;
    void OnTestStart(const ::testing::TestInfo &test) override;
    void OnTestEnd(const ::testing::TestInfo &test) override;

private:
    struct Scope {
        bool open;  // tmtrace_leak_scope_begin succeeded
        pid_t pid;  // a forked child (death test) never reports
    };
    void OpenScope();
    // Ends the innermost scope; returns the leak snapshot to report (owned), or nullptr.
    tmtrace_snapshot *CloseScope();
    // Fails the current test, suite or program (whichever GoogleTest attaches a failure to now) if `leaks`
    // exceed threshold + allowance. Takes ownership of leaks.
    void Report(tmtrace_snapshot *leaks, const std::string &who, std::int64_t peak_above_baseline,
                std::size_t allowance);
    void Warn(const std::string &message);

    bool configured_ = false;
    const void *stack_root_ = nullptr;  // see Install()
    std::int64_t threshold_ = 0;
    std::size_t report_limit_ = 10;
    std::string snapshot_dir_;
    Suppressions suppressions_;
    std::vector<Scope> scopes_;
    bool warned_off_ = false;
    // The running test's controls.
    std::size_t test_allowance_ = 0;
    bool test_disabled_ = false;
    std::size_t baseline_current_ = 0;
    std::string test_file_name_;
    std::set<std::string> disabled_suites_;
};

}  // namespace tmtrace_gtest

#endif
