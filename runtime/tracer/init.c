/* init.c — starting the runtime, once, from whichever comes first: the library constructor or an
 * allocation made before it (by another library's constructor). It reads TMTRACE_OPTIONS, opens the log,
 * chooses how blocks are seen (our interposers, or a sanitizer's hooks, decided at run time) and starts
 * tracing unless start=0. Allocations made while it runs, or before the environment exists, pass untraced. */
#include <stdlib.h>
#include <unistd.h>

#include "spinlock.h"
#include "tracer.h"

extern char **environ;

struct tm_global tm_g;

static int init_started;

static const char *mode_name(int mode)
{
    switch (mode) {
    case TM_MODE_INTERPOSE: return "interposition";
    case TM_MODE_HOOKS: return "sanitizer malloc/free hooks";
    default: return "none";
    }
}

static int choose_mode(void)
{
    if (tm_process_malloc_is_ours())
        return TM_MODE_INTERPOSE;
    if (tm_sanitizer_hooks_present() && tm_sanitizer_hooks_install() == 0)
        return TM_MODE_HOOKS;
    return TM_MODE_UNAVAILABLE;
}

void tm_init(void)
{
    if (__atomic_load_n(&tm_g.ready, __ATOMIC_ACQUIRE) || tm_self.busy)
        return;
    if (!environ) /* too early to read TMTRACE_OPTIONS: stay untraced until a later call */
        return;
    if (__atomic_exchange_n(&init_started, 1, __ATOMIC_ACQ_REL)) {
        /* Another thread is initialising: wait for it. */
        while (!__atomic_load_n(&tm_g.ready, __ATOMIC_ACQUIRE))
            sched_yield();
        return;
    }
    tm_self.busy++;
    const char *text = getenv("TMTRACE_OPTIONS");
    tm_options_parse(text, 0); /* first pass only to learn log_path, so that warnings go there */
    tm_log_open(tm_opt.log_path);
    tm_options_parse(text, 1);
    if (tm_opt.help)
        tm_options_print_help();
    tm_g.nframe = (int)tm_opt.frames;
    tm_g.exact_peak = (int)tm_opt.exact_peak;
    tm_quiesce_init();
    if (tm_counters_init() != 0 || tm_fork_handlers_install() != 0)
        tm_log("warning: could not register thread-exit or fork handlers");
    __atomic_store_n(&tm_g.mode, choose_mode(), __ATOMIC_RELAXED); /* new reads it (interpose_new.c) */
    if (tm_g.mode == TM_MODE_UNAVAILABLE)
        tm_log("warning: malloc belongs to another library that offers no sanitizer hooks: heap blocks are not "
               "traced (tmtrace_track still works)");
    else if (tm_opt.verbosity >= 1)
        tm_log("tracing through %s, frames=%d, start=%d", mode_name(tm_g.mode), tm_g.nframe, (int)tm_opt.start);
    atexit(tm_exit_report);
    tm_set_tracing((int)tm_opt.start);
    tm_self.busy--;
    __atomic_store_n(&tm_g.ready, 1, __ATOMIC_RELEASE);
}

void tm_set_tracing(int on)
{
    tm_quiesce_set_stopped(!on);
    __atomic_store_n(&tm_g.tracing, on, __ATOMIC_RELEASE);
    __atomic_store_n(&tm_g.interposers_record, on && tm_g.mode == TM_MODE_INTERPOSE, __ATOMIC_RELEASE);
}

__attribute__((constructor(101))) static void tm_constructor(void)
{
    tm_init();
}
