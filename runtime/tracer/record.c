/* record.c — the one recording path. Interposed malloc/new, the sanitizer hooks, the pass's entry points
 * (through the pending site) and tmtrace_track() all end here: capture the traceback, intern it, put the
 * trace in its domain's map, adjust the counters. */
#include "leak_check.h"
#include "tracer.h"

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

/* The traceback of the allocation happening now; consumes the pending site. */
static uint32_t current_traceback(void)
{
    const tmtrace_site *site = tm_self.pending_site;
    tm_self.pending_site = NULL;
    const tmtrace_site *inline_buf[TM_INLINE_FRAMES];
    size_t limit = (size_t)tm_g.nframe;
    const tmtrace_site **frames = frame_buffer(inline_buf, limit);
    if (!frames)
        return TM_NO_TRACEBACK;
    uint32_t total;
    size_t n = tm_capture(site, &__tmtrace_shadow, frames, limit, &total);
    return tm_traceback_intern(frames, (uint32_t)n, total);
}

int tm_record(unsigned domain, uintptr_t ptr, size_t size, int fresh)
{
    tm_self.busy++;
    int rc = -1;
    struct tm_trace_map *map;
    uint32_t tb = current_traceback();
    uint64_t old = 0;
    int put = 0;
    if (tb != TM_NO_TRACEBACK && size <= TM_MAX_TRACE_SIZE) {
        if (domain == 0) /* the hot path: straight to the heap tables */
            put = tm_heap_put(ptr, tm_pack(size, tb), &old, fresh);
        else if ((map = tm_domain_map(domain, 1)) != NULL)
            put = tm_trace_map_put(map, ptr, tm_pack(size, tb), &old, fresh);
    }
    if (put > 0) {
        tm_counters_add((int64_t)size - (put == 2 ? (int64_t)tm_packed_size(old) : 0));
        if (domain == 0)
            tm_leak_check_note_alloc(ptr, size); /* outside the map's locks, as leak_check.h asks */
        rc = 0;
    } else {
        tm_note_untraced();
    }
    tm_self.busy--;
    return rc;
}

int tm_forget(unsigned domain, uintptr_t ptr, uint64_t *old)
{
    uint64_t value;
    int removed;
    tm_self.busy++;
    if (domain == 0) {
        tm_leak_check_note_free(ptr); /* before the block goes back to the allocator */
        removed = tm_heap_remove(ptr, &value);
    } else {
        struct tm_trace_map *map = tm_domain_map(domain, 0);
        removed = map ? tm_trace_map_remove(map, ptr, &value) : 0;
    }
    if (removed)
        tm_counters_add(-(int64_t)tm_packed_size(value));
    tm_self.busy--;
    if (removed && old)
        *old = value;
    return removed;
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
