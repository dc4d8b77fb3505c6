/* reliability.h — what the reliability programs share: checks that name the failed condition and exit 1, a
 * watchdog so that no program can hang its test, and counting a snapshot's traces by the file:line of their most
 * recent frame (through the public API only). */
#ifndef TMTRACE_RELIABILITY_H
#define TMTRACE_RELIABILITY_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tmtrace/tmtrace.h>

/* CHECK(condition, printf-format, args...): on failure prints where, what, and the values, then exits 1
 * without running atexit handlers (the exit report would only bury the message). */
#define CHECK(cond, ...)                                                                                         \
    do {                                                                                                         \
        if (!(cond)) {                                                                                           \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);                             \
            fprintf(stderr, __VA_ARGS__);                                                                        \
            fputc('\n', stderr);                                                                                 \
            fflush(stderr);                                                                                      \
            _exit(1);                                                                                            \
        }                                                                                                        \
    } while (0)

/* A program that hangs (a deadlock in the tracer) is killed by SIGALRM well before ctest's timeout. */
static inline void start_watchdog(unsigned seconds)
{
    alarm(seconds);
}

static inline const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* The most recent frame of a traceback: where the block was allocated. */
static inline const tmtrace_frame *allocation_frame(const tmtrace_traceback *tb)
{
    return tmtrace_traceback_frame(tb, tmtrace_traceback_nframe(tb) - 1);
}

static inline int frame_is(const tmtrace_frame *frame, const char *file, unsigned line)
{
    return frame->lineno == line && strcmp(base_name(frame->filename), base_name(file)) == 0;
}

struct traces_total {
    size_t count;
    size_t size;
};

/* Domain-0 traces allocated at file:line (line 0: anywhere in file). */
static inline struct traces_total traces_at(const tmtrace_snapshot *snap, const char *file, unsigned line)
{
    struct traces_total total = {0, 0};
    for (size_t i = 0; i < tmtrace_snapshot_ntraces(snap); i++) {
        unsigned domain;
        size_t size;
        const tmtrace_traceback *tb;
        tmtrace_snapshot_trace(snap, i, &domain, &size, &tb);
        const tmtrace_frame *frame = allocation_frame(tb);
        if (domain != 0 || strcmp(base_name(frame->filename), base_name(file)) != 0)
            continue;
        if (line != 0 && frame->lineno != line)
            continue;
        total.count++;
        total.size += size;
    }
    return total;
}

/* Sum of the sizes of every trace of every domain. */
static inline size_t traces_size(const tmtrace_snapshot *snap)
{
    size_t sum = 0;
    for (size_t i = 0; i < tmtrace_snapshot_ntraces(snap); i++) {
        unsigned domain;
        size_t size;
        const tmtrace_traceback *tb;
        tmtrace_snapshot_trace(snap, i, &domain, &size, &tb);
        sum += size;
    }
    return sum;
}

static inline tmtrace_snapshot *snapshot_or_die(void)
{
    tmtrace_snapshot *snap = tmtrace_take_snapshot();
    CHECK(snap != NULL, "tmtrace_take_snapshot: %s", tmtrace_last_error());
    return snap;
}

/* With no allocation in flight, traced memory must be exactly the sum of the live traces. */
static inline void check_current_is_sum_of_traces(const char *when)
{
    tmtrace_snapshot *snap = snapshot_or_die();
    size_t current, peak;
    tmtrace_get_traced_memory(&current, &peak);
    size_t sum = traces_size(snap);
    CHECK(current == sum, "%s: current %zu != sum of %zu traces %zu", when, current,
          tmtrace_snapshot_ntraces(snap), sum);
    CHECK(peak >= current, "%s: peak %zu < current %zu", when, peak, current);
    tmtrace_snapshot_free(snap);
}

#endif
