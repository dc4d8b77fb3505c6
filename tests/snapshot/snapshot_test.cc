// snapshot_test.cc — unit tests of the snapshot model: builder and interning, CPython's text formats,
// statistics/compare_to/filter on small exact cases, Traceback.format, standalone tracebacks, dump/load
// round trips and every load error, atomic dump, and the memory budget per trace.
#include <gtest/gtest.h>

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <tmtrace/tmtrace.h>
extern "C" {
#include "file_format.h"
#include "snapshot_internal.h"
}

namespace {

struct SnapshotDeleter {
    void operator()(tmtrace_snapshot *s) const { tmtrace_snapshot_free(s); }
};
using Snapshot = std::unique_ptr<tmtrace_snapshot, SnapshotDeleter>;

std::string FormatSize(int64_t size, int sign)
{
    char buf[64];
    tmtrace_format_size(size, sign, buf, sizeof buf);
    return buf;
}

// Adds a trace whose traceback is `frames` (most recent first, as "file:line").
void AddTrace(tmtrace_snapshot *s, unsigned domain, size_t size, std::vector<std::pair<const char *, unsigned>> frames)
{
    std::vector<int32_t> ids;
    for (auto &f : frames) {
        ids.push_back(tmtrace_snapshot_add_frame(s, f.first, f.second, 0, "", 0));
        ASSERT_GE(ids.back(), 0) << tmtrace_last_error();
    }
    int32_t tb = tmtrace_snapshot_add_traceback(s, ids.data(), ids.size(), ids.size());
    ASSERT_GE(tb, 0) << tmtrace_last_error();
    ASSERT_EQ(tmtrace_snapshot_add_trace(s, domain, size, tb), 0) << tmtrace_last_error();
}

std::string StatisticsText(const tmtrace_snapshot *s, tmtrace_key key, int cumulative)
{
    tmtrace_statistics *stats = tmtrace_snapshot_statistics(s, key, cumulative);
    if (!stats)
        return std::string("error: ") + tmtrace_last_error();
    std::string text;
    char buf[1024];
    for (size_t i = 0; i < stats->len; i++) {
        tmtrace_statistic_format(&stats->items[i], buf, sizeof buf);
        text += buf;
    }
    tmtrace_statistics_free(stats);
    return text;
}

std::string DiffText(const tmtrace_snapshot *now, const tmtrace_snapshot *old, tmtrace_key key, int cumulative)
{
    tmtrace_statistic_diffs *diffs = tmtrace_snapshot_compare_to(now, old, key, cumulative);
    if (!diffs)
        return std::string("error: ") + tmtrace_last_error();
    std::string text;
    char buf[1024];
    for (size_t i = 0; i < diffs->len; i++) {
        tmtrace_statistic_diff_format(&diffs->items[i], buf, sizeof buf);
        text += buf;
    }
    tmtrace_statistic_diffs_free(diffs);
    return text;
}

std::string FormatTraceback(const tmtrace_traceback *tb, int limit, int most_recent_first)
{
    char *data = nullptr;
    size_t size = 0;
    FILE *out = open_memstream(&data, &size);
    EXPECT_EQ(tmtrace_traceback_format(tb, limit, most_recent_first, out), 0);
    fclose(out);
    std::string text(data, size);
    free(data);
    return text;
}

class TempDir {
  public:
    TempDir()
    {
        char tmpl[] = "/tmp/tmtrace-snapshot-test.XXXXXX";
        path_ = mkdtemp(tmpl);
    }
    ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
    std::string Path(const std::string &name) const { return path_ + "/" + name; }
    std::vector<std::string> Entries() const
    {
        std::vector<std::string> names;
        DIR *d = opendir(path_.c_str());
        while (struct dirent *e = readdir(d))
            if (e->d_name[0] != '.')
                names.push_back(e->d_name);
        closedir(d);
        return names;
    }

  private:
    std::string path_;
};

void WriteFile(const std::string &path, const std::string &data)
{
    std::ofstream(path, std::ios::binary) << data;
}

std::string ReadFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(FormatSize, MatchesCPythonThresholds)
{
    EXPECT_EQ(FormatSize(0, 0), "0 B");
    EXPECT_EQ(FormatSize(0, 1), "+0 B");
    EXPECT_EQ(FormatSize(10239, 0), "10239 B");
    EXPECT_EQ(FormatSize(10240, 0), "10.0 KiB");
    EXPECT_EQ(FormatSize(102399, 1), "+100.0 KiB");
    EXPECT_EQ(FormatSize(102400, 0), "100 KiB");
    EXPECT_EQ(FormatSize(10485759, 0), "10240 KiB");
    EXPECT_EQ(FormatSize(10485760, 1), "+10.0 MiB");
    EXPECT_EQ(FormatSize(11258999068426240LL, 0), "10240 TiB");
    EXPECT_EQ(FormatSize(112589990684262400LL, 0), "102400 TiB");
    EXPECT_EQ(FormatSize(-10240, 1), "-10.0 KiB");
    EXPECT_EQ(FormatSize(-1, 0), "-1 B");
}

TEST(FormatSize, IsSnprintfLike)
{
    char buf[5];
    EXPECT_EQ(tmtrace_format_size(10240, 1, buf, sizeof buf), 9u); // "+10.0 KiB"
    EXPECT_STREQ(buf, "+10.");
    EXPECT_EQ(tmtrace_format_size(10240, 1, nullptr, 0), 9u);
}

TEST(Statistic, TextIsCPythons)
{
    Snapshot s(tmtrace_snapshot_new(1));
    for (int i = 0; i < 80; i++)
        AddTrace(s.get(), 0, 64, {{"file.c", 11}});
    EXPECT_EQ(StatisticsText(s.get(), TMTRACE_KEY_LINENO, 0), "file.c:11: size=5120 B, count=80, average=64 B\n");
    Snapshot empty(tmtrace_snapshot_new(1));
    EXPECT_EQ(DiffText(s.get(), empty.get(), TMTRACE_KEY_LINENO, 0),
              "file.c:11: size=5120 B (+5120 B), count=80 (+80), average=64 B\n");
    EXPECT_EQ(DiffText(empty.get(), s.get(), TMTRACE_KEY_LINENO, 0), "file.c:11: size=0 B (-5120 B), count=0 (-80)\n");
    // The "filename" key groups under the frame (filename, 0).
    EXPECT_EQ(StatisticsText(s.get(), TMTRACE_KEY_FILENAME, 0), "file.c:0: size=5120 B, count=80, average=64 B\n");
}

TEST(Statistic, AverageRoundsHalfToEvenLikePython)
{
    Snapshot s(tmtrace_snapshot_new(1));
    AddTrace(s.get(), 0, 1, {{"a.c", 1}});
    AddTrace(s.get(), 0, 4, {{"a.c", 1}}); // 5 / 2 = 2.5 -> "2 B"
    EXPECT_EQ(StatisticsText(s.get(), TMTRACE_KEY_LINENO, 0), "a.c:1: size=5 B, count=2, average=2 B\n");
}

TEST(Fnmatch, AgreesWithPythonOnOddPatterns)
{
    // Expected values are what python3's fnmatch.fnmatch(name, pattern) returns.
    struct {
        const char *pattern, *name;
        int match;
    } cases[] = {
        {"*.c", "/src/a.c", 1},   {"*.c", "/src/a.cc", 0},    {"/src/?.c", "/src/ab.c", 0},
        {"*[ab].c", "x/b.c", 1},  {"[b-a]*", "b", 0},         {"*[!]]*", "a]", 1},
        {"*[!]]*", "]", 0},       {"*[a-]*", "-", 1},         {"*[z-a-c]*", "-", 1},
        {"*[z-a-c]*", "b", 0},    {"*[!b-a]*", "q", 1},       {"[", "[", 1},
        {"*[", "x[", 1},          {"[!]", "[!]", 1},          {"*[!--a]*", ".", 0},
        {"*[b-ac-d]*", "c", 1},   {"*[b-ac-d]*", "a", 0},     {"a*b*c", "aXbYbZc", 1},
        {"**.c", ".c", 1},        {"*/*", "/", 1},            {"caf\xc3\xa9?", "caf\xc3\xa9\xc3\xa9", 1},
        {"[\\]", "\\", 1},        {"[^]", "^", 1},            {"[]-a]", "_", 1},
        {"", "", 1},
    };
    for (const auto &c : cases)
        EXPECT_EQ(tm_fnmatch(c.pattern, c.name), c.match) << "pattern '" << c.pattern << "' name '" << c.name << "'";
}

TEST(Builder, InternsFramesAndTracebacks)
{
    Snapshot s(tmtrace_snapshot_new(3));
    int32_t a = tmtrace_snapshot_add_frame(s.get(), "a.c", 1, 5, "f", 0);
    int32_t b = tmtrace_snapshot_add_frame(s.get(), "b.c", 2, 0, nullptr, 0);
    EXPECT_EQ(tmtrace_snapshot_add_frame(s.get(), "a.c", 1, 5, "f", 0), a);
    EXPECT_NE(tmtrace_snapshot_add_frame(s.get(), "a.c", 1, 6, "f", 0), a); // column differs
    int32_t ids[] = {a, b};
    int32_t tb = tmtrace_snapshot_add_traceback(s.get(), ids, 2, 7);
    EXPECT_EQ(tmtrace_snapshot_add_traceback(s.get(), ids, 2, 7), tb);
    EXPECT_NE(tmtrace_snapshot_add_traceback(s.get(), ids, 2, 2), tb); // total_nframe differs
    ASSERT_EQ(tmtrace_snapshot_add_trace(s.get(), 4, 100, tb), 0);
    unsigned domain;
    size_t size;
    const tmtrace_traceback *t;
    tmtrace_snapshot_trace(s.get(), 0, &domain, &size, &t);
    EXPECT_EQ(domain, 4u);
    EXPECT_EQ(size, 100u);
    ASSERT_EQ(tmtrace_traceback_nframe(t), 2u);
    EXPECT_EQ(tmtrace_traceback_total_nframe(t), 7u);
    EXPECT_STREQ(tmtrace_traceback_frame(t, 0)->filename, "b.c"); // public order: oldest first
    EXPECT_STREQ(tmtrace_traceback_frame(t, 0)->function, "");
    EXPECT_STREQ(tmtrace_traceback_frame(t, 1)->filename, "a.c");
    EXPECT_EQ(tmtrace_traceback_frame(t, 1)->column, 5u);
    EXPECT_EQ(tmtrace_traceback_frame(t, 2), nullptr);
    EXPECT_EQ(tmtrace_snapshot_traceback_limit(s.get()), 3u);
}

TEST(Builder, EmptyTracebackIsUnknownFrame)
{
    Snapshot s(tmtrace_snapshot_new(1));
    int32_t tb = tmtrace_snapshot_add_traceback(s.get(), nullptr, 0, 0);
    ASSERT_GE(tb, 0);
    ASSERT_EQ(tmtrace_snapshot_add_trace(s.get(), 0, 8, tb), 0);
    EXPECT_EQ(StatisticsText(s.get(), TMTRACE_KEY_TRACEBACK, 0), "<unknown>:0: size=8 B, count=1, average=8 B\n");
}

TEST(Builder, RejectsBadIdsWithClearErrors)
{
    Snapshot s(tmtrace_snapshot_new(1));
    int32_t bogus = 3;
    EXPECT_EQ(tmtrace_snapshot_add_traceback(s.get(), &bogus, 1, 1), -1);
    EXPECT_STREQ(tmtrace_last_error(), "tmtrace_snapshot_add_traceback: frame id 3 is not a frame of this snapshot");
    EXPECT_EQ(tmtrace_snapshot_add_trace(s.get(), 0, 1, 0), -1);
    EXPECT_STREQ(tmtrace_last_error(), "tmtrace_snapshot_add_trace: traceback id 0 is not a traceback of this snapshot");
    EXPECT_EQ(tmtrace_snapshot_add_frame(s.get(), nullptr, 1, 0, "", 0), -1);
    EXPECT_STREQ(tmtrace_last_error(), "tmtrace_snapshot_add_frame: filename is NULL");
    EXPECT_EQ(tmtrace_snapshot_statistics(s.get(), TMTRACE_KEY_TRACEBACK, 1), nullptr);
    EXPECT_STREQ(tmtrace_last_error(),
                 "tmtrace_snapshot_statistics: cumulative mode cannot by used with key type 'traceback'");
    tmtrace_key key;
    EXPECT_EQ(tmtrace_key_parse("line", &key), -1);
    EXPECT_STREQ(tmtrace_last_error(), "unknown key_type: 'line' (expected filename, lineno or traceback)");
    ASSERT_EQ(tmtrace_key_parse("traceback", &key), 0);
    EXPECT_EQ(key, TMTRACE_KEY_TRACEBACK);
}

TEST(Statistics, SortsBySizeThenCountThenTraceback)
{
    Snapshot s(tmtrace_snapshot_new(1));
    AddTrace(s.get(), 0, 10, {{"b.c", 1}});
    AddTrace(s.get(), 0, 10, {{"a.c", 2}});
    AddTrace(s.get(), 0, 5, {{"a.c", 1}});
    AddTrace(s.get(), 0, 5, {{"a.c", 1}});
    AddTrace(s.get(), 0, 20, {{"c.c", 9}});
    EXPECT_EQ(StatisticsText(s.get(), TMTRACE_KEY_LINENO, 0),
              "c.c:9: size=20 B, count=1, average=20 B\n"
              "a.c:1: size=10 B, count=2, average=5 B\n" // same size, more blocks
              "b.c:1: size=10 B, count=1, average=10 B\n" // same size and count: larger traceback first
              "a.c:2: size=10 B, count=1, average=10 B\n");
}

TEST(Statistics, CumulativeCountsEveryFrameIncludingRepeats)
{
    Snapshot s(tmtrace_snapshot_new(3));
    AddTrace(s.get(), 0, 100, {{"leaf.c", 3}, {"mid.c", 2}, {"leaf.c", 3}});
    AddTrace(s.get(), 0, 10, {{"mid.c", 2}});
    EXPECT_EQ(StatisticsText(s.get(), TMTRACE_KEY_LINENO, 1),
              "leaf.c:3: size=200 B, count=2, average=100 B\n"
              "mid.c:2: size=110 B, count=2, average=55 B\n");
    EXPECT_EQ(StatisticsText(s.get(), TMTRACE_KEY_TRACEBACK, 0),
              "leaf.c:3: size=100 B, count=1, average=100 B\n"
              "mid.c:2: size=10 B, count=1, average=10 B\n");
}

TEST(CompareTo, MatchesGroupsAcrossSnapshotsByContent)
{
    Snapshot old_snap(tmtrace_snapshot_new(1)), new_snap(tmtrace_snapshot_new(1));
    AddTrace(old_snap.get(), 0, 8, {{"x.c", 1}});
    AddTrace(old_snap.get(), 0, 64, {{"keep.c", 5}});
    AddTrace(new_snap.get(), 0, 64, {{"keep.c", 5}}); // interned in another order than in old
    AddTrace(new_snap.get(), 0, 240, {{"parser.c", 88}});
    AddTrace(new_snap.get(), 0, 64, {{"keep.c", 5}});
    EXPECT_EQ(DiffText(new_snap.get(), old_snap.get(), TMTRACE_KEY_LINENO, 0),
              "parser.c:88: size=240 B (+240 B), count=1 (+1), average=240 B\n"
              "keep.c:5: size=128 B (+64 B), count=2 (+1), average=64 B\n"
              "x.c:1: size=0 B (-8 B), count=0 (-1)\n");
}

TEST(FilterTraces, FilenameLinenoAndDomainFilters)
{
    Snapshot s(tmtrace_snapshot_new(2));
    AddTrace(s.get(), 0, 1, {{"/src/a.c", 1}, {"/usr/include/v.h", 7}});
    AddTrace(s.get(), 0, 2, {{"/usr/include/v.h", 7}, {"/src/b.c", 3}});
    AddTrace(s.get(), 5, 4, {{"/src/c.c", 2}});
    tmtrace_filter only_src = {1, "/src/*", -1, 0, -1};
    Snapshot f1(tmtrace_snapshot_filter_traces(s.get(), &only_src, 1));
    EXPECT_EQ(StatisticsText(f1.get(), TMTRACE_KEY_LINENO, 0),
              "/src/c.c:2: size=4 B, count=1, average=4 B\n/src/a.c:1: size=1 B, count=1, average=1 B\n");
    tmtrace_filter not_header_anywhere = {0, "*.h", -1, 1, -1};
    Snapshot f2(tmtrace_snapshot_filter_traces(s.get(), &not_header_anywhere, 1));
    EXPECT_EQ(StatisticsText(f2.get(), TMTRACE_KEY_LINENO, 0), "/src/c.c:2: size=4 B, count=1, average=4 B\n");
    tmtrace_filter domain5[] = {{1, nullptr, -1, 0, 5}};
    Snapshot f3(tmtrace_snapshot_filter_traces(s.get(), domain5, 1));
    EXPECT_EQ(tmtrace_snapshot_ntraces(f3.get()), 1u);
    tmtrace_filter line7 = {1, "*", 7, 0, -1};
    Snapshot f4(tmtrace_snapshot_filter_traces(s.get(), &line7, 1));
    EXPECT_EQ(StatisticsText(f4.get(), TMTRACE_KEY_LINENO, 0), "/usr/include/v.h:7: size=2 B, count=1, average=2 B\n");
    Snapshot all(tmtrace_snapshot_filter_traces(s.get(), nullptr, 0));
    EXPECT_EQ(tmtrace_snapshot_ntraces(all.get()), 3u);
    EXPECT_EQ(tmtrace_snapshot_traceback_limit(all.get()), 2u);
}

TEST(Traceback, FormatReadsSourceLinesLikeLinecache)
{
    TempDir dir;
    std::string src = dir.Path("leak.c");
    WriteFile(src, "int x;\r\n    char *p = malloc(10);   \n\n  \tend();");
    Snapshot s(tmtrace_snapshot_new(4));
    AddTrace(s.get(), 0, 10, {{src.c_str(), 2}, {src.c_str(), 3}, {src.c_str(), 4}, {"/nonexistent.c", 1}});
    const tmtrace_traceback *tb;
    tmtrace_snapshot_trace(s.get(), 0, nullptr, nullptr, &tb);
    std::string f = "  File \"" + src + "\", line ";
    EXPECT_EQ(FormatTraceback(tb, 0, 0), "  File \"/nonexistent.c\", line 1\n" + f + "4\n    end();\n" + f + "3\n" + f +
                                             "2\n    char *p = malloc(10);\n");
    EXPECT_EQ(FormatTraceback(tb, 1, 0), f + "2\n    char *p = malloc(10);\n");
    EXPECT_EQ(FormatTraceback(tb, 2, 1), f + "2\n    char *p = malloc(10);\n" + f + "3\n");
    EXPECT_EQ(FormatTraceback(tb, -3, 0), "  File \"/nonexistent.c\", line 1\n"); // Python's self[:-3]
    EXPECT_EQ(FormatTraceback(tb, -4, 0), "");
}

TEST(Traceback, StandaloneCopiesFramesMostRecentFirst)
{
    char file[] = "inner.c";
    tmtrace_frame frames[] = {{file, 10, 3, "inner", 0}, {"outer.c", 20, 0, nullptr, TMTRACE_FRAME_SYSTEM}};
    tmtrace_traceback *tb = tmtrace_traceback_new(frames, 2, 9);
    ASSERT_NE(tb, nullptr);
    file[0] = 'X';
    EXPECT_EQ(tmtrace_traceback_nframe(tb), 2u);
    EXPECT_EQ(tmtrace_traceback_total_nframe(tb), 9u);
    EXPECT_STREQ(tmtrace_traceback_frame(tb, 0)->filename, "outer.c");
    EXPECT_STREQ(tmtrace_traceback_frame(tb, 0)->function, "");
    EXPECT_STREQ(tmtrace_traceback_frame(tb, 1)->filename, "inner.c");
    EXPECT_STREQ(tmtrace_traceback_frame(tb, 1)->function, "inner");
    EXPECT_EQ(tmtrace_traceback_user_frame(tb), tmtrace_traceback_frame(tb, 1));
    tmtrace_traceback_free(tb);
    tmtrace_traceback *unknown = tmtrace_traceback_new(nullptr, 0, 0);
    ASSERT_NE(unknown, nullptr);
    EXPECT_STREQ(tmtrace_traceback_frame(unknown, 0)->filename, "<unknown>");
    tmtrace_traceback_free(unknown);
    tmtrace_traceback_free(nullptr);
}

TEST(Traceback, UserFrameSkipsSystemFrames)
{
    Snapshot s(tmtrace_snapshot_new(3));
    int32_t ids[] = {tmtrace_snapshot_add_frame(s.get(), "new_allocator.h", 1, 0, "", TMTRACE_FRAME_SYSTEM),
                     tmtrace_snapshot_add_frame(s.get(), "user.cc", 5, 0, "", 0),
                     tmtrace_snapshot_add_frame(s.get(), "main.cc", 9, 0, "", 0)};
    int32_t tb_id = tmtrace_snapshot_add_traceback(s.get(), ids, 3, 3);
    ASSERT_EQ(tmtrace_snapshot_add_trace(s.get(), 0, 1, tb_id), 0);
    const tmtrace_traceback *tb;
    tmtrace_snapshot_trace(s.get(), 0, nullptr, nullptr, &tb);
    EXPECT_STREQ(tmtrace_traceback_user_frame(tb)->filename, "user.cc");
    tmtrace_traceback_free(const_cast<tmtrace_traceback *>(tb)); // borrowed: left alone
    EXPECT_STREQ(tmtrace_traceback_frame(tb, 0)->filename, "main.cc");
}

Snapshot RichSnapshot()
{
    Snapshot s(tmtrace_snapshot_new(5));
    int32_t f1 = tmtrace_snapshot_add_frame(s.get(), "/src/caf\xc3\xa9.c", 12, 7, "make", 0);
    int32_t f2 = tmtrace_snapshot_add_frame(s.get(), "/usr/include/c++/12/new", 3, 0, "", TMTRACE_FRAME_SYSTEM);
    int32_t raw[] = {f2, f1};
    int32_t tb = tmtrace_snapshot_add_traceback(s.get(), raw, 2, 40);
    int32_t tb1 = tmtrace_snapshot_add_traceback(s.get(), &f1, 1, 1);
    tmtrace_snapshot_add_trace(s.get(), 0, 1ull << 40, tb);
    tmtrace_snapshot_add_trace(s.get(), 3, 17, tb1);
    tmtrace_snapshot_add_trace(s.get(), 3, 17, tb1);
    tmtrace_snapshot_set_domain_name(s.get(), 3, "pool");
    tmtrace_snapshot_set_traced_memory(s.get(), 1000, 2000);
    return s;
}

TEST(DumpLoad, RoundTripKeepsEverything)
{
    TempDir dir;
    Snapshot s = RichSnapshot();
    std::string path = dir.Path("a.tmsnap");
    ASSERT_EQ(tmtrace_snapshot_dump(s.get(), path.c_str()), 0) << tmtrace_last_error();
    EXPECT_EQ(dir.Entries(), std::vector<std::string>{"a.tmsnap"}); // no temporary file left
    Snapshot l(tmtrace_snapshot_load(path.c_str()));
    ASSERT_NE(l, nullptr) << tmtrace_last_error();
    EXPECT_EQ(tmtrace_snapshot_traceback_limit(l.get()), 5u);
    EXPECT_EQ(tmtrace_snapshot_ntraces(l.get()), 3u);
    EXPECT_STREQ(tmtrace_snapshot_domain_name(l.get(), 3), "pool");
    EXPECT_EQ(tmtrace_snapshot_domain_name(l.get(), 0), nullptr);
    size_t current, peak;
    tmtrace_snapshot_traced_memory(l.get(), &current, &peak);
    EXPECT_EQ(current, 1000u);
    EXPECT_EQ(peak, 2000u);
    unsigned domain;
    size_t size;
    const tmtrace_traceback *tb;
    tmtrace_snapshot_trace(l.get(), 0, &domain, &size, &tb);
    EXPECT_EQ(size, 1ull << 40);
    EXPECT_EQ(tmtrace_traceback_total_nframe(tb), 40u);
    ASSERT_EQ(tmtrace_traceback_nframe(tb), 2u);
    const tmtrace_frame *inner = tmtrace_traceback_frame(tb, 0), *outer = tmtrace_traceback_frame(tb, 1);
    EXPECT_STREQ(inner->filename, "/src/caf\xc3\xa9.c");
    EXPECT_EQ(inner->lineno, 12u);
    EXPECT_EQ(inner->column, 7u);
    EXPECT_STREQ(inner->function, "make");
    EXPECT_EQ(outer->flags, TMTRACE_FRAME_SYSTEM);
    for (auto key : {TMTRACE_KEY_FILENAME, TMTRACE_KEY_LINENO, TMTRACE_KEY_TRACEBACK})
        EXPECT_EQ(StatisticsText(l.get(), key, 0), StatisticsText(s.get(), key, 0));
    EXPECT_EQ(DiffText(l.get(), s.get(), TMTRACE_KEY_TRACEBACK, 0),
              "/src/caf\xc3\xa9.c:12: size=1024 GiB (+0 B), count=1 (+0), average=1024 GiB\n"
              "/src/caf\xc3\xa9.c:12: size=34 B (+0 B), count=2 (+0), average=17 B\n");
    // Dumping over an existing file replaces it whole.
    Snapshot empty(tmtrace_snapshot_new(1));
    ASSERT_EQ(tmtrace_snapshot_dump(empty.get(), path.c_str()), 0);
    Snapshot reloaded(tmtrace_snapshot_load(path.c_str()));
    ASSERT_NE(reloaded, nullptr);
    EXPECT_EQ(tmtrace_snapshot_ntraces(reloaded.get()), 0u);
    EXPECT_EQ(ReadFile(path).size(), 32u + 4 + 16 + 4 + 4 + 4 + 4 + 8 + 8);
}

class LoadErrors : public ::testing::Test {
  protected:
    void SetUp() override
    {
        path_ = dir_.Path("s.tmsnap");
        Snapshot s = RichSnapshot();
        ASSERT_EQ(tmtrace_snapshot_dump(s.get(), path_.c_str()), 0);
        good_ = ReadFile(path_);
    }
    // Loads `data` from a file and returns the error ("" when it loaded).
    std::string Load(const std::string &data)
    {
        std::string p = dir_.Path("bad.tmsnap");
        WriteFile(p, data);
        Snapshot s(tmtrace_snapshot_load(p.c_str()));
        return s ? "" : tmtrace_last_error();
    }
    std::string Prefix() { return "cannot load snapshot '" + dir_.Path("bad.tmsnap") + "': "; }
    static void Put32(std::string &d, size_t at, uint32_t v) { memcpy(&d[at], &v, 4); }
    // Recomputes the checksum so that structural checks are reached.
    static std::string Resealed(std::string d)
    {
        tm_checksum c;
        tm_checksum_init(&c);
        tm_checksum_update(&c, d.data(), d.size() - 8);
        uint64_t sum = tm_checksum_final(&c);
        memcpy(&d[d.size() - 8], &sum, 8);
        return d;
    }
    TempDir dir_;
    std::string path_, good_;
};

TEST_F(LoadErrors, GoodFileLoads)
{
    EXPECT_EQ(Load(good_), "");
}

TEST_F(LoadErrors, MissingFileAndDirectory)
{
    EXPECT_EQ(tmtrace_snapshot_load(dir_.Path("nope").c_str()), nullptr);
    EXPECT_EQ(tmtrace_last_error(), "cannot load snapshot '" + dir_.Path("nope") + "': No such file or directory");
    EXPECT_EQ(tmtrace_snapshot_load("/tmp"), nullptr);
    EXPECT_STREQ(tmtrace_last_error(), "cannot load snapshot '/tmp': Is a directory");
}

TEST_F(LoadErrors, EndlessStreamStopsAtTheMagic)
{
    EXPECT_EQ(tmtrace_snapshot_load("/dev/zero"), nullptr);
    EXPECT_STREQ(tmtrace_last_error(), "cannot load snapshot '/dev/zero': not a tmtrace snapshot (bad magic)");
}

TEST_F(LoadErrors, NotASnapshot)
{
    EXPECT_EQ(Load(""), Prefix() + "not a tmtrace snapshot (bad magic)");
    EXPECT_EQ(Load("int main() { return 0; }\n"), Prefix() + "not a tmtrace snapshot (bad magic)");
}

TEST_F(LoadErrors, Truncated)
{
    EXPECT_EQ(Load(good_.substr(0, 20)), Prefix() + "truncated: 20 bytes is shorter than an empty snapshot");
    EXPECT_EQ(Load(good_.substr(0, good_.size() - 1)),
              Prefix() + "truncated: " + std::to_string(good_.size() - 1) + " bytes of " + std::to_string(good_.size()));
    EXPECT_EQ(Load(good_ + "xyz"), Prefix() + "corrupt: 3 unexpected bytes after the snapshot");
}

TEST_F(LoadErrors, WrongVersionAndByteOrder)
{
    std::string d = good_;
    Put32(d, 8, 2);
    EXPECT_EQ(Load(d), Prefix() + "format version 2; this tmtrace reads version 1");
    d = good_;
    Put32(d, 12, 0x04030201u);
    EXPECT_EQ(Load(d), Prefix() + "written with the other byte order (big-endian); this tmtrace reads little-endian files");
    d = good_;
    Put32(d, 16, 1);
    EXPECT_EQ(Load(d), Prefix() + "corrupt header: unknown flags 0x00000001");
}

TEST_F(LoadErrors, ChecksumCatchesAnyFlippedBit)
{
    for (size_t at = 32; at < good_.size(); at += 7) {
        std::string d = good_;
        d[at] ^= 0x10;
        EXPECT_EQ(Load(d), Prefix() + "corrupt: checksum mismatch") << "byte " << at;
    }
}

TEST_F(LoadErrors, HostileCountsAndIdsAreRefusedBeforeAllocating)
{
    // Layout of RichSnapshot's file: header 32, properties 20, then the string count at 52.
    std::string d = good_;
    Put32(d, 52, 0xffffffffu);
    EXPECT_EQ(Load(Resealed(d)), Prefix() + "corrupt: 4294967295 strings do not fit in the " +
                                     std::to_string(good_.size() - 8 - 56) + " bytes left");
    d = good_;
    Put32(d, 56, 0x7fffffffu); // the first string's length
    EXPECT_EQ(Load(Resealed(d)), Prefix() + "corrupt: the file ends inside the string table");
    // The first frame's filename id: strings are "/src/café.c", "make", "/usr/include/c++/12/new", "" and "pool".
    size_t strings_end = 56;
    uint32_t nstrings;
    memcpy(&nstrings, &d[52], 4);
    for (uint32_t i = 0; i < nstrings; i++) {
        uint32_t len;
        memcpy(&len, &good_[strings_end], 4);
        strings_end += 4 + len;
    }
    d = good_;
    Put32(d, strings_end + 4, 99);
    EXPECT_EQ(Load(Resealed(d)), Prefix() + "corrupt: a frame's filename names string 99 of 5");
    size_t tracebacks = strings_end + 4 + 2 * 20;
    d = good_;
    Put32(d, tracebacks + 4, 0); // first traceback: nframe 0
    EXPECT_EQ(Load(Resealed(d)), Prefix() + "corrupt: traceback 0 has 0 frames of 40");
    d = good_;
    Put32(d, tracebacks + 12, 2); // its first frame id
    EXPECT_EQ(Load(Resealed(d)), Prefix() + "corrupt: traceback 0 names frame 2 of 2");
    d = good_;
    Put32(d, good_.size() - 8 - 16 + 4, 7); // the last trace's traceback id
    EXPECT_EQ(Load(Resealed(d)), Prefix() + "corrupt: trace 2 names traceback 7 of 2");
    d = good_;
    d[strings_end - 1] = '\0'; // a NUL inside "pool"
    EXPECT_EQ(Load(Resealed(d)), Prefix() + "corrupt: string 4 contains a NUL byte");
}

TEST(Dump, ReportsUnwritableDirectory)
{
    Snapshot s(tmtrace_snapshot_new(1));
    EXPECT_EQ(tmtrace_snapshot_dump(s.get(), "/nonexistent-dir/x.tmsnap"), -1);
    EXPECT_STREQ(tmtrace_last_error(), "cannot dump snapshot to '/nonexistent-dir/x.tmsnap': cannot create a "
                                       "temporary file there: No such file or directory");
}

TEST(Memory, AtMost32BytesPerTraceAtOneFrame)
{
    Snapshot s(tmtrace_snapshot_new(1));
    const size_t ntraces = 200000, nsites = 2000;
    std::vector<int32_t> tbs;
    for (size_t i = 0; i < nsites; i++) {
        std::string file = "/src/file" + std::to_string(i % 50) + ".c";
        int32_t f = tmtrace_snapshot_add_frame(s.get(), file.c_str(), (unsigned)i, 0, "", 0);
        tbs.push_back(tmtrace_snapshot_add_traceback(s.get(), &f, 1, 1));
    }
    for (size_t i = 0; i < ntraces; i++)
        ASSERT_EQ(tmtrace_snapshot_add_trace(s.get(), 0, 16 + i % 100, tbs[i % nsites]), 0);
    double per_trace = (double)tm_snapshot_memory_usage(s.get()) / ntraces;
    EXPECT_LE(per_trace, 32.0);
    RecordProperty("bytes_per_trace", std::to_string(per_trace));
}

} // namespace
