/* traceback_store.c — interned tracebacks: identical frame arrays (and total_nframe) are stored once and
 * named by a small id, which is what a trace holds. Frames are site-record pointers; a record of a module
 * being unloaded is copied into tracer memory first (tm_traceback_relocate), so old traces still print.
 *
 * Records live in an append-only arena and are found by id through a two-level directory whose chunks never
 * move, so a thread can read a record it was given without the lock. Lookups go through a per-thread cache
 * (hash -> id, checked against the record) and take the global lock only on a miss. Interned tracebacks live
 * as long as the process: their number is bounded by the program's distinct call paths. */
#include <string.h>

#include "spinlock.h"
#include "tracer.h"

#define DIR_CHUNK_BITS TM_TB_DIR_CHUNK_BITS
#define DIR_CHUNK (1u << DIR_CHUNK_BITS)
#define DIR_CHUNKS (TM_MAX_TRACEBACKS / DIR_CHUNK)
#define ARENA_CHUNK (64 * 1024)

static tm_spinlock store_lock;
struct tm_traceback **tm_traceback_directory[DIR_CHUNKS];
#define directory tm_traceback_directory
static uint32_t ntracebacks; /* atomic for readers outside the lock */
static uint32_t *id_set;     /* open addressing of id + 1; 0 = empty */
static size_t id_set_cap;
static char *arena_next, *arena_end;

static uint32_t hash_frames(const tmtrace_site *const *frames, uint32_t nframe, uint32_t total_nframe)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325) ^ total_nframe;
    for (uint32_t i = 0; i < nframe; i++) {
        h ^= (uint64_t)(uintptr_t)frames[i];
        h *= UINT64_C(0x9E3779B97F4A7C15);
        h ^= h >> 29;
    }
    return (uint32_t)(h >> 32) ^ (uint32_t)h;
}

static inline int same_site_arrays(const tmtrace_site *const *a, const tmtrace_site *const *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) /* short arrays: a loop beats a call to memcmp */
        if (a[i] != b[i])
            return 0;
    return 1;
}

static int same_frames(const struct tm_traceback *tb, uint32_t hash, const tmtrace_site *const *frames,
                       uint32_t nframe, uint32_t total_nframe)
{
    return tb->hash == hash && tb->nframe == nframe && tb->total_nframe == total_nframe &&
           same_site_arrays(tb->frames, frames, nframe);
}

uint32_t tm_traceback_count(void)
{
    return __atomic_load_n(&ntracebacks, __ATOMIC_ACQUIRE);
}

static uint32_t intern_cached(const tmtrace_site *const *frames, uint32_t nframe, uint32_t total_nframe);

/* Arena memory for tracer-owned records and strings. Caller holds store_lock. */
static void *arena_alloc(size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (size > ARENA_CHUNK / 4)
        return tm_tracer_alloc(size);
    if ((size_t)(arena_end - arena_next) < size) {
        char *chunk = tm_tracer_alloc(ARENA_CHUNK);
        if (!chunk)
            return NULL;
        arena_next = chunk;
        arena_end = chunk + ARENA_CHUNK;
    }
    void *p = arena_next;
    arena_next += size;
    return p;
}

static int grow_id_set(void)
{
    size_t cap = id_set_cap ? id_set_cap * 2 : 1024;
    uint32_t *set = tm_tracer_alloc(cap * sizeof *set);
    if (!set)
        return -1;
    for (size_t i = 0; i < id_set_cap; i++) {
        if (!id_set[i])
            continue;
        size_t j = tm_traceback_get(id_set[i] - 1)->hash & (cap - 1);
        while (set[j])
            j = (j + 1) & (cap - 1);
        set[j] = id_set[i];
    }
    tm_tracer_free(id_set, id_set_cap * sizeof *id_set);
    id_set = set;
    id_set_cap = cap;
    return 0;
}

/* Caller holds store_lock. */
static uint32_t intern_locked(const tmtrace_site *const *frames, uint32_t nframe, uint32_t total_nframe,
                              uint32_t hash)
{
    size_t i = id_set_cap ? hash & (id_set_cap - 1) : 0;
    for (; id_set_cap && id_set[i]; i = (i + 1) & (id_set_cap - 1))
        if (same_frames(tm_traceback_get(id_set[i] - 1), hash, frames, nframe, total_nframe))
            return id_set[i] - 1;
    uint32_t id = ntracebacks;
    if (id + 1 >= TM_MAX_TRACEBACKS)
        return TM_NO_TRACEBACK;
    if ((size_t)(ntracebacks + 1) * 2 > id_set_cap) {
        if (grow_id_set() != 0)
            return TM_NO_TRACEBACK;
        for (i = hash & (id_set_cap - 1); id_set[i]; i = (i + 1) & (id_set_cap - 1))
            ;
    }
    struct tm_traceback ***chunk = &directory[id >> DIR_CHUNK_BITS];
    if (!*chunk && !(*chunk = tm_tracer_alloc(DIR_CHUNK * sizeof **chunk)))
        return TM_NO_TRACEBACK;
    struct tm_traceback *tb = arena_alloc(sizeof *tb + nframe * sizeof *frames);
    if (!tb)
        return TM_NO_TRACEBACK;
    tb->hash = hash;
    tb->nframe = nframe;
    tb->total_nframe = total_nframe;
    memcpy(tb->frames, frames, nframe * sizeof *frames);
    (*chunk)[id & (DIR_CHUNK - 1)] = tb;
    id_set[i] = id + 1;
    __atomic_store_n(&ntracebacks, id + 1, __ATOMIC_RELEASE);
    return id;
}

uint32_t tm_traceback_epoch;

uint32_t tm_traceback_intern_slow(const tmtrace_site *const *frames, uint32_t nframe, uint32_t total_nframe)
{
    uint32_t epoch = __atomic_load_n(&tm_traceback_epoch, __ATOMIC_ACQUIRE);
    uint32_t id = intern_cached(frames, nframe, total_nframe);
    if (id != TM_NO_TRACEBACK) {
        tm_self.last_tb_id_plus_one = id + 1;
        tm_self.last_tb_nframe = nframe;
        tm_self.last_tb_total = total_nframe;
        tm_self.last_tb_frame0 = frames[0];
        tm_self.last_tb_epoch = epoch;
    }
    return id;
}

/* The id through the per-thread hash cache, then the global table. */
static uint32_t intern_cached(const tmtrace_site *const *frames, uint32_t nframe, uint32_t total_nframe)
{
    uint32_t hash = hash_frames(frames, nframe, total_nframe);
    struct tm_tb_cache_entry *cached = &tm_self.tb_cache[hash & (TM_TB_CACHE_SIZE - 1)];
    if (cached->id_plus_one && cached->hash == hash &&
        same_frames(tm_traceback_get(cached->id_plus_one - 1), hash, frames, nframe, total_nframe))
        return cached->id_plus_one - 1;
    tm_spin_lock(&store_lock);
    uint32_t id = intern_locked(frames, nframe, total_nframe, hash);
    tm_spin_unlock(&store_lock);
    if (id != TM_NO_TRACEBACK) {
        cached->hash = hash;
        cached->id_plus_one = id + 1;
    }
    return id;
}

/* A tracer-owned copy of a module's site record (inline chain dropped: every record of a chain is its own
 * frame already). Caller holds store_lock. */
static const tmtrace_site *copy_site(const tmtrace_site *site)
{
    const char *function = site->function ? site->function : "";
    size_t file_len = strlen(site->filename) + 1, function_len = strlen(function) + 1;
    tmtrace_site *copy = arena_alloc(sizeof *copy + file_len + function_len);
    if (!copy)
        return NULL;
    char *strings = (char *)(copy + 1);
    memcpy(strings, site->filename, file_len);
    memcpy(strings + file_len, function, function_len);
    *copy = *site;
    copy->filename = strings;
    copy->function = strings + file_len;
    copy->inlined_at = NULL;
    return copy;
}

void tm_traceback_relocate(const tmtrace_site *begin, const tmtrace_site *end)
{
    struct tm_ptr_map copies = {0};
    tm_spin_lock(&store_lock);
    for (uint32_t id = 0; id < ntracebacks; id++) {
        struct tm_traceback *tb = directory[id >> DIR_CHUNK_BITS][id & (DIR_CHUNK - 1)];
        for (uint32_t k = 0; k < tb->nframe; k++) {
            const tmtrace_site *f = tb->frames[k];
            if (f < begin || f >= end)
                continue;
            uintptr_t copy;
            if (!tm_ptr_map_get(&copies, (uintptr_t)f, &copy)) {
                copy = (uintptr_t)copy_site(f);
                if (!copy || tm_ptr_map_put(&copies, (uintptr_t)f, copy) != 0)
                    copy = (uintptr_t)&tm_unknown_site; /* out of memory: better unknown than dangling */
            }
            tb->frames[k] = (const tmtrace_site *)copy;
        }
    }
    __atomic_add_fetch(&tm_traceback_epoch, 1, __ATOMIC_RELEASE);
    tm_spin_unlock(&store_lock);
    tm_ptr_map_free(&copies);
}

void tm_traceback_lock(void)
{
    tm_spin_lock(&store_lock);
}

void tm_traceback_unlock(void)
{
    tm_spin_unlock(&store_lock);
}
