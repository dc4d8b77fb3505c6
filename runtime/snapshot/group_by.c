/* group_by.c — Snapshot._group_by(), statistics() and compare_to(): the same groups, the same sort keys and
 * the same tie-breaking (Python's Traceback ordering) as CPython's tracemalloc.
 *
 * Grouping never hashes a trace: traces are first summed per traceback id, then each traceback's totals go
 * to the dense index of its key (traceback group, location or filename), so the cost is one pass over the
 * traces plus work proportional to the number of distinct tracebacks. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/untraced_alloc.h"
#include "snapshot_internal.h"

int tmtrace_key_parse(const char *name, tmtrace_key *key)
{
    static const char *const names[] = {"filename", "lineno", "traceback"};
    for (int k = 0; name && k < 3; k++) {
        if (strcmp(name, names[k]) == 0) {
            *key = (tmtrace_key)k;
            return 0;
        }
    }
    return tm_error("unknown key_type: '%s' (expected filename, lineno or traceback)", name ? name : "(null)");
}

struct group_stat {
    const tmtrace_traceback *traceback;
    uint32_t hash; /* content hash of the traceback's (filename, lineno) sequence */
    uint64_t size;
    uint64_t count;
};

/* Tracebacks made for the groups of keys "lineno" and "filename": one frame each. Owned by the result. */
struct synthesized {
    struct tmtrace_traceback *tracebacks;
    const tmtrace_frame **frame_pointers;
    tmtrace_frame *frames; /* key "filename" only: (filename, 0) */
};

struct grouped {
    size_t n;
    struct group_stat *items;
    struct synthesized synth;
};

static void synthesized_free(struct synthesized *s)
{
    tm_free(s->tracebacks);
    tm_free(s->frame_pointers);
    tm_free(s->frames);
}

static size_t key_space(const tmtrace_snapshot *snap, tmtrace_key key)
{
    return key == TMTRACE_KEY_TRACEBACK ? snap->ngroups
         : key == TMTRACE_KEY_LINENO    ? snap->nlocations
                                        : snap->nstrings;
}

static uint32_t frame_key(const tmtrace_frame *frame, tmtrace_key key)
{
    const struct tm_frame *f = (const struct tm_frame *)frame;
    return key == TMTRACE_KEY_LINENO ? f->location_id : f->filename_id;
}

static int group_by(const tmtrace_snapshot *snap, tmtrace_key key, int cumulative, struct grouped *out,
                    const char *caller)
{
    memset(out, 0, sizeof *out);
    if ((unsigned)key > TMTRACE_KEY_TRACEBACK)
        return tm_error("%s: unknown key_type %d", caller, (int)key);
    if (cumulative && key == TMTRACE_KEY_TRACEBACK)
        return tm_error("%s: cumulative mode cannot by used with key type 'traceback'", caller);

    size_t nkeys = key_space(snap, key);
    uint64_t *per_traceback = tm_calloc(snap->ntracebacks * 2 + 1, sizeof(uint64_t)); /* size, count pairs */
    uint64_t *per_key = tm_calloc(nkeys * 2 + 1, sizeof(uint64_t));
    if (!per_traceback || !per_key)
        goto out_of_memory;
    for (size_t i = 0; i < snap->ntraces; i++) {
        const struct tm_trace *trace = &snap->traces[i];
        per_traceback[2 * trace->traceback_id] += trace->size;
        per_traceback[2 * trace->traceback_id + 1]++;
    }
    for (size_t t = 0; t < snap->ntracebacks; t++) {
        uint64_t size = per_traceback[2 * t], count = per_traceback[2 * t + 1];
        if (!count)
            continue;
        const struct tmtrace_traceback *tb = snap->tracebacks[t];
        if (key == TMTRACE_KEY_TRACEBACK) {
            per_key[2 * tb->group_id] += size;
            per_key[2 * tb->group_id + 1] += count;
        } else if (!cumulative) {
            uint32_t k = frame_key(tb->frames[tb->nframe - 1], key); /* the most recent frame */
            per_key[2 * k] += size;
            per_key[2 * k + 1] += count;
        } else {
            /* Every frame counts, repeated frames (recursion) as often as they appear, as in CPython. */
            for (size_t f = 0; f < tb->nframe; f++) {
                uint32_t k = frame_key(tb->frames[f], key);
                per_key[2 * k] += size;
                per_key[2 * k + 1] += count;
            }
        }
    }
    tm_free(per_traceback);
    per_traceback = NULL;

    size_t n = 0;
    for (size_t k = 0; k < nkeys; k++)
        n += per_key[2 * k + 1] != 0;
    out->items = tm_malloc((n ? n : 1) * sizeof *out->items);
    if (!out->items)
        goto out_of_memory;
    if (key != TMTRACE_KEY_TRACEBACK) {
        out->synth.tracebacks = tm_malloc((n ? n : 1) * sizeof *out->synth.tracebacks);
        out->synth.frame_pointers = tm_malloc((n ? n : 1) * sizeof *out->synth.frame_pointers);
        if (key == TMTRACE_KEY_FILENAME)
            out->synth.frames = tm_malloc((n ? n : 1) * sizeof *out->synth.frames);
        if (!out->synth.tracebacks || !out->synth.frame_pointers || (key == TMTRACE_KEY_FILENAME && !out->synth.frames))
            goto out_of_memory;
    }
    for (size_t k = 0; k < nkeys; k++) {
        if (!per_key[2 * k + 1])
            continue;
        struct group_stat *item = &out->items[out->n];
        item->size = per_key[2 * k];
        item->count = per_key[2 * k + 1];
        if (key == TMTRACE_KEY_TRACEBACK) {
            item->traceback = snap->tracebacks[snap->groups[k].traceback_id];
            item->hash = snap->groups[k].hash;
        } else {
            const tmtrace_frame *frame;
            if (key == TMTRACE_KEY_LINENO) {
                frame = &snap->frames[snap->locations[k].frame_id]->pub;
                item->hash = snap->locations[k].hash;
            } else { /* tracemalloc groups "filename" under the frame (filename, 0) */
                tmtrace_frame *synth = &out->synth.frames[out->n];
                *synth = (tmtrace_frame){snap->strings[k].text, 0, 0, "", 0};
                frame = synth;
                item->hash = tm_hash_final(tm_hash_location(TM_HASH_SEED, snap->strings[k].hash, 0));
            }
            out->synth.frame_pointers[out->n] = frame;
            out->synth.tracebacks[out->n] =
                (struct tmtrace_traceback){&out->synth.frame_pointers[out->n], 1, 1, TM_NO_ID, 0};
            item->traceback = &out->synth.tracebacks[out->n];
        }
        out->n++;
    }
    tm_free(per_key);
    return 0;

out_of_memory:
    tm_free(per_traceback);
    tm_free(per_key);
    tm_free(out->items);
    synthesized_free(&out->synth);
    memset(out, 0, sizeof *out);
    return tm_error("%s: out of memory", caller);
}

/* ---- statistics ---- */

struct statistics_result {
    tmtrace_statistics pub;
    tmtrace_statistic *items;
    struct synthesized synth;
};

/* Statistic._sort_key = (size, count, traceback), sorted in reverse. */
static int statistic_order(const void *pa, const void *pb)
{
    const tmtrace_statistic *a = pa, *b = pb;
    if (a->size != b->size)
        return a->size > b->size ? -1 : 1;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return -tm_traceback_compare(a->traceback, b->traceback);
}

tmtrace_statistics *tmtrace_snapshot_statistics(const tmtrace_snapshot *snap, tmtrace_key key, int cumulative)
{
    if (!snap) {
        tm_error("tmtrace_snapshot_statistics: snapshot is NULL");
        return NULL;
    }
    struct grouped g;
    if (group_by(snap, key, cumulative, &g, "tmtrace_snapshot_statistics") < 0)
        return NULL;
    struct statistics_result *result = tm_malloc(sizeof *result);
    tmtrace_statistic *items = tm_malloc((g.n ? g.n : 1) * sizeof *items);
    if (!result || !items) {
        tm_free(result);
        tm_free(items);
        tm_free(g.items);
        synthesized_free(&g.synth);
        tm_error("tmtrace_snapshot_statistics: out of memory");
        return NULL;
    }
    for (size_t i = 0; i < g.n; i++)
        items[i] = (tmtrace_statistic){g.items[i].traceback, (size_t)g.items[i].size, (size_t)g.items[i].count};
    qsort(items, g.n, sizeof *items, statistic_order);
    result->pub = (tmtrace_statistics){g.n, items};
    result->items = items;
    result->synth = g.synth;
    tm_free(g.items);
    return &result->pub;
}

void tmtrace_statistics_free(tmtrace_statistics *stats)
{
    if (!stats)
        return;
    struct statistics_result *result = (struct statistics_result *)stats;
    tm_free(result->items);
    synthesized_free(&result->synth);
    tm_free(result);
}

/* ---- compare_to ---- */

struct diffs_result {
    tmtrace_statistic_diffs pub;
    tmtrace_statistic_diff *items;
    struct synthesized new_synth, old_synth;
};

static uint64_t magnitude(int64_t v)
{
    return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

/* StatisticDiff._sort_key = (abs(size_diff), size, abs(count_diff), count, traceback), sorted in reverse. */
static int diff_order(const void *pa, const void *pb)
{
    const tmtrace_statistic_diff *a = pa, *b = pb;
    uint64_t ma = magnitude(a->size_diff), mb = magnitude(b->size_diff);
    if (ma != mb)
        return ma > mb ? -1 : 1;
    if (a->size != b->size)
        return a->size > b->size ? -1 : 1;
    ma = magnitude(a->count_diff), mb = magnitude(b->count_diff);
    if (ma != mb)
        return ma > mb ? -1 : 1;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return -tm_traceback_compare(a->traceback, b->traceback);
}

static int group_stat_equal(const void *ctx, uint32_t id, const void *key)
{
    const struct group_stat *items = ctx;
    return tm_traceback_same_locations(items[id].traceback, key);
}

tmtrace_statistic_diffs *tmtrace_snapshot_compare_to(const tmtrace_snapshot *snap, const tmtrace_snapshot *old,
                                                     tmtrace_key key, int cumulative)
{
    static const char caller[] = "tmtrace_snapshot_compare_to";
    if (!snap || !old) {
        tm_error("%s: %s snapshot is NULL", caller, snap ? "old" : "new");
        return NULL;
    }
    struct grouped now, before;
    if (group_by(snap, key, cumulative, &now, caller) < 0)
        return NULL;
    if (group_by(old, key, cumulative, &before, caller) < 0) {
        tm_free(now.items);
        synthesized_free(&now.synth);
        return NULL;
    }
    struct diffs_result *result = tm_malloc(sizeof *result);
    tmtrace_statistic_diff *items = tm_malloc((now.n + before.n + 1) * sizeof *items);
    unsigned char *matched = tm_calloc(before.n + 1, 1);
    tm_id_set index = {0};
    if (!result || !items || !matched || tm_id_set_reserve(&index, before.n) < 0)
        goto out_of_memory;
    for (size_t i = 0; i < before.n; i++)
        tm_id_set_insert(&index, before.items[i].hash, (uint32_t)i); /* reserved: cannot fail */

    size_t n = 0;
    for (size_t i = 0; i < now.n; i++) {
        const struct group_stat *s = &now.items[i];
        uint32_t prev = tm_id_set_find(&index, s->hash, group_stat_equal, before.items, s->traceback);
        int64_t size_diff = (int64_t)s->size, count_diff = (int64_t)s->count;
        if (prev != TM_NO_ID) {
            matched[prev] = 1;
            size_diff -= (int64_t)before.items[prev].size;
            count_diff -= (int64_t)before.items[prev].count;
        }
        items[n++] = (tmtrace_statistic_diff){s->traceback, (size_t)s->size, size_diff, (size_t)s->count, count_diff};
    }
    for (size_t i = 0; i < before.n; i++) {
        const struct group_stat *s = &before.items[i];
        if (!matched[i])
            items[n++] = (tmtrace_statistic_diff){s->traceback, 0, -(int64_t)s->size, 0, -(int64_t)s->count};
    }
    qsort(items, n, sizeof *items, diff_order);
    result->pub = (tmtrace_statistic_diffs){n, items};
    result->items = items;
    result->new_synth = now.synth;
    result->old_synth = before.synth;
    tm_id_set_release(&index);
    tm_free(matched);
    tm_free(now.items);
    tm_free(before.items);
    return &result->pub;

out_of_memory:
    tm_id_set_release(&index);
    tm_free(matched);
    tm_free(items);
    tm_free(result);
    tm_free(now.items);
    tm_free(before.items);
    synthesized_free(&now.synth);
    synthesized_free(&before.synth);
    tm_error("%s: out of memory", caller);
    return NULL;
}

void tmtrace_statistic_diffs_free(tmtrace_statistic_diffs *diffs)
{
    if (!diffs)
        return;
    struct diffs_result *result = (struct diffs_result *)diffs;
    tm_free(result->items);
    synthesized_free(&result->new_synth);
    synthesized_free(&result->old_synth);
    tm_free(result);
}
