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

/* tm_current_traceback (record.h) for a traceback limit above 1. */
uint32_t tm_current_traceback_deep(const tmtrace_site *site)
{
    const tmtrace_site *inline_buf[TM_INLINE_FRAMES];
    size_t limit = (size_t)tm_g.nframe;
    const tmtrace_site **frames = frame_buffer(inline_buf, limit);
    if (!frames)
        return TM_NO_TRACEBACK;
    uint32_t total;
    size_t n = tm_capture(site, &__tmtrace_shadow, frames, limit, &total);
    return tm_traceback_intern(frames, (uint32_t)n, total);
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
