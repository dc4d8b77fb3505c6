/* fuzz_load.c — libFuzzer target for the snapshot loader: any bytes must give a snapshot or a clear error,
 * never a crash, a leak or a huge allocation. Built with FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION so the
 * checksum does not stop the fuzzer before the parser; whatever loads is also grouped, compared, filtered
 * and dumped again, so the invariants a loaded snapshot promises are exercised too. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "snapshot_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tmtrace_snapshot *snap = tm_snapshot_load_buffer(data, size, "fuzz-input");
    if (!snap)
        return 0;
    for (int key = TMTRACE_KEY_FILENAME; key <= TMTRACE_KEY_TRACEBACK; key++) {
        tmtrace_statistics *stats = tmtrace_snapshot_statistics(snap, (tmtrace_key)key, 0);
        char line[256];
        for (size_t i = 0; stats && i < stats->len && i < 4; i++)
            tmtrace_statistic_format(&stats->items[i], line, sizeof line);
        tmtrace_statistics_free(stats);
        tmtrace_statistic_diffs_free(tmtrace_snapshot_compare_to(snap, snap, (tmtrace_key)key, key != TMTRACE_KEY_TRACEBACK));
    }
    tmtrace_filter filters[] = {{0, "*.h", -1, 1, -1}, {1, NULL, -1, 0, 0}};
    tmtrace_snapshot_free(tmtrace_snapshot_filter_traces(snap, filters, 2));
    tmtrace_snapshot_free(snap);
    return 0;
}
