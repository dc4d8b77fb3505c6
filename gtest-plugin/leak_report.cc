// leak_report.cc — the text of a leak failure: totals, then tracemalloc's StatisticDiff lines and tracebacks.
// All grouping, sorting and formatting is the snapshot model's (tmtrace.h); this file only lays it out.
#include "leak_report.h"

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace tmtrace_gtest {

namespace {

struct SnapshotDeleter {
    void operator()(tmtrace_snapshot *s) const { tmtrace_snapshot_free(s); }
};
struct DiffsDeleter {
    void operator()(tmtrace_statistic_diffs *d) const { tmtrace_statistic_diffs_free(d); }
};

template <typename Format, typename Item>
std::string FormatWith(Format format, const Item *item)
{
    std::string text(format(item, nullptr, 0), '\0');
    format(item, &text[0], text.size() + 1);
    return text;
}

// Traceback.format(): oldest frame first, each with its source line.
bool FormatTraceback(const tmtrace_traceback *tb, std::string *out)
{
    char *buf = nullptr;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return false;
    int rc = tmtrace_traceback_format(tb, 0, 0, f);
    std::fclose(f);
    if (rc == 0)
        out->append(buf, len);
    std::free(buf);
    return rc == 0;
}

}  // namespace

std::string FormatSize(std::int64_t size, bool sign)
{
    char buf[64];
    tmtrace_format_size(size, sign ? 1 : 0, buf, sizeof buf);
    return buf;
}

bool BuildLeakReport(const tmtrace_snapshot *leaks, const std::string &who, std::int64_t peak_above_baseline,
                     std::size_t limit, LeakReport *report, std::string *error)
{
    std::unique_ptr<tmtrace_snapshot, SnapshotDeleter> empty(
        tmtrace_snapshot_new(tmtrace_snapshot_traceback_limit(leaks)));
    std::unique_ptr<tmtrace_statistic_diffs, DiffsDeleter> diffs(
        empty ? tmtrace_snapshot_compare_to(leaks, empty.get(), TMTRACE_KEY_TRACEBACK, 0) : nullptr);
    if (!diffs) {
        *error = tmtrace_last_error();
        return false;
    }
    report->bytes = report->blocks = 0;
    for (size_t i = 0; i < diffs->len; i++) {
        report->bytes += diffs->items[i].size_diff;
        report->blocks += diffs->items[i].count_diff;
    }
    std::string &text = report->text;
    text = "tmtrace: " + who + " leaked " + FormatSize(report->bytes, false) + " in " +
           std::to_string(report->blocks) + (report->blocks == 1 ? " block" : " blocks");
    if (peak_above_baseline >= 0)
        text += " (peak " + FormatSize(peak_above_baseline, true) + " above its start)";
    size_t shown = diffs->len < limit ? diffs->len : limit;
    text += "\nTop " + std::to_string(shown) + " of " + std::to_string(diffs->len) + " leak sites:\n";
    for (size_t i = 0; i < shown; i++) {
        const tmtrace_statistic_diff *d = &diffs->items[i];
        text += FormatWith(tmtrace_statistic_diff_format, d);
        if (!FormatTraceback(d->traceback, &text)) {
            *error = "cannot format a traceback";
            return false;
        }
    }
    if (diffs->len) {
        const tmtrace_frame *where = tmtrace_traceback_user_frame(diffs->items[0].traceback);
        report->file = where->filename;
        report->line = static_cast<int>(where->lineno);
    }
    return true;
}

}  // namespace tmtrace_gtest
