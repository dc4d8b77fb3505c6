/* tmtrace_abi.h — the contract between code compiled by the tmtrace pass and the runtime (libtmtrace.so).
 *
 * Everything here is emitted by pass/ as LLVM IR and implemented by runtime/. Nothing here is for users;
 * users include <tmtrace/tmtrace.h>. Any change to a layout, a signature or the shadow-stack protocol bumps
 * TMTRACE_ABI_VERSION, and every instrumented module calls __tmtrace_register_module() with the version it was
 * built for, so a mismatched runtime says so instead of misreading records.
 *
 * Frames. A site record describes one source location. An allocation call site that was inlined is a chain:
 * the record of the innermost location, whose `inlined_at` points to the record of the call it was inlined
 * into, and so on outwards; every record of the chain is one frame of a traceback. Records are static,
 * read-only data of the module that contains them (strings included).
 *
 * Shadow stack (protocol of version 2). Every thread owns one `struct tmtrace_shadow` in initial-exec TLS. An
 * instrumented function that calls something able to allocate ("pushed" calls) holds one slot per activation,
 * entries[d0 & MASK], where d0 is the depth it found:
 *     take:     d0 = depth;  slot.site = NULL;  depth = d0 + 1;
 *     before each pushed call:  slot.frame = <frame key>;  slot.site = <call-site record>;
 *     give back:  depth = d0;
 * The stores of `take` and before calls are volatile, so the compiler keeps their order (a signal fence would
 * do too, but makes -O0's fast instruction selector fall back, which costs compile time). The slot is taken in
 * the nearest block that dominates every pushed call and lies on no CFG cycle (the entry block at -O0 and in
 * functions with landing pads, setjmp, indirectbr or callbr), and given back on every edge leaving the region
 * that block dominates and before every return in it; before a call that is not pushed right in front of a
 * return, so that it can stay a tail call. Paths that reach no pushed call (a recursion's base case) pay nothing.
 * Before a call to an allocation entry point (below), which receives its site as an argument, the slot's site
 * is cleared, so the function's own slot adds no frame. `take` is done again at every landing pad and after
 * every returns_twice call (setjmp): exceptions and longjmp may land with the depth of a deeper frame.
 *   The frame key is an address in the activation's frame that compares strictly greater than every callee's
 * (the stack grows down on every supported target): the address of the return address on x86-64
 * (llvm.addressofreturnaddress, which needs no frame pointer; at -O0 the same address as llvm.frameaddress(0)
 * + 8, which -O0's instruction selector handles), the frame address (llvm.frameaddress(0)) elsewhere. The
 * runtime reads entries from depth-1 downwards and skips an entry whose site is NULL or whose frame key is not
 * greater than that of the last entry it kept (for the first, than its own frame address), which discards
 * entries left stale by an exception or longjmp that landed in uninstrumented code, and entries overwritten
 * when recursion went deeper than TMTRACE_SHADOW_CAPACITY (the array is a ring indexed by depth & MASK, so the
 * innermost entries always survive).
 *   Why each store is where it is:
 *   - The frame key is stored before every pushed call, not once per activation: a slot that deeper recursion
 *     overwrote (the ring wrapped) or that a signal handler used (see below) is whole again at the next call.
 *   - Signal handlers. A handler that interrupts the function between calls sees the slot with a NULL site
 *     (before the first call, or just before an entry-point call), or with the site of the last call made: the
 *     interrupted activation is then shown at the line of its last call (v1 showed nothing for it). Between the
 *     two stores before a call the slot holds the new frame key and the previous site, never a half-written
 *     entry. A handler that runs after `slot.site = NULL` but before `depth = d0 + 1` takes the same slot, and
 *     gives the depth back as it found it; the slot's frame key is then the handler's until the next call's.
 *     Handlers on an alternate signal stack compare as their addresses happen to lie (as in v1).
 *   - Exceptions through instrumented frames run no give-back; the landing pad that catches takes its slot
 *     again. Through uninstrumented frames, entries above the catcher stay behind as stale entries until
 *     overwritten; they are never read, because the catcher resets depth. An exception caught by
 *     uninstrumented code that returns normally to an instrumented caller is repaired by that caller's give-back
 *     (depth = d0 stores the value it found, it does not decrement).
 *   - longjmp: the function that called setjmp takes its slot again after it returns; frames it skipped never
 *     give back, which is harmless for the same reason.
 *   - Recursion deeper than the capacity: the innermost entries survive; an activation whose slot a deeper one
 *     overwrote stores its frame key again at its next call, and allocations made by it directly clear the site.
 *   - Threads: the stack is per thread, depth starts at 0.
 */
#ifndef TMTRACE_ABI_H
#define TMTRACE_ABI_H

#include <stddef.h>
#include <stdint.h>

#define TMTRACE_ABI_VERSION 2u /* 2: one shadow slot per activation (v1: per call) */

/* One source location. 40 bytes; the pass emits it as { ptr, ptr, ptr, i32, i32, i32, i32 }. */
typedef struct tmtrace_site {
    const char *filename;                  /* absolute path; "?" when the module has no debug info */
    const char *function;                  /* demangled-free source name (DISubprogram name); may be NULL */
    const struct tmtrace_site *inlined_at; /* the location this one was inlined into; NULL if not inlined */
    uint32_t lineno;                       /* 0 when unknown */
    uint32_t column;                       /* 0 when unknown */
    uint32_t flags;                        /* TMTRACE_SITE_* */
    uint32_t reserved;                     /* 0 */
} tmtrace_site;

/* The location is inside a system header (e.g. libstdc++'s new_allocator.h): reports may skip to the
 * innermost frame that is not, which the runtime's tracebacks hold even past the frames= limit. */
#define TMTRACE_SITE_SYSTEM 0x1u

#define TMTRACE_SHADOW_CAPACITY 256u /* power of two */
#define TMTRACE_SHADOW_MASK (TMTRACE_SHADOW_CAPACITY - 1u)

struct tmtrace_shadow_entry {
    const tmtrace_site *site; /* the call in progress in the activation that holds the slot; NULL: none */
    uintptr_t frame;          /* that activation's frame key, see above */
};

struct tmtrace_shadow {
    uintptr_t depth; /* may exceed the capacity: the ring keeps the innermost entries */
    struct tmtrace_shadow_entry entries[TMTRACE_SHADOW_CAPACITY];
};

#ifdef __cplusplus
extern "C" {
#endif

/* Defined by the runtime; the pass declares it `external thread_local(initialexec)`. */
extern __thread struct tmtrace_shadow __tmtrace_shadow __attribute__((tls_model("initial-exec")));

/* Module registration, called from a constructor the pass adds to every instrumented module (and the matching
 * destructor). [sites_begin, sites_end) is the module's site-record array, so that the runtime can copy the
 * records that live traces still reference before a dlclose unmaps them. Returns 0, or -1 on an ABI mismatch
 * (the runtime then prints one warning naming the module and treats its sites as unknown). */
int __tmtrace_register_module(uint32_t abi_version, const char *module_name, const tmtrace_site *sites_begin,
                              const tmtrace_site *sites_end);
void __tmtrace_unregister_module(const tmtrace_site *sites_begin, const tmtrace_site *sites_end);

/* Allocation entry points: each behaves exactly like the function it replaces (same errno, same failure
 * result, same exceptions for operator new) and records the block with `site` as its most recent frame.
 * The C++ names in the comments are the Itanium-mangled functions they replace. */
void *__tmtrace_malloc(size_t size, const tmtrace_site *site);
void *__tmtrace_calloc(size_t nmemb, size_t size, const tmtrace_site *site);
void *__tmtrace_realloc(void *ptr, size_t size, const tmtrace_site *site);
void *__tmtrace_reallocarray(void *ptr, size_t nmemb, size_t size, const tmtrace_site *site);
int __tmtrace_posix_memalign(void **out, size_t alignment, size_t size, const tmtrace_site *site);
void *__tmtrace_aligned_alloc(size_t alignment, size_t size, const tmtrace_site *site);
void *__tmtrace_memalign(size_t alignment, size_t size, const tmtrace_site *site);
void *__tmtrace_valloc(size_t size, const tmtrace_site *site);
void *__tmtrace_pvalloc(size_t size, const tmtrace_site *site);
char *__tmtrace_strdup(const char *s, const tmtrace_site *site);
char *__tmtrace_strndup(const char *s, size_t n, const tmtrace_site *site);
void *__tmtrace_new(size_t size, const tmtrace_site *site);                               /* _Znwm */
void *__tmtrace_new_array(size_t size, const tmtrace_site *site);                         /* _Znam */
void *__tmtrace_new_nothrow(size_t size, const tmtrace_site *site);                       /* _ZnwmRKSt9nothrow_t */
void *__tmtrace_new_array_nothrow(size_t size, const tmtrace_site *site);                 /* _ZnamRKSt9nothrow_t */
void *__tmtrace_new_aligned(size_t size, size_t alignment, const tmtrace_site *site);     /* _ZnwmSt11align_val_t */
void *__tmtrace_new_array_aligned(size_t size, size_t alignment, const tmtrace_site *site); /* _ZnamSt11align_val_t */
void *__tmtrace_new_aligned_nothrow(size_t size, size_t alignment, const tmtrace_site *site);
                                                                  /* _ZnwmSt11align_val_tRKSt9nothrow_t */
void *__tmtrace_new_array_aligned_nothrow(size_t size, size_t alignment, const tmtrace_site *site);
                                                                  /* _ZnamSt11align_val_tRKSt9nothrow_t */

/* Frees and deletes keep their ordinary symbols, which the runtime interposes: once the allocation is a call
 * to an entry point above, the optimizer no longer recognises the pair and cannot elide it. */

/* User allocators named in the pass's allocator file (see pass/README or tools/): after a call to a named
 * allocation function returns `ptr` for `size` bytes, the pass calls __tmtrace_track_at with the call's site;
 * before/after a named free function it calls __tmtrace_untrack_at. `domain` is the number given in the file
 * (0 = the C heap, e.g. for xmalloc-style wrappers around an uninstrumented allocator) and `domain_name` its
 * name (may be NULL); the runtime names the domain on first use. A NULL ptr is ignored. */
void __tmtrace_track_at(uint32_t domain, const char *domain_name, const void *ptr, size_t size,
                        const tmtrace_site *site);
void __tmtrace_untrack_at(uint32_t domain, const void *ptr);

#ifdef __cplusplus
}
#endif

#endif /* TMTRACE_ABI_H */
