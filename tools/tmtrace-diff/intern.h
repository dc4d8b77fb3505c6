/* intern.h — dense ids for repeated values, the compact encoding of the HTML report: strings (file names,
 * functions, source lines) each stored once, and small fixed keys (a frame, a flame-graph child) mapped to ids. */
#ifndef TMTRACE_DIFF_INTERN_H
#define TMTRACE_DIFF_INTERN_H

#include <stddef.h>
#include <stdint.h>

/* Three 64-bit words -> a dense id (0, 1, 2, ... in order of first insertion). */
struct key_map {
    uint64_t (*keys)[3];
    uint32_t *slots; /* open addressing: id + 1, 0 when empty */
    size_t len, nslots;
};

/* The id of key, adding it if new (*added says which). Returns -1 when out of memory or full. */
int64_t key_map_intern(struct key_map *map, const uint64_t key[3], int *added);
void key_map_free(struct key_map *map);

/* Strings -> ids; the table keeps its own copies. */
struct string_table {
    char **strings;
    size_t *lengths;
    struct key_map by_hash; /* (hash, length, n): the n-th string with that hash and length */
    size_t len, cap;
};

/* The id of the first len bytes of s, adding a copy if new. Returns -1 when out of memory (after which the
 * table may only be freed). */
int64_t string_table_intern(struct string_table *table, const char *s, size_t len);
void string_table_free(struct string_table *table);

#endif
