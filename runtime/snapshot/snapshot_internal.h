/* snapshot_internal.h — the in-memory layout of a snapshot, shared by the model's files (not installed).
 *
 * Everything is interned: strings, frames (filename, lineno, column, function, flags), source locations
 * (filename, lineno: what tracemalloc groups by), tracebacks (frames + total_nframe) and traceback groups
 * (the (filename, lineno) sequence: what key "traceback" groups by). A trace is then 16 bytes. */
#ifndef TMTRACE_SNAPSHOT_INTERNAL_H
#define TMTRACE_SNAPSHOT_INTERNAL_H

#include <stdint.h>

#include <tmtrace/tmtrace.h>

#include "arena.h"
#include "id_set.h"

/* Model internals: hidden, so that libtmtrace.so exports only the public tmtrace_* API. */
#pragma GCC visibility push(hidden)

struct tm_string {
    const char *text;
    uint32_t len;
    uint32_t hash;
};

/* A frame as stored in a snapshot: the public struct first, so a `const tmtrace_frame *` converts back. */
struct tm_frame {
    tmtrace_frame pub;
    uint32_t filename_id; /* string id */
    uint32_t function_id; /* string id */
    uint32_t location_id;
    uint32_t frame_id;
};

struct tm_location {
    uint32_t filename_id;
    uint32_t lineno;
    uint32_t frame_id; /* the first frame seen at this location: what statistics show */
    uint32_t hash;     /* tm_hash_location over this one location */
};

struct tmtrace_traceback {
    const tmtrace_frame *const *frames; /* public order: oldest first, most recent last */
    uint32_t nframe;
    uint32_t total_nframe;
    uint32_t group_id;   /* snapshot tracebacks: the group of its (filename, lineno) sequence */
    uint32_t standalone; /* 1: one tm_malloc block owned by the user (tmtrace_traceback_new) */
};

struct tm_group {
    uint32_t traceback_id; /* the first traceback with this (filename, lineno) sequence */
    uint32_t hash;         /* content hash: the same in every snapshot for the same sequence */
};

struct tm_trace {
    uint32_t domain;
    uint32_t traceback_id;
    uint64_t size;
};

struct tm_domain_name {
    uint32_t domain;
    uint32_t name_id;
};

struct tmtrace_snapshot {
    unsigned traceback_limit;
    size_t traced_current, traced_peak;
    tm_arena arena; /* string bytes, frames, tracebacks and their frame arrays: stable addresses */

    struct tm_string *strings;
    size_t nstrings, strings_cap;
    tm_id_set string_set;

    struct tm_frame **frames;
    size_t nframes, frames_cap;
    tm_id_set frame_set;

    struct tm_location *locations;
    size_t nlocations, locations_cap;
    tm_id_set location_set;

    struct tmtrace_traceback **tracebacks;
    size_t ntracebacks, tracebacks_cap;
    tm_id_set traceback_set;

    struct tm_group *groups;
    size_t ngroups, groups_cap;
    tm_id_set group_set;

    struct tm_trace *traces;
    size_t ntraces, traces_cap;

    struct tm_domain_name *domain_names;
    size_t ndomain_names, domain_names_cap;
};

/* Interns a string of len bytes; returns its id or TM_NO_ID (out of memory, error set). */
uint32_t tm_snapshot_intern_string(tmtrace_snapshot *snap, const char *text, size_t len);

/* Bytes of memory the snapshot holds (arena, tables, traces), for the memory budget and benchmarks. */
size_t tm_snapshot_memory_usage(const tmtrace_snapshot *snap);

/* Makes room for n more traces (loaders and filters know their count). Returns 0 or -1. */
int tm_snapshot_reserve_traces(tmtrace_snapshot *snap, size_t n);

/* Python's Traceback ordering and equality on (filename, lineno) in public order. */
int tm_traceback_compare(const tmtrace_traceback *a, const tmtrace_traceback *b);
int tm_traceback_same_locations(const tmtrace_traceback *a, const tmtrace_traceback *b);

/* Python's str.strip() of a UTF-8 line, and linecache.getline(filename, lineno) stripped: see
 * source_lines.c. Returns the length written to *line (a pointer into *storage, which the caller frees with
 * tm_free), or 0 when there is no such line. */
size_t tm_source_line(const char *filename, unsigned lineno, const char **line, char **storage);

/* fnmatch.fnmatch(name, pattern) on POSIX, byte strings holding UTF-8. */
int tm_fnmatch(const char *pattern, const char *name);

/* Loads a snapshot from a dump held in memory; `name` is what error messages call it. */
tmtrace_snapshot *tm_snapshot_load_buffer(const void *data, size_t size, const char *name);

#pragma GCC visibility pop

#endif
