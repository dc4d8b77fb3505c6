/* pool.h — the pool allocator of pool.c (a user allocator in allocators.txt and pool_allocators.txt), and a
 * static inline helper that allocates: inlined into its callers on both sides of a shared library's boundary. */
#ifndef TMTRACE_E2E_POOL_H
#define TMTRACE_E2E_POOL_H

#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pool {
    char arena[256];
    size_t used;
};

void *pool_alloc(struct pool *pool, size_t size);
void pool_free(struct pool *pool, void *block);
void *pool_make_pair(struct pool *pool);
char *pool_label(void);

static inline char *label_of(size_t size)
{
    return (char *)malloc(size);
}

#ifdef __cplusplus
}
#endif

#endif
