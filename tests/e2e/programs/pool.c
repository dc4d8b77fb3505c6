/* pool.c — a pool allocator (traced in domain 7 "pool" through pool_allocators.txt or allocators.txt) whose
 * callers in this file are traced too, and an inlined helper from pool.h; a shared library in shared_pool. */
#include "pool.h"

__attribute__((noinline)) void *pool_alloc(struct pool *pool, size_t size)
{
    void *block = pool->arena + pool->used;
    pool->used += size;
    return block;
}

__attribute__((noinline)) void pool_free(struct pool *pool, void *block)
{
    (void)pool;
    (void)block;
}

void *pool_make_pair(struct pool *pool)
{
    void *first = pool_alloc(pool, 8);
    pool_free(pool, first);
    return pool_alloc(pool, 24);
}

char *pool_label(void)
{
    return label_of(9);
}
