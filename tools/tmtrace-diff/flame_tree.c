/* flame_tree.c — building and writing the flame-graph tree (see flame_tree.h).
 *
 * JSON written, one array entry per node in preorder, the root (all traces, frame -1) first:
 *   {"kind": "statistics"|"compare", "nodes": N (the root included),
 *    "depth": [...], "frame": [...],       depth 0 is the root; frame indexes the page's frame table
 *    "size": [...], "count": [...],        totals of the tracebacks beneath (the new snapshot's for a compare;
 *                                          the root's are those of all traces)
 *    "grow": [...], "shrink": [...],       compare only: bytes of the size_diffs > 0 and of those < 0 beneath
 *    "count_diff": [...]}                  compare only
 * Children come widest first, then by (filename, lineno), so the same input always gives the same page. */
#include "flame_tree.h"

#include <stdlib.h>
#include <string.h>

struct node {
    uint32_t frame; /* UINT32_MAX for the root */
    uint32_t first_child, next_sibling; /* 0: none (the root is never a child) */
    uint32_t depth;
    uint64_t size, count, grow, shrink;
    int64_t count_diff;
};

struct tree {
    struct node *nodes;
    size_t len, cap;
    struct key_map children; /* (parent, filename id, lineno) -> node index - 1 */
    struct frame_table *frames;
    int is_diff;
};

static uint64_t width(const struct tree *t, const struct node *n)
{
    return t->is_diff ? n->grow + n->shrink : n->size;
}

/* The child of parent for frame, created if new; 0 when out of memory. */
static uint32_t child_of(struct tree *t, uint32_t parent, const tmtrace_frame *frame)
{
    int64_t frame_id = frame_table_add(t->frames, frame);
    if (frame_id < 0)
        return 0;
    uint64_t key[3] = {parent, frame_table_filename(t->frames, (uint32_t)frame_id), frame->lineno};
    int added;
    int64_t id = key_map_intern(&t->children, key, &added);
    if (id < 0)
        return 0;
    if (!added)
        return (uint32_t)id + 1;
    if (t->len == t->cap) {
        size_t cap = t->cap * 2;
        struct node *grown = realloc(t->nodes, cap * sizeof *grown);
        if (!grown)
            return 0;
        t->nodes = grown;
        t->cap = cap;
    }
    uint32_t index = (uint32_t)t->len++;
    struct node *n = &t->nodes[index], *p = &t->nodes[parent];
    memset(n, 0, sizeof *n);
    n->frame = (uint32_t)frame_id;
    n->depth = p->depth + 1;
    n->next_sibling = p->first_child;
    p->first_child = index;
    return index;
}

/* Adds one traceback's totals to the root and, unless it has zero width, to every node on its path, oldest
 * frame first: the root holds the totals of all traces. */
static int add_traceback(struct tree *t, const tmtrace_traceback *tb, uint64_t size, uint64_t count,
                         int64_t size_diff, int64_t count_diff)
{
    uint64_t grow = size_diff > 0 ? (uint64_t)size_diff : 0, shrink = size_diff < 0 ? -(uint64_t)size_diff : 0;
    int drawn = t->is_diff ? grow + shrink != 0 : size != 0;
    uint32_t at = 0;
    for (size_t i = 0;; i++) {
        struct node *n = &t->nodes[at];
        n->size += size;
        n->count += count;
        n->grow += grow;
        n->shrink += shrink;
        n->count_diff += count_diff;
        if (!drawn || i == tmtrace_traceback_nframe(tb))
            return 0;
        if (!(at = child_of(t, at, tmtrace_traceback_frame(tb, i))))
            return -1;
    }
}

static const struct tree *sorting_tree; /* qsort has no context argument */

static int child_order(const void *pa, const void *pb)
{
    const struct tree *t = sorting_tree;
    const struct node *a = &t->nodes[*(const uint32_t *)pa], *b = &t->nodes[*(const uint32_t *)pb];
    uint64_t wa = width(t, a), wb = width(t, b);
    if (wa != wb)
        return wa > wb ? -1 : 1;
    const struct string_table *s = &t->frames->strings;
    int c = strcmp(s->strings[frame_table_filename(t->frames, a->frame)],
                   s->strings[frame_table_filename(t->frames, b->frame)]);
    if (c)
        return c;
    unsigned la = frame_table_lineno(t->frames, a->frame), lb = frame_table_lineno(t->frames, b->frame);
    return la < lb ? -1 : la > lb;
}

/* The node indexes in preorder with sorted children; NULL when out of memory. */
static uint32_t *preorder(const struct tree *t)
{
    uint32_t *order = malloc(t->len * sizeof *order), *stack = malloc(t->len * sizeof *stack);
    if (!order || !stack) {
        free(order);
        free(stack);
        return NULL;
    }
    size_t nout = 0, depth = 0;
    stack[depth++] = 0;
    sorting_tree = t;
    while (depth) {
        uint32_t at = stack[--depth];
        order[nout++] = at;
        size_t first = depth;
        for (uint32_t c = t->nodes[at].first_child; c; c = t->nodes[c].next_sibling)
            stack[depth++] = c;
        if (depth - first < 2)
            continue;
        qsort(stack + first, depth - first, sizeof *stack, child_order);
        for (size_t i = first, j = depth - 1; i < j; i++, j--) { /* widest on top of the stack */
            uint32_t tmp = stack[i];
            stack[i] = stack[j];
            stack[j] = tmp;
        }
    }
    free(stack);
    return order;
}

enum field { DEPTH, FRAME, SIZE, COUNT, GROW, SHRINK, COUNT_DIFF };

static void write_array(FILE *out, const struct tree *t, const uint32_t *order, const char *name, enum field f)
{
    fprintf(out, ",\n\"%s\":[", name);
    for (size_t i = 0; i < t->len; i++) {
        const struct node *n = &t->nodes[order[i]];
        if (i)
            fputc(',', out);
        switch (f) {
        case DEPTH: fprintf(out, "%u", n->depth); break;
        case FRAME: fprintf(out, "%lld", n->frame == UINT32_MAX ? -1LL : (long long)n->frame); break;
        case SIZE: fprintf(out, "%llu", (unsigned long long)n->size); break;
        case COUNT: fprintf(out, "%llu", (unsigned long long)n->count); break;
        case GROW: fprintf(out, "%llu", (unsigned long long)n->grow); break;
        case SHRINK: fprintf(out, "%llu", (unsigned long long)n->shrink); break;
        case COUNT_DIFF: fprintf(out, "%lld", (long long)n->count_diff); break;
        }
    }
    fputc(']', out);
}

static long write_tree(FILE *out, struct tree *t)
{
    uint32_t *order = preorder(t);
    if (!order)
        return -1;
    fprintf(out, "{\"kind\":\"%s\",\"nodes\":%zu", t->is_diff ? "compare" : "statistics", t->len);
    write_array(out, t, order, "depth", DEPTH);
    write_array(out, t, order, "frame", FRAME);
    write_array(out, t, order, "size", SIZE);
    write_array(out, t, order, "count", COUNT);
    if (t->is_diff) {
        write_array(out, t, order, "grow", GROW);
        write_array(out, t, order, "shrink", SHRINK);
        write_array(out, t, order, "count_diff", COUNT_DIFF);
    }
    fputs("}", out);
    free(order);
    return (long)t->len - 1;
}

static int tree_init(struct tree *t, struct frame_table *frames, int is_diff)
{
    memset(t, 0, sizeof *t);
    t->frames = frames;
    t->is_diff = is_diff;
    t->cap = 1024;
    t->nodes = calloc(t->cap, sizeof *t->nodes);
    if (!t->nodes)
        return -1;
    t->nodes[0].frame = UINT32_MAX;
    t->len = 1;
    return 0;
}

static void tree_free(struct tree *t)
{
    free(t->nodes);
    key_map_free(&t->children);
}

long flame_tree_write_statistics(FILE *out, struct frame_table *frames, const tmtrace_statistics *stats)
{
    struct tree t;
    long result = tree_init(&t, frames, 0);
    for (size_t i = 0; i < stats->len && result == 0; i++)
        result = add_traceback(&t, stats->items[i].traceback, stats->items[i].size, stats->items[i].count, 0, 0);
    if (result == 0)
        result = write_tree(out, &t);
    tree_free(&t);
    return result;
}

long flame_tree_write_differences(FILE *out, struct frame_table *frames, const tmtrace_statistic_diffs *diffs)
{
    struct tree t;
    long result = tree_init(&t, frames, 1);
    for (size_t i = 0; i < diffs->len && result == 0; i++) {
        const tmtrace_statistic_diff *d = &diffs->items[i];
        result = add_traceback(&t, d->traceback, d->size, d->count, d->size_diff, d->count_diff);
    }
    if (result == 0)
        result = write_tree(out, &t);
    tree_free(&t);
    return result;
}
