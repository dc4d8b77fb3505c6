/* tmtrace.h — the public C API of tmtrace: Python's tracemalloc for C and C++.
 *
 * Two libraries implement it:
 *   libtmtrace.so            the tracer (hooks, traces, counters, options) — sections "Tracing" and "Domains";
 *                            it also contains the snapshot model, so a traced program needs only this one.
 *   libtmtrace_snapshot.a    the snapshot model alone (no hooks) — everything from "Snapshots" down; tools such
 *                            as tmtrace-diff link only this.
 *
 * Names follow tracemalloc with a tmtrace_ prefix. Functions that can fail return 0 / a non-NULL pointer on
 * success and -1 / NULL on failure, and leave a message for tmtrace_last_error(); nothing here aborts.
 * Every object returned by a *_new / take / load / statistics / compare_to / filter call is owned by the caller
 * and released with the matching *_free; objects borrowed from another (frames, tracebacks, strings) live as
 * long as the object they came from. The model never allocates through the traced allocator, so snapshots
 * and statistics never appear in the traces they describe.
 */
#ifndef TMTRACE_TMTRACE_H
#define TMTRACE_TMTRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TMTRACE_VERSION_MAJOR 0
#define TMTRACE_VERSION_MINOR 1
#define TMTRACE_VERSION_PATCH 0
#define TMTRACE_VERSION_STRING "0.1.0"

/* The message of the last failed call on this thread ("" if none). Valid until the next failing call. */
const char *tmtrace_last_error(void);

/* ------------------------------------------------------------------------------------------------------------
 * Model types (tracemalloc.Frame, Traceback, Trace, Statistic, StatisticDiff)
 * ---------------------------------------------------------------------------------------------------------- */

/* A frame. Grouping uses (filename, lineno) only, as tracemalloc does; column and function are for display. */
typedef struct tmtrace_frame {
    const char *filename;
    unsigned lineno;
    unsigned column;      /* 0 when unknown */
    const char *function; /* "" when unknown */
    unsigned flags;       /* TMTRACE_FRAME_SYSTEM: the location is in a system header */
} tmtrace_frame;
#define TMTRACE_FRAME_SYSTEM 0x1u

/* A traceback: frames in public order, oldest first, most recent last (Python 3.7+). */
typedef struct tmtrace_traceback tmtrace_traceback;
size_t tmtrace_traceback_nframe(const tmtrace_traceback *tb);
/* i in [0, nframe): 0 is the oldest frame, nframe-1 the most recent (where the allocation happened). */
const tmtrace_frame *tmtrace_traceback_frame(const tmtrace_traceback *tb, size_t i);
/* Frames the program had before the limit cut them (>= nframe). */
size_t tmtrace_traceback_total_nframe(const tmtrace_traceback *tb);
/* The innermost frame whose flags lack TMTRACE_FRAME_SYSTEM (the user's line of a std::vector growth),
 * or the most recent frame if all are system frames. */
const tmtrace_frame *tmtrace_traceback_user_frame(const tmtrace_traceback *tb);
/* Traceback.format(limit, most_recent_first): writes the lines, each ending in '\n', with the source line
 * under each frame read from its file as linecache does. limit 0 means no limit (None); a positive limit
 * keeps the `limit` most recent frames, a negative one drops the -limit most recent (Python's self[:limit]). Returns 0, or -1 on a write error. */
int tmtrace_traceback_format(const tmtrace_traceback *tb, int limit, int most_recent_first, FILE *out);
/* For a traceback obtained from tmtrace_get_object_traceback() or tmtrace_traceback_new(); NULL is allowed
 * (and a traceback borrowed from a snapshot is left alone). */
void tmtrace_traceback_free(tmtrace_traceback *tb);
/* A standalone traceback (what tmtrace_get_object_traceback() returns): frames are given most recent first
 * (raw order) and copied with their strings into one block; nframe 0 gives tracemalloc's "<unknown>":0 frame;
 * total_nframe below nframe is raised to nframe. Free with tmtrace_traceback_free. NULL (and an error) on
 * failure. */
tmtrace_traceback *tmtrace_traceback_new(const tmtrace_frame *frames_most_recent_first, size_t nframe,
                                         size_t total_nframe);

typedef struct tmtrace_statistic {
    const tmtrace_traceback *traceback;
    size_t size;
    size_t count;
} tmtrace_statistic;

typedef struct tmtrace_statistic_diff {
    const tmtrace_traceback *traceback;
    size_t size;
    int64_t size_diff;
    size_t count;
    int64_t count_diff;
} tmtrace_statistic_diff;

/* str(Statistic) and str(StatisticDiff), byte-identical to CPython's, with a trailing '\n'.
 * snprintf-style: returns the length the full text needs; writes at most bufsize bytes, NUL included. */
size_t tmtrace_statistic_format(const tmtrace_statistic *stat, char *buf, size_t bufsize);
size_t tmtrace_statistic_diff_format(const tmtrace_statistic_diff *diff, char *buf, size_t bufsize);
/* tracemalloc._format_size(size, sign): "5120 B", "+10.0 KiB", ... snprintf-style like the above. */
size_t tmtrace_format_size(int64_t size, int sign, char *buf, size_t bufsize);

/* ------------------------------------------------------------------------------------------------------------
 * Snapshots (tracemalloc.Snapshot)
 * ---------------------------------------------------------------------------------------------------------- */

typedef struct tmtrace_snapshot tmtrace_snapshot;

typedef enum tmtrace_key {
    TMTRACE_KEY_FILENAME,
    TMTRACE_KEY_LINENO,
    TMTRACE_KEY_TRACEBACK
} tmtrace_key;
/* "filename", "lineno", "traceback" -> key; returns -1 for anything else. */
int tmtrace_key_parse(const char *name, tmtrace_key *key);

void tmtrace_snapshot_free(tmtrace_snapshot *snap);
unsigned tmtrace_snapshot_traceback_limit(const tmtrace_snapshot *snap);
size_t tmtrace_snapshot_ntraces(const tmtrace_snapshot *snap);
/* Trace i: domain, size, traceback (borrowed from the snapshot). */
void tmtrace_snapshot_trace(const tmtrace_snapshot *snap, size_t i, unsigned *domain, size_t *size,
                            const tmtrace_traceback **traceback);
/* The name given to a domain (tmtrace_set_domain_name), or NULL. */
const char *tmtrace_snapshot_domain_name(const tmtrace_snapshot *snap, unsigned domain);
/* Traced memory (current, peak) when the snapshot was taken (kept by dump/load); 0, 0 if never set. */
void tmtrace_snapshot_traced_memory(const tmtrace_snapshot *snap, size_t *current, size_t *peak);

/* Snapshot.statistics(key, cumulative): grouped and sorted exactly as CPython does. As in CPython, cumulative
 * with TMTRACE_KEY_TRACEBACK is refused (NULL and an error). */
typedef struct tmtrace_statistics {
    size_t len;
    const tmtrace_statistic *items;
} tmtrace_statistics;
tmtrace_statistics *tmtrace_snapshot_statistics(const tmtrace_snapshot *snap, tmtrace_key key, int cumulative);
void tmtrace_statistics_free(tmtrace_statistics *stats);

/* Snapshot.compare_to(old, key, cumulative), called on `snap` (the new one). */
typedef struct tmtrace_statistic_diffs {
    size_t len;
    const tmtrace_statistic_diff *items;
} tmtrace_statistic_diffs;
tmtrace_statistic_diffs *tmtrace_snapshot_compare_to(const tmtrace_snapshot *snap, const tmtrace_snapshot *old,
                                                     tmtrace_key key, int cumulative);
void tmtrace_statistic_diffs_free(tmtrace_statistic_diffs *diffs);

/* tracemalloc.Filter and DomainFilter. A NULL filename_pattern makes a DomainFilter. */
typedef struct tmtrace_filter {
    int inclusive;
    const char *filename_pattern; /* fnmatch pattern; NULL for a DomainFilter */
    int lineno;                   /* -1 for None */
    int all_frames;
    int64_t domain;               /* -1 for None (a DomainFilter's domain is required) */
} tmtrace_filter;

/* Snapshot.filter_traces(filters): a new snapshot with the traces the filters keep. */
tmtrace_snapshot *tmtrace_snapshot_filter_traces(const tmtrace_snapshot *snap, const tmtrace_filter *filters,
                                                 size_t nfilters);

/* Snapshot.dump(path) / Snapshot.load(path): a versioned binary file (see runtime/snapshot/FORMAT.md), written
 * atomically (temporary file + rename). load() names the file and the problem when it refuses one. */
int tmtrace_snapshot_dump(const tmtrace_snapshot *snap, const char *path);
tmtrace_snapshot *tmtrace_snapshot_load(const char *path);

/* Building a snapshot from raw traces, like tracemalloc.Snapshot(raw_traces, traceback_limit). The runtime
 * builds tmtrace_take_snapshot() this way; tests and tools may too. Frames and tracebacks are interned;
 * the ids are small integers valid for this snapshot only. Strings are copied. */
tmtrace_snapshot *tmtrace_snapshot_new(unsigned traceback_limit);
int32_t tmtrace_snapshot_add_frame(tmtrace_snapshot *snap, const char *filename, unsigned lineno, unsigned column,
                                   const char *function, unsigned flags);
/* frame_ids are most recent first (the raw order of tracemalloc's _raw_traces). */
int32_t tmtrace_snapshot_add_traceback(tmtrace_snapshot *snap, const int32_t *frame_ids, size_t nframe,
                                       size_t total_nframe);
int tmtrace_snapshot_add_trace(tmtrace_snapshot *snap, unsigned domain, size_t size, int32_t traceback_id);
int tmtrace_snapshot_set_domain_name(tmtrace_snapshot *snap, unsigned domain, const char *name);
void tmtrace_snapshot_set_traced_memory(tmtrace_snapshot *snap, size_t current, size_t peak);

/* ------------------------------------------------------------------------------------------------------------
 * Tracing (libtmtrace.so only)
 * ---------------------------------------------------------------------------------------------------------- */

/* Start tracing with at most nframe frames per traceback (1 ..= TMTRACE_MAX_NFRAME). Tracing starts at program
 * start unless TMTRACE_OPTIONS has start=0. Returns 0, or -1 (e.g. nframe out of range). */
#define TMTRACE_MAX_NFRAME 65535
int tmtrace_start(int nframe);
/* Stop tracing and clear the traces, as tracemalloc.stop() does. */
void tmtrace_stop(void);
int tmtrace_is_tracing(void);
void tmtrace_clear_traces(void);
int tmtrace_get_traceback_limit(void);
/* Sizes of traced blocks, now and at their peak (since start or the last reset_peak). */
void tmtrace_get_traced_memory(size_t *current, size_t *peak);
void tmtrace_reset_peak(void);
/* Memory the tracer itself uses for its traces and tables, in bytes. */
size_t tmtrace_get_tracemalloc_memory(void);
/* The traceback of the block at ptr in domain 0, or NULL if it is not traced. Free with tmtrace_traceback_free. */
tmtrace_traceback *tmtrace_get_object_traceback(const void *ptr);
/* A self-contained snapshot of the live traces, or NULL (with an error) if tracing is off. */
tmtrace_snapshot *tmtrace_take_snapshot(void);

/* ------------------------------------------------------------------------------------------------------------
 * Domains (libtmtrace.so only): blocks of custom allocators and other address spaces
 * ---------------------------------------------------------------------------------------------------------- */

/* Domain 0 is the C heap. Tracking the same (domain, ptr) again replaces its trace, as in tracemalloc.
 * The traceback is taken from the calling thread's shadow stack. Returns 0, or -1 if not tracing (ignored)
 * or out of tracer memory. */
int tmtrace_track(unsigned domain, uintptr_t ptr, size_t size);
int tmtrace_untrack(unsigned domain, uintptr_t ptr);
/* A name for reports ("pool", "gpu"); the string is copied. */
int tmtrace_set_domain_name(unsigned domain, const char *name);

/* ------------------------------------------------------------------------------------------------------------
 * Leak-check scopes (libtmtrace.so only): what the GoogleTest listener (tmtrace/gtest.h) is built on
 * ---------------------------------------------------------------------------------------------------------- */

/* Opens a scope (scopes nest, up to 8). Until it ends, domain-0 blocks allocated by the calling thread and by
 * threads started from now on belong to it; threads that already existed are not the scope's. Returns the
 * scope's depth (0 for the outermost), or -1 (tracing off, too deep). */
int tmtrace_leak_scope_begin(void);
/* The same, but the calling thread's stack counts as a root only from stack_root upwards: an address in a frame
 * that encloses the scope and outlives it (a test runner's), so that stale pointers left in dead stack slots
 * by the scope's own code cannot hide its leaks. NULL means from this call, as tmtrace_leak_scope_begin(). */
int tmtrace_leak_scope_begin_below(const void *stack_root);
/* Ends the innermost scope (on the thread that opened it) and finds its leaks: blocks it allocated that are
 * still alive and that nothing reaches, LeakSanitizer-style (roots: writable data of every module, thread
 * stacks and TLS, every block that is not the scope's, ignored objects; interior pointers count). Returns the
 * number of leaked blocks and sets *leaked to a snapshot holding one trace per leaked block (NULL when none);
 * -1 on error. Leaked blocks are never reported again by an outer scope. O(1) when the scope holds no live
 * block; otherwise O(live heap + data + stacks), and other threads are paused (signal SIGRTMAX-2) meanwhile. */
int tmtrace_leak_scope_end(tmtrace_snapshot **leaked);
/* Like __lsan_ignore_object: the block starting at ptr is never reported and counts as a root. Returns 0 for
 * a live traced block, -1 otherwise. */
int tmtrace_leak_ignore_object(const void *ptr);
/* The TMTRACE_OPTIONS that govern leak checks (the runtime parses and validates them with its other options). */
typedef struct tmtrace_leak_options {
    int64_t threshold;        /* leak_threshold: bytes a test may leak without failing (default 0) */
    int64_t report_limit;     /* leak_report_limit: entries shown per failure (default 10) */
    const char *snapshot_dir; /* snapshot_dir: per-test snapshots go there; "" for none */
    const char *suppressions; /* suppressions: the suppressions file; "" for none */
} tmtrace_leak_options;
void tmtrace_get_leak_options(tmtrace_leak_options *out);

#ifdef __cplusplus
}
#endif

#endif /* TMTRACE_TMTRACE_H */
