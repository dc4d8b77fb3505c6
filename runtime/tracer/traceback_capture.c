/* traceback_capture.c — the frames of an allocation happening now, read from the site the entry point passed
 * and the thread's shadow call-site stack (tmtrace_abi.h), most recent first:
 *   1. the site's inline chain (site, site->inlined_at, ...), one frame per record;
 *   2. the shadow stack from depth-1 downwards, skipping stale entries (an entry is kept only if its frame
 *      address is greater than that of the last entry kept), each entry expanded by its inline chain.
 * An allocation from uninstrumented code has no site, so its first frame is the innermost valid shadow entry.
 *
 * total_nframe counts every frame read before the limit was reached, plus, once it is reached, one frame per
 * shadow entry below the last one read (including entries the ring overwrote: depth - capacity of them). Past
 * the limit neither the stale rule nor inline chains are applied (the records of a chain the limit cut are not
 * counted): walking them would make frames=1 cost O(stack depth) per allocation. So total_nframe is exact
 * when the traceback is not truncated, and otherwise an estimate: stale entries below the limit count, inline
 * records past it do not.
 *
 * This file also defines the shadow stack itself, __tmtrace_shadow. */
#include "tracer.h"

__thread struct tmtrace_shadow __tmtrace_shadow __attribute__((tls_model("initial-exec")));

const tmtrace_site tm_unknown_site = {"<unknown>", "", NULL, 0, 0, 0, 0};

/* Appends site's inline chain; returns 0 once the limit is reached. */
static int append_chain(const tmtrace_site *site, const tmtrace_site **out, size_t *n, size_t limit,
                        uint32_t *total)
{
    for (const tmtrace_site *s = site; s; s = s->inlined_at) {
        if (*n == limit)
            return 0;
        out[(*n)++] = TM_UNLIKELY(tm_site_is_rejected(s)) ? &tm_unknown_site : s;
        (*total)++;
    }
    return 1;
}

size_t tm_capture(const tmtrace_site *site, const struct tmtrace_shadow *shadow, const tmtrace_site **out,
                  size_t limit, uint32_t *total_nframe)
{
    size_t n = 0;
    uint32_t total = 0;
    uintptr_t depth = shadow->depth;
    uintptr_t lowest = depth > TMTRACE_SHADOW_CAPACITY ? depth - TMTRACE_SHADOW_CAPACITY : 0;
    uintptr_t d = depth;
    int room = site ? append_chain(site, out, &n, limit, &total) : 1;
    uintptr_t last_frame = 0;
    int kept_any = 0;
    for (; room && d > lowest; d--) {
        if (n == limit) {
            room = 0;
            break;
        }
        const struct tmtrace_shadow_entry *e = &shadow->entries[(d - 1) & TMTRACE_SHADOW_MASK];
        if (!e->site || (kept_any && e->frame <= last_frame))
            continue; /* stale: left by an exception or longjmp, or overwritten by deeper recursion */
        room = append_chain(e->site, out, &n, limit, &total);
        kept_any = 1;
        last_frame = e->frame;
    }
    /* Truncated: the d entries below the last one read were not read (see the file comment). Otherwise only
     * the entries the ring lost are missing. */
    total += (uint32_t)(room ? lowest : d);
    if (n == 0) {
        out[n++] = &tm_unknown_site;
        total = 1;
    }
    *total_nframe = total;
    return n;
}
