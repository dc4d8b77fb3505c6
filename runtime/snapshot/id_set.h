/* id_set.h — an open-addressing hash set of small integer ids, used to intern strings, frames, source
 * locations and tracebacks. It stores only (hash, id); the caller keeps the objects and says how to compare
 * an id with a key, so one set type serves every table. Also the hash functions those tables share. */
#ifndef TMTRACE_SNAPSHOT_ID_SET_H
#define TMTRACE_SNAPSHOT_ID_SET_H

#include <stddef.h>
#include <stdint.h>

/* Model internals: hidden, so that libtmtrace.so exports only the public tmtrace_* API. */
#pragma GCC visibility push(hidden)

#define TM_NO_ID UINT32_MAX

typedef struct tm_id_set {
    uint64_t *slots; /* (hash << 32) | (id + 1); 0 is empty */
    size_t mask;     /* capacity - 1; capacity is a power of two */
    size_t len;
} tm_id_set;

/* Does object `id` equal `key`? */
typedef int (*tm_id_equal_fn)(const void *ctx, uint32_t id, const void *key);

uint32_t tm_id_set_find(const tm_id_set *set, uint32_t hash, tm_id_equal_fn equal, const void *ctx,
                        const void *key);
/* Adds an id known to be absent. Returns 0, or -1 when out of memory. */
int tm_id_set_insert(tm_id_set *set, uint32_t hash, uint32_t id);
/* Sizes the set for n ids up front (optional). */
int tm_id_set_reserve(tm_id_set *set, size_t n);
void tm_id_set_release(tm_id_set *set);

static inline uint64_t tm_hash_mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 32);
}

static inline uint32_t tm_hash_final(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return (uint32_t)h;
}

uint32_t tm_hash_bytes(const void *data, size_t len);

/* The content hash of a source location (filename, lineno), given the filename's tm_hash_bytes: tracebacks
 * fold these over their frames, so that equal (filename, lineno) sequences hash equally in every snapshot. */
static inline uint64_t tm_hash_location(uint64_t h, uint32_t filename_hash, uint32_t lineno)
{
    return tm_hash_mix(tm_hash_mix(h, filename_hash), lineno);
}
#define TM_HASH_SEED 0x2545f4914f6cdd1dull

#pragma GCC visibility pop

#endif
