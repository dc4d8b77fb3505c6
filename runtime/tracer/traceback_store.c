/* traceback_store.c — interned tracebacks: identical frame arrays (and total_nframe) are stored once and
 * named by a small id, which is what a trace holds. Frames are site-record pointers; a record of a module
 * being unloaded is copied into tracer memory first (tm_traceback_relocate), so old traces still print.
 *
 * Records live in an append-only arena and are found by id through a two-level directory whose chunks never
 * move, so a thread can read a record it was given without the lock. Lookups go by the traceback's
 * fingerprint through the id table, without the lock (the global lock is taken only to add a traceback): at
 * frames=25 a program with many call paths (an interpreter, a parser) looks up hundreds of thousands of
 * tracebacks in random order, so a lookup is paid in cache misses and is kept to one slot. Interned
 * tracebacks live as long as the process: their number is bounded by the program's distinct call paths. */
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "spinlock.h"
#include "tracer.h"

#define DIR_CHUNK_BITS TM_TB_DIR_CHUNK_BITS
#define DIR_CHUNK (1u << DIR_CHUNK_BITS)
#define DIR_CHUNKS (TM_MAX_TRACEBACKS / DIR_CHUNK)
#define ARENA_CHUNK (64 * 1024)

/* Its own cache line, as tm_traceback_epoch's: every malloc reads the epoch, and a store writes the lock. */
static tm_spinlock store_lock __attribute__((aligned(64)));
struct tm_traceback **tm_traceback_directory[DIR_CHUNKS];
#define directory tm_traceback_directory
static uint32_t ntracebacks; /* atomic for readers outside the lock */
static char *arena_next, *arena_end;

/* The id table: open addressing over fingerprints of the tracebacks (below). A slot holds the fingerprint and
 * the id, so a lookup reads one slot and never the record: at frames=25 a program with many call paths finds
 * most of its tracebacks here, in random order, and each record read was a second cache miss after the
 * slot's. A slot's id word is written before its fingerprint word (release), which a reader loads first
 * (acquire); a slot is never rewritten but to mark it dead (a relocated record, below). Growing publishes a
 * new table; the old ones are kept, as a reader may still be probing one (together they are smaller than the
 * current one). A reader that finds nothing looks again under the lock. */
#define EMPTY_SLOT 0 /* fingerprint words of no traceback (fingerprint() never returns them) */
#define DEAD_SLOT 1
#define ID_MASK (TM_MAX_TRACEBACKS - 1) /* the id word: fingerprint bits above, the id below */
#define MAX_LOAD_NUM 3 /* at most 3/4 full */
#define MAX_LOAD_DEN 4
struct id_slot {
    uint64_t fp;      /* atomic: EMPTY_SLOT, DEAD_SLOT or a fingerprint's first word */
    uint64_t tail_id; /* the fingerprint's second word (its bits above ID_MASK) | id */
};
struct id_table {
    size_t mask;                  /* capacity - 1, a power of two minus one */
    unsigned shift;               /* 64 - log2(capacity): a fingerprint's top bits are its first slot */
    const struct id_table *older; /* the table this one replaced, kept for readers still probing it */
    struct id_slot slots[];
};
static struct id_table *id_table; /* atomic: the current table, replaced under the lock */
static size_t slots_used;         /* in id_table, dead ones included; under the lock */

/* A fingerprint names a traceback (frames, nframe, total_nframe) without its frames: 64 + 40 bits from two
 * independent sums of products, frame by random per-process key, one key per position, the sizes too; past
 * 32 frames the sum so far is mixed and summing starts again with the first keys. Up to 32 frames such a sum
 * is a multilinear hash: for two different tracebacks, over the choice of keys, whole sums are equal with a
 * probability of at most 2^-61 (frames are 8-byte aligned), and sums' top 40 bits about 2^-40, independently of
 * how the sites lie in memory. So a lookup takes a fingerprint match for the traceback: the chance that one
 * lookup names a wrong one among n stored is about n * 2^-100, below 2^-76 at the store's limit of 2^24
 * tracebacks. The top bits are the well-spread ones (a low bit depends on the frames' low bits only), so they
 * pick the slot. The multiplies do not wait for each other, unlike a chained hash's. The keys must be random:
 * with related ones (an arithmetic progression, say) a sum would depend on a few linear combinations of the
 * frames only. */
struct fingerprint {
    uint64_t fp;   /* never EMPTY_SLOT or DEAD_SLOT */
    uint64_t tail; /* bits above ID_MASK only */
};
#define KEY_POSITIONS TM_FP_KEY_POSITIONS
uint64_t tm_fp_keys[2][KEY_POSITIONS + 1]; /* [lane][position]; the last one multiplies the sizes */
int tm_fp_keys_ready; /* atomic */

static inline uint64_t mix64(uint64_t x) /* MurmurHash3's finaliser */
{
    x ^= x >> 33;
    x *= UINT64_C(0xFF51AFD7ED558CCD);
    x ^= x >> 33;
    x *= UINT64_C(0xC4CEB9FE1A85EC53);
    return x ^ (x >> 33);
}

/* Fills tm_fp_keys once, from getrandom (or, without it, from the clock and addresses ASLR moves). */
void tm_fp_init_keys(void)
{
    tm_spin_lock(&store_lock);
    if (!tm_fp_keys_ready) {
        uint64_t seed[2] = {0, 0};
        if (getrandom(seed, sizeof seed, GRND_NONBLOCK) != (ssize_t)sizeof seed) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            seed[0] = (uint64_t)now.tv_nsec ^ (uint64_t)now.tv_sec << 32 ^ (uint64_t)(uintptr_t)&now;
            seed[1] = (uint64_t)(uintptr_t)&tm_fp_keys ^ (uint64_t)getpid() << 40;
        }
        /* splitmix64 from each seed word: every key has all its bits, unrelated to its neighbours */
        for (int lane = 0; lane < 2; lane++)
            for (int i = 0; i <= KEY_POSITIONS; i++)
                tm_fp_keys[lane][i] = mix64(seed[lane] += UINT64_C(0x9E3779B97F4A7C15));
        __atomic_store_n(&tm_fp_keys_ready, 1, __ATOMIC_RELEASE);
    }
    tm_spin_unlock(&store_lock);
}

/* The fingerprint from its two sums (the frames' and the sizes'). */
static struct fingerprint fingerprint_finish(uint64_t a, uint64_t b)
{
    return (struct fingerprint){a > DEAD_SLOT ? a : a + 2, b & ~(uint64_t)ID_MASK};
}

static inline uint64_t fingerprint_sizes(uint32_t nframe, uint32_t total_nframe)
{
    return (uint64_t)nframe << 32 | total_nframe;
}

static struct fingerprint fingerprint(const tmtrace_site *const *frames, uint32_t nframe, uint32_t total_nframe)
{
    tm_fp_keys_get();
    uint64_t sizes = fingerprint_sizes(nframe, total_nframe);
    uint64_t a = sizes * tm_fp_keys[0][KEY_POSITIONS], b = sizes * tm_fp_keys[1][KEY_POSITIONS];
    for (uint32_t start = 0; start < nframe; start += KEY_POSITIONS) {
        if (start) { /* the sum of the frames before, mixed: no position repeats a key unmixed */
            a = mix64(a);
            b = mix64(b);
        }
        uint32_t end = nframe - start > KEY_POSITIONS ? start + KEY_POSITIONS : nframe;
        /* Scalar: SSE2 has no 64-bit multiply, and its emulation costs more than the two imuls. */
#pragma clang loop vectorize(disable)
        for (uint32_t i = start; i < end; i++) {
            uint64_t frame = (uint64_t)(uintptr_t)frames[i];
            a += frame * tm_fp_keys[0][i - start];
            b += frame * tm_fp_keys[1][i - start];
        }
    }
    return fingerprint_finish(a, b);
}

/* Under store_lock only for a record already interned: the keys are ready, tm_fp_init_keys is not called. */
static struct fingerprint fingerprint_of(const struct tm_traceback *tb)
{
    return fingerprint(tb->frames, tb->nframe, tb->total_nframe);
}

uint32_t tm_traceback_count(void)
{
    return __atomic_load_n(&ntracebacks, __ATOMIC_ACQUIRE);
}

/* Once the store is big, its chunks are big too and asked to be backed by huge pages: lookups read records
 * and slots in random order, and with 4 KiB pages nearly each of them would also miss the TLB. The kernel
 * gives huge pages to the 2 MiB-aligned extents of the range, as they are first touched. */
#define BIG_CHUNK (8u << 20)
#define SMALL_CHUNKS_FIRST 32 /* 2 MiB of small chunks before the first big one: small programs stay small */

static void *tracer_alloc_big(size_t size)
{
    void *p = tm_tracer_alloc(size);
#ifdef MADV_HUGEPAGE
    if (p && size >= BIG_CHUNK / 2)
        (void)madvise((void *)(((uintptr_t)p + 4095) & ~(uintptr_t)4095), size - 4096, MADV_HUGEPAGE);
#endif
    return p;
}

/* Arena memory for tracer-owned records and strings. Caller holds store_lock. */
static void *arena_alloc(size_t size)
{
    static unsigned nchunks;
    size = (size + 15) & ~(size_t)15;
    if (size > ARENA_CHUNK / 4)
        return tm_tracer_alloc(size);
    if ((size_t)(arena_end - arena_next) < size) {
        size_t chunk_size = nchunks < SMALL_CHUNKS_FIRST ? ARENA_CHUNK : BIG_CHUNK;
        char *chunk = tracer_alloc_big(chunk_size);
        if (!chunk)
            return NULL;
        nchunks++;
        arena_next = chunk;
        arena_end = chunk + chunk_size;
    }
    void *p = arena_next;
    arena_next += size;
    return p;
}

/* The id of the traceback with this fingerprint in table t, or TM_NO_TRACEBACK; safe without the lock. */
static uint32_t find(const struct id_table *t, struct fingerprint f)
{
    for (size_t i = f.fp >> t->shift;; i = (i + 1) & t->mask) {
        uint64_t fp = __atomic_load_n(&t->slots[i].fp, __ATOMIC_ACQUIRE);
        if (fp == EMPTY_SLOT)
            return TM_NO_TRACEBACK;
        uint64_t tail_id = t->slots[i].tail_id;
        if (fp == f.fp && (tail_id & ~(uint64_t)ID_MASK) == f.tail)
            return (uint32_t)(tail_id & ID_MASK);
    }
}

/* Caller holds store_lock (or owns t alone). */
static void put_slot(struct id_table *t, struct fingerprint f, uint32_t id)
{
    size_t i = f.fp >> t->shift;
    while (t->slots[i].fp != EMPTY_SLOT)
        i = (i + 1) & t->mask;
    t->slots[i].tail_id = f.tail | id;
    __atomic_store_n(&t->slots[i].fp, f.fp, __ATOMIC_RELEASE);
}

/* Makes room for one more slot: when this table would pass 3/4, a new one at most 3/8 full with its live
 * slots (a relocated record's is dead: its frames, tracer copies, are never captured). Caller holds
 * store_lock. */
static int reserve_slot(void)
{
    struct id_table *old = id_table;
    size_t cap = old ? old->mask + 1 : 0;
    if ((slots_used + 1) * MAX_LOAD_DEN <= cap * MAX_LOAD_NUM)
        return 0;
    cap = 1024;
    while ((size_t)(ntracebacks + 1) * MAX_LOAD_DEN * 2 > cap * MAX_LOAD_NUM) /* live ones only */
        cap *= 2;
    struct id_table *t = tracer_alloc_big(sizeof *t + cap * sizeof t->slots[0]);
    if (!t)
        return -1;
    t->mask = cap - 1;
    t->shift = 64 - (unsigned)__builtin_ctzll(cap);
    t->older = old;
    slots_used = 0;
    for (size_t i = 0; old && i <= old->mask; i++) { /* the live slots, read in order (not the records) */
        uint64_t fp = old->slots[i].fp;
        if (fp != EMPTY_SLOT && fp != DEAD_SLOT) {
            uint64_t tail_id = old->slots[i].tail_id;
            put_slot(t, (struct fingerprint){fp, tail_id & ~(uint64_t)ID_MASK}, (uint32_t)(tail_id & ID_MASK));
            slots_used++;
        }
    }
    __atomic_store_n(&id_table, t, __ATOMIC_RELEASE);
    return 0;
}

/* Caller holds store_lock. */
static uint32_t intern_locked(const tmtrace_site *const *frames, uint32_t nframe, uint32_t total_nframe,
                              struct fingerprint f)
{
    uint32_t id = id_table ? find(id_table, f) : TM_NO_TRACEBACK;
    if (id != TM_NO_TRACEBACK)
        return id;
    id = ntracebacks;
    if (id + 1 >= TM_MAX_TRACEBACKS || reserve_slot() != 0)
        return TM_NO_TRACEBACK;
    struct tm_traceback ***chunk = &directory[id >> DIR_CHUNK_BITS];
    if (!*chunk && !(*chunk = tm_tracer_alloc(DIR_CHUNK * sizeof **chunk)))
        return TM_NO_TRACEBACK;
    struct tm_traceback *tb = arena_alloc(sizeof *tb + nframe * sizeof *frames);
    if (!tb)
        return TM_NO_TRACEBACK;
    tb->nframe = nframe;
    tb->total_nframe = total_nframe;
    tb->id = id;
    memcpy(tb->frames, frames, nframe * sizeof *frames);
    (*chunk)[id & (DIR_CHUNK - 1)] = tb;
    put_slot(id_table, f, id); /* after the record and its directory entry: a reader may follow it now */
    slots_used++;
    __atomic_store_n(&ntracebacks, id + 1, __ATOMIC_RELEASE);
    return id;
}

uint32_t tm_traceback_epoch __attribute__((aligned(64)));

/* The id through the id table, then (to add it) under the lock. No per-thread cache in front: a hot slot is
 * as near as a cache entry would be, and a cold one would miss the cache anyway. Inlined in both callers:
 * frames=1's misses come here too. */
static inline __attribute__((always_inline)) uint32_t
intern_fingerprinted(const tmtrace_site *const *frames, uint32_t nframe, uint32_t total_nframe, uint32_t epoch,
                     struct fingerprint f)
{
    const struct id_table *t = __atomic_load_n(&id_table, __ATOMIC_ACQUIRE);
    uint32_t id = t ? find(t, f) : TM_NO_TRACEBACK;
    if (id == TM_NO_TRACEBACK) {
        tm_spin_lock(&store_lock);
        id = intern_locked(frames, nframe, total_nframe, f);
        tm_spin_unlock(&store_lock);
    }
    if (id != TM_NO_TRACEBACK) {
        tm_self.last_tb_id_plus_one = id + 1;
        tm_self.last_tb_nframe = nframe;
        tm_self.last_tb_total = total_nframe;
        tm_self.last_tb_frame0 = frames[0];
        tm_self.last_tb_epoch = epoch;
    }
    return id;
}

uint32_t tm_traceback_intern_slow(const tmtrace_site *const *frames, uint32_t nframe, uint32_t total_nframe)
{
    uint32_t epoch = __atomic_load_n(&tm_traceback_epoch, __ATOMIC_ACQUIRE);
    return intern_fingerprinted(frames, nframe, total_nframe, epoch, fingerprint(frames, nframe, total_nframe));
}

uint32_t tm_traceback_intern_summed(const tmtrace_site *const *frames, uint32_t nframe, uint32_t total_nframe,
                                   const uint64_t sums[2])
{
    uint32_t epoch = __atomic_load_n(&tm_traceback_epoch, __ATOMIC_ACQUIRE);
    uint64_t sizes = fingerprint_sizes(nframe, total_nframe);
    return intern_fingerprinted(frames, nframe, total_nframe, epoch,
                                fingerprint_finish(sums[0] + sizes * tm_fp_keys[0][KEY_POSITIONS],
                                                   sums[1] + sizes * tm_fp_keys[1][KEY_POSITIONS]));
}

/* A tracer-owned copy of a module's site record (inline chain dropped: every record of a chain is its own
 * frame already). Caller holds store_lock. */
static const tmtrace_site *copy_site(const tmtrace_site *site)
{
    const char *function = site->function ? site->function : "";
    size_t file_len = strlen(site->filename) + 1, function_len = strlen(function) + 1;
    tmtrace_site *copy = arena_alloc(sizeof *copy + file_len + function_len);
    if (!copy)
        return NULL;
    char *strings = (char *)(copy + 1);
    memcpy(strings, site->filename, file_len);
    memcpy(strings + file_len, function, function_len);
    *copy = *site;
    copy->filename = strings;
    copy->function = strings + file_len;
    copy->inlined_at = NULL;
    return copy;
}

/* Takes a record that is about to be relocated out of the id table: its fingerprint names the module's site
 * addresses, which a module loaded there next may produce for other sites. Caller holds store_lock. */
static void retire(const struct tm_traceback *tb)
{
    struct fingerprint f = fingerprint_of(tb);
    for (size_t i = f.fp >> id_table->shift; id_table->slots[i].fp != EMPTY_SLOT; i = (i + 1) & id_table->mask)
        if (id_table->slots[i].fp == f.fp && id_table->slots[i].tail_id == (f.tail | tb->id)) {
            __atomic_store_n(&id_table->slots[i].fp, DEAD_SLOT, __ATOMIC_RELAXED);
            return;
        }
}

void tm_traceback_relocate(const tmtrace_site *begin, const tmtrace_site *end)
{
    struct tm_ptr_map copies = {0};
    tm_spin_lock(&store_lock);
    for (uint32_t id = 0; id < ntracebacks; id++) {
        struct tm_traceback *tb = directory[id >> DIR_CHUNK_BITS][id & (DIR_CHUNK - 1)];
        int retired = 0;
        for (uint32_t k = 0; k < tb->nframe; k++) {
            const tmtrace_site *f = tb->frames[k];
            if (f < begin || f >= end)
                continue;
            if (!retired++)
                retire(tb);
            uintptr_t copy;
            if (!tm_ptr_map_get(&copies, (uintptr_t)f, &copy)) {
                copy = (uintptr_t)copy_site(f);
                if (!copy || tm_ptr_map_put(&copies, (uintptr_t)f, copy) != 0)
                    copy = (uintptr_t)&tm_unknown_site; /* out of memory: better unknown than dangling */
            }
            tb->frames[k] = (const tmtrace_site *)copy;
        }
    }
    __atomic_add_fetch(&tm_traceback_epoch, 1, __ATOMIC_RELEASE);
    tm_spin_unlock(&store_lock);
    tm_ptr_map_free(&copies);
}

void tm_traceback_lock(void)
{
    tm_spin_lock(&store_lock);
}

void tm_traceback_unlock(void)
{
    tm_spin_unlock(&store_lock);
}
