/* ptr_map.c — a small open-addressing map from pointers to values, for one-off passes over the traces
 * (site -> frame id while taking a snapshot, site -> copy while a module unloads). Tracer memory only. */
#include "tracer.h"

static size_t slot_of(uintptr_t key, size_t cap)
{
    uint64_t h = (uint64_t)key * UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(h >> 32) & (cap - 1);
}

int tm_ptr_map_get(const struct tm_ptr_map *m, uintptr_t key, uintptr_t *value)
{
    if (m->cap == 0)
        return 0;
    for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == key) {
            *value = m->values[i];
            return 1;
        }
        if (m->keys[i] == 0)
            return 0;
    }
}

static int grow(struct tm_ptr_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    uintptr_t *keys = tm_tracer_alloc(cap * sizeof *keys);
    uintptr_t *values = tm_tracer_alloc(cap * sizeof *values);
    if (!keys || !values) {
        tm_tracer_free(keys, cap * sizeof *keys);
        tm_tracer_free(values, cap * sizeof *values);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (m->keys[i] == 0)
            continue;
        size_t j = slot_of(m->keys[i], cap);
        while (keys[j] != 0)
            j = (j + 1) & (cap - 1);
        keys[j] = m->keys[i];
        values[j] = m->values[i];
    }
    tm_tracer_free(m->keys, m->cap * sizeof *m->keys);
    tm_tracer_free(m->values, m->cap * sizeof *m->values);
    m->keys = keys;
    m->values = values;
    m->cap = cap;
    return 0;
}

int tm_ptr_map_put(struct tm_ptr_map *m, uintptr_t key, uintptr_t value)
{
    if ((m->count + 1) * 2 > m->cap && grow(m) != 0)
        return -1;
    size_t i = slot_of(key, m->cap);
    while (m->keys[i] != 0 && m->keys[i] != key)
        i = (i + 1) & (m->cap - 1);
    if (m->keys[i] == 0)
        m->count++;
    m->keys[i] = key;
    m->values[i] = value;
    return 0;
}

void tm_ptr_map_free(struct tm_ptr_map *m)
{
    tm_tracer_free(m->keys, m->cap * sizeof *m->keys);
    tm_tracer_free(m->values, m->cap * sizeof *m->values);
    m->keys = m->values = NULL;
    m->cap = 0;
    m->count = 0;
}
