/* tracer.h — declarations shared by the tracer's files (libtmtrace.so internals; not installed).
 * Each group below names the file that owns it. */
#ifndef TMTRACE_TRACER_H
#define TMTRACE_TRACER_H

#include <stddef.h>
#include <stdint.h>

#include <tmtrace/tmtrace.h>

#include "common/error.h"
#include "tmtrace_abi.h"

#define TM_LIKELY(x) __builtin_expect(!!(x), 1)
#define TM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define TM_HIDDEN __attribute__((visibility("hidden")))

/* ---- options.c: TMTRACE_OPTIONS, declared in flags.inc ---- */
#define TM_STR_OPTION_MAX 4096
struct tm_options {
#define TM_INT(name) int64_t name;
#define TM_STR(name) char name[TM_STR_OPTION_MAX];
#define TM_FLAG(name, kind, def, lo, hi, desc) kind(name)
#include "flags.inc"
#undef TM_FLAG
#undef TM_INT
#undef TM_STR
};
extern struct tm_options tm_opt TM_HIDDEN;
/* Sets every option to its default, then applies `text` (may be NULL); with `warn`, logs bad input. */
void tm_options_parse(const char *text, int warn) TM_HIDDEN;
void tm_options_print_help(void) TM_HIDDEN;

/* ---- log.c: where the runtime's messages go ---- */
void tm_log_open(const char *log_path) TM_HIDDEN;
/* Writes "tmtrace: <message>\n" without allocating. */
void tm_log(const char *fmt, ...) TM_HIDDEN __attribute__((format(printf, 1, 2)));
void tm_log_write(const char *text, size_t len) TM_HIDDEN;

/* ---- init.c: global state, read on every allocation ---- */
enum tm_mode {
    TM_MODE_NONE,        /* not initialised yet */
    TM_MODE_INTERPOSE,   /* our malloc/free/new/delete are the process's: they record */
    TM_MODE_HOOKS,       /* a sanitizer owns malloc: its malloc/free hooks record */
    TM_MODE_UNAVAILABLE, /* someone else owns malloc and offers no hooks: only tmtrace_track() traces */
};
struct tm_global {
    int ready;   /* init finished */
    int mode;    /* enum tm_mode */
    int tracing; /* tmtrace_is_tracing() */
    int interposers_record; /* tracing through our interposers: the one test on their hot path */
    int nframe;  /* traceback limit */
    int exact_peak;
};
extern struct tm_global tm_g TM_HIDDEN;
/* The traceback limit: an atomic read (a plain move on x86), as tmtrace_start() may change it meanwhile. */
static inline int tm_nframe(void)
{
    return __atomic_load_n(&tm_g.nframe, __ATOMIC_RELAXED);
}
/* Initialises the runtime once (options, log, interception mode); safe to call from any hook. */
void tm_init(void) TM_HIDDEN;
/* Turns tracing on or off (tmtrace_start/stop, start=N). */
void tm_set_tracing(int on) TM_HIDDEN;

/* ---- thread state (counters.c defines it): per-thread, initial-exec TLS ---- */
#define TM_ONE_CACHE_SIZE 16u /* power of two */
#define TM_ONE_CACHE_CALLERS 3u
struct tm_one_cache_entry { /* traceback_capture.c's cache at limit 1: (site, total_nframe) -> id */
    uintptr_t site; /* the site record's address, +1 when one_cache_callers holds its callers; 0: empty */
    uint32_t total_nframe;
    uint32_t id;
};
struct tm_counter_slot;
struct tm_thread {
    int busy;     /* inside the tracer: allocations made now (signal handlers, libc) are not recorded */
    int suppress; /* inside an interposed operator new: the malloc beneath it must not record the block */
    const tmtrace_site *pending_site; /* set by an entry point, consumed by the next record */
    struct tm_counter_slot *slot;
    struct heap_table *heap_table;        /* this thread's domain-0 table */
    struct heap_table *last_remote_table; /* where this thread's last cross-thread free found its block */
    const tmtrace_site **frame_buf; /* capture buffer when nframe exceeds the inline one */
    struct tm_deep_memo *deep_memo; /* record.c: recent captures with a limit above 1 */
    size_t frame_buf_cap;
    struct tm_one_cache_entry one_cache[TM_ONE_CACHE_SIZE];
    /* Per way: a system site's traceback going on into shadow entries, their sites, innermost first. */
    const tmtrace_site *one_cache_callers[TM_ONE_CACHE_SIZE][TM_ONE_CACHE_CALLERS];
    uint32_t one_cache_epoch; /* tm_traceback_epoch when one_cache was last flushed */
    /* The last traceback interned: consecutive allocations from one place skip hashing. */
    uint32_t last_tb_id_plus_one, last_tb_nframe, last_tb_total, last_tb_epoch;
    const tmtrace_site *last_tb_frame0;
};
extern __thread struct tm_thread tm_self TM_HIDDEN __attribute__((tls_model("initial-exec")));

/* ---- counters.c: traced memory (current, peak) from per-thread deltas (see counters.c) ---- */
#define TM_FLUSH_BYTES (64 * 1024)
struct tm_counter_slot {
    int64_t pending;    /* written by the owner only */
    int64_t peak_local; /* written by the owner; reset by reset_peak/clear */
    int in_use;
    struct tm_counter_slot *next;
} __attribute__((aligned(64)));
extern int64_t tm_flushed TM_HIDDEN; /* atomic */
void tm_counters_add_slow(int64_t delta) TM_HIDDEN;
/* Adds delta bytes to the shared count, not this thread's slot: for an operation nested in one of this thread's
 * own (a signal handler), which may have interrupted a change of the slot. */
void tm_counters_add_shared(int64_t delta) TM_HIDDEN;
/* Adds delta bytes to traced memory in this thread's own slot and returns 1; 0 (nothing changed) when it must
 * flush instead. */
static inline __attribute__((always_inline)) int tm_counters_try_add(struct tm_counter_slot *slot, int64_t delta)
{
    int64_t pending = slot->pending + delta;
    if (TM_UNLIKELY(pending > TM_FLUSH_BYTES || pending < -TM_FLUSH_BYTES))
        return 0;
    __atomic_store_n(&slot->pending, pending, __ATOMIC_RELAXED);
    if (delta > 0) {
        int64_t now = __atomic_load_n(&tm_flushed, __ATOMIC_RELAXED) + pending;
        /* An atomic read (a plain move on x86): tmtrace_reset_peak() stores here from another thread. */
        if (now > __atomic_load_n(&slot->peak_local, __ATOMIC_RELAXED))
            __atomic_store_n(&slot->peak_local, now, __ATOMIC_RELAXED);
    }
    return 1;
}
/* Adds delta bytes to traced memory in this thread's own slot, unless it must flush. */
static inline __attribute__((always_inline)) void tm_counters_add_to(struct tm_counter_slot *slot, int64_t delta)
{
    if (TM_UNLIKELY(!tm_counters_try_add(slot, delta)))
        tm_counters_add_slow(delta);
}
/* Adds delta bytes to traced memory: the thread's own slot, unless it must flush or has none (always the case
 * with exact_peak=1). */
static inline __attribute__((always_inline)) void tm_counters_add(int64_t delta)
{
    struct tm_counter_slot *slot = tm_self.slot;
    if (TM_UNLIKELY(!slot)) {
        tm_counters_add_slow(delta);
        return;
    }
    tm_counters_add_to(slot, delta);
}
void tm_counters_get(size_t *current, size_t *peak) TM_HIDDEN;
void tm_counters_reset_peak(void) TM_HIDDEN;
/* After clearing the tables: `removed` bytes of traces went (blocks other threads recorded meanwhile stay
 * counted); the peak becomes current. */
void tm_counters_clear(int64_t removed) TM_HIDDEN;
int tm_counters_init(void) TM_HIDDEN; /* creates the thread-exit key */
void tm_counters_lock(void) TM_HIDDEN;
void tm_counters_unlock(void) TM_HIDDEN;
/* In a fork child: current becomes `traced` (the bytes the trace tables hold). A thread that vanished with the
 * fork may have been between changing a table and its counter. */
void tm_counters_after_fork_child(int64_t traced) TM_HIDDEN;

/* ---- tracer_memory.c: the tracer's own memory (untraced, counted, capped by max_memory) ---- */
void *tm_tracer_alloc(size_t size) TM_HIDDEN; /* zeroed; NULL when out of memory or over max_memory */
void tm_tracer_free(void *p, size_t size) TM_HIDDEN;
size_t tm_tracer_memory(void) TM_HIDDEN;
/* A block the tracer could not record: counted, and the first one prints a warning. */
void tm_note_untraced(void) TM_HIDDEN;
uint64_t tm_untraced_blocks(void) TM_HIDDEN;

/* ---- trace_map.c: (ptr -> packed {size, traceback id}); domain 0's map is heap_table.c's ---- */
struct tm_trace_map;
#define TM_SIZE_BITS 40 /* a trace value packs the size (40 bits) and the traceback id (24 bits) */
#define TM_MAX_TRACE_SIZE ((UINT64_C(1) << TM_SIZE_BITS) - 1)
#define TM_MAX_TRACEBACKS (UINT32_C(1) << (64 - TM_SIZE_BITS))
static inline uint64_t tm_pack(size_t size, uint32_t tb) { return (uint64_t)size | ((uint64_t)tb << TM_SIZE_BITS); }
static inline size_t tm_packed_size(uint64_t v) { return (size_t)(v & TM_MAX_TRACE_SIZE); }
static inline uint32_t tm_packed_traceback(uint64_t v) { return (uint32_t)(v >> TM_SIZE_BITS); }
struct tm_trace_map *tm_trace_map_new(unsigned shard_bits) TM_HIDDEN;
struct tm_trace_map *tm_trace_map_heap(void) TM_HIDDEN; /* domain 0 */
/* 1: inserted; 2: replaced (*old set); -1: out of tracer memory. `fresh`: the allocator just returned key,
 * so only a stale trace can exist (the heap map then skips the search of other threads' tables). */
int tm_trace_map_put(struct tm_trace_map *m, uintptr_t key, uint64_t value, uint64_t *old, int fresh) TM_HIDDEN;
/* 1: removed (*value set); 0: absent. */
int tm_trace_map_remove(struct tm_trace_map *m, uintptr_t key, uint64_t *value) TM_HIDDEN;
int tm_trace_map_get(struct tm_trace_map *m, uintptr_t key, uint64_t *value) TM_HIDDEN;
/* Returns the bytes of the traces it removed. */
int64_t tm_trace_map_clear(struct tm_trace_map *m) TM_HIDDEN;
/* Calls fn for every entry, one shard at a time, each shard copied under its lock. Returns 0 or -1 (memory). */
int tm_trace_map_each(struct tm_trace_map *m, int (*fn)(void *ctx, uintptr_t key, uint64_t value), void *ctx) TM_HIDDEN;
void tm_trace_map_lock_all(struct tm_trace_map *m) TM_HIDDEN;
void tm_trace_map_unlock_all(struct tm_trace_map *m) TM_HIDDEN;

/* ---- heap_table.c: domain 0, one table per thread (same contracts as tm_trace_map_*) ---- */
/* put and remove are inline in heap_table.h (the hot path). */
struct heap_table;
int tm_heap_get(uintptr_t key, uint64_t *value) TM_HIDDEN;
int64_t tm_heap_clear(void) TM_HIDDEN; /* returns the bytes of the traces it removed */
int tm_heap_each(int (*fn)(void *ctx, uintptr_t key, uint64_t value), void *ctx) TM_HIDDEN;
/* Returns how many tables belonged to threads that vanished with the fork. */
int tm_heap_after_fork_child(void) TM_HIDDEN;

/* ---- quiesce.c: sweeps that no fast operation of a table's owner overlaps (heap_table.c explains) ---- */
/* At init, before tracing starts: registers for membarrier(2), or chooses owners' full fences. */
void tm_quiesce_init(void) TM_HIDDEN;
/* Part of tm_set_tracing: what owners read inside their operations. */
void tm_quiesce_set_stopped(int stopped) TM_HIDDEN;
/* Around a sweep of the trace tables: after begin, no owner is inside a fast operation until end. */
void tm_quiesce_begin(void) TM_HIDDEN;
void tm_quiesce_end(void) TM_HIDDEN;
/* In a fork child: no sweep is running any more. */
void tm_quiesce_after_fork_child(void) TM_HIDDEN;

/* ---- domains.c: which map holds a domain, domain names ---- */
/* The map of `domain`, created on first use when `create`; NULL if absent / out of memory. */
struct tm_trace_map *tm_domain_map(unsigned domain, int create) TM_HIDDEN;
/* Calls fn(ctx, domain, map, name) for every domain that has a map or a name. */
int tm_domains_each(int (*fn)(void *ctx, unsigned domain, struct tm_trace_map *map, const char *name), void *ctx) TM_HIDDEN;
int tm_domain_set_name(unsigned domain, const char *name, int only_if_unnamed) TM_HIDDEN;
/* Returns the bytes of the traces it removed. */
int64_t tm_domains_clear_traces(void) TM_HIDDEN;
/* The sum of the sizes of every trace of every domain (O(live traces)). */
int64_t tm_domains_traced_size(void) TM_HIDDEN;
void tm_domains_lock_all(void) TM_HIDDEN;
void tm_domains_unlock_all(void) TM_HIDDEN;

/* ---- traceback_capture.c: the frames of an allocation happening now ---- */
/* Writes at most `limit` (>= 1) frames, most recent first, into out, or up to TM_CAPTURE_EXTRA more when the
 * first `limit` are all in system headers (out has room for limit + TM_CAPTURE_EXTRA); sets *total_nframe, and
 * *low_read to the lowest depth index it examined (the result depends on the entries [*low_read, depth) alone).
 * Never returns 0 frames: with no frame at all it writes the single frame "<unknown>":0 (tracemalloc's rule). */
#define TM_CAPTURE_EXTRA 64
/* The fingerprint's sums over the frames (tm_traceback_intern_summed), made as they were written; `valid` 0 when
 * they could not be (more than TM_FP_KEY_POSITIONS frames, an extension, a refused module). */
struct tm_capture_sums {
    uint64_t lane[2];
    int valid;
};
size_t tm_capture(const tmtrace_site *site, const struct tmtrace_shadow *shadow, const tmtrace_site **out,
                  size_t limit, uint32_t *total_nframe, uintptr_t *low_read, struct tm_capture_sums *sums) TM_HIDDEN;
extern const tmtrace_site tm_unknown_site TM_HIDDEN;

/* ---- traceback_store.c: interned tracebacks, id -> frames ---- */
struct tm_traceback {
    uint32_t total_nframe;
    uint32_t nframe;
    uint32_t id;
    const tmtrace_site *frames[]; /* most recent first */
};
#define TM_NO_TRACEBACK UINT32_MAX
#define TM_TB_DIR_CHUNK_BITS 12
/* id -> record, two levels whose chunks never move (traceback_store.c). */
extern struct tm_traceback **tm_traceback_directory[] TM_HIDDEN;
static inline const struct tm_traceback *tm_traceback_get(uint32_t id)
{
    return tm_traceback_directory[id >> TM_TB_DIR_CHUNK_BITS][id & ((1u << TM_TB_DIR_CHUNK_BITS) - 1)];
}
uint32_t tm_traceback_intern_slow(const tmtrace_site *const *frames, uint32_t nframe, uint32_t total_nframe) TM_HIDDEN;
/* The fingerprint's random keys (traceback_store.c): a traceback of at most TM_FP_KEY_POSITIONS frames is found
 * by the sums, one per lane, of frames[i] * tm_fp_keys[lane][i] (and its sizes). */
#define TM_FP_KEY_POSITIONS 32
extern uint64_t tm_fp_keys[2][TM_FP_KEY_POSITIONS + 1] TM_HIDDEN;
extern int tm_fp_keys_ready TM_HIDDEN; /* atomic */
void tm_fp_init_keys(void) TM_HIDDEN;
static inline void tm_fp_keys_get(void)
{
    if (TM_UNLIKELY(!__atomic_load_n(&tm_fp_keys_ready, __ATOMIC_ACQUIRE)))
        tm_fp_init_keys();
}
/* tm_traceback_intern_slow for at most TM_FP_KEY_POSITIONS frames whose sums the caller made as it wrote them. */
uint32_t tm_traceback_intern_summed(const tmtrace_site *const *frames, uint32_t nframe, uint32_t total_nframe,
                                   const uint64_t sums[2]) TM_HIDDEN;
/* Bumped when a module's sites are relocated: a new module at the same address must not match old memos. */
extern uint32_t tm_traceback_epoch TM_HIDDEN;
/* The id of these frames, interned on first sight; TM_NO_TRACEBACK when out of tracer memory. Consecutive
 * allocations from one place (the common case) match the thread's last traceback without hashing. */
static inline uint32_t tm_traceback_intern(const tmtrace_site *const *frames, uint32_t nframe, uint32_t total_nframe)
{
    if (TM_LIKELY(tm_self.last_tb_id_plus_one && tm_self.last_tb_nframe == nframe &&
                  tm_self.last_tb_total == total_nframe && tm_self.last_tb_frame0 == frames[0] &&
                  tm_self.last_tb_epoch == __atomic_load_n(&tm_traceback_epoch, __ATOMIC_ACQUIRE))) {
        uint32_t i = 1;
        if (nframe > 1) { /* frames beyond the first are compared against the record itself */
            const struct tm_traceback *last = tm_traceback_get(tm_self.last_tb_id_plus_one - 1);
            while (i < nframe && last->frames[i] == frames[i])
                i++;
        }
        if (i == nframe)
            return tm_self.last_tb_id_plus_one - 1;
    }
    return tm_traceback_intern_slow(frames, nframe, total_nframe);
}
uint32_t tm_traceback_count(void) TM_HIDDEN;
/* Copies every site record in [begin, end) that an interned traceback references into tracer memory. */
void tm_traceback_relocate(const tmtrace_site *begin, const tmtrace_site *end) TM_HIDDEN;
void tm_traceback_lock(void) TM_HIDDEN;
void tm_traceback_unlock(void) TM_HIDDEN;

/* ---- modules.c: instrumented modules (before the capture fast path, which uses it) ---- */
extern int tm_rejected_modules TM_HIDDEN; /* how many modules were refused (ABI mismatch) */
int tm_site_in_rejected_module(const tmtrace_site *site) TM_HIDDEN;
/* 1 when site belongs to a module the runtime refused: its frames read "<unknown>". */
static inline int tm_site_is_rejected(const tmtrace_site *site)
{
    return TM_UNLIKELY(__atomic_load_n(&tm_rejected_modules, __ATOMIC_ACQUIRE) != 0) && tm_site_in_rejected_module(site);
}

/* ---- traceback_capture.c: the traceback at limit 1 (the default), its fast path inline ----
 * At limit 1 a traceback is one frame and total_nframe, which are a function of the first frame's site record
 * (before the rejected-module rule: refusing a module bumps the epoch) and of the depth: so each thread keeps a
 * direct-mapped cache (site, total) -> id, flushed when tm_traceback_epoch moves, and the common case costs a
 * few loads and compares. A site in a system header extends its traceback to the first user frame (tm_capture):
 * when its own inline chain holds one (-O2: the library inlined into the user's function), the traceback is still
 * a function of the key; when one of the next TM_ONE_CACHE_CALLERS shadow entries does, those entries key it too
 * (`callers`: the entries the capture reads, from depth index total_nframe - 2 down, each valid; checked by the
 * slow path); longer ones take record.c's memoized capture. tm_capture documents the result, which must not depend on the path taken. */
/* The way of `site`: records 40 B apart in a module's array fall in different ways for 16 in a row. */
static inline uint32_t tm_one_cache_way(const tmtrace_site *site)
{
    return (uint32_t)((uintptr_t)site >> 3) & (TM_ONE_CACHE_SIZE - 1);
}
/* The cache missed (site NULL: the allocation came from uninstrumented code). `here`: the frame address of the
 * function that tm_traceback_one was inlined into. */
uint32_t tm_traceback_one_slow(const tmtrace_site *site, uint32_t total_nframe, uintptr_t here) TM_HIDDEN;

/* The cache's answer for tm_traceback_one(*site): 1 and *id on a hit. 0 otherwise, with *total set for
 * tm_traceback_one_slow (*site unchanged: when NULL, the slow path reads the shadow stack again, and with a
 * system site resumes below the entry it read). */
static inline __attribute__((always_inline)) int tm_traceback_one_cached(const tmtrace_site **site, uint32_t *total,
                                                                         uint32_t *id)
{
    uintptr_t depth = __tmtrace_shadow.depth;
    const struct tmtrace_shadow_entry *e = &__tmtrace_shadow.entries[(depth - 1) & TMTRACE_SHADOW_MASK];
    /* The frame, and every shadow entry below it once, but the caller's own slot when it cleared it for this
     * entry-point call (it is no frame: tm_capture's rule). */
    *total = 1 + (uint32_t)depth - (depth != 0 && !e->site);
    const tmtrace_site *key = *site;
    if (!key) {
        /* The innermost entry, when it is valid (see tm_capture's stale rule); otherwise the full walk. */
        if (TM_UNLIKELY(depth == 0 || !e->site || e->frame <= (uintptr_t)__builtin_frame_address(0)))
            return 0;
        key = e->site;
        *total = (uint32_t)depth;
    }
    /* An entry with callers (its site + 1) misses here: tm_traceback_one_slow checks them, so that this path,
     * inlined into every interposer, makes no call. */
    const struct tm_one_cache_entry *c = &tm_self.one_cache[tm_one_cache_way(key)];
    if (TM_LIKELY(c->site == (uintptr_t)key && c->total_nframe == *total &&
                  tm_self.one_cache_epoch == __atomic_load_n(&tm_traceback_epoch, __ATOMIC_ACQUIRE))) {
        *id = c->id;
        return 1;
    }
    return 0;
}

/* The traceback id (limit 1) of an allocation at `site` (NULL: from uninstrumented code, attributed to the
 * innermost valid shadow entry); TM_NO_TRACEBACK when out of tracer memory. */
static inline __attribute__((always_inline)) uint32_t tm_traceback_one(const tmtrace_site *site)
{
    uint32_t total, id;
    if (TM_LIKELY(tm_traceback_one_cached(&site, &total, &id)))
        return id;
    return tm_traceback_one_slow(site, total, (uintptr_t)__builtin_frame_address(0));
}

/* ---- pending site: set by an entry point for the allocation it is about to make ---- */
static inline const tmtrace_site *tm_set_pending_site(const tmtrace_site *site)
{
    tm_self.pending_site = site;
    return site;
}
static inline void tm_clear_pending_site(const tmtrace_site *const *unused)
{
    (void)unused;
    tm_self.pending_site = NULL;
}
/* Declares a scope in which `site` is the pending site; cleared on return and on C++ unwinding. */
#define TM_WITH_PENDING_SITE(site)                                                                               \
    const tmtrace_site *tm_pending_scope_ __attribute__((cleanup(tm_clear_pending_site), unused)) =              \
        tm_set_pending_site(site)

/* ---- interposition: shared test of the interposers ---- */
/* tm_interposer_records without its first-use branch, for fast paths that make no call: 1 record, 0 do not
 * (busy or suppressed), -1 ask tm_interposer_records. */
static inline __attribute__((always_inline)) int tm_interposer_records_now(void)
{
    if (TM_UNLIKELY(!__atomic_load_n(&tm_g.interposers_record, __ATOMIC_RELAXED)))
        return -1;
    return tm_self.busy == 0 && tm_self.suppress == 0; /* two tests: the record path then knows busy is 0 */
}
static inline int tm_interposer_records(void)
{
    int now = tm_interposer_records_now();
    if (TM_LIKELY(now >= 0))
        return now;
    if (__atomic_load_n(&tm_g.ready, __ATOMIC_ACQUIRE))
        return 0;
    tm_init();
    return tm_interposer_records_now() > 0;
}

/* ---- sanitizer_hooks.c ---- */
int tm_sanitizer_hooks_present(void) TM_HIDDEN;
int tm_sanitizer_hooks_install(void) TM_HIDDEN;
/* Tells MemorySanitizer (if present) that the runtime initialised [p, p + size) in the program's memory. */
void tm_unpoison(const volatile void *p, size_t size) TM_HIDDEN;

/* ---- interpose_malloc.c ---- */
int tm_process_malloc_is_ours(void) TM_HIDDEN;

/* ---- exit_report.c ---- */
void tm_exit_report(void) TM_HIDDEN;

/* ---- fork.c ---- */
int tm_fork_handlers_install(void) TM_HIDDEN;

/* ---- ptr_map.c: small pointer -> value map for one-off passes (snapshots, module unloads) ---- */
struct tm_ptr_map {
    uintptr_t *keys;
    uintptr_t *values;
    size_t cap, count;
};
/* 1 and *value set when found, 0 otherwise. */
int tm_ptr_map_get(const struct tm_ptr_map *m, uintptr_t key, uintptr_t *value) TM_HIDDEN;
int tm_ptr_map_put(struct tm_ptr_map *m, uintptr_t key, uintptr_t value) TM_HIDDEN; /* 0 or -1 */
void tm_ptr_map_free(struct tm_ptr_map *m) TM_HIDDEN;

#endif
