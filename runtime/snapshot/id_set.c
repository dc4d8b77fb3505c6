/* id_set.c — the interning hash set (see id_set.h). Linear probing, load factor <= 1/2. */
#include "id_set.h"

#include <string.h>

#include "common/untraced_alloc.h"

uint32_t tm_hash_bytes(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = TM_HASH_SEED ^ len;
    while (len >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        h = tm_hash_mix(h, word);
        p += 8;
        len -= 8;
    }
    uint64_t tail = 0;
    memcpy(&tail, p, len);
    return tm_hash_final(tm_hash_mix(h, tail));
}

uint32_t tm_id_set_find(const tm_id_set *set, uint32_t hash, tm_id_equal_fn equal, const void *ctx,
                        const void *key)
{
    if (!set->slots)
        return TM_NO_ID;
    for (size_t i = hash & set->mask;; i = (i + 1) & set->mask) {
        uint64_t slot = set->slots[i];
        if (slot == 0)
            return TM_NO_ID;
        if ((uint32_t)(slot >> 32) == hash) {
            uint32_t id = (uint32_t)slot - 1;
            if (equal(ctx, id, key))
                return id;
        }
    }
}

static void place(uint64_t *slots, size_t mask, uint64_t slot)
{
    size_t i = (size_t)(slot >> 32) & mask;
    while (slots[i] != 0)
        i = (i + 1) & mask;
    slots[i] = slot;
}

static int grow(tm_id_set *set, size_t capacity)
{
    uint64_t *slots = tm_calloc(capacity, sizeof *slots);
    if (!slots)
        return -1;
    if (set->slots) {
        for (size_t i = 0; i <= set->mask; i++)
            if (set->slots[i])
                place(slots, capacity - 1, set->slots[i]);
        tm_free(set->slots);
    }
    set->slots = slots;
    set->mask = capacity - 1;
    return 0;
}

int tm_id_set_reserve(tm_id_set *set, size_t n)
{
    size_t capacity = set->slots ? set->mask + 1 : 0;
    if (n * 2 < capacity)
        return 0;
    size_t want = 16;
    while (want <= n * 2)
        want *= 2;
    return grow(set, want);
}

int tm_id_set_insert(tm_id_set *set, uint32_t hash, uint32_t id)
{
    if (tm_id_set_reserve(set, set->len + 1) < 0)
        return -1;
    place(set->slots, set->mask, ((uint64_t)hash << 32) | ((uint64_t)id + 1));
    set->len++;
    return 0;
}

void tm_id_set_release(tm_id_set *set)
{
    tm_free(set->slots);
    set->slots = NULL;
    set->mask = 0;
    set->len = 0;
}
