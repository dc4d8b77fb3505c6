/* leak_between_snapshots.c — the "done when": takes a snapshot, calls a function that leaks three
 * 80-byte blocks and one that frees what it allocates, takes another snapshot and dumps both to argv[1] and
 * argv[2]; tmtrace-diff must then show the leaking line first with +240 B and +3 blocks. */
#include <stdio.h>
#include <stdlib.h>

#include <tmtrace/tmtrace.h>

static void *kept[3];

static void leak(void)
{
    for (int i = 0; i < 3; i++)
        kept[i] = malloc(80);
}

static void no_leak(void)
{
    void *p = malloc(1000);
    free(p);
}

static int dump(tmtrace_snapshot *snap, const char *path)
{
    if (!snap || tmtrace_snapshot_dump(snap, path) != 0) {
        fprintf(stderr, "leak_between_snapshots: %s\n", tmtrace_last_error());
        return 1;
    }
    tmtrace_snapshot_free(snap);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    tmtrace_snapshot *before = tmtrace_take_snapshot();
    leak();
    no_leak();
    tmtrace_snapshot *after = tmtrace_take_snapshot();
    return dump(before, argv[1]) | dump(after, argv[2]);
}
