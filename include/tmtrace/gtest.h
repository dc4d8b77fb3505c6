// tmtrace/gtest.h — the GoogleTest leak-check listener's public C++ API (library: tmtrace_gtest).
//
// Linking tmtrace::gtest (CMake) or -ltmtrace_gtest installs the listener before the first test; nothing in
// this header is needed for that. Every test then fails if, at its end (after TearDown and the fixture's
// destructor), it holds blocks it allocated that nothing reaches any more; leaks of SetUpTestSuite /
// TearDownTestSuite fail the test suite, leaks of global environments the program. The failure names the total,
// then the top entries as tracemalloc's StatisticDiff with their tracebacks and source lines.
//
// TMTRACE_OPTIONS (with the runtime's other options, ':'-separated):
//   leak_threshold=BYTES   a test fails when it leaks more than BYTES (default 0)
//   leak_report_limit=N    entries shown per failure (default 10)
//   snapshot_dir=DIR       writes DIR/<Suite>.<Test>.before.tmsnap and .after.tmsnap for each test (names
//                          percent-escaped: '/' of parameterized and typed tests becomes %2F)
//   suppressions=FILE      leaks whose traceback has a frame matching a line of FILE are not reported; a line is
//                          an fnmatch pattern on the file name, optionally ":LINE" (tracemalloc's Filter with
//                          all_frames); '#' starts a comment
#ifndef TMTRACE_GTEST_H
#define TMTRACE_GTEST_H

#include <cstddef>

namespace tmtrace {
namespace gtest {

// Installs the listener (appended after GoogleTest's default printer) unless it is installed already.
// Linking the library does this before main; call it yourself only to be explicit.
void InstallLeakCheckListener();

// The running test may leak up to `bytes` more than leak_threshold without failing.
void AllowLeakedBytes(std::size_t bytes);

// Like __lsan_ignore_object: the heap block starting at ptr is never reported and keeps what it points to
// reachable. Returns false (and changes nothing) if ptr is not the start of a live traced block.
bool IgnoreObject(const void *ptr);

// Turns the check off for the running test.
void DisableLeakCheckForTest();

// Turns the check off for the running test suite: its tests and its own SetUpTestSuite/TearDownTestSuite.
// Call it from SetUpTestSuite or from any test of the suite.
void DisableLeakCheckForSuite();

}  // namespace gtest
}  // namespace tmtrace

#endif  // TMTRACE_GTEST_H
