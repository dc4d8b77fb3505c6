/* report_program.c — a tiny traced program for the process-level tests: it allocates from hand-built site
 * records (3 x 100 B at /src/app.c:10, 4096 B at /src/app.c:20) and exits, so its exit report, log and
 * snapshot are known to the byte. Modes (argv[1]): "status" also prints whether it is tracing; "oom"
 * allocates 1000 blocks and checks every one succeeded and is usable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tmtrace/tmtrace.h>

#include "tmtrace_abi.h"

static const tmtrace_site small_site = {"/src/app.c", "main", NULL, 10, 5, 0, 0};
static const tmtrace_site big_site = {"/src/app.c", "main", NULL, 20, 5, 0, 0};

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "oom") == 0) {
        for (int i = 0; i < 1000; i++) {
            char *p = malloc(32);
            if (!p)
                return 1;
            memset(p, i, 32);
        }
        size_t current, peak;
        tmtrace_get_traced_memory(&current, &peak);
        printf("allocated=1000 current=%zu\n", current);
        return 0;
    }
    for (int i = 0; i < 3; i++)
        if (!__tmtrace_malloc(100, &small_site))
            return 1;
    if (!__tmtrace_malloc(4096, &big_site))
        return 1;
    if (strcmp(mode, "status") == 0)
        printf("tracing=%d limit=%d\n", tmtrace_is_tracing(), tmtrace_get_traceback_limit());
    return 0;
}
