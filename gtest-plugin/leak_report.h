// leak_report.h — the text of a leak failure, built from a snapshot of leaked blocks with the model's API.
#ifndef TMTRACE_GTEST_PLUGIN_LEAK_REPORT_H
#define TMTRACE_GTEST_PLUGIN_LEAK_REPORT_H

#include <cstddef>
#include <cstdint>
#include <string>

#include <tmtrace/tmtrace.h>

namespace tmtrace_gtest {

struct LeakReport {
    std::int64_t bytes = 0;  // total size_diff
    std::int64_t blocks = 0; // total count_diff
    std::string text;        // the failure message
    std::string file;        // where the biggest leak was allocated (its most recent user frame)
    int line = 0;
};

// Groups `leaks` by traceback (compare_to against an empty snapshot) and writes: "<who> leaked X in N blocks",
// the peak above the baseline when peak_above_baseline >= 0, then the top `limit` StatisticDiff lines each
// followed by its traceback with source lines. Returns false (with *error) if the model refuses.
bool BuildLeakReport(const tmtrace_snapshot *leaks, const std::string &who, std::int64_t peak_above_baseline,
                     std::size_t limit, LeakReport *report, std::string *error);

// tracemalloc's _format_size: "48 B", "+1.5 KiB".
std::string FormatSize(std::int64_t size, bool sign);

}  // namespace tmtrace_gtest

#endif
