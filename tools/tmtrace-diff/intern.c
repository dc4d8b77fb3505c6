/* intern.c — key maps and string tables for the HTML report's compact encoding (see intern.h). */
#include "intern.h"

#include <stdlib.h>
#include <string.h>

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
}

static size_t slot_of(const struct key_map *map, const uint64_t key[3])
{
    return (size_t)(mix(key[0] ^ mix(key[1] ^ mix(key[2]))) & (map->nslots - 1));
}

/* Doubles the slots (kept at most half full) and the key storage. */
static int grow(struct key_map *map)
{
    size_t nslots = map->nslots ? map->nslots * 2 : 1024;
    uint32_t *slots = calloc(nslots, sizeof *slots);
    uint64_t(*keys)[3] = realloc(map->keys, nslots / 2 * sizeof *keys);
    if (!slots || !keys) {
        free(slots);
        if (keys)
            map->keys = keys;
        return -1;
    }
    map->keys = keys;
    free(map->slots);
    map->slots = slots;
    map->nslots = nslots;
    for (size_t id = 0; id < map->len; id++) {
        size_t s = slot_of(map, map->keys[id]);
        while (map->slots[s])
            s = (s + 1) & (nslots - 1);
        map->slots[s] = (uint32_t)id + 1;
    }
    return 0;
}

int64_t key_map_intern(struct key_map *map, const uint64_t key[3], int *added)
{
    *added = 0;
    if ((map->len + 1) * 2 > map->nslots && grow(map) < 0)
        return -1;
    size_t s = slot_of(map, key);
    for (; map->slots[s]; s = (s + 1) & (map->nslots - 1)) {
        const uint64_t *k = map->keys[map->slots[s] - 1];
        if (k[0] == key[0] && k[1] == key[1] && k[2] == key[2])
            return map->slots[s] - 1;
    }
    if (map->len >= UINT32_MAX - 1)
        return -1;
    memcpy(map->keys[map->len], key, sizeof map->keys[0]);
    map->slots[s] = (uint32_t)map->len + 1;
    *added = 1;
    return (int64_t)map->len++;
}

void key_map_free(struct key_map *map)
{
    free(map->keys);
    free(map->slots);
    memset(map, 0, sizeof *map);
}

/* FNV-1a: strings are short and this is not on a path an attacker controls. */
static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h;
}

/* Each new string adds exactly one key, so key ids are string ids. Two different strings with the same hash
 * and length get keys that differ in their third word (0, 1, ...). */
int64_t string_table_intern(struct string_table *table, const char *s, size_t len)
{
    if (table->len == table->cap) {
        size_t cap = table->cap ? table->cap * 2 : 256;
        char **strings = realloc(table->strings, cap * sizeof *strings);
        if (strings)
            table->strings = strings;
        size_t *lengths = strings ? realloc(table->lengths, cap * sizeof *lengths) : NULL;
        if (!lengths)
            return -1;
        table->lengths = lengths;
        table->cap = cap;
    }
    uint64_t hash = hash_bytes(s, len);
    for (uint64_t salt = 0;; salt++) {
        uint64_t key[3] = {hash, len, salt};
        int added;
        int64_t id = key_map_intern(&table->by_hash, key, &added);
        if (id < 0)
            return -1;
        if (!added) {
            if (memcmp(table->strings[id], s, len) == 0)
                return id;
            continue;
        }
        char *copy = malloc(len + 1);
        if (!copy)
            return -1;
        memcpy(copy, s, len);
        copy[len] = '\0';
        table->strings[table->len] = copy;
        table->lengths[table->len] = len;
        return (int64_t)table->len++;
    }
}

void string_table_free(struct string_table *table)
{
    for (size_t i = 0; i < table->len; i++)
        free(table->strings[i]);
    free(table->strings);
    free(table->lengths);
    key_map_free(&table->by_hash);
    memset(table, 0, sizeof *table);
}
