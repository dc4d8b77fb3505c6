// leak_listener.cc — the listener: one leak-check scope per environment set, test suite and test (nested),
// and a failure, recorded into GoogleTest's own result of that test / suite / program, for each that leaks.
//
// Order matters. The listener is appended after the default printer, and GoogleTest calls OnTestEnd in reverse
// order, so our failure is in the test's result before the printer, XML and JSON writers look at it. The scope
// opens as the last thing of OnTestStart and ends as the first thing of OnTestEnd (which GoogleTest calls after
// TearDown and the fixture's destructor), so the listener's own work is never in a test's scope.
#include "leak_listener.h"

#include <cstdio>
#include <unistd.h>

#include <tmtrace/tmtrace.h>

#include "leak_report.h"
#include "snapshot_files.h"

namespace tmtrace_gtest {

namespace {
LeakListener *installed = nullptr;
}

LeakListener *LeakListener::Instance() { return installed; }

void LeakListener::Install()
{
    if (installed)
        return;
    installed = new LeakListener;
    // Installed before main (or from main): GoogleTest runs every environment, suite and test in frames below
    // this one, so only the stack above it is a root. Below, dead slots hold whatever the last test's frames
    // left there, which would hide its leaks.
    installed->stack_root_ = __builtin_frame_address(0);
    ::testing::UnitTest::GetInstance()->listeners().Append(installed);
}

void LeakListener::Warn(const std::string &message)
{
    std::fprintf(stderr, "tmtrace: %s\n", message.c_str());
    std::fflush(stderr);
}

void LeakListener::OnTestProgramStart(const ::testing::UnitTest &)
{
    if (configured_)
        return;
    configured_ = true;
    tmtrace_leak_options options;
    tmtrace_get_leak_options(&options);
    threshold_ = options.threshold;
    report_limit_ = options.report_limit > 0 ? static_cast<std::size_t>(options.report_limit) : 0;
    snapshot_dir_ = options.snapshot_dir;
    std::string error;
    if (*options.suppressions && !suppressions_.Load(options.suppressions, &error))
        Warn(error + " (no leak is suppressed)");
}

void LeakListener::OpenScope()
{
    Scope scope{tmtrace_leak_scope_begin_below(stack_root_) >= 0, getpid()};
    if (!scope.open && !warned_off_) {
        warned_off_ = true;
        Warn(std::string("leak checks are off: ") + tmtrace_last_error());
    }
    scopes_.push_back(scope);
}

tmtrace_snapshot *LeakListener::CloseScope()
{
    if (scopes_.empty())
        return nullptr;
    Scope scope = scopes_.back();
    scopes_.pop_back();
    if (!scope.open)
        return nullptr;
    tmtrace_snapshot *leaks = nullptr;
    if (tmtrace_leak_scope_end(&leaks) < 0) {
        Warn(std::string("leak check failed: ") + tmtrace_last_error());
        return nullptr;
    }
    if (scope.pid != getpid()) {
        tmtrace_snapshot_free(leaks);
        return nullptr;
    }
    return leaks;
}

void LeakListener::Report(tmtrace_snapshot *leaks, const std::string &who, std::int64_t peak_above_baseline,
                          std::size_t allowance)
{
    if (!leaks)
        return;
    if (!suppressions_.empty()) {
        tmtrace_snapshot *kept = suppressions_.Apply(leaks);
        tmtrace_snapshot_free(leaks);
        leaks = kept;
        if (!leaks) {
            Warn(std::string("cannot apply the suppressions: ") + tmtrace_last_error());
            return;
        }
    }
    LeakReport report;
    std::string error;
    bool built = BuildLeakReport(leaks, who, peak_above_baseline, report_limit_, &report, &error);
    tmtrace_snapshot_free(leaks);
    if (!built) {
        Warn("cannot report the leaks of " + who + ": " + error);
        return;
    }
    if (report.bytes <= threshold_ + static_cast<std::int64_t>(allowance))
        return;
    // Attached to the running test, else the running suite, else the program (GoogleTest decides).
    ::testing::internal::AssertHelper(::testing::TestPartResult::kNonFatalFailure,
                                      report.file.empty() ? nullptr : report.file.c_str(), report.line,
                                      report.text.c_str()) = ::testing::Message();
}

void LeakListener::OnEnvironmentsSetUpStart(const ::testing::UnitTest &) { OpenScope(); }

void LeakListener::OnEnvironmentsTearDownEnd(const ::testing::UnitTest &)
{
    Report(CloseScope(), "the global test environment", -1, 0);
}

void LeakListener::OnTestSuiteStart(const ::testing::TestSuite &) { OpenScope(); }

void LeakListener::OnTestSuiteEnd(const ::testing::TestSuite &suite)
{
    tmtrace_snapshot *leaks = CloseScope();
    if (disabled_suites_.count(suite.name())) {
        tmtrace_snapshot_free(leaks);
        return;
    }
    Report(leaks, std::string("test suite ") + suite.name() + " (SetUpTestSuite/TearDownTestSuite)", -1, 0);
}

void LeakListener::OnTestStart(const ::testing::TestInfo &test)
{
    test_allowance_ = 0;
    test_disabled_ = false;
    std::string error;
    if (!snapshot_dir_.empty()) {
        test_file_name_ = EscapedTestName(test.test_suite_name(), test.name());
        if (!DumpTestSnapshot(snapshot_dir_, test_file_name_, "before", &error))
            Warn(error);
    }
    size_t peak;
    tmtrace_get_traced_memory(&baseline_current_, &peak);
    tmtrace_reset_peak();
    OpenScope();
}

void LeakListener::OnTestEnd(const ::testing::TestInfo &test)
{
    tmtrace_snapshot *leaks = CloseScope();
    size_t current, peak;
    tmtrace_get_traced_memory(&current, &peak);
    std::string error;
    if (!snapshot_dir_.empty() && !DumpTestSnapshot(snapshot_dir_, test_file_name_, "after", &error))
        Warn(error);
    if (test_disabled_ || disabled_suites_.count(test.test_suite_name())) {
        tmtrace_snapshot_free(leaks);
        return;
    }
    std::int64_t peak_above = peak > baseline_current_ ? static_cast<std::int64_t>(peak - baseline_current_) : 0;
    Report(leaks, std::string("test ") + test.test_suite_name() + "." + test.name(), peak_above, test_allowance_);
}

}  // namespace tmtrace_gtest
