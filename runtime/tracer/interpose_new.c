/* interpose_new.c — every standard C++ operator new and delete (Itanium-mangled names, since the runtime is
 * C; compiled with -fexceptions so that std::bad_alloc unwinds through it).
 *
 * new calls the real libstdc++ operator new (found with dlsym(RTLD_NEXT) on first use), so new-handlers and
 * std::bad_alloc behave as always, and records the block itself with the size the program asked for. While
 * the real operator runs, tm_self.suppress stops the malloc/aligned_alloc it calls from recording the same
 * block again (aligned new would otherwise record its rounded-up size). Unaligned new first calls glibc's
 * malloc itself when our malloc and free are the process's, which is all libstdc++'s would do when it succeeds
 * (through our malloc: two calls and the suppression more); only a failure goes to the real operator, whose
 * new-handler loop tries malloc again and throws std::bad_alloc or returns NULL. delete needs nothing of
 * libstdc++: it is free(), which forgets the block. */
#include <dlfcn.h>
#include <stdlib.h>

#include "record.h"

extern void *__libc_malloc(size_t);
extern void *__libc_memalign(size_t, size_t);

/* The next definition of `name` (libstdc++'s), looked up once; allocations dlsym makes are not traced. */
static void *resolve(void **slot, const char *name)
{
    void *fn = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (TM_LIKELY(fn != NULL))
        return fn;
    tm_self.busy++;
    fn = dlsym(RTLD_NEXT, name);
    tm_self.busy--;
    if (fn)
        __atomic_store_n(slot, fn, __ATOMIC_RELEASE);
    return fn;
}

/* No libstdc++ after us in the lookup order (it cannot throw bad_alloc for us): allocate directly. */
static void *without_libstdcxx(const char *name, size_t size, size_t alignment, int nothrow)
{
    void *p = alignment ? __libc_memalign(alignment, size ? size : 1) : __libc_malloc(size ? size : 1);
    if (!p && !nothrow) {
        tm_log("fatal: %s: out of memory and no libstdc++ operator new to throw std::bad_alloc", name);
        abort();
    }
    return p;
}

static void end_suppress(int *unused)
{
    (void)unused;
    tm_self.suppress--;
}

/* glibc's malloc may serve new only when the process's free is ours: when another malloc owns the process (one
 * defined in the executable or preloaded, mode "unavailable"), delete's free is that allocator's, so new must go
 * through libstdc++'s operator, which calls that allocator's malloc. Before init (mode none) the same way: it
 * reaches our malloc, which initialises. */
static inline __attribute__((always_inline)) int malloc_is_ours(void)
{
    return __atomic_load_n(&tm_g.mode, __ATOMIC_RELAXED) == TM_MODE_INTERPOSE;
}

/* One operator new: PARAMS/ARGS are its parameter list and argument list, SIZE and ALIGN name its size and
 * alignment parameters (ALIGN 0 when unaligned), NOTHROW is 1 for the nothrow forms. The real operator is
 * called out of line, so that unaligned new's fast path saves no register. */
#define TM_DEFINE_NEW(mangled, PARAMS, ARGS, SIZE, ALIGN, NOTHROW)                                               \
    static __attribute__((noinline)) void *mangled##_by_libstdcxx PARAMS                                         \
    {                                                                                                            \
        static void *real_slot;                                                                                  \
        void *(*real) PARAMS = (void *(*) PARAMS)resolve(&real_slot, #mangled);                                 \
        if (!real)                                                                                               \
            return tm_recorded(without_libstdcxx(#mangled, SIZE, ALIGN, NOTHROW), SIZE);                        \
        if (!tm_interposer_records())                                                                            \
            return real ARGS;                                                                                    \
        void *p;                                                                                                 \
        {                                                                                                        \
            int suppressing __attribute__((cleanup(end_suppress), unused)) = ++tm_self.suppress;                 \
            p = real ARGS;                                                                                       \
        }                                                                                                        \
        return tm_recorded(p, SIZE);                                                                            \
    }                                                                                                            \
    void *mangled PARAMS                                                                                         \
    {                                                                                                            \
        if (ALIGN == 0 && TM_LIKELY(malloc_is_ours())) { /* the common case: glibc's malloc directly */          \
            void *fast = __libc_malloc(SIZE ? SIZE : 1);                                                         \
            if (TM_LIKELY(fast != NULL))                                                                         \
                return tm_recorded(fast, SIZE);                                                                 \
        }                                                                                                        \
        return mangled##_by_libstdcxx ARGS;                                                                      \
    }

typedef const void *nothrow_ref; /* const std::nothrow_t & */

TM_DEFINE_NEW(_Znwm, (size_t size), (size), size, 0, 0)
TM_DEFINE_NEW(_Znam, (size_t size), (size), size, 0, 0)
TM_DEFINE_NEW(_ZnwmRKSt9nothrow_t, (size_t size, nothrow_ref nt), (size, nt), size, 0, 1)
TM_DEFINE_NEW(_ZnamRKSt9nothrow_t, (size_t size, nothrow_ref nt), (size, nt), size, 0, 1)
TM_DEFINE_NEW(_ZnwmSt11align_val_t, (size_t size, size_t align), (size, align), size, align, 0)
TM_DEFINE_NEW(_ZnamSt11align_val_t, (size_t size, size_t align), (size, align), size, align, 0)
TM_DEFINE_NEW(_ZnwmSt11align_val_tRKSt9nothrow_t, (size_t size, size_t align, nothrow_ref nt), (size, align, nt),
              size, align, 1)
TM_DEFINE_NEW(_ZnamSt11align_val_tRKSt9nothrow_t, (size_t size, size_t align, nothrow_ref nt), (size, align, nt),
              size, align, 1)

/* delete, delete[], sized, nothrow, aligned, aligned+sized, aligned+nothrow: all free(). */
void _ZdlPv(void *p) { free(p); }
void _ZdaPv(void *p) { free(p); }
void _ZdlPvm(void *p, size_t size) { (void)size; free(p); }
void _ZdaPvm(void *p, size_t size) { (void)size; free(p); }
void _ZdlPvRKSt9nothrow_t(void *p, nothrow_ref nt) { (void)nt; free(p); }
void _ZdaPvRKSt9nothrow_t(void *p, nothrow_ref nt) { (void)nt; free(p); }
void _ZdlPvSt11align_val_t(void *p, size_t align) { (void)align; free(p); }
void _ZdaPvSt11align_val_t(void *p, size_t align) { (void)align; free(p); }
void _ZdlPvmSt11align_val_t(void *p, size_t size, size_t align) { (void)size; (void)align; free(p); }
void _ZdaPvmSt11align_val_t(void *p, size_t size, size_t align) { (void)size; (void)align; free(p); }
void _ZdlPvSt11align_val_tRKSt9nothrow_t(void *p, size_t align, nothrow_ref nt) { (void)align; (void)nt; free(p); }
void _ZdaPvSt11align_val_tRKSt9nothrow_t(void *p, size_t align, nothrow_ref nt) { (void)align; (void)nt; free(p); }
