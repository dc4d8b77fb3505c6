/* exit_report.c — what the runtime says when the program exits: how many blocks went untraced because the
 * tracer's memory ran out (if any), then what report_at_exit=N and snapshot_at_exit=PATH ask for: the top N
 * 'lineno' statistics exactly as tracemalloc's documentation example prints them ("[ Top N ]" then
 * str(Statistic) per line) to the log, and a dump of the live traces. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tracer.h"

static void print_statistic(const tmtrace_statistic *stat)
{
    char buf[4096];
    size_t len = tmtrace_statistic_format(stat, buf, sizeof buf);
    if (len < sizeof buf) {
        tm_log_write(buf, len);
        return;
    }
    char *big = tm_tracer_alloc(len + 1);
    if (!big)
        return;
    tmtrace_statistic_format(stat, big, len + 1);
    tm_log_write(big, len);
    tm_tracer_free(big, len + 1);
}

static void report_top(const tmtrace_snapshot *snap, int64_t top)
{
    tmtrace_statistics *stats = tmtrace_snapshot_statistics(snap, TMTRACE_KEY_LINENO, 0);
    if (!stats) {
        tm_log("warning: report_at_exit: %s", tmtrace_last_error());
        return;
    }
    char header[64];
    int len = snprintf(header, sizeof header, "[ Top %" PRId64 " ]\n", top);
    tm_log_write(header, (size_t)len);
    for (size_t i = 0; i < stats->len && (int64_t)i < top; i++)
        print_statistic(&stats->items[i]);
    tmtrace_statistics_free(stats);
}

void tm_exit_report(void)
{
    uint64_t untraced = tm_untraced_blocks();
    if (untraced)
        tm_log("warning: %" PRIu64 " blocks were not traced: the tracer ran out of memory%s", untraced,
               tm_opt.max_memory ? " (max_memory)" : "");
    if (tm_opt.report_at_exit <= 0 && !tm_opt.snapshot_at_exit[0])
        return;
    tm_self.busy++;
    tmtrace_snapshot *snap = tmtrace_take_snapshot();
    if (!snap) {
        tm_log("warning: no report at exit: %s", tmtrace_last_error());
    } else {
        if (tm_opt.report_at_exit > 0)
            report_top(snap, tm_opt.report_at_exit);
        if (tm_opt.snapshot_at_exit[0] && tmtrace_snapshot_dump(snap, tm_opt.snapshot_at_exit) != 0)
            tm_log("warning: snapshot_at_exit: %s", tmtrace_last_error());
        tmtrace_snapshot_free(snap);
    }
    tm_self.busy--;
}
