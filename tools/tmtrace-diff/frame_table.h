/* frame_table.h — the frames an HTML report draws, each stored once with its strings (file name, function,
 * source line read as Traceback.format reads it), so that flame-graph nodes refer to frames by index. */
#ifndef TMTRACE_DIFF_FRAME_TABLE_H
#define TMTRACE_DIFF_FRAME_TABLE_H

#include <stdint.h>
#include <stdio.h>

#include <tmtrace/tmtrace.h>

#include "intern.h"

struct frame_table {
    struct string_table strings;
    struct key_map frames; /* (filename id, lineno << 32 | column, function id) -> frame id */
    uint32_t *source_ids;  /* per frame: the string id of its stripped source line ("" when unreadable) */
    size_t source_cap;
    /* The model's line reader reads the whole file for each line, so a program with thousands of distinct lines
     * in large files would take minutes: source lines are read until this many file bytes have been read (the
     * biggest tracebacks' frames come first), and the frames left without are counted. */
    uint64_t source_budget_used;
    size_t sources_skipped;
};
#define FRAME_TABLE_SOURCE_BUDGET (256u << 20)

/* The frame's id, adding it (and reading its source line) if new; -1 when out of memory. */
int64_t frame_table_add(struct frame_table *table, const tmtrace_frame *frame);
/* The string id of a frame's file name and its line number: what tracemalloc compares frames by. */
uint32_t frame_table_filename(const struct frame_table *table, uint32_t frame_id);
unsigned frame_table_lineno(const struct frame_table *table, uint32_t frame_id);
/* {"strings": [...], "frames": [filename, lineno, column, function, source, ...], "sources_skipped": N}
 * — 5 numbers per frame. */
void frame_table_write_json(FILE *out, const struct frame_table *table);
void frame_table_free(struct frame_table *table);

#endif
