// process_test.cc — the runtime as a whole process sees it: TMTRACE_OPTIONS parsing (bad input gives exact
// warnings and the run goes on), help=1, log_path, start=0, report_at_exit's exact text, snapshot_at_exit, and
// max_memory (the program's allocations succeed when the tracer's memory runs out). Each test runs
// programs/report_program.c with an environment and compares its output byte for byte.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "runtime_test_support.h"

namespace {

struct ProcessResult {
    int status = -1;
    std::string out, err;
};

std::string ReadAll(int fd)
{
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        text.append(buf, static_cast<size_t>(n));
    return text;
}

// Runs the report program with TMTRACE_OPTIONS=options (none if null) and argument `mode`.
ProcessResult RunProgram(const char *options, const char *mode = "")
{
    std::string env_options = std::string("TMTRACE_OPTIONS=") + (options ? options : "");
    char *envp[] = {options ? env_options.data() : nullptr, nullptr};
    char *argv[] = {const_cast<char *>(TMTRACE_REPORT_PROGRAM), const_cast<char *>(mode), nullptr};
    int out[2], err[2];
    ProcessResult run;
    if (pipe(out) != 0 || pipe(err) != 0)
        return run;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    pid_t pid;
    int rc = posix_spawn(&pid, TMTRACE_REPORT_PROGRAM, &actions, nullptr, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    close(err[1]);
    if (rc == 0) {
        run.out = ReadAll(out[0]); // the program writes little: one pipe cannot fill while we read the other
        run.err = ReadAll(err[0]);
        waitpid(pid, &run.status, 0);
    }
    close(out[0]);
    close(err[0]);
    return run;
}

// With "status" the program also printed: stdout's 4096-byte buffer is a live block of libc's, which sorts
// first (same size, and CPython orders ("<unknown>", 0) after ("/src/app.c", 20), reversed).
const char kStatusReport5[] = "[ Top 5 ]\n"
                              "<unknown>:0: size=4096 B, count=1, average=4096 B\n"
                              "/src/app.c:20: size=4096 B, count=1, average=4096 B\n"
                              "/src/app.c:10: size=300 B, count=3, average=100 B\n";

const char kReport5[] = "[ Top 5 ]\n"
                        "/src/app.c:20: size=4096 B, count=1, average=4096 B\n"
                        "/src/app.c:10: size=300 B, count=3, average=100 B\n";

TEST(Process, ReportAtExitPrintsTracemallocStatistics)
{
    ProcessResult run = RunProgram("report_at_exit=5");
    EXPECT_EQ(run.status, 0);
    EXPECT_EQ(run.out, "");
    EXPECT_EQ(run.err, kReport5);
}

TEST(Process, ReportAtExitStopsAtN)
{
    ProcessResult run = RunProgram("report_at_exit=1");
    EXPECT_EQ(run.err, "[ Top 1 ]\n/src/app.c:20: size=4096 B, count=1, average=4096 B\n");
}

TEST(Process, BadOptionsWarnByNameAndTheRunGoesOn)
{
    ProcessResult run = RunProgram("frames=0:nosuch=1,start:report_at_exit=5:verbosity=x2::", "status");
    EXPECT_EQ(run.status, 0);
    EXPECT_EQ(run.out, "tracing=1 limit=1\n");
    EXPECT_EQ(run.err,
              std::string("tmtrace: bad value '0' for option 'frames' in TMTRACE_OPTIONS (expected an integer in [1, "
                          "65535]); using 1\n"
                          "tmtrace: unknown option 'nosuch' in TMTRACE_OPTIONS, ignored (help=1 lists the options)\n"
                          "tmtrace: option 'start' in TMTRACE_OPTIONS needs a value (start=...), ignored\n"
                          "tmtrace: bad value 'x2' for option 'verbosity' in TMTRACE_OPTIONS (expected an integer in "
                          "[0, 2]); using 0\n") +
                  kStatusReport5);
}

TEST(Process, OptionsSeparatedByCommasAndColons)
{
    ProcessResult run = RunProgram("frames=7,start=1:report_at_exit=5", "status");
    EXPECT_EQ(run.out, "tracing=1 limit=7\n");
    EXPECT_EQ(run.err, kStatusReport5);
}

TEST(Process, StartZeroWaitsForTmtraceStart)
{
    ProcessResult run = RunProgram("start=0:frames=3", "status");
    EXPECT_EQ(run.status, 0);
    EXPECT_EQ(run.out, "tracing=0 limit=3\n");
    EXPECT_EQ(run.err, "");
}

TEST(Process, HelpListsEveryOptionWithDefaultAndMeaning)
{
    ProcessResult run = RunProgram("help=1");
    EXPECT_EQ(run.status, 0);
    std::istringstream lines(run.err);
    std::vector<std::string> got;
    for (std::string line; std::getline(lines, line);)
        got.push_back(line);
    ASSERT_EQ(got.size(), 15u);
    EXPECT_EQ(got[0], "tmtrace: TMTRACE_OPTIONS: name=value items separated by ':' or ','");
    EXPECT_EQ(got[1], "tmtrace:   frames            default 1         frames kept per traceback (tracemalloc's nframe)");
    EXPECT_EQ(got[3], "tmtrace:   log_path          default 'stderr'  where messages go: stderr, stdout, or FILE "
                      "(written as FILE.<pid>)");
    const char *names[] = {"frames", "start", "log_path", "verbosity", "report_at_exit", "snapshot_at_exit",
                           "exact_peak", "max_memory", "leak_threshold", "leak_report_limit", "snapshot_dir",
                           "suppressions", "membarrier", "help"};
    for (size_t i = 0; i < 14; i++)
        EXPECT_EQ(got[i + 1].rfind(std::string("tmtrace:   ") + names[i] + " ", 0), 0u) << got[i + 1];
}

TEST(Process, LogPathWritesFileDotPid)
{
    char dir[] = "/tmp/tmtrace-log-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    std::string options = std::string("log_path=") + dir + "/log:report_at_exit=5:nosuch=1";
    ProcessResult run = RunProgram(options.c_str());
    EXPECT_EQ(run.status, 0);
    EXPECT_EQ(run.err, "");
    std::string listing;
    // The one file the program wrote is log.<its pid>.
    FILE *ls = popen((std::string("ls ") + dir).c_str(), "r");
    ASSERT_NE(ls, nullptr);
    listing = ReadAll(fileno(ls));
    pclose(ls);
    ASSERT_EQ(listing.rfind("log.", 0), 0u) << listing;
    std::string name = listing.substr(0, listing.find('\n'));
    EXPECT_EQ(name.find_first_not_of("0123456789", 4), std::string::npos) << name;
    std::ifstream log(std::string(dir) + "/" + name);
    std::stringstream text;
    text << log.rdbuf();
    EXPECT_EQ(text.str(),
              std::string("tmtrace: unknown option 'nosuch' in TMTRACE_OPTIONS, ignored (help=1 lists the options)\n") +
                  kReport5);
    unlink((std::string(dir) + "/" + name).c_str());
    rmdir(dir);
}

TEST(Process, LogPathCreatesNoFileWhenThereIsNothingToSay)
{
    char dir[] = "/tmp/tmtrace-log-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    std::string options = std::string("log_path=") + dir + "/log";
    ProcessResult run = RunProgram(options.c_str());
    EXPECT_EQ(run.status, 0);
    EXPECT_EQ(run.err, "");
    EXPECT_EQ(rmdir(dir), 0) << "the program left a file in " << dir; // fails unless empty
}

TEST(Process, SnapshotAtExitDumpsTheLiveTraces)
{
    char path[] = "/tmp/tmtrace-snap-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    std::string options = std::string("snapshot_at_exit=") + path;
    ProcessResult run = RunProgram(options.c_str());
    EXPECT_EQ(run.status, 0);
    EXPECT_EQ(run.err, "");
    tmtrace_snapshot *snap = tmtrace_snapshot_load(path);
    ASSERT_NE(snap, nullptr) << tmtrace_last_error();
    tmtrace_statistics *stats = tmtrace_snapshot_statistics(snap, TMTRACE_KEY_LINENO, 0);
    ASSERT_NE(stats, nullptr);
    ASSERT_GE(stats->len, 2u);
    char line[256];
    tmtrace_statistic_format(&stats->items[0], line, sizeof line);
    EXPECT_STREQ(line, "/src/app.c:20: size=4096 B, count=1, average=4096 B\n");
    tmtrace_statistic_format(&stats->items[1], line, sizeof line);
    EXPECT_STREQ(line, "/src/app.c:10: size=300 B, count=3, average=100 B\n");
    tmtrace_statistics_free(stats);
    tmtrace_snapshot_free(snap);
    unlink(path);
}

TEST(Process, SnapshotAtExitToABadPathWarns)
{
    ProcessResult run = RunProgram("snapshot_at_exit=/nonexistent-dir/x.tmsnap");
    EXPECT_EQ(run.status, 0);
    EXPECT_EQ(run.err.rfind("tmtrace: warning: snapshot_at_exit: ", 0), 0u) << run.err;
    EXPECT_NE(run.err.find("/nonexistent-dir/x.tmsnap"), std::string::npos) << run.err;
}

TEST(Process, PeakOfTwoThreadsIsWithinTheDocumentedBound)
{
    // Each thread's 40000 B stay in its own counter (under the 64 KiB flush): without exact_peak neither
    // thread saw the other's, so the peak misses one thread's share, within the (threads - 1) * 64 KiB bound.
    ProcessResult run = RunProgram(nullptr, "peak2");
    EXPECT_EQ(run.status, 0);
    EXPECT_EQ(run.out, "peak-base=40000 current-base=0\n");
}

TEST(Process, ExactPeakCountsBothThreads)
{
    ProcessResult run = RunProgram("exact_peak=1", "peak2");
    EXPECT_EQ(run.status, 0);
    EXPECT_EQ(run.out, "peak-base=80000 current-base=0\n");
}

TEST(Process, OutOfTracerMemoryLeavesAllocationsIntactAndWarnsOnce)
{
    ProcessResult run = RunProgram("max_memory=1", "oom");
    EXPECT_EQ(run.status, 0);
    EXPECT_EQ(run.out, "allocated=1000 current=0\n");
    // One warning when it happens, one count at exit: the 1000 blocks and stdout's buffer.
    EXPECT_EQ(run.err, "tmtrace: warning: out of tracer memory (0 bytes in use, max_memory reached): some blocks are "
                       "not traced; the program's allocations are unaffected\n"
                       "tmtrace: warning: 1001 blocks were not traced: the tracer ran out of memory (max_memory)\n");
}

} // namespace
