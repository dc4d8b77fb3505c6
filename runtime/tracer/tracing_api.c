/* tracing_api.c — the "Tracing" and "Domains" functions of tmtrace.h (tracemalloc's module functions):
 * start/stop, limits, counters, clearing, and tracking blocks of custom allocators. */
#include "record.h"

int tmtrace_start(int nframe)
{
    tm_init();
    if (nframe < 1 || nframe > TMTRACE_MAX_NFRAME)
        return tm_error("the number of frames must be in range [1; %d]", TMTRACE_MAX_NFRAME);
    if (__atomic_load_n(&tm_g.tracing, __ATOMIC_RELAXED))
        return 0; /* already tracing: nothing changes, as in tracemalloc */
    __atomic_store_n(&tm_g.nframe, nframe, __ATOMIC_RELAXED);
    /* No sweep needed: nothing was recorded after tmtrace_stop()'s (an allocation that read tracing = 1 had
     * finished before it, see heap_table.c), so no trace of a block freed while stopped can be left. */
    tm_set_tracing(1);
    return 0;
}

void tmtrace_stop(void)
{
    tm_init();
    tm_set_tracing(0);
    tmtrace_clear_traces();
}

int tmtrace_is_tracing(void)
{
    tm_init();
    return __atomic_load_n(&tm_g.tracing, __ATOMIC_RELAXED);
}

void tmtrace_clear_traces(void)
{
    tm_init();
    tm_self.busy++;
    /* Counted as frees of what was removed: other threads may record and free blocks meanwhile, and the
     * counters must keep matching the traces (quiescence makes each trace counted once, see heap_table.c). */
    tm_quiesce_begin();
    tm_counters_clear(tm_domains_clear_traces());
    tm_quiesce_end();
    tm_self.busy--;
}

int tmtrace_get_traceback_limit(void)
{
    tm_init();
    return tm_nframe();
}

void tmtrace_get_traced_memory(size_t *current, size_t *peak)
{
    tm_init();
    tm_counters_get(current, peak);
    if (current)
        tm_unpoison(current, sizeof *current);
    if (peak)
        tm_unpoison(peak, sizeof *peak);
}

void tmtrace_reset_peak(void)
{
    tm_init();
    tm_counters_reset_peak();
}

size_t tmtrace_get_tracemalloc_memory(void)
{
    tm_init();
    return tm_tracer_memory();
}

int tmtrace_track(unsigned domain, uintptr_t ptr, size_t size)
{
    tm_init();
    if (!__atomic_load_n(&tm_g.tracing, __ATOMIC_RELAXED))
        return tm_error("tmtrace_track: not tracing");
    if (tm_record(domain, ptr, size, 0) != 0)
        return tm_error("tmtrace_track: out of tracer memory (domain %u)", domain);
    return 0;
}

int tmtrace_untrack(unsigned domain, uintptr_t ptr)
{
    tm_init();
    if (!__atomic_load_n(&tm_g.tracing, __ATOMIC_RELAXED))
        return tm_error("tmtrace_untrack: not tracing");
    tm_forget(domain, ptr, NULL, NULL);
    return 0;
}

int tmtrace_set_domain_name(unsigned domain, const char *name)
{
    tm_init();
    if (!name)
        return tm_error("tmtrace_set_domain_name: name is NULL");
    return tm_domain_set_name(domain, name, 0);
}
