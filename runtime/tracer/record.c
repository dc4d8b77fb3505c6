/* record.c — the recording path's out-of-line parts: deep tracebacks (limit > 1, with their capture buffer)
 * and restoring a trace after a failed realloc. The inline path itself is record.h. */
#include "record.h"

#define TM_INLINE_FRAMES 64

/* A capture buffer for `limit` frames: the caller's stack array, or this thread's heap buffer. */
static const tmtrace_site **frame_buffer(const tmtrace_site **inline_buf, size_t limit)
{
    if (limit <= TM_INLINE_FRAMES)
        return inline_buf;
    if (tm_self.frame_buf_cap < limit) {
        /* Kept for the thread's life (a thread that needed a big one will again). */
        const tmtrace_site **buf = tm_tracer_alloc(limit * sizeof *buf);
        if (!buf)
            return NULL;
        tm_tracer_free(tm_self.frame_buf, tm_self.frame_buf_cap * sizeof *buf);
        tm_self.frame_buf = buf;
        tm_self.frame_buf_cap = limit;
    }
    return tm_self.frame_buf;
}

/* The last deep capture of this thread: a capture is a function of the site, the depth, the limit and the
 * shadow entries it examined, so when all of those are unchanged (a loop allocating from one call path) the
 * traceback is the same, found with one comparison per entry instead of a capture and an intern. */
struct tm_deep_memo {
    const tmtrace_site *site;
    uintptr_t depth, low; /* entries [low, depth) were examined */
    size_t limit;
    uint32_t epoch, id_plus_one;
    struct tmtrace_shadow_entry entries[TMTRACE_SHADOW_CAPACITY]; /* at their ring positions */
};

static int deep_memo_matches(const struct tm_deep_memo *m, const tmtrace_site *site,
                             const struct tmtrace_shadow *shadow, size_t limit)
{
    if (!m->id_plus_one || m->site != site || m->depth != shadow->depth || m->limit != limit ||
        m->epoch != __atomic_load_n(&tm_traceback_epoch, __ATOMIC_ACQUIRE))
        return 0;
    for (uintptr_t d = m->low; d < m->depth; d++) {
        const struct tmtrace_shadow_entry *now = &shadow->entries[d & TMTRACE_SHADOW_MASK];
        const struct tmtrace_shadow_entry *then = &m->entries[d & TMTRACE_SHADOW_MASK];
        if (now->site != then->site || now->frame != then->frame)
            return 0;
    }
    return 1;
}

static void deep_memo_store(struct tm_deep_memo *m, const tmtrace_site *site, const struct tmtrace_shadow *shadow,
                            size_t limit, uintptr_t low, uint32_t epoch, uint32_t id)
{
    m->site = site;
    m->depth = shadow->depth;
    m->low = low;
    m->limit = limit;
    m->epoch = epoch;
    m->id_plus_one = id + 1;
    for (uintptr_t d = low; d < m->depth; d++)
        m->entries[d & TMTRACE_SHADOW_MASK] = shadow->entries[d & TMTRACE_SHADOW_MASK];
}

/* tm_current_traceback (record.h) for a traceback limit above 1. */
uint32_t tm_current_traceback_deep(const tmtrace_site *site)
{
    const struct tmtrace_shadow *shadow = &__tmtrace_shadow;
    size_t limit = (size_t)tm_nframe();
    struct tm_deep_memo *memo = tm_self.deep_memo;
    if (!memo) /* kept for the thread's life; without it every capture is simply done in full */
        memo = tm_self.deep_memo = tm_tracer_alloc(sizeof *memo);
    if (memo && deep_memo_matches(memo, site, shadow, limit))
        return memo->id_plus_one - 1;
    const tmtrace_site *inline_buf[TM_INLINE_FRAMES];
    const tmtrace_site **frames = frame_buffer(inline_buf, limit);
    if (!frames)
        return TM_NO_TRACEBACK;
    uint32_t epoch = __atomic_load_n(&tm_traceback_epoch, __ATOMIC_ACQUIRE);
    uint32_t total;
    uintptr_t low;
    size_t n = tm_capture(site, shadow, frames, limit, &total, &low);
    uint32_t id = tm_traceback_intern(frames, (uint32_t)n, total);
    if (memo && id != TM_NO_TRACEBACK)
        deep_memo_store(memo, site, shadow, limit, low, epoch, id);
    return id;
}

void tm_restore(unsigned domain, uintptr_t ptr, uint64_t old)
{
    struct tm_trace_map *map = tm_domain_map(domain, 1);
    uint64_t replaced;
    tm_self.busy++;
    int put = map ? tm_trace_map_put(map, ptr, old, &replaced, 0) : -1;
    if (put > 0)
        tm_counters_add((int64_t)tm_packed_size(old) - (put == 2 ? (int64_t)tm_packed_size(replaced) : 0));
    else
        tm_note_untraced();
    tm_self.busy--;
}
