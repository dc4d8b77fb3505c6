/* sanitizer_hooks.c — the path taken when ASan, LSan, MSan or TSan owns malloc: the sanitizer's allocator
 * calls the hooks registered with __sanitizer_install_malloc_and_free_hooks (a weak reference, so a process
 * without a sanitizer runtime never needs the symbol), and the hooks record through record.c like the
 * interposers do. The requested size is what the sanitizer passes. Under MemorySanitizer, what the runtime
 * writes into the program's memory is marked initialised (tm_unpoison). */
#include <stddef.h>

#include "record.h"

extern int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                                     void (*free_hook)(const volatile void *))
    __attribute__((weak));
extern void __msan_unpoison(const volatile void *p, size_t size) __attribute__((weak));

static int hook_records(void)
{
    return __atomic_load_n(&tm_g.tracing, __ATOMIC_RELAXED) && !tm_self.busy;
}

static void on_malloc(const volatile void *p, size_t size)
{
    if (p && hook_records())
        tm_record_fresh((uintptr_t)p, size);
}

static void on_free(const volatile void *p)
{
    if (p && hook_records())
        tm_forget_heap((uintptr_t)p);
}

void tm_unpoison(const volatile void *p, size_t size)
{
    if (__msan_unpoison) /* MemorySanitizer cannot see this library's stores into the program's memory */
        __msan_unpoison(p, size);
}

int tm_sanitizer_hooks_present(void)
{
    return __sanitizer_install_malloc_and_free_hooks != NULL;
}

int tm_sanitizer_hooks_install(void)
{
    return __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) != 0 ? 0 : -1;
}
