/* traceback_capture.c — the frames of an allocation happening now, read from the site the entry point passed
 * and the thread's shadow call-site stack (tmtrace_abi.h), most recent first:
 *   1. the site's inline chain (site, site->inlined_at, ...), one frame per record;
 *   2. the shadow stack from depth-1 downwards, skipping entries without a site (a function that is calling
 *      an entry point, or has not made its first call yet) and stale entries (an entry is kept only if its
 *      frame key is greater than that of the last entry kept, or for the first, than the capture's own frame
 *      address), each entry expanded by its inline chain.
 * An allocation from uninstrumented code has no site, so its first frame is the innermost valid shadow entry.
 *
 * total_nframe counts every frame read before the limit was reached, plus, once it is reached, one frame per
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
#include "tracer.h"

__thread struct tmtrace_shadow __tmtrace_shadow __attribute__((tls_model("initial-exec")));

const tmtrace_site tm_unknown_site = {"<unknown>", "", NULL, 0, 0, 0, 0};

size_t tm_capture(const tmtrace_site *site, const struct tmtrace_shadow *shadow, const tmtrace_site **out,
                  size_t limit, uint32_t *total_nframe, uintptr_t *low_read)
{
    size_t n = 0;
    uintptr_t depth = shadow->depth;
    uintptr_t lowest = depth > TMTRACE_SHADOW_CAPACITY ? depth - TMTRACE_SHADOW_CAPACITY : 0;
    uintptr_t d = depth; /* entries [lowest, d) are not read yet */
    int truncated = 0;
    for (const tmtrace_site *s = site; s && !truncated; s = s->inlined_at) {
        if (n == limit)
            truncated = 1;
        else
            out[n++] = s;
    }
    /* The innermost slot has no site when its function called the entry point directly (the site came as the
     * argument): it is no frame, and must not be counted past the limit either. */
    if (d > lowest && !shadow->entries[(d - 1) & TMTRACE_SHADOW_MASK].site)
        d--;
    /* Callers' frames lie above this function's own: the first entry read must too. An entry below it was
     * written by deeper recursion (the ring wrapped) before an exception or longjmp came back up. */
    uintptr_t last_frame = (uintptr_t)__builtin_frame_address(0);
    while (!truncated && d > lowest) {
        if (n == limit) {
            truncated = 1;
            break;
        }
        const struct tmtrace_shadow_entry *e = &shadow->entries[--d & TMTRACE_SHADOW_MASK];
        if (!e->site || e->frame <= last_frame)
            continue; /* stale: left by an exception or longjmp, or overwritten by deeper recursion */
        last_frame = e->frame;
        for (const tmtrace_site *s = e->site; s; s = s->inlined_at) {
            if (n == limit) {
                truncated = 1;
                break;
            }
            out[n++] = s;
        }
    }
    /* Truncated: the d entries below the last one read were not read (see the file comment). Otherwise only
     * the entries the ring lost are missing. */
    uint32_t total = (uint32_t)(n + (truncated ? d : lowest));
    if (n == 0) {
        out[n++] = &tm_unknown_site;
        total = 1;
    }
    if (TM_UNLIKELY(__atomic_load_n(&tm_rejected_modules, __ATOMIC_ACQUIRE) != 0))
        for (size_t i = 0; i < n; i++)
            if (tm_site_in_rejected_module(out[i]))
                out[i] = &tm_unknown_site;
    *total_nframe = total;
    *low_read = d;
    return n;
}

uint32_t tm_traceback_one_slow(const tmtrace_site *site, uint32_t total_nframe, uintptr_t here)
{
    const struct tmtrace_shadow *shadow = &__tmtrace_shadow;
    if (!site) { /* tm_capture's walk, from the caller's frame: the innermost valid entry, if any */
        uintptr_t depth = shadow->depth;
        uintptr_t lowest = depth > TMTRACE_SHADOW_CAPACITY ? depth - TMTRACE_SHADOW_CAPACITY : 0;
        while (depth > lowest && (!shadow->entries[(depth - 1) & TMTRACE_SHADOW_MASK].site ||
                                  shadow->entries[(depth - 1) & TMTRACE_SHADOW_MASK].frame <= here))
            depth--;
        if (depth == lowest) {
            const tmtrace_site *unknown = &tm_unknown_site;
            return tm_traceback_intern(&unknown, 1, 1); /* not cached: no site to key it */
        }
        site = shadow->entries[--depth & TMTRACE_SHADOW_MASK].site;
        total_nframe = 1 + (uint32_t)depth; /* every entry below the frame read counts once */
    }
    uint32_t epoch = __atomic_load_n(&tm_traceback_epoch, __ATOMIC_ACQUIRE);
    if (tm_self.one_cache_epoch != epoch) { /* sites were relocated or a module refused: old ids may be wrong */
        for (uint32_t i = 0; i < TM_ONE_CACHE_SIZE; i++)
            tm_self.one_cache[i].site = NULL;
        tm_self.one_cache_epoch = epoch;
    }
    const tmtrace_site *frame = tm_site_is_rejected(site) ? &tm_unknown_site : site;
    uint32_t id = tm_traceback_intern(&frame, 1, total_nframe);
    if (id != TM_NO_TRACEBACK)
        tm_self.one_cache[tm_one_cache_way(site)] = (struct tm_one_cache_entry){site, total_nframe, id};
    return id;
}
