/* snapshot_build.c — creating a snapshot from raw traces (tracemalloc.Snapshot(raw_traces, limit)): interning
 * strings, frames, locations and tracebacks, appending traces; and the snapshot's plain accessors. */
#include <string.h>

#include "common/error.h"
#include "common/untraced_alloc.h"
#include "snapshot_internal.h"

static const char UNKNOWN_FILENAME[] = "<unknown>"; /* tracemalloc's frame for a traceback it could not get */

tmtrace_snapshot *tmtrace_snapshot_new(unsigned traceback_limit)
{
    tmtrace_snapshot *snap = tm_calloc(1, sizeof *snap);
    if (!snap) {
        tm_error("tmtrace_snapshot_new: out of memory");
        return NULL;
    }
    snap->traceback_limit = traceback_limit;
    return snap;
}

void tmtrace_snapshot_free(tmtrace_snapshot *snap)
{
    if (!snap)
        return;
    tm_arena_release(&snap->arena);
    tm_free(snap->strings);
    tm_id_set_release(&snap->string_set);
    tm_free(snap->frames);
    tm_id_set_release(&snap->frame_set);
    tm_free(snap->locations);
    tm_id_set_release(&snap->location_set);
    tm_free(snap->tracebacks);
    tm_id_set_release(&snap->traceback_set);
    tm_free(snap->groups);
    tm_id_set_release(&snap->group_set);
    tm_free(snap->traces);
    tm_free(snap->domain_names);
    tm_free(snap);
}

/* ---- strings ---- */

struct string_key {
    const char *text;
    size_t len;
};

static int string_equal(const void *ctx, uint32_t id, const void *key)
{
    const struct tm_string *s = &((const tmtrace_snapshot *)ctx)->strings[id];
    const struct string_key *k = key;
    return s->len == k->len && memcmp(s->text, k->text, k->len) == 0;
}

uint32_t tm_snapshot_intern_string(tmtrace_snapshot *snap, const char *text, size_t len)
{
    struct string_key key = {text, len};
    uint32_t hash = tm_hash_bytes(text, len);
    uint32_t id = tm_id_set_find(&snap->string_set, hash, string_equal, snap, &key);
    if (id != TM_NO_ID)
        return id;
    if (len > UINT32_MAX || snap->nstrings >= INT32_MAX) {
        tm_error("snapshot: string table full");
        return TM_NO_ID;
    }
    char *copy;
    if (tm_array_reserve((void **)&snap->strings, &snap->strings_cap, sizeof *snap->strings, snap->nstrings + 1) < 0 ||
        !(copy = tm_arena_strdup(&snap->arena, text, len))) {
        tm_error("snapshot: out of memory");
        return TM_NO_ID;
    }
    id = (uint32_t)snap->nstrings;
    if (tm_id_set_insert(&snap->string_set, hash, id) < 0) {
        tm_error("snapshot: out of memory");
        return TM_NO_ID;
    }
    snap->strings[id] = (struct tm_string){copy, (uint32_t)len, hash};
    snap->nstrings++;
    return id;
}

/* ---- locations (filename, lineno) ---- */

struct location_key {
    uint32_t filename_id, lineno;
};

static int location_equal(const void *ctx, uint32_t id, const void *key)
{
    const struct tm_location *loc = &((const tmtrace_snapshot *)ctx)->locations[id];
    const struct location_key *k = key;
    return loc->filename_id == k->filename_id && loc->lineno == k->lineno;
}

/* Returns the location id, creating it with frame_id as its representative; TM_NO_ID when out of memory. */
static uint32_t intern_location(tmtrace_snapshot *snap, uint32_t filename_id, uint32_t lineno, uint32_t frame_id)
{
    struct location_key key = {filename_id, lineno};
    uint32_t hash = tm_hash_final(tm_hash_location(TM_HASH_SEED, snap->strings[filename_id].hash, lineno));
    uint32_t id = tm_id_set_find(&snap->location_set, hash, location_equal, snap, &key);
    if (id != TM_NO_ID)
        return id;
    if (tm_array_reserve((void **)&snap->locations, &snap->locations_cap, sizeof *snap->locations,
                         snap->nlocations + 1) < 0 ||
        tm_id_set_insert(&snap->location_set, hash, (uint32_t)snap->nlocations) < 0)
        return TM_NO_ID;
    snap->locations[snap->nlocations] = (struct tm_location){filename_id, lineno, frame_id, hash};
    return (uint32_t)snap->nlocations++;
}

/* ---- frames ---- */

struct frame_key {
    uint32_t filename_id, lineno, column, function_id, flags;
};

static int frame_equal(const void *ctx, uint32_t id, const void *key)
{
    const struct tm_frame *f = ((const tmtrace_snapshot *)ctx)->frames[id];
    const struct frame_key *k = key;
    return f->filename_id == k->filename_id && f->pub.lineno == k->lineno && f->pub.column == k->column &&
           f->function_id == k->function_id && f->pub.flags == k->flags;
}

static int32_t add_frame(tmtrace_snapshot *snap, const char *filename, unsigned lineno, unsigned column,
                         const char *function, unsigned flags)
{
    if (!filename) {
        tm_error("tmtrace_snapshot_add_frame: filename is NULL");
        return -1;
    }
    if (!function)
        function = "";
    struct frame_key key;
    key.filename_id = tm_snapshot_intern_string(snap, filename, strlen(filename));
    key.function_id = tm_snapshot_intern_string(snap, function, strlen(function));
    if (key.filename_id == TM_NO_ID || key.function_id == TM_NO_ID)
        return -1;
    key.lineno = lineno;
    key.column = column;
    key.flags = flags;
    uint64_t h = tm_hash_mix(TM_HASH_SEED, key.filename_id);
    h = tm_hash_mix(h, ((uint64_t)lineno << 32) | column);
    h = tm_hash_mix(h, ((uint64_t)key.function_id << 32) | flags);
    uint32_t hash = tm_hash_final(h);
    uint32_t id = tm_id_set_find(&snap->frame_set, hash, frame_equal, snap, &key);
    if (id != TM_NO_ID)
        return (int32_t)id;
    if (snap->nframes >= INT32_MAX) {
        tm_error("tmtrace_snapshot_add_frame: too many frames");
        return -1;
    }
    id = (uint32_t)snap->nframes;
    /* Reserve everything before changing anything, so that running out of memory leaves no half-added frame. */
    struct tm_frame *frame = tm_arena_alloc(&snap->arena, sizeof *frame, _Alignof(struct tm_frame));
    uint32_t location_id = TM_NO_ID;
    if (!frame || tm_array_reserve((void **)&snap->frames, &snap->frames_cap, sizeof *snap->frames, id + 1) < 0 ||
        tm_id_set_reserve(&snap->frame_set, snap->frame_set.len + 1) < 0 ||
        (location_id = intern_location(snap, key.filename_id, lineno, id)) == TM_NO_ID) {
        tm_error("tmtrace_snapshot_add_frame: out of memory");
        return -1;
    }
    tm_id_set_insert(&snap->frame_set, hash, id); /* cannot fail: reserved above */
    frame->pub = (tmtrace_frame){snap->strings[key.filename_id].text, lineno, column,
                                 snap->strings[key.function_id].text, flags};
    frame->filename_id = key.filename_id;
    frame->function_id = key.function_id;
    frame->location_id = location_id;
    frame->frame_id = id;
    snap->frames[id] = frame;
    snap->nframes++;
    return (int32_t)id;
}

int32_t tmtrace_snapshot_add_frame(tmtrace_snapshot *snap, const char *filename, unsigned lineno, unsigned column,
                                   const char *function, unsigned flags)
{
    if (!snap) {
        tm_error("tmtrace_snapshot_add_frame: snapshot is NULL");
        return -1;
    }
    return add_frame(snap, filename, lineno, column, function, flags);
}

/* ---- tracebacks and their groups ---- */

struct traceback_key {
    const int32_t *frame_ids; /* most recent first */
    size_t nframe;
    size_t total_nframe;
};

static int traceback_equal(const void *ctx, uint32_t id, const void *key)
{
    const tmtrace_snapshot *snap = ctx;
    const struct tmtrace_traceback *tb = snap->tracebacks[id];
    const struct traceback_key *k = key;
    if (tb->nframe != k->nframe || tb->total_nframe != k->total_nframe)
        return 0;
    for (size_t i = 0; i < k->nframe; i++)
        if (tb->frames[k->nframe - 1 - i] != &snap->frames[k->frame_ids[i]]->pub)
            return 0;
    return 1;
}

/* Groups compare the location ids of their representative traceback with those of the new one. */
static int group_equal(const void *ctx, uint32_t id, const void *key)
{
    const tmtrace_snapshot *snap = ctx;
    const struct tmtrace_traceback *rep = snap->tracebacks[snap->groups[id].traceback_id];
    const struct tmtrace_traceback *tb = key;
    if (rep->nframe != tb->nframe)
        return 0;
    for (size_t i = 0; i < tb->nframe; i++)
        if (((const struct tm_frame *)rep->frames[i])->location_id !=
            ((const struct tm_frame *)tb->frames[i])->location_id)
            return 0;
    return 1;
}

static uint32_t traceback_content_hash(const tmtrace_snapshot *snap, const struct tmtrace_traceback *tb)
{
    uint64_t h = TM_HASH_SEED;
    for (size_t i = 0; i < tb->nframe; i++) {
        const struct tm_frame *f = (const struct tm_frame *)tb->frames[i];
        h = tm_hash_location(h, snap->strings[f->filename_id].hash, f->pub.lineno);
    }
    return tm_hash_final(h);
}

int32_t tmtrace_snapshot_add_traceback(tmtrace_snapshot *snap, const int32_t *frame_ids, size_t nframe,
                                       size_t total_nframe)
{
    if (!snap || (!frame_ids && nframe)) {
        tm_error("tmtrace_snapshot_add_traceback: %s is NULL", snap ? "frame_ids" : "snapshot");
        return -1;
    }
    int32_t unknown_id;
    if (nframe == 0) {
        /* As tracemalloc does, a traceback without frames holds the frame "<unknown>":0. */
        unknown_id = add_frame(snap, UNKNOWN_FILENAME, 0, 0, "", 0);
        if (unknown_id < 0)
            return -1;
        frame_ids = &unknown_id;
        nframe = 1;
    }
    if (nframe > UINT32_MAX || total_nframe > UINT32_MAX) {
        tm_error("tmtrace_snapshot_add_traceback: %zu frames is too many", nframe);
        return -1;
    }
    if (total_nframe < nframe)
        total_nframe = nframe;
    uint64_t h = tm_hash_mix(TM_HASH_SEED, total_nframe);
    for (size_t i = 0; i < nframe; i++) {
        if (frame_ids[i] < 0 || (size_t)frame_ids[i] >= snap->nframes) {
            tm_error("tmtrace_snapshot_add_traceback: frame id %d is not a frame of this snapshot", frame_ids[i]);
            return -1;
        }
        h = tm_hash_mix(h, (uint32_t)frame_ids[i]);
    }
    uint32_t hash = tm_hash_final(h);
    struct traceback_key key = {frame_ids, nframe, total_nframe};
    uint32_t id = tm_id_set_find(&snap->traceback_set, hash, traceback_equal, snap, &key);
    if (id != TM_NO_ID)
        return (int32_t)id;
    if (snap->ntracebacks >= INT32_MAX) {
        tm_error("tmtrace_snapshot_add_traceback: too many tracebacks");
        return -1;
    }
    id = (uint32_t)snap->ntracebacks;

    struct tmtrace_traceback *tb = tm_arena_alloc(&snap->arena, sizeof *tb, _Alignof(struct tmtrace_traceback));
    const tmtrace_frame **frames = tm_arena_alloc(&snap->arena, nframe * sizeof *frames, _Alignof(void *));
    /* Reserve everything before changing anything, so that running out of memory leaves no half-added entry. */
    if (!tb || !frames ||
        tm_array_reserve((void **)&snap->tracebacks, &snap->tracebacks_cap, sizeof *snap->tracebacks, id + 1) < 0 ||
        tm_id_set_reserve(&snap->traceback_set, snap->traceback_set.len + 1) < 0 ||
        tm_array_reserve((void **)&snap->groups, &snap->groups_cap, sizeof *snap->groups, snap->ngroups + 1) < 0 ||
        tm_id_set_reserve(&snap->group_set, snap->group_set.len + 1) < 0)
        goto out_of_memory;
    tm_id_set_insert(&snap->traceback_set, hash, id);
    for (size_t i = 0; i < nframe; i++)
        frames[nframe - 1 - i] = &snap->frames[frame_ids[i]]->pub;
    *tb = (struct tmtrace_traceback){frames, (uint32_t)nframe, (uint32_t)total_nframe, 0, 0};
    snap->tracebacks[id] = tb;
    snap->ntracebacks++;

    uint32_t group_hash = traceback_content_hash(snap, tb);
    uint32_t group_id = tm_id_set_find(&snap->group_set, group_hash, group_equal, snap, tb);
    if (group_id == TM_NO_ID) {
        group_id = (uint32_t)snap->ngroups;
        tm_id_set_insert(&snap->group_set, group_hash, group_id);
        snap->groups[group_id] = (struct tm_group){id, group_hash};
        snap->ngroups++;
    }
    tb->group_id = group_id;
    return (int32_t)id;

out_of_memory:
    tm_error("tmtrace_snapshot_add_traceback: out of memory");
    return -1;
}

/* ---- traces ---- */

int tm_snapshot_reserve_traces(tmtrace_snapshot *snap, size_t n)
{
    if (tm_array_reserve((void **)&snap->traces, &snap->traces_cap, sizeof *snap->traces, snap->ntraces + n) < 0)
        return tm_error("snapshot: out of memory for %zu traces", snap->ntraces + n);
    return 0;
}

int tmtrace_snapshot_add_trace(tmtrace_snapshot *snap, unsigned domain, size_t size, int32_t traceback_id)
{
    if (!snap)
        return tm_error("tmtrace_snapshot_add_trace: snapshot is NULL");
    if (traceback_id < 0 || (size_t)traceback_id >= snap->ntracebacks)
        return tm_error("tmtrace_snapshot_add_trace: traceback id %d is not a traceback of this snapshot",
                        traceback_id);
    if (snap->ntraces == snap->traces_cap && tm_snapshot_reserve_traces(snap, 1) < 0)
        return -1;
    snap->traces[snap->ntraces++] = (struct tm_trace){domain, (uint32_t)traceback_id, size};
    return 0;
}

int tmtrace_snapshot_set_domain_name(tmtrace_snapshot *snap, unsigned domain, const char *name)
{
    if (!snap || !name)
        return tm_error("tmtrace_snapshot_set_domain_name: %s is NULL", snap ? "name" : "snapshot");
    uint32_t name_id = tm_snapshot_intern_string(snap, name, strlen(name));
    if (name_id == TM_NO_ID)
        return -1;
    for (size_t i = 0; i < snap->ndomain_names; i++) {
        if (snap->domain_names[i].domain == domain) {
            snap->domain_names[i].name_id = name_id;
            return 0;
        }
    }
    if (tm_array_reserve((void **)&snap->domain_names, &snap->domain_names_cap, sizeof *snap->domain_names,
                         snap->ndomain_names + 1) < 0)
        return tm_error("tmtrace_snapshot_set_domain_name: out of memory");
    snap->domain_names[snap->ndomain_names++] = (struct tm_domain_name){domain, name_id};
    return 0;
}

void tmtrace_snapshot_set_traced_memory(tmtrace_snapshot *snap, size_t current, size_t peak)
{
    if (!snap)
        return;
    snap->traced_current = current;
    snap->traced_peak = peak;
}

/* ---- accessors ---- */

size_t tm_snapshot_memory_usage(const tmtrace_snapshot *snap)
{
    const tm_id_set *sets[] = {&snap->string_set, &snap->frame_set, &snap->location_set, &snap->traceback_set,
                               &snap->group_set};
    size_t bytes = sizeof *snap + snap->arena.used_bytes;
    for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
        bytes += sets[i]->slots ? (sets[i]->mask + 1) * sizeof *sets[i]->slots : 0;
    bytes += snap->strings_cap * sizeof *snap->strings + snap->frames_cap * sizeof *snap->frames +
             snap->locations_cap * sizeof *snap->locations + snap->tracebacks_cap * sizeof *snap->tracebacks +
             snap->groups_cap * sizeof *snap->groups + snap->traces_cap * sizeof *snap->traces +
             snap->domain_names_cap * sizeof *snap->domain_names;
    return bytes;
}

unsigned tmtrace_snapshot_traceback_limit(const tmtrace_snapshot *snap)
{
    return snap ? snap->traceback_limit : 0;
}

size_t tmtrace_snapshot_ntraces(const tmtrace_snapshot *snap)
{
    return snap ? snap->ntraces : 0;
}

void tmtrace_snapshot_trace(const tmtrace_snapshot *snap, size_t i, unsigned *domain, size_t *size,
                            const tmtrace_traceback **traceback)
{
    const struct tm_trace *trace = snap && i < snap->ntraces ? &snap->traces[i] : NULL;
    if (domain)
        *domain = trace ? trace->domain : 0;
    if (size)
        *size = trace ? (size_t)trace->size : 0;
    if (traceback)
        *traceback = trace ? snap->tracebacks[trace->traceback_id] : NULL;
}

const char *tmtrace_snapshot_domain_name(const tmtrace_snapshot *snap, unsigned domain)
{
    for (size_t i = 0; snap && i < snap->ndomain_names; i++)
        if (snap->domain_names[i].domain == domain)
            return snap->strings[snap->domain_names[i].name_id].text;
    return NULL;
}

void tmtrace_snapshot_traced_memory(const tmtrace_snapshot *snap, size_t *current, size_t *peak)
{
    if (current)
        *current = snap ? snap->traced_current : 0;
    if (peak)
        *peak = snap ? snap->traced_peak : 0;
}
