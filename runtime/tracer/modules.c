/* modules.c — instrumented modules announce themselves (__tmtrace_register_module) and leave
 * (__tmtrace_unregister_module, on dlclose or exit). A module built for another ABI version is refused: one
 * warning names it and its sites read as "<unknown>". When a module leaves, the site records that interned
 * tracebacks still reference are copied into tracer memory so later snapshots print the right file:line. */
#include <inttypes.h>

#include "spinlock.h"
#include "tracer.h"

#define MAX_REJECTED 64

struct site_range {
    const tmtrace_site *begin, *end;
};

static tm_spinlock modules_lock;
static struct site_range rejected[MAX_REJECTED];
int tm_rejected_modules; /* atomic: read on every captured frame */

int tm_site_in_rejected_module(const tmtrace_site *site)
{
    int n = __atomic_load_n(&tm_rejected_modules, __ATOMIC_ACQUIRE);
    for (int i = 0; i < n; i++)
        if (site >= rejected[i].begin && site < rejected[i].end)
            return 1;
    return 0;
}

int __tmtrace_register_module(uint32_t abi_version, const char *module_name, const tmtrace_site *sites_begin,
                              const tmtrace_site *sites_end)
{
    tm_init();
    const char *name = module_name ? module_name : "?";
    if (abi_version != TMTRACE_ABI_VERSION) {
        tm_log("warning: module '%s' was instrumented for ABI version %" PRIu32 " but this runtime implements "
               "version %u; its allocations are traced with the frame <unknown>:0",
               name, abi_version, TMTRACE_ABI_VERSION);
        tm_spin_lock(&modules_lock);
        if (tm_rejected_modules < MAX_REJECTED) {
            rejected[tm_rejected_modules] = (struct site_range){sites_begin, sites_end};
            __atomic_store_n(&tm_rejected_modules, tm_rejected_modules + 1, __ATOMIC_RELEASE);
            /* Memos of tracebacks (tm_traceback_one's cache, record.c's) may hold its sites as they were. */
            __atomic_add_fetch(&tm_traceback_epoch, 1, __ATOMIC_RELEASE);
        }
        tm_spin_unlock(&modules_lock);
        return tm_error("module '%s': ABI version %" PRIu32 ", runtime %u", name, abi_version, TMTRACE_ABI_VERSION);
    }
    if (tm_opt.verbosity >= 2)
        tm_log("module '%s' registered (%zu sites)", name, (size_t)(sites_end - sites_begin));
    return 0;
}

void __tmtrace_unregister_module(const tmtrace_site *sites_begin, const tmtrace_site *sites_end)
{
    if (sites_begin == sites_end)
        return;
    tm_self.busy++;
    tm_traceback_relocate(sites_begin, sites_end);
    tm_self.busy--;
    if (tm_opt.verbosity >= 2)
        tm_log("module with %zu sites unregistered", (size_t)(sites_end - sites_begin));
}
