/* traceback_capture.c — the frames of an allocation happening now, read from the site the entry point passed
 * and the thread's shadow call-site stack (tmtrace_abi.h), most recent first:
 *   1. the site's inline chain (site, site->inlined_at, ...), one frame per record;
 *   2. the shadow stack from depth-1 downwards, skipping entries without a site (a function that is calling
 *      an entry point, or has not made its first call yet) and stale entries (an entry is kept only if its
 *      frame key is greater than that of the last entry kept, or for the first, than the capture's own frame
 *      address), each entry expanded by its inline chain.
 * An allocation from uninstrumented code has no site, so its first frame is the innermost valid shadow entry.
 *
 * When the first `limit` frames are all in system headers (TMTRACE_SITE_SYSTEM: a std::vector growth at frames=1
 * is new_allocator.h alone), the walk goes on, by the same rules, up to and including the first frame that is
 * not, so that the user's line is in the traceback (tmtrace_traceback_user_frame). At most TM_CAPTURE_EXTRA
 * frames more: when none of them is a user frame, the traceback is what the limit kept. Grouping still uses the
 * first frame (tracemalloc's rule).
 *
 * total_nframe counts every frame read before the limit (or the extension) was reached, plus, once it is reached, one frame per
 * shadow entry below the last one read (including entries the ring overwrote: depth - capacity of them). Past
 * the limit neither the stale rule nor inline chains are applied (the records of a chain the limit cut are not
 * counted): walking them would make frames=1 cost O(stack depth) per allocation. So total_nframe is exact
 * when the traceback is not truncated, and otherwise an estimate: stale entries below the limit count, inline
 * records past it do not.
 *
 * At limit 1, tm_traceback_one (tracer.h) finds the same traceback through a per-thread cache; its slow path
 * is here too.
 *
 * This file also defines the shadow stack itself, __tmtrace_shadow. */
#include "record.h"
#include "tracer.h"

__thread struct tmtrace_shadow __tmtrace_shadow __attribute__((tls_model("initial-exec")));

const tmtrace_site tm_unknown_site = {"<unknown>", "", NULL, 0, 0, 0, 0};

/* The lowest depth index the ring still holds. */
static uintptr_t shadow_lowest(const struct tmtrace_shadow *shadow)
{
    uintptr_t depth = shadow->depth;
    return depth > TMTRACE_SHADOW_CAPACITY ? depth - TMTRACE_SHADOW_CAPACITY : 0;
}

/* 1 when `s` lies in a system header. A rejected module's record counts as a user frame: it becomes "<unknown>"
 * anyway, and its flags may not be where this ABI has them. */
static int in_system_header(const tmtrace_site *s)
{
    return !tm_site_is_rejected(s) && (s->flags & TMTRACE_SITE_SYSTEM) != 0;
}

/* A capture in progress. */
struct capture_state {
    size_t n, stop;    /* frames written; where writing stops (above limit while extending) */
    size_t limit;
    uintptr_t d;       /* entries [lowest, d) are not read yet */
    uintptr_t limit_d; /* d when the limit was reached and the extension began */
    int found_user;    /* the extension wrote a frame outside system headers */
};

/* The room left for the next frame: 1 to write it, 0 to stop (the traceback is truncated). At the limit, when
 * every frame written is in a system header, the room grows by TM_CAPTURE_EXTRA and x->limit_d keeps d as it
 * was then (the limit's total_nframe, should no user frame follow). */
static int capture_room(struct capture_state *x, const tmtrace_site *const *out)
{
    if (x->n < x->stop)
        return 1;
    if (x->n != x->limit || x->stop != x->limit)
        return 0;
    for (size_t i = 0; i < x->n; i++)
        if (!in_system_header(out[i]))
            return 0;
    x->stop = x->limit + TM_CAPTURE_EXTRA;
    x->limit_d = x->d;
    return 1;
}

/* Writes s; during an extension, a frame outside system headers is its last. */
static void capture_write(struct capture_state *x, const tmtrace_site **out, const tmtrace_site *s)
{
    out[x->n++] = s;
    if (x->stop > x->limit && !in_system_header(s)) { /* the extension's last frame */
        x->found_user = 1;
        x->stop = x->n;
    }
}

/* capture_from's walk in the common case, without the extension's bookkeeping: it counts the frames outside
 * system headers as it writes them, so that reaching the limit asks no second look at the frames, and makes the
 * fingerprint's sums (valid up to TM_FP_KEY_POSITIONS frames; the multiplies wait for no load of the walk).
 * Returns 0 when the limit is reached with system frames only (the extension: capture_from's general walk does
 * it all again). Called only when no module is refused, so that a frame's flags say whether it is in a system
 * header. */
static int capture_walk_fast(const tmtrace_site *site, const struct tmtrace_shadow *shadow, uintptr_t *dp,
                             uintptr_t last_frame, const tmtrace_site **out, size_t limit, size_t *np, int *truncated,
                             uint64_t sums[2])
{
    uintptr_t d = *dp, lowest = shadow_lowest(shadow);
    size_t n = 0, user = 0;
    uint64_t a = 0, b = 0;
    tm_fp_keys_get();
    for (const tmtrace_site *s = site;;) {
        for (; s; s = s->inlined_at) {
            if (n == limit)
                goto full;
            /* position n's keys; past the last one, sums that are not used (tm_capture_sums) */
            a += (uint64_t)(uintptr_t)s * tm_fp_keys[0][n & (TM_FP_KEY_POSITIONS - 1)];
            b += (uint64_t)(uintptr_t)s * tm_fp_keys[1][n & (TM_FP_KEY_POSITIONS - 1)];
            out[n++] = s;
            user += !(s->flags & TMTRACE_SITE_SYSTEM);
        }
        do { /* the next entry kept, if any: one with a site, above the last kept (the general walk's rule) */
            if (d == lowest) {
                *truncated = 0;
                goto done;
            }
            if (n == limit)
                goto full;
            const struct tmtrace_shadow_entry *e = &shadow->entries[--d & TMTRACE_SHADOW_MASK];
            if (e->site && e->frame > last_frame) {
                last_frame = e->frame;
                s = e->site;
            }
        } while (!s);
    }
full:
    if (!user)
        return 0;
    *truncated = 1;
done:
    *np = n;
    *dp = d;
    sums[0] = a;
    sums[1] = b;
    return 1;
}

/* The end of a capture of n frames and `total` frames in all: "<unknown>" for no frame, refused modules' frames
 * replaced. Returns the frame count. */
static size_t capture_finish(const tmtrace_site **out, size_t n, uint32_t total, uint32_t *total_nframe)
{
    if (n == 0) {
        out[n++] = &tm_unknown_site;
        total = 1;
    }
    if (TM_UNLIKELY(__atomic_load_n(&tm_rejected_modules, __ATOMIC_ACQUIRE) != 0))
        for (size_t i = 0; i < n; i++)
            if (tm_site_in_rejected_module(out[i]))
                out[i] = &tm_unknown_site;
    *total_nframe = total;
    return n;
}

/* tm_capture from entry d downwards, with `site` (may be NULL) as the innermost frame and last_frame the frame
 * key the first entry read must exceed. */
static size_t capture_from(const tmtrace_site *site, const struct tmtrace_shadow *shadow, uintptr_t d,
                           uintptr_t last_frame, const tmtrace_site **out, size_t limit, uint32_t *total_nframe,
                           uintptr_t *low_read, struct tm_capture_sums *sums)
{
    uintptr_t lowest = shadow_lowest(shadow);
    size_t n;
    int truncated;
    struct tm_capture_sums unused;
    if (!sums)
        sums = &unused;
    sums->valid = 0;
    if (TM_LIKELY(__atomic_load_n(&tm_rejected_modules, __ATOMIC_ACQUIRE) == 0)) {
        uintptr_t fast_d = d;
        if (TM_LIKELY(capture_walk_fast(site, shadow, &fast_d, last_frame, out, limit, &n, &truncated, sums->lane))) {
            /* Truncated: the d entries below the last one read were not read (see the file comment). Otherwise
             * only the entries the ring lost are missing. */
            *low_read = fast_d;
            size_t written = capture_finish(out, n, (uint32_t)(n + (truncated ? fast_d : lowest)), total_nframe);
            /* Not with no frame ("<unknown>" written), nor when a module refused meanwhile had frames replaced. */
            sums->valid = n != 0 && n <= TM_FP_KEY_POSITIONS &&
                          __atomic_load_n(&tm_rejected_modules, __ATOMIC_ACQUIRE) == 0;
            return written;
        }
    }
    struct capture_state x = {0, limit, limit, d, 0, 0};
    truncated = 0;
    for (const tmtrace_site *s = site; s && !truncated; s = s->inlined_at) {
        if (capture_room(&x, out))
            capture_write(&x, out, s);
        else
            truncated = 1;
    }
    while (!truncated && x.d > lowest) {
        if (!capture_room(&x, out)) {
            truncated = 1;
            break;
        }
        const struct tmtrace_shadow_entry *e = &shadow->entries[--x.d & TMTRACE_SHADOW_MASK];
        if (!e->site || e->frame <= last_frame)
            continue; /* stale: left by an exception or longjmp, or overwritten by deeper recursion */
        last_frame = e->frame;
        for (const tmtrace_site *s = e->site; s; s = s->inlined_at) {
            if (!capture_room(&x, out)) {
                truncated = 1;
                break;
            }
            capture_write(&x, out, s);
        }
    }
    *low_read = x.d; /* an extension that found nothing still examined its entries: the result depends on them */
    if (x.stop > limit && !x.found_user) { /* keep what the limit kept */
        x.n = limit;
        x.d = x.limit_d;
        truncated = 1;
    }
    return capture_finish(out, x.n, (uint32_t)(x.n + (truncated ? x.d : lowest)), total_nframe);
}

/* The innermost slot has no site when its function called the entry point directly (the site came as the
 * argument): it is no frame, and must not be counted past the limit either. Returns the depth to read from. */
static uintptr_t skip_caller_slot(const struct tmtrace_shadow *shadow)
{
    uintptr_t depth = shadow->depth, lowest = shadow_lowest(shadow);
    return depth > lowest && !shadow->entries[(depth - 1) & TMTRACE_SHADOW_MASK].site ? depth - 1 : depth;
}

size_t tm_capture(const tmtrace_site *site, const struct tmtrace_shadow *shadow, const tmtrace_site **out,
                  size_t limit, uint32_t *total_nframe, uintptr_t *low_read, struct tm_capture_sums *sums)
{
    /* Callers' frames lie above this function's own: the first entry read must too. An entry below it was
     * written by deeper recursion (the ring wrapped) before an exception or longjmp came back up. */
    return capture_from(site, shadow, skip_caller_slot(shadow), (uintptr_t)__builtin_frame_address(0), out, limit,
                        total_nframe, low_read, sums);
}

/* 1 when the shadow entries from depth index `first` down are way's callers, each valid (its frame above the
 * one before, the first above `above`). */
static int one_cache_callers_match(uint32_t way, uintptr_t first, uintptr_t above)
{
    const tmtrace_site *const *callers = tm_self.one_cache_callers[way];
    for (uint32_t k = 0; k < TM_ONE_CACHE_CALLERS && callers[k]; k++, first--) {
        const struct tmtrace_shadow_entry *e = &__tmtrace_shadow.entries[first & TMTRACE_SHADOW_MASK];
        if (e->site != callers[k] || e->frame <= above)
            return 0;
        above = e->frame;
    }
    return 1;
}

/* The position in s's inline chain of its first record outside system headers (SIZE_MAX if none); *length:
 * the chain's length. */
static size_t first_user_record(const tmtrace_site *s, size_t *length)
{
    size_t user = SIZE_MAX, i = 0;
    for (; s; s = s->inlined_at, i++)
        if (user == SIZE_MAX && !in_system_header(s))
            user = i;
    *length = i;
    return user;
}

/* For a system site whose inline chain has no user record: the shadow entries the extension reads, innermost
 * first, from entry d down (the first must lie above `above`), into callers[]. 1 when one of the first
 * TM_ONE_CACHE_CALLERS holds the user frame within the extension's bound, so that they and the key determine
 * the traceback (one_cache_callers_match checks them again); 0 otherwise. */
static int extension_callers(const tmtrace_site *site, const struct tmtrace_shadow *shadow, uintptr_t d,
                             uintptr_t above, const tmtrace_site **callers)
{
    size_t frames, length;
    first_user_record(site, &frames);
    for (size_t k = 0; k < TM_ONE_CACHE_CALLERS && d > shadow_lowest(shadow); k++) {
        const struct tmtrace_shadow_entry *e = &shadow->entries[--d & TMTRACE_SHADOW_MASK];
        if (!e->site || e->frame <= above)
            return 0;
        above = e->frame;
        callers[k] = e->site;
        size_t user = first_user_record(e->site, &length);
        if (user != SIZE_MAX)
            return frames + user < 1 + TM_CAPTURE_EXTRA;
        frames += length;
    }
    return 0;
}

uint32_t tm_traceback_one_slow(const tmtrace_site *site, uint32_t total_nframe, uintptr_t here)
{
    const struct tmtrace_shadow *shadow = &__tmtrace_shadow;
    const tmtrace_site *given = site;
    uintptr_t d = skip_caller_slot(shadow), last_frame = here; /* where capture_from resumes after site */
    if (!site) { /* tm_capture's walk, from the caller's frame: the innermost valid entry, if any */
        uintptr_t depth = shadow->depth, lowest = shadow_lowest(shadow);
        while (depth > lowest && (!shadow->entries[(depth - 1) & TMTRACE_SHADOW_MASK].site ||
                                  shadow->entries[(depth - 1) & TMTRACE_SHADOW_MASK].frame <= here))
            depth--;
        if (depth == lowest) {
            const tmtrace_site *unknown = &tm_unknown_site;
            return tm_traceback_intern(&unknown, 1, 1); /* not cached: no site to key it */
        }
        const struct tmtrace_shadow_entry *e = &shadow->entries[--depth & TMTRACE_SHADOW_MASK];
        site = e->site;
        total_nframe = 1 + (uint32_t)depth; /* every entry below the frame read counts once */
        d = depth;
        last_frame = e->frame;
    }
    uint32_t epoch = __atomic_load_n(&tm_traceback_epoch, __ATOMIC_ACQUIRE);
    if (tm_self.one_cache_epoch != epoch) { /* sites were relocated or a module refused: old ids may be wrong */
        for (uint32_t i = 0; i < TM_ONE_CACHE_SIZE; i++)
            tm_self.one_cache[i].site = 0;
        tm_self.one_cache_epoch = epoch;
    }
    uint32_t id;
    uint32_t way = tm_one_cache_way(site);
    const struct tm_one_cache_entry *c = &tm_self.one_cache[way];
    if (c->site == (uintptr_t)site + 1 && c->total_nframe == total_nframe && total_nframe >= 2 &&
        one_cache_callers_match(way, total_nframe - 2, last_frame))
        return c->id; /* a system site's cached extension (tm_traceback_one_cached leaves these here) */
    const tmtrace_site *callers[TM_ONE_CACHE_CALLERS] = {NULL};
    if (TM_LIKELY(!in_system_header(site))) {
        const tmtrace_site *frame = tm_site_is_rejected(site) ? &tm_unknown_site : site;
        id = tm_traceback_intern(&frame, 1, total_nframe);
    } else {
        /* The extension (tm_capture), cached with no callers when the site's own inline chain holds the user
         * frame (-O2: the library inlined into the user's function), with the entries read up to the one that
         * holds it otherwise (-O2: a library function not inlined). Longer ones (-O0: one entry per library
         * function) take the memoized capture of limits above 1. */
        size_t length;
        if (first_user_record(site, &length) == SIZE_MAX && !extension_callers(site, shadow, d, last_frame, callers))
            return tm_current_traceback_deep(given);
        const tmtrace_site *frames[1 + TM_CAPTURE_EXTRA];
        uint32_t total;
        uintptr_t low;
        size_t n = capture_from(site, shadow, d, last_frame, frames, 1, &total, &low, NULL);
        id = tm_traceback_intern(frames, (uint32_t)n, total);
    }
    if (id != TM_NO_TRACEBACK) { /* site records hold pointers: the low bit of their address is free */
        tm_self.one_cache[way] = (struct tm_one_cache_entry){(uintptr_t)site + (callers[0] != NULL), total_nframe, id};
        for (uint32_t k = 0; k < TM_ONE_CACHE_CALLERS; k++)
            tm_self.one_cache_callers[way][k] = callers[k];
    }
    return id;
}
