/* frame_table.c — frames and their strings for the HTML report (see frame_table.h). Source lines come from the
 * model's linecache reader, so the page shows exactly what Traceback.format prints. */
#include "frame_table.h"

#include <stdlib.h>
#include <string.h>

#include "common/untraced_alloc.h"
#include "snapshot_internal.h"
#include "text_escape.h"

static int64_t intern_string(struct frame_table *table, const char *s)
{
    return string_table_intern(&table->strings, s, strlen(s));
}

static int64_t source_line_id(struct frame_table *table, const tmtrace_frame *frame)
{
    const char *line = "";
    char *storage = NULL;
    size_t len = tm_source_line(frame->filename, frame->lineno, &line, &storage);
    int64_t id = string_table_intern(&table->strings, line, len);
    tm_free(storage);
    return id;
}

int64_t frame_table_add(struct frame_table *table, const tmtrace_frame *frame)
{
    int64_t filename = intern_string(table, frame->filename), function = intern_string(table, frame->function);
    if (filename < 0 || function < 0)
        return -1;
    uint64_t key[3] = {(uint64_t)filename, (uint64_t)frame->lineno << 32 | frame->column, (uint64_t)function};
    int added;
    int64_t id = key_map_intern(&table->frames, key, &added);
    if (id < 0 || !added)
        return id;
    if ((size_t)id >= table->source_cap) {
        size_t cap = table->source_cap ? table->source_cap * 2 : 1024;
        uint32_t *grown = realloc(table->source_ids, cap * sizeof *grown);
        if (!grown)
            return -1;
        table->source_ids = grown;
        table->source_cap = cap;
    }
    int64_t source = source_line_id(table, frame);
    if (source < 0)
        return -1;
    table->source_ids[id] = (uint32_t)source;
    return id;
}

uint32_t frame_table_filename(const struct frame_table *table, uint32_t frame_id)
{
    return (uint32_t)table->frames.keys[frame_id][0];
}

unsigned frame_table_lineno(const struct frame_table *table, uint32_t frame_id)
{
    return (unsigned)(table->frames.keys[frame_id][1] >> 32);
}

void frame_table_write_json(FILE *out, const struct frame_table *table)
{
    fputs("{\"strings\":[", out);
    for (size_t i = 0; i < table->strings.len; i++) {
        if (i)
            fputc(',', out);
        json_string(out, table->strings.strings[i], 1);
    }
    fputs("],\n\"frames\":[", out);
    for (size_t i = 0; i < table->frames.len; i++) {
        const uint64_t *k = table->frames.keys[i];
        fprintf(out, "%s%llu,%llu,%llu,%llu,%u", i ? "," : "", (unsigned long long)k[0],
                (unsigned long long)(k[1] >> 32), (unsigned long long)(k[1] & 0xffffffffu),
                (unsigned long long)k[2], table->source_ids[i]);
    }
    fputs("]}", out);
}

void frame_table_free(struct frame_table *table)
{
    string_table_free(&table->strings);
    key_map_free(&table->frames);
    free(table->source_ids);
    memset(table, 0, sizeof *table);
}
