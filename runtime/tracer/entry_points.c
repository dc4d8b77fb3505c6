/* entry_points.c — the allocation entry points of tmtrace_abi.h. Each makes `site` the pending site and calls
 * the ordinary function through the global symbol: our interposer when we own malloc, the sanitizer's
 * allocator otherwise (whose hook then records). Either way record.c consumes the site, so the behaviour
 * (errno, failure result, std::bad_alloc) is exactly the replaced function's. The pending site is cleared on
 * return and on unwinding (cleanup attribute, -fexceptions). */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "tracer.h"

/* libstdc++'s operators, by their Itanium names. */
extern void *_Znwm(size_t);
extern void *_Znam(size_t);
extern void *_ZnwmRKSt9nothrow_t(size_t, const void *);
extern void *_ZnamRKSt9nothrow_t(size_t, const void *);
extern void *_ZnwmSt11align_val_t(size_t, size_t);
extern void *_ZnamSt11align_val_t(size_t, size_t);
extern void *_ZnwmSt11align_val_tRKSt9nothrow_t(size_t, size_t, const void *);
extern void *_ZnamSt11align_val_tRKSt9nothrow_t(size_t, size_t, const void *);
/* std::nothrow: only its address matters to operator new. */
static const char nothrow_tag;

void *__tmtrace_malloc(size_t size, const tmtrace_site *site)
{
    TM_WITH_PENDING_SITE(site);
    return malloc(size);
}

void *__tmtrace_calloc(size_t nmemb, size_t size, const tmtrace_site *site)
{
    TM_WITH_PENDING_SITE(site);
    return calloc(nmemb, size);
}

void *__tmtrace_realloc(void *ptr, size_t size, const tmtrace_site *site)
{
    TM_WITH_PENDING_SITE(site);
    return realloc(ptr, size);
}

void *__tmtrace_reallocarray(void *ptr, size_t nmemb, size_t size, const tmtrace_site *site)
{
    TM_WITH_PENDING_SITE(site);
    return reallocarray(ptr, nmemb, size);
}

int __tmtrace_posix_memalign(void **out, size_t alignment, size_t size, const tmtrace_site *site)
{
    TM_WITH_PENDING_SITE(site);
    return posix_memalign(out, alignment, size);
}

void *__tmtrace_aligned_alloc(size_t alignment, size_t size, const tmtrace_site *site)
{
    TM_WITH_PENDING_SITE(site);
    return aligned_alloc(alignment, size);
}

void *__tmtrace_memalign(size_t alignment, size_t size, const tmtrace_site *site)
{
    TM_WITH_PENDING_SITE(site);
    return memalign(alignment, size);
}

void *__tmtrace_valloc(size_t size, const tmtrace_site *site)
{
    TM_WITH_PENDING_SITE(site);
    return valloc(size);
}

void *__tmtrace_pvalloc(size_t size, const tmtrace_site *site)
{
    TM_WITH_PENDING_SITE(site);
    return pvalloc(size);
}

char *__tmtrace_strdup(const char *s, const tmtrace_site *site)
{
    TM_WITH_PENDING_SITE(site);
    return strdup(s);
}

char *__tmtrace_strndup(const char *s, size_t n, const tmtrace_site *site)
{
    TM_WITH_PENDING_SITE(site);
    return strndup(s, n);
}

void *__tmtrace_new(size_t size, const tmtrace_site *site)
{
    TM_WITH_PENDING_SITE(site);
    return _Znwm(size);
}

void *__tmtrace_new_array(size_t size, const tmtrace_site *site)
{
    TM_WITH_PENDING_SITE(site);
    return _Znam(size);
}

void *__tmtrace_new_nothrow(size_t size, const tmtrace_site *site)
{
    TM_WITH_PENDING_SITE(site);
    return _ZnwmRKSt9nothrow_t(size, &nothrow_tag);
}

void *__tmtrace_new_array_nothrow(size_t size, const tmtrace_site *site)
{
    TM_WITH_PENDING_SITE(site);
    return _ZnamRKSt9nothrow_t(size, &nothrow_tag);
}

void *__tmtrace_new_aligned(size_t size, size_t alignment, const tmtrace_site *site)
{
    TM_WITH_PENDING_SITE(site);
    return _ZnwmSt11align_val_t(size, alignment);
}

void *__tmtrace_new_array_aligned(size_t size, size_t alignment, const tmtrace_site *site)
{
    TM_WITH_PENDING_SITE(site);
    return _ZnamSt11align_val_t(size, alignment);
}

void *__tmtrace_new_aligned_nothrow(size_t size, size_t alignment, const tmtrace_site *site)
{
    TM_WITH_PENDING_SITE(site);
    return _ZnwmSt11align_val_tRKSt9nothrow_t(size, alignment, &nothrow_tag);
}

void *__tmtrace_new_array_aligned_nothrow(size_t size, size_t alignment, const tmtrace_site *site)
{
    TM_WITH_PENDING_SITE(site);
    return _ZnamSt11align_val_tRKSt9nothrow_t(size, alignment, &nothrow_tag);
}

void __tmtrace_track_at(uint32_t domain, const char *domain_name, const void *ptr, size_t size,
                        const tmtrace_site *site)
{
    if (!ptr)
        return;
    if (domain_name)
        tm_domain_set_name(domain, domain_name, 1);
    TM_WITH_PENDING_SITE(site);
    tmtrace_track(domain, (uintptr_t)ptr, size);
}

void __tmtrace_untrack_at(uint32_t domain, const void *ptr)
{
    if (ptr)
        tmtrace_untrack(domain, (uintptr_t)ptr);
}
