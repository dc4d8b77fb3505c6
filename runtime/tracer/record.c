/* record.c — the recording path's out-of-line parts: deep tracebacks (limit > 1, with their capture buffer)
 * and restoring a trace after a failed realloc. The inline path itself is record.h. */
#include "record.h"

#define TM_INLINE_FRAMES (64 + TM_CAPTURE_EXTRA)

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

/* Recent deep captures of this thread: a capture is a function of the site, the depth, the limit and the
 * shadow entries it examined, so when all of those are unchanged the traceback is the same, found with one
 * comparison per entry instead of a capture, a hash and a lookup that misses the cache (at frames=25 a
 * program with many call paths has hundreds of thousands of tracebacks). A capture is kept in the way its
 * (site, depth) selects, so allocations alternating between a few places (a container growing while its
 * elements are allocated, a parser's node and string) each find their own.
 *   Where it mostly misses (an interpreter's call paths: ~18% hits), looking and storing cost more than the
 * hits save (benchmarks/peers interp: 5% of its instructions, as much of its cycles), so when it has found
 * less than a quarter of its lookups by its MEMO_WINDOW-th miss, the memo rests for MEMO_REST captures and
 * then tries again. The counting is done on misses, which are slow anyway: a hit only adds one. */
#define MEMO_WAYS 16        /* power of two */
#define MEMO_WINDOW 4096    /* misses between two decisions */
#define MEMO_REST 65536     /* captures done in full while the memo rests */
#define MEMO_MAX_ENTRIES 32 /* a capture that examined more entries (stale ones, long limits) is not kept */
struct tm_deep_memo_way {
    const tmtrace_site *site;
    uintptr_t depth;
    uint32_t nentries; /* entries [depth - nentries, depth) were examined; entries[i] is depth - 1 - i */
    uint32_t limit, epoch, id_plus_one;
    struct tmtrace_shadow_entry entries[MEMO_MAX_ENTRIES];
};
struct tm_deep_memo {
    struct tm_deep_memo_way way[MEMO_WAYS];
    uint64_t hits;   /* in the current window */
    uint32_t misses; /* in the current window */
    uint32_t rest;   /* captures left before the memo is used again */
};

static struct tm_deep_memo_way *memo_way(struct tm_deep_memo *m, const tmtrace_site *site, uintptr_t depth)
{
    uint64_t key = ((uint64_t)(uintptr_t)site ^ (depth << 48)) * UINT64_C(0x9E3779B97F4A7C15);
    return &m->way[key >> 60 & (MEMO_WAYS - 1)];
}

/* The way to look in for this capture, or NULL while the memo rests. */
static struct tm_deep_memo_way *memo_consult(struct tm_deep_memo *m, const tmtrace_site *site, uintptr_t depth)
{
    if (m->rest) {
        m->rest--;
        return NULL;
    }
    return memo_way(m, site, depth);
}

/* Counts a lookup that missed; at the end of a window, decides whether the memo rests. */
static void memo_missed(struct tm_deep_memo *m)
{
    if (++m->misses < MEMO_WINDOW)
        return;
    if (m->hits < MEMO_WINDOW / 3) /* hits < misses / 3: less than a quarter found */
        m->rest = MEMO_REST;
    m->hits = 0;
    m->misses = 0;
}

static int memo_matches(const struct tm_deep_memo_way *w, const tmtrace_site *site,
                        const struct tmtrace_shadow *shadow, size_t limit)
{
    if (!w->id_plus_one || w->site != site || w->depth != shadow->depth || w->limit != limit ||
        w->epoch != __atomic_load_n(&tm_traceback_epoch, __ATOMIC_ACQUIRE))
        return 0;
    for (uint32_t i = 0; i < w->nentries; i++) {
        const struct tmtrace_shadow_entry *now = &shadow->entries[(w->depth - 1 - i) & TMTRACE_SHADOW_MASK];
        if (now->site != w->entries[i].site || now->frame != w->entries[i].frame)
            return 0;
    }
    return 1;
}

static void memo_store(struct tm_deep_memo_way *w, const tmtrace_site *site, const struct tmtrace_shadow *shadow,
                       size_t limit, uintptr_t low, uint32_t epoch, uint32_t id)
{
    uintptr_t depth = shadow->depth;
    if (depth - low > MEMO_MAX_ENTRIES || limit > UINT32_MAX) {
        w->id_plus_one = 0;
        return;
    }
    w->site = site;
    w->depth = depth;
    w->nentries = (uint32_t)(depth - low);
    w->limit = (uint32_t)limit;
    w->epoch = epoch;
    w->id_plus_one = id + 1;
    for (uint32_t i = 0; i < w->nentries; i++)
        w->entries[i] = shadow->entries[(depth - 1 - i) & TMTRACE_SHADOW_MASK];
}

/* tm_current_traceback (record.h) for a traceback limit above 1. */
uint32_t tm_current_traceback_deep(const tmtrace_site *site)
{
    const struct tmtrace_shadow *shadow = &__tmtrace_shadow;
    size_t limit = (size_t)tm_nframe();
    struct tm_deep_memo *memo = tm_self.deep_memo;
    if (!memo) /* kept for the thread's life; without it every capture is simply done in full */
        memo = tm_self.deep_memo = tm_tracer_alloc(sizeof *memo);
    struct tm_deep_memo_way *way = memo ? memo_consult(memo, site, shadow->depth) : NULL;
    if (way) {
        if (memo_matches(way, site, shadow, limit)) {
            memo->hits++;
            return way->id_plus_one - 1;
        }
        memo_missed(memo);
    }
    const tmtrace_site *inline_buf[TM_INLINE_FRAMES];
    const tmtrace_site **frames = frame_buffer(inline_buf, limit + TM_CAPTURE_EXTRA);
    if (!frames)
        return TM_NO_TRACEBACK;
    uint32_t epoch = __atomic_load_n(&tm_traceback_epoch, __ATOMIC_ACQUIRE);
    uint32_t total;
    uintptr_t low;
    struct tm_capture_sums sums;
    size_t n = tm_capture(site, shadow, frames, limit, &total, &low, &sums);
    /* Not tm_traceback_intern: its comparison with the thread's last traceback reads that record, two cache
     * misses at frames=25 where the tracebacks are many, for a repeat whose id-table slot is cached anyway. */
    uint32_t id = sums.valid ? tm_traceback_intern_summed(frames, (uint32_t)n, total, sums.lane)
                             : tm_traceback_intern_slow(frames, (uint32_t)n, total);
    if (way && id != TM_NO_TRACEBACK)
        memo_store(way, site, shadow, limit, low, epoch, id);
    return id;
}

void tm_restore(unsigned domain, uintptr_t ptr, uint64_t old)
{
    /* One operation on this thread's table, as in tm_record: a tmtrace_stop() either waits for it or is seen
     * by it (then nothing is put back, and no trace outlives the stop). */
    int nested = tm_self.busy++ != 0;
    struct heap_table *t = tm_heap_own();
    int put = -1;
    if (t) {
        unsigned state = tm_heap_enter(t, nested);
        put = state & TM_QUIESCE_STOPPED ? 0 : tm_put_counted(t, state, domain, ptr, tm_packed_size(old), old, 0, nested);
        tm_heap_leave(t, nested);
    }
    if (put < 0)
        tm_note_untraced();
    tm_self.busy--;
}

void tm_record_fresh_slow(uintptr_t ptr, size_t size)
{
    tm_record(0, ptr, size, 1);
}

__attribute__((noinline)) void *tm_recorded_slow(void *p, size_t size)
{
    if (tm_interposer_records())
        tm_record(0, (uintptr_t)p, size, 1);
    __asm__("" : "+r"(p)); /* hides that p is returned, which would turn the interposers' tail call into a call */
    return p;
}

void tm_forget_heap_slow(uintptr_t ptr, int not_own)
{
    if (!not_own) {
        tm_forget(0, ptr, NULL, NULL);
        return;
    }
    /* tm_forget's domain-0 branch without its search of this thread's table: the block cannot have got there
     * since the fast path looked (only this thread puts into its table, and the block is not freed yet). The
     * other tables need no mark of ours (heap_table.c: remote users). */
    tm_self.busy++;
    tm_leak_check_note_free(ptr);
    uint64_t value;
    if (tm_heap_remove_remote(ptr, &value, tm_self.heap_table))
        tm_counters_add(-(int64_t)tm_packed_size(value));
    tm_self.busy--;
}
