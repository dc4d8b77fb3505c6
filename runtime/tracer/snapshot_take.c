/* snapshot_take.c — tmtrace_take_snapshot() and tmtrace_get_object_traceback(): the live traces turned into
 * the model's self-contained data (runtime/snapshot), through its public builder. Each table (a thread's heap
 * table, a shard of another domain) is copied on its own, so allocations in other threads go on while a
 * snapshot is taken (a block allocated or freed meanwhile may or may not be in it). */
#include "tracer.h"

struct snapshot_build {
    tmtrace_snapshot *snap;
    int32_t *traceback_ids; /* tracer traceback id -> snapshot id + 1 (0: not added yet) */
    uint32_t ntracebacks;
    uint32_t limit; /* the snapshot's traceback limit */
    struct tm_ptr_map frame_ids; /* site -> snapshot frame id */
    int32_t *frame_buf;          /* TMTRACE_MAX_NFRAME + TM_CAPTURE_EXTRA entries */
    unsigned domain;
};

static void site_to_frame(const tmtrace_site *site, tmtrace_frame *frame)
{
    frame->filename = site->filename ? site->filename : "?";
    frame->lineno = site->lineno;
    frame->column = site->column;
    frame->function = site->function ? site->function : "";
    frame->flags = (site->flags & TMTRACE_SITE_SYSTEM) ? TMTRACE_FRAME_SYSTEM : 0;
}

static int32_t frame_id(struct snapshot_build *b, const tmtrace_site *site)
{
    uintptr_t known;
    if (tm_ptr_map_get(&b->frame_ids, (uintptr_t)site, &known))
        return (int32_t)known;
    tmtrace_frame f;
    site_to_frame(site, &f);
    int32_t id = tmtrace_snapshot_add_frame(b->snap, f.filename, f.lineno, f.column, f.function, f.flags);
    if (id >= 0 && tm_ptr_map_put(&b->frame_ids, (uintptr_t)site, (uintptr_t)id) != 0)
        return tm_error("out of tracer memory taking a snapshot");
    return id;
}

/* An allocation in flight while tmtrace_stop() and tmtrace_start() with a smaller limit ran in another thread
 * is recorded with the traceback captured under the old limit; it is cut to the current limit (keeping the most
 * recent frames), so that no traceback exceeds the limit it is reported with, but for the capture's extension
 * (traceback_capture.c): frames in system headers are followed up to the first frame that is not. */
static uint32_t frames_within_limit(const struct tm_traceback *tb, uint32_t limit)
{
    if (tb->nframe <= limit)
        return tb->nframe;
    for (uint32_t i = 0; i < tb->nframe; i++)
        if (!(tb->frames[i]->flags & TMTRACE_SITE_SYSTEM))
            return i < limit ? limit : i + 1;
    return limit;
}

static int32_t traceback_id(struct snapshot_build *b, uint32_t id)
{
    if (id < b->ntracebacks && b->traceback_ids[id])
        return b->traceback_ids[id] - 1;
    const struct tm_traceback *tb = tm_traceback_get(id);
    uint32_t nframe = frames_within_limit(tb, b->limit);
    for (uint32_t i = 0; i < nframe; i++)
        if ((b->frame_buf[i] = frame_id(b, tb->frames[i])) < 0)
            return -1;
    int32_t snap_id = tmtrace_snapshot_add_traceback(b->snap, b->frame_buf, nframe, tb->total_nframe);
    if (snap_id >= 0 && id < b->ntracebacks)
        b->traceback_ids[id] = snap_id + 1;
    return snap_id;
}

static int add_trace(void *ctx, uintptr_t ptr, uint64_t value)
{
    (void)ptr;
    struct snapshot_build *b = ctx;
    int32_t tb = traceback_id(b, tm_packed_traceback(value));
    if (tb < 0)
        return -1;
    return tmtrace_snapshot_add_trace(b->snap, b->domain, tm_packed_size(value), tb);
}

static int add_domain(void *ctx, unsigned domain, struct tm_trace_map *map, const char *name)
{
    struct snapshot_build *b = ctx;
    if (name && tmtrace_snapshot_set_domain_name(b->snap, domain, name) != 0)
        return -1;
    b->domain = domain;
    if (map && tm_trace_map_each(map, add_trace, b) != 0)
        return tm_error("out of memory taking a snapshot");
    return 0;
}

tmtrace_snapshot *tmtrace_take_snapshot(void)
{
    tm_init();
    if (!__atomic_load_n(&tm_g.tracing, __ATOMIC_RELAXED)) {
        tm_error("the tracemalloc module must be tracing memory to take a snapshot");
        return NULL;
    }
    tm_self.busy++;
    struct snapshot_build b = {0};
    b.limit = (uint32_t)tm_nframe();
    b.snap = tmtrace_snapshot_new(b.limit);
    b.ntracebacks = tm_traceback_count();
    b.traceback_ids = tm_tracer_alloc((b.ntracebacks + 1) * sizeof *b.traceback_ids);
    b.frame_buf = tm_tracer_alloc((TMTRACE_MAX_NFRAME + TM_CAPTURE_EXTRA) * sizeof *b.frame_buf);
    int rc = -1;
    if (b.snap && b.traceback_ids && b.frame_buf) {
        size_t current, peak;
        tm_counters_get(&current, &peak);
        tmtrace_snapshot_set_traced_memory(b.snap, current, peak);
        rc = tm_domains_each(add_domain, &b);
    } else {
        tm_error("out of memory taking a snapshot");
    }
    tm_tracer_free(b.traceback_ids, (b.ntracebacks + 1) * sizeof *b.traceback_ids);
    tm_tracer_free(b.frame_buf, (TMTRACE_MAX_NFRAME + TM_CAPTURE_EXTRA) * sizeof *b.frame_buf);
    tm_ptr_map_free(&b.frame_ids);
    if (rc != 0) {
        tmtrace_snapshot_free(b.snap);
        b.snap = NULL;
    }
    tm_self.busy--;
    return b.snap;
}

tmtrace_traceback *tmtrace_get_object_traceback(const void *ptr)
{
    tm_init();
    uint64_t value;
    if (!__atomic_load_n(&tm_g.tracing, __ATOMIC_RELAXED) || !ptr ||
        !tm_trace_map_get(tm_trace_map_heap(), (uintptr_t)ptr, &value))
        return NULL;
    tm_self.busy++;
    const struct tm_traceback *tb = tm_traceback_get(tm_packed_traceback(value));
    uint32_t nframe = frames_within_limit(tb, (uint32_t)tm_nframe());
    tmtrace_frame *frames = tm_tracer_alloc(nframe * sizeof *frames);
    tmtrace_traceback *result = NULL;
    if (frames) {
        for (uint32_t i = 0; i < nframe; i++)
            site_to_frame(tb->frames[i], &frames[i]);
        result = tmtrace_traceback_new(frames, nframe, tb->total_nframe);
        tm_tracer_free(frames, nframe * sizeof *frames);
    } else {
        tm_error("out of tracer memory in tmtrace_get_object_traceback");
    }
    tm_self.busy--;
    return result;
}
