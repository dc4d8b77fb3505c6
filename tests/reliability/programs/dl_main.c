/* dl_main.c <library> <snapshot> — loads and unloads an instrumented library 20 times, keeping one block it
 * allocated each time; after the last dlclose prints the blocks' tracebacks and the snapshot's statistics
 * (all still naming the library's file:line) and dumps the snapshot for tmtrace-diff. */
#include <dlfcn.h>

#include "../../e2e/programs/show.h"
#include "reliability.h"

enum { LOADS = 20 };

static void print_statistics(const tmtrace_snapshot *snap, tmtrace_key key, int cumulative)
{
    tmtrace_statistics *stats = tmtrace_snapshot_statistics(snap, key, cumulative);
    CHECK(stats != NULL, "statistics: %s", tmtrace_last_error());
    for (size_t i = 0; i < stats->len; i++) {
        const tmtrace_frame *frame = allocation_frame(stats->items[i].traceback);
        if (strcmp(base_name(frame->filename), "dl_lib.c") != 0)
            continue;
        char line[512];
        tmtrace_statistic_format(&stats->items[i], line, sizeof line);
        fputs(line, stdout);
    }
    tmtrace_statistics_free(stats);
}

int main(int argc, char **argv)
{
    CHECK(argc == 3, "usage: dl_main <library> <snapshot>");
    start_watchdog(30);
    void *blocks[LOADS];
    for (int i = 0; i < LOADS; i++) {
        void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
        CHECK(lib != NULL, "dlopen: %s", dlerror());
        void *(*allocate)(size_t) = (void *(*)(size_t))dlsym(lib, "dl_lib_allocate");
        CHECK(allocate != NULL, "dlsym: %s", dlerror());
        blocks[i] = allocate(1000 + (size_t)i);
        CHECK(dlclose(lib) == 0, "dlclose: %s", dlerror());
    }
    show_traceback("first block after dlclose", blocks[0]);
    show_traceback("last block after dlclose", blocks[LOADS - 1]);
    tmtrace_snapshot *snap = snapshot_or_die();
    printf("statistics by lineno:\n");
    print_statistics(snap, TMTRACE_KEY_LINENO, 0);
    printf("statistics by traceback:\n");
    print_statistics(snap, TMTRACE_KEY_TRACEBACK, 0);
    CHECK(tmtrace_snapshot_dump(snap, argv[2]) == 0, "dump: %s", tmtrace_last_error());
    tmtrace_snapshot_free(snap);
    for (int i = 0; i < LOADS; i++)
        free(blocks[i]);
    return 0;
}
