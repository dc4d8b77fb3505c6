// suppressions.h — the suppressions file (TMTRACE_OPTIONS suppressions=FILE): leaks not to report.
#ifndef TMTRACE_GTEST_PLUGIN_SUPPRESSIONS_H
#define TMTRACE_GTEST_PLUGIN_SUPPRESSIONS_H

#include <string>
#include <vector>

#include <tmtrace/tmtrace.h>

namespace tmtrace_gtest {

// One line of the file is "PATTERN" or "PATTERN:LINE": an fnmatch pattern on a frame's file name, and
// optionally its line. Blank lines and lines starting with '#' are ignored. A leaked block is suppressed when
// any frame of its traceback matches a line: each line becomes an exclusive tracemalloc Filter with all_frames.
class Suppressions {
public:
    // Reads `path`; false with *error naming the file and line on bad input.
    bool Load(const std::string &path, std::string *error);
    bool empty() const { return patterns_.empty(); }
    // The leaks that no line suppresses (a new snapshot), or nullptr with tmtrace_last_error().
    tmtrace_snapshot *Apply(const tmtrace_snapshot *leaks) const;

private:
    std::vector<std::string> patterns_;
    std::vector<int> lines_;
};

}  // namespace tmtrace_gtest

#endif
