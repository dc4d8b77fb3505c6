/* filter.c — Snapshot.filter_traces() with tracemalloc.Filter and DomainFilter: the same inclusive/exclusive
 * logic, the same _normalize_filename (".pyc" -> ".py"; normcase is the identity on POSIX), the same
 * fnmatch. Each filter's verdict is cached per filename and per traceback, so a trace costs a lookup. The
 * result is a new snapshot holding copies of only the frames and tracebacks its traces use. */
#include <string.h>

#include "common/error.h"
#include "common/untraced_alloc.h"
#include "snapshot_internal.h"

enum { UNKNOWN = 0, NO = 1, YES = 2 };

struct filter_state {
    const tmtrace_filter *filter;
    char *pattern;                 /* normalized */
    unsigned char *filename_match; /* per string id */
    unsigned char *traceback_match; /* per traceback id: _match_traceback() */
};

/* _normalize_filename: os.path.normcase is the identity on POSIX; "x.pyc" becomes "x.py". */
static char *normalize_filename(const char *filename)
{
    size_t len = strlen(filename);
    if (len >= 4 && strcmp(filename + len - 4, ".pyc") == 0)
        len--;
    char *copy = tm_malloc(len + 1);
    if (copy) {
        memcpy(copy, filename, len);
        copy[len] = '\0';
    }
    return copy;
}

static int filename_matches(const tmtrace_snapshot *snap, struct filter_state *fs, uint32_t filename_id)
{
    if (fs->filename_match[filename_id] == UNKNOWN) {
        char *normalized = normalize_filename(snap->strings[filename_id].text);
        int match = normalized && tm_fnmatch(fs->pattern, normalized);
        tm_free(normalized);
        fs->filename_match[filename_id] = match ? YES : NO;
    }
    return fs->filename_match[filename_id] == YES;
}

/* Filter._match_frame_impl */
static int frame_matches(const tmtrace_snapshot *snap, struct filter_state *fs, const tmtrace_frame *frame)
{
    const struct tm_frame *f = (const struct tm_frame *)frame;
    if (!filename_matches(snap, fs, f->filename_id))
        return 0;
    return fs->filter->lineno < 0 || (unsigned)fs->filter->lineno == frame->lineno;
}

/* Filter._match_traceback */
static int traceback_matches(const tmtrace_snapshot *snap, struct filter_state *fs, uint32_t traceback_id)
{
    if (fs->traceback_match[traceback_id] == UNKNOWN) {
        const struct tmtrace_traceback *tb = snap->tracebacks[traceback_id];
        int inclusive = fs->filter->inclusive != 0, result;
        if (fs->filter->all_frames) {
            int any = 0;
            for (size_t i = 0; i < tb->nframe && !any; i++)
                any = frame_matches(snap, fs, tb->frames[i]);
            result = any ? inclusive : !inclusive;
        } else { /* the most recent frame: raw traceback[0] */
            result = frame_matches(snap, fs, tb->frames[tb->nframe - 1]) ^ !inclusive;
        }
        fs->traceback_match[traceback_id] = result ? YES : NO;
    }
    return fs->traceback_match[traceback_id] == YES;
}

/* BaseFilter._match(trace) for Filter and DomainFilter */
static int trace_matches(const tmtrace_snapshot *snap, struct filter_state *fs, const struct tm_trace *trace)
{
    const tmtrace_filter *filter = fs->filter;
    int inclusive = filter->inclusive != 0;
    if (!filter->filename_pattern)
        return ((int64_t)trace->domain == filter->domain) ^ !inclusive;
    int result = traceback_matches(snap, fs, trace->traceback_id);
    if (filter->domain >= 0)
        return inclusive ? result && (int64_t)trace->domain == filter->domain
                         : result || (int64_t)trace->domain != filter->domain;
    return result;
}

/* Snapshot._filter_trace: any inclusive filter must match; every exclusive filter must match (an exclusive
 * filter "matches" the traces it lets through). */
static int keep_trace(const tmtrace_snapshot *snap, struct filter_state *states, size_t n,
                      const struct tm_trace *trace)
{
    int has_include = 0, included = 0;
    for (size_t i = 0; i < n; i++) {
        if (!states[i].filter->inclusive)
            continue;
        has_include = 1;
        if (trace_matches(snap, &states[i], trace)) {
            included = 1;
            break;
        }
    }
    if (has_include && !included)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!states[i].filter->inclusive && !trace_matches(snap, &states[i], trace))
            return 0;
    return 1;
}

/* Adds traceback `id` of `src` to `dst` (once), with its frames. Returns the new id or -1. */
static int32_t copy_traceback(tmtrace_snapshot *dst, const tmtrace_snapshot *src, uint32_t id, int32_t *frame_map,
                              int32_t *traceback_map, int32_t *scratch)
{
    if (traceback_map[id] >= 0)
        return traceback_map[id];
    const struct tmtrace_traceback *tb = src->tracebacks[id];
    for (size_t i = 0; i < tb->nframe; i++) {
        const struct tm_frame *f = (const struct tm_frame *)tb->frames[tb->nframe - 1 - i]; /* raw order */
        uint32_t frame_id = f->frame_id;
        if (frame_map[frame_id] < 0)
            frame_map[frame_id] = tmtrace_snapshot_add_frame(dst, f->pub.filename, f->pub.lineno, f->pub.column,
                                                             f->pub.function, f->pub.flags);
        if (frame_map[frame_id] < 0)
            return -1;
        scratch[i] = frame_map[frame_id];
    }
    return traceback_map[id] = tmtrace_snapshot_add_traceback(dst, scratch, tb->nframe, tb->total_nframe);
}

tmtrace_snapshot *tmtrace_snapshot_filter_traces(const tmtrace_snapshot *snap, const tmtrace_filter *filters,
                                                 size_t nfilters)
{
    static const char caller[] = "tmtrace_snapshot_filter_traces";
    if (!snap || (!filters && nfilters)) {
        tm_error("%s: %s is NULL", caller, snap ? "filters" : "snapshot");
        return NULL;
    }
    size_t max_nframe = 1;
    for (size_t t = 0; t < snap->ntracebacks; t++)
        if (snap->tracebacks[t]->nframe > max_nframe)
            max_nframe = snap->tracebacks[t]->nframe;

    tmtrace_snapshot *out = tmtrace_snapshot_new(snap->traceback_limit);
    struct filter_state *states = tm_calloc(nfilters + 1, sizeof *states);
    unsigned char *keep = tm_malloc(snap->ntraces + 1);
    int32_t *frame_map = tm_malloc((snap->nframes + 1) * sizeof *frame_map);
    int32_t *traceback_map = tm_malloc((snap->ntracebacks + 1) * sizeof *traceback_map);
    int32_t *scratch = tm_malloc(max_nframe * sizeof *scratch);
    if (!out || !states || !keep || !frame_map || !traceback_map || !scratch)
        goto out_of_memory;
    for (size_t i = 0; i < nfilters; i++) {
        states[i].filter = &filters[i];
        if (filters[i].filename_pattern) {
            states[i].pattern = normalize_filename(filters[i].filename_pattern);
            states[i].filename_match = tm_calloc(snap->nstrings + 1, 1);
            states[i].traceback_match = tm_calloc(snap->ntracebacks + 1, 1);
            if (!states[i].pattern || !states[i].filename_match || !states[i].traceback_match)
                goto out_of_memory;
        }
    }
    memset(frame_map, 0xff, (snap->nframes + 1) * sizeof *frame_map);
    memset(traceback_map, 0xff, (snap->ntracebacks + 1) * sizeof *traceback_map);

    size_t kept = 0;
    for (size_t i = 0; i < snap->ntraces; i++)
        kept += keep[i] = (unsigned char)keep_trace(snap, states, nfilters, &snap->traces[i]);
    if (tm_snapshot_reserve_traces(out, kept) < 0)
        goto fail;
    for (size_t i = 0; i < snap->ntraces; i++) {
        if (!keep[i])
            continue;
        const struct tm_trace *trace = &snap->traces[i];
        int32_t id = copy_traceback(out, snap, trace->traceback_id, frame_map, traceback_map, scratch);
        if (id < 0 || tmtrace_snapshot_add_trace(out, trace->domain, trace->size, id) < 0)
            goto fail;
    }
    for (size_t i = 0; i < snap->ndomain_names; i++)
        if (tmtrace_snapshot_set_domain_name(out, snap->domain_names[i].domain,
                                             snap->strings[snap->domain_names[i].name_id].text) < 0)
            goto fail;
    out->traced_current = snap->traced_current;
    out->traced_peak = snap->traced_peak;
    goto done;

out_of_memory:
    tm_error("%s: out of memory", caller);
fail:
    tmtrace_snapshot_free(out);
    out = NULL;
done:
    for (size_t i = 0; states && i < nfilters; i++) {
        tm_free(states[i].pattern);
        tm_free(states[i].filename_match);
        tm_free(states[i].traceback_match);
    }
    tm_free(states);
    tm_free(keep);
    tm_free(frame_map);
    tm_free(traceback_map);
    tm_free(scratch);
    return out;
}
