/* trace_map.c — a trace table: block address -> packed {size, traceback id} (16 bytes per slot), for the
 * domains of tmtrace_track(); domain 0's map forwards to heap_table.c, which is built for the malloc hot path.
 *
 * Sharded by a hash of the address; each shard is an open-addressing, linear-probing table with
 * backward-shift deletion (no tombstones) and its own spinlock, so threads touching different blocks never
 * wait for each other; a track/untrack costs one uncontended lock. A shard grows (doubles) past 3/4 load; if
 * that memory is refused the shard keeps filling up to its last free slot before the block goes untraced. */
#include <string.h>

#include "heap_table.h"
#include "spinlock.h"

struct tm_slot {
    uintptr_t key; /* 0: empty */
    uint64_t value;
};

struct tm_shard {
    tm_spinlock lock;
    uint32_t count;
    size_t mask; /* capacity - 1; capacity 0 while slots is NULL */
    struct tm_slot *slots;
} __attribute__((aligned(64)));

struct tm_trace_map {
    unsigned shard_bits;
    struct tm_shard *shards;
    int is_heap; /* domain 0: the per-thread tables of heap_table.c stand behind this map */
};

#define TM_INITIAL_SHARD_CAP 64

static struct tm_trace_map heap_map = {0, NULL, 1};

struct tm_trace_map *tm_trace_map_heap(void)
{
    return &heap_map;
}

struct tm_trace_map *tm_trace_map_new(unsigned shard_bits)
{
    size_t n = (size_t)1 << shard_bits;
    /* One block: the map, padding to a cache line, then its shards. */
    char *raw = tm_tracer_alloc(sizeof(struct tm_trace_map) + 64 + n * sizeof(struct tm_shard));
    if (!raw)
        return NULL;
    struct tm_trace_map *m = (struct tm_trace_map *)raw;
    m->shard_bits = shard_bits;
    m->shards = (struct tm_shard *)(((uintptr_t)(raw + sizeof *m) + 63) & ~(uintptr_t)63);
    return m;
}

static inline uint64_t hash_key(uintptr_t key)
{
    return (uint64_t)(key >> 4 | key << 60) * UINT64_C(0x9E3779B97F4A7C15);
}

static inline struct tm_shard *shard_of(struct tm_trace_map *m, uint64_t h)
{
    return &m->shards[m->shard_bits ? h >> (64 - m->shard_bits) : 0];
}

static inline size_t home_of(uint64_t h, size_t mask)
{
    return (size_t)(h >> 16) & mask;
}

static int grow(struct tm_shard *s)
{
    size_t cap = s->slots ? (s->mask + 1) * 2 : TM_INITIAL_SHARD_CAP;
    struct tm_slot *slots = tm_tracer_alloc(cap * sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; s->slots && i <= s->mask; i++) {
        if (s->slots[i].key == 0)
            continue;
        size_t j = home_of(hash_key(s->slots[i].key), cap - 1);
        while (slots[j].key != 0)
            j = (j + 1) & (cap - 1);
        slots[j] = s->slots[i];
    }
    if (s->slots)
        tm_tracer_free(s->slots, (s->mask + 1) * sizeof *slots);
    s->slots = slots;
    s->mask = cap - 1;
    return 0;
}

int tm_trace_map_put(struct tm_trace_map *m, uintptr_t key, uint64_t value, uint64_t *old, int fresh)
{
    if (m->is_heap)
        return tm_heap_put(key, value, old, fresh);
    uint64_t h = hash_key(key);
    struct tm_shard *s = shard_of(m, h);
    int result = 1;
    tm_spin_lock(&s->lock);
    size_t cap = s->slots ? s->mask + 1 : 0;
    if ((size_t)s->count + 1 > cap - cap / 4 && grow(s) != 0 && (size_t)s->count + 1 >= cap) {
        tm_spin_unlock(&s->lock);
        return -1;
    }
    size_t i = home_of(h, s->mask);
    while (s->slots[i].key != 0 && s->slots[i].key != key)
        i = (i + 1) & s->mask;
    if (s->slots[i].key == key) {
        *old = s->slots[i].value;
        result = 2;
    } else {
        s->slots[i].key = key;
        s->count++;
    }
    s->slots[i].value = value;
    tm_spin_unlock(&s->lock);
    return result;
}

/* The slot holding key, or -1. Caller holds the shard lock. */
static ptrdiff_t find(const struct tm_shard *s, uintptr_t key, uint64_t h)
{
    if (!s->slots)
        return -1;
    for (size_t i = home_of(h, s->mask);; i = (i + 1) & s->mask) {
        if (s->slots[i].key == key)
            return (ptrdiff_t)i;
        if (s->slots[i].key == 0)
            return -1;
    }
}

int tm_trace_map_remove(struct tm_trace_map *m, uintptr_t key, uint64_t *value)
{
    if (m->is_heap)
        return tm_heap_remove(key, value);
    uint64_t h = hash_key(key);
    struct tm_shard *s = shard_of(m, h);
    tm_spin_lock(&s->lock);
    ptrdiff_t found = find(s, key, h);
    if (found < 0) {
        tm_spin_unlock(&s->lock);
        return 0;
    }
    if (value)
        *value = s->slots[found].value;
    /* Backward-shift deletion: pull later entries of the probe run into the hole unless they sit in their
     * home range (home cyclically in (hole, j]). */
    size_t hole = (size_t)found, j = (size_t)found;
    for (;;) {
        j = (j + 1) & s->mask;
        if (s->slots[j].key == 0)
            break;
        size_t home = home_of(hash_key(s->slots[j].key), s->mask);
        int stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (stays)
            continue;
        s->slots[hole] = s->slots[j];
        hole = j;
    }
    s->slots[hole].key = 0;
    s->slots[hole].value = 0;
    s->count--;
    tm_spin_unlock(&s->lock);
    return 1;
}

int tm_trace_map_get(struct tm_trace_map *m, uintptr_t key, uint64_t *value)
{
    if (m->is_heap)
        return tm_heap_get(key, value);
    uint64_t h = hash_key(key);
    struct tm_shard *s = shard_of(m, h);
    tm_spin_lock(&s->lock);
    ptrdiff_t found = find(s, key, h);
    if (found >= 0)
        *value = s->slots[found].value;
    tm_spin_unlock(&s->lock);
    return found >= 0;
}

int64_t tm_trace_map_clear(struct tm_trace_map *m)
{
    if (m->is_heap)
        return tm_heap_clear();
    int64_t removed = 0;
    for (size_t k = 0; k < ((size_t)1 << m->shard_bits); k++) {
        struct tm_shard *s = &m->shards[k];
        tm_spin_lock(&s->lock);
        struct tm_slot *slots = s->slots;
        size_t cap = slots ? s->mask + 1 : 0;
        s->slots = NULL;
        s->mask = 0;
        s->count = 0;
        tm_spin_unlock(&s->lock);
        for (size_t i = 0; i < cap; i++)
            if (slots[i].key != 0)
                removed += (int64_t)tm_packed_size(slots[i].value);
        tm_tracer_free(slots, cap * sizeof *slots);
    }
    return removed;
}

int tm_trace_map_each(struct tm_trace_map *m, int (*fn)(void *ctx, uintptr_t key, uint64_t value), void *ctx)
{
    if (m->is_heap)
        return tm_heap_each(fn, ctx);
    struct tm_slot *copy = NULL;
    size_t copy_cap = 0;
    int rc = 0;
    for (size_t k = 0; k < ((size_t)1 << m->shard_bits) && rc == 0; k++) {
        struct tm_shard *s = &m->shards[k];
        tm_spin_lock(&s->lock);
        size_t n = 0;
        if (s->count > copy_cap) {
            /* Allocate outside the lock, then look again: the shard may have grown meanwhile. */
            size_t want = s->count + s->count / 2 + 16;
            tm_spin_unlock(&s->lock);
            tm_tracer_free(copy, copy_cap * sizeof *copy);
            copy = tm_tracer_alloc(want * sizeof *copy);
            copy_cap = copy ? want : 0;
            if (!copy)
                return -1;
            k--;
            continue;
        }
        for (size_t i = 0; s->slots && i <= s->mask; i++)
            if (s->slots[i].key != 0)
                copy[n++] = s->slots[i];
        tm_spin_unlock(&s->lock);
        for (size_t i = 0; i < n && rc == 0; i++)
            rc = fn(ctx, copy[i].key, copy[i].value);
    }
    tm_tracer_free(copy, copy_cap * sizeof *copy);
    return rc;
}

void tm_trace_map_lock_all(struct tm_trace_map *m)
{
    if (m->is_heap) /* takes no lock (see fork.c) */
        return;
    for (size_t k = 0; k < ((size_t)1 << m->shard_bits); k++)
        tm_spin_lock(&m->shards[k].lock);
}

void tm_trace_map_unlock_all(struct tm_trace_map *m)
{
    if (m->is_heap)
        return;
    for (size_t k = 0; k < ((size_t)1 << m->shard_bits); k++)
        tm_spin_unlock(&m->shards[k].lock);
}
