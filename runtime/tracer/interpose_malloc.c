/* interpose_malloc.c — the C allocation functions the process calls (malloc, calloc, realloc, reallocarray,
 * free, posix_memalign, aligned_alloc, memalign, valloc, pvalloc, malloc_usable_size). Each calls glibc's
 * allocator beneath (its exported __libc_* functions: no dlsym, so no bootstrap problem) and records through
 * record.c when tracing. Validation and errno follow glibc 2.36 exactly. */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>

#include "record.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

void *malloc(size_t size)
{
    return tm_recorded(__libc_malloc(size), size);
}

void *calloc(size_t nmemb, size_t size)
{
    /* __libc_calloc checks nmemb * size for overflow (ENOMEM); the product is exact when it succeeds. */
    return tm_recorded(__libc_calloc(nmemb, size), nmemb * size);
}

/* As tm_recorded_slow (record.c); `not_own`: tm_forget_heap_fast returned -1. */
static __attribute__((noinline)) void free_slow(void *p, int not_own)
{
    if (tm_interposer_records())
        tm_forget_heap_slow((uintptr_t)p, not_own);
    __libc_free(p);
}

/* A free where the interposers record nothing (busy: a signal handler that interrupted the tracer, or the
 * tracer's own calls into libc; suppress: inside the real operator new, e.g. a new-handler releasing a reserve):
 * the block's trace goes all the same, or it would stay counted, and in the table as a stale entry. */
static __attribute__((noinline)) void free_unrecorded(void *p)
{
    tm_forget(0, (uintptr_t)p, NULL, NULL); /* nested when busy */
    __libc_free(p);
}

void free(void *p)
{
    /* Forget before freeing: once freed, another thread may get the same address and record it. */
    int records = p ? tm_interposer_records_now() : 0;
    if (records != 0) {
        int done = records > 0 ? tm_forget_heap_fast((uintptr_t)p) : 0;
        if (TM_UNLIKELY(done <= 0))
            return free_slow(p, done < 0);
    } else if (p) {
        return free_unrecorded(p);
    }
    __libc_free(p);
}

static void *traced_realloc(void *p, size_t size)
{
    if (!p)
        return malloc(size);
    if (!tm_interposer_records()) {
        if (tm_interposer_records_now() == 0) /* as in free: p's trace goes (the new block is not recorded) */
            tm_forget(0, (uintptr_t)p, NULL, NULL);
        return __libc_realloc(p, size);
    }
    uint64_t old;
    struct tm_leak_taken taken;
    int was_traced = tm_forget(0, (uintptr_t)p, &old, &taken);
    void *q = __libc_realloc(p, size);
    if (q) {
        tm_record(0, (uintptr_t)q, size, 1); /* a new trace: realloc's traceback, as tracemalloc does */
    } else if (size != 0) { /* failed: p is untouched (size 0 freed it: glibc returns NULL) */
        if (was_traced)
            tm_restore(0, (uintptr_t)p, old);
        tm_leak_check_note_kept((uintptr_t)p, &taken); /* still the scope's block, still maybe its leak */
    }
    return q;
}

void *realloc(void *p, size_t size)
{
    return traced_realloc(p, size);
}

void *reallocarray(void *p, size_t nmemb, size_t size)
{
    size_t bytes;
    if (__builtin_mul_overflow(nmemb, size, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    return traced_realloc(p, bytes);
}

static int is_power_of_two(size_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

int posix_memalign(void **out, size_t alignment, size_t size)
{
    if (alignment % sizeof(void *) != 0 || !is_power_of_two(alignment / sizeof(void *)))
        return EINVAL;
    int saved = errno; /* posix_memalign reports through its result, leaving errno alone */
    void *p = __libc_memalign(alignment, size);
    errno = saved;
    if (!p)
        return ENOMEM;
    *out = tm_recorded(p, size);
    return 0;
}

void *aligned_alloc(size_t alignment, size_t size)
{
    if (!is_power_of_two(alignment)) {
        errno = EINVAL;
        return NULL;
    }
    return tm_recorded(__libc_memalign(alignment, size), size);
}

void *memalign(size_t alignment, size_t size)
{
    return tm_recorded(__libc_memalign(alignment, size), size);
}

void *valloc(size_t size)
{
    return tm_recorded(__libc_valloc(size), size);
}

void *pvalloc(size_t size)
{
    return tm_recorded(__libc_pvalloc(size), size);
}

size_t malloc_usable_size(void *p)
{
    /* glibc exports no __libc_ name for it: find the next definition once (dlsym may allocate: not traced). */
    static size_t (*real)(void *);
    size_t (*fn)(void *) = __atomic_load_n(&real, __ATOMIC_ACQUIRE);
    if (!fn) {
        tm_self.busy++;
        fn = (size_t(*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
        tm_self.busy--;
        if (!fn)
            return 0;
        __atomic_store_n(&real, fn, __ATOMIC_RELEASE);
    }
    return fn(p);
}

/* Our malloc under a hidden name, so that its address is ours and not the global symbol's. */
extern __typeof__(malloc) tm_own_malloc __attribute__((alias("malloc"), visibility("hidden")));

int tm_process_malloc_is_ours(void)
{
    /* The process's malloc is whatever the global symbol lookup finds first (an ASan executable's own). */
    void *global = dlsym(RTLD_DEFAULT, "malloc");
    return global == (void *)tm_own_malloc;
}
