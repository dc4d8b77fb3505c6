/* arena.c — the bump arena and growable arrays behind every model object (see arena.h). */
#include "arena.h"

#include <stdint.h>
#include <string.h>

#include "common/untraced_alloc.h"

struct tm_arena_block {
    struct tm_arena_block *next;
    size_t size;
    size_t used;
    _Alignas(16) unsigned char data[];
};

enum { ARENA_MIN_BLOCK = 64 * 1024 };

void *tm_arena_alloc(tm_arena *arena, size_t size, size_t align)
{
    struct tm_arena_block *block = arena->head;
    if (block) {
        size_t start = (block->used + align - 1) & ~(align - 1);
        if (start <= block->size && size <= block->size - start) {
            block->used = start + size;
            return block->data + start;
        }
    }
    /* Blocks double with the arena's size so that large snapshots need few of them. */
    size_t want = arena->used_bytes / 2 > ARENA_MIN_BLOCK ? arena->used_bytes / 2 : ARENA_MIN_BLOCK;
    if (want < size)
        want = size;
    if (want > SIZE_MAX - sizeof *block)
        return NULL;
    block = tm_malloc(sizeof *block + want);
    if (!block)
        return NULL;
    block->next = arena->head;
    block->size = want;
    block->used = size;
    arena->head = block;
    arena->used_bytes += sizeof *block + want;
    return block->data;
}

char *tm_arena_strdup(tm_arena *arena, const char *s, size_t len)
{
    char *copy = tm_arena_alloc(arena, len + 1, 1);
    if (copy) {
        memcpy(copy, s, len);
        copy[len] = '\0';
    }
    return copy;
}

void tm_arena_release(tm_arena *arena)
{
    struct tm_arena_block *block = arena->head;
    while (block) {
        struct tm_arena_block *next = block->next;
        tm_free(block);
        block = next;
    }
    arena->head = NULL;
    arena->used_bytes = 0;
}

int tm_array_reserve(void **items, size_t *cap, size_t elem_size, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t new_cap = *cap < 16 ? 16 : *cap + *cap / 2;
    if (new_cap < need)
        new_cap = need;
    if (new_cap > SIZE_MAX / elem_size)
        return -1;
    void *grown = tm_realloc(*items, new_cap * elem_size);
    if (!grown)
        return -1;
    *items = grown;
    *cap = new_cap;
    return 0;
}
