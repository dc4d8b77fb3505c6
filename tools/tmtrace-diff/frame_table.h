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
};

/* The frame's id, adding it (and reading its source line) if new; -1 when out of memory. */
int64_t frame_table_add(struct frame_table *table, const tmtrace_frame *frame);
/* The string id of a frame's file name and its line number: what tracemalloc compares frames by. */
uint32_t frame_table_filename(const struct frame_table *table, uint32_t frame_id);
unsigned frame_table_lineno(const struct frame_table *table, uint32_t frame_id);
/* {"strings": [...], "frames": [filename, lineno, column, function, source, ...]} — 5 numbers per frame. */
void frame_table_write_json(FILE *out, const struct frame_table *table);
void frame_table_free(struct frame_table *table);

#endif
