/* waste_memory.c — the demo: the waste-memory example of Python's tracemalloc documentation, in C.
 *
 * An object holds a 100-byte buffer; get_data() builds 100 of them; run() calls it 100 times and keeps
 * everything. Built with -fsanitize=tmtrace (tmtrace_instrument) and run with
 * TMTRACE_OPTIONS=frames=25:report_at_exit=10, it prints, like the documentation's examples:
 *   - the traceback of the biggest allocation site (tracemalloc's "Get the traceback of a memory block"),
 *     main -> run -> get_data -> my_object_new -> malloc, taken from a snapshot;
 *   - at exit, the runtime's "[ Top 10 ]" lines, each naming a line of this file. */
#include <stdio.h>
#include <stdlib.h>

#include <tmtrace/tmtrace.h>

struct my_object {
    char *data;
};

static struct my_object *my_object_new(void)
{
    struct my_object *obj = malloc(sizeof *obj);
    obj->data = malloc(100);
    return obj;
}

static struct my_object **get_data(void)
{
    struct my_object **values = malloc(100 * sizeof *values);
    for (int i = 0; i < 100; i++)
        values[i] = my_object_new();
    return values;
}

static struct my_object ***run(void)
{
    struct my_object ***results = malloc(100 * sizeof *results);
    for (int i = 0; i < 100; i++)
        results[i] = get_data();
    return results;
}

/* Prints the biggest entry of snapshot.statistics('traceback') and its traceback, as the documentation's
 * example does. Returns 0, or 1 with a message if tracing is off. */
static int print_biggest_traceback(void)
{
    tmtrace_snapshot *snapshot = tmtrace_take_snapshot();
    if (!snapshot) {
        fprintf(stderr, "tmtrace-demo: no snapshot: %s\n", tmtrace_last_error());
        return 1;
    }
    tmtrace_statistics *stats = tmtrace_snapshot_statistics(snapshot, TMTRACE_KEY_TRACEBACK, 0);
    if (stats && stats->len > 0) {
        const tmtrace_statistic *biggest = &stats->items[0];
        printf("%zu memory blocks: %.1f KiB\n", biggest->count, biggest->size / 1024.0);
        tmtrace_traceback_format(biggest->traceback, 0, 0, stdout);
        printf("\n");
    }
    tmtrace_statistics_free(stats);
    tmtrace_snapshot_free(snapshot);
    return 0;
}

int main(void)
{
    struct my_object ***data = run();
    int status = print_biggest_traceback();
    fflush(stdout);
    (void)data; /* kept alive on purpose: the exit report lists it */
    return status;
}
