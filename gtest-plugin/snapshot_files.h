// snapshot_files.h — per-test snapshots in snapshot_dir: their escaped names and writing them.
#ifndef TMTRACE_GTEST_PLUGIN_SNAPSHOT_FILES_H
#define TMTRACE_GTEST_PLUGIN_SNAPSHOT_FILES_H

#include <string>

namespace tmtrace_gtest {

// "<Suite>.<Test>" with every byte outside [A-Za-z0-9_-] written %XX, so that parameterized and typed names
// ("Inst/Suite", "Test/0") make one flat, unambiguous file name.
std::string EscapedTestName(const char *suite, const char *test);

// Takes a snapshot of the live traces and writes it to DIR/<name>.<phase>.tmsnap (phase "before" or "after").
// Returns false with *error naming the file and the problem.
bool DumpTestSnapshot(const std::string &dir, const std::string &name, const char *phase, std::string *error);

}  // namespace tmtrace_gtest

#endif
