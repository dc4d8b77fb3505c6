/* untraced_alloc.h — the allocator for tmtrace's own memory (model objects, tracer tables' overflow).
 *
 * It goes straight to glibc's allocator, beneath the interposed malloc, so that tmtrace never traces itself
 * and never re-enters its own hooks. Under a sanitizer build of the runtime/model (reliability suite) it uses
 * the ordinary malloc instead, so that the sanitizer checks tmtrace's own memory too. */
#ifndef TMTRACE_COMMON_UNTRACED_ALLOC_H
#define TMTRACE_COMMON_UNTRACED_ALLOC_H

#include <stddef.h>
#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TM_SANITIZED_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define TM_SANITIZED_BUILD 1
#endif
#endif

#ifdef TM_SANITIZED_BUILD
static inline void *tm_malloc(size_t n) { return malloc(n); }
static inline void *tm_calloc(size_t n, size_t m) { return calloc(n, m); }
static inline void *tm_realloc(void *p, size_t n) { return realloc(p, n); }
static inline void tm_free(void *p) { free(p); }
#else
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
static inline void *tm_malloc(size_t n) { return __libc_malloc(n); }
static inline void *tm_calloc(size_t n, size_t m) { return __libc_calloc(n, m); }
static inline void *tm_realloc(void *p, size_t n) { return __libc_realloc(p, n); }
static inline void tm_free(void *p) { __libc_free(p); }
#endif

#endif
