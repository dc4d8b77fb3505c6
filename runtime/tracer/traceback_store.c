/* traceback_store.c — interned tracebacks: identical frame arrays (and total_nframe) are stored once and
 * named by a small id, which is what a trace holds. Frames are site-record pointers; a record of a module
 * being unloaded is copied into tracer memory first (tm_traceback_relocate), so old traces still print.
 *
 * Records live in an append-only arena and are found by id through a two-level directory whose chunks never
 * move, so a thread can read a record it was given without the lock. Lookups go through a per-thread cache
 * (hash -> id, checked against the record), then through the id table without the lock (the global lock is
 * taken only to add a traceback): at frames=25 a program with many call paths (an interpreter, a parser)
 * looks up hundreds of thousands of tracebacks in random order, so a lookup is paid in cache misses and is
 * kept to the slot and the record. Interned tracebacks live as long as the process: their number is bounded
 * by the program's distinct call paths. */
#include <string.h>
#include <sys/mman.h>

#include "spinlock.h"
#include "tracer.h"

#define DIR_CHUNK_BITS TM_TB_DIR_CHUNK_BITS
#define DIR_CHUNK (1u << DIR_CHUNK_BITS)
#define DIR_CHUNKS (TM_MAX_TRACEBACKS / DIR_CHUNK)
#define ARENA_CHUNK (64 * 1024)

static tm_spinlock store_lock;
struct tm_traceback **tm_traceback_directory[DIR_CHUNKS];
#define directory tm_traceback_directory
static uint32_t ntracebacks; /* atomic for readers outside the lock */
static char *arena_next, *arena_end;

/* The id table: open addressing over record addresses (0 = empty). Records are 16-byte aligned, so a slot
 * keeps 4 bits of the hash in the address's low bits: a probe passes over most other tracebacks without
 * reading their records, and a hit reads the record (which holds its id) without the directory. A slot is
 * written once, after its record (release), and read without the lock (acquire). Growing publishes a new
 * table; the old ones are kept, as a reader may still be probing one (together they are smaller than the
 * current one). A reader that finds nothing looks again under the lock. */
#define TAG_MASK ((uintptr_t)15)
/* Records come from arena_alloc (16-byte multiples in malloc-aligned chunks) or straight from the allocator. */
_Static_assert(_Alignof(max_align_t) > TAG_MASK, "records must leave the tag bits of their address free");
#define MAX_LOAD_NUM 3 /* at most 3/4 full: the tags keep probes cheap */
#define MAX_LOAD_DEN 4
struct id_table {
    size_t mask;                  /* capacity - 1, a power of two minus one */
    const struct id_table *older; /* the table this one replaced, kept for readers still probing it */
    uintptr_t slots[];
};
static struct id_table *id_table; /* atomic: the current table, replaced under the lock */

static inline uintptr_t slot_tag(uint32_t hash)
{
    return (hash >> 28) & TAG_MASK; /* bits the index does not use until the table has 2^28 slots */
}

/* A sum of products, one random odd multiplier per position (the multiplies do not wait for each other,
 * unlike a chained hash: 25 frames cost ~25 cycles, not ~150), mixed after every 32 frames so that every bit
 * of the sum reaches the bits the tables use. The multipliers must be unrelated: with an
 * arithmetic progression the sum would depend on two linear combinations of the frames only. */
static const uint64_t position_multiplier[32] = {
    UINT64_C(0x00C5D36A32DFF00B), UINT64_C(0xE9F38517482C530F), UINT64_C(0xF8A3E3EF06E4C87B), UINT64_C(0x71867F685BEFDFBD),
    UINT64_C(0x72F9CADA66834B45), UINT64_C(0x194800D177315B1D), UINT64_C(0x12EB504840966D01), UINT64_C(0x55BBC3F4541ADFE3),
    UINT64_C(0x5264EB027A38CE65), UINT64_C(0x42295AED56A69171), UINT64_C(0x0FE68EB4CBCA5FA7), UINT64_C(0x897E8635335B95D1),
    UINT64_C(0xB33ED69145EF82FF), UINT64_C(0x05AA623E74D6D163), UINT64_C(0x8AE9E3F16FE84E2B), UINT64_C(0x3B008A8ED3D56D59),
    UINT64_C(0x70C83FDEEB05C7D3), UINT64_C(0x67B051C1F7CFC5E9), UINT64_C(0xBCCF0132874B5101), UINT64_C(0xAFF285672AF54615),
    UINT64_C(0x495B2E45A896AEFF), UINT64_C(0xDC653C5F7C51B1EF), UINT64_C(0x4EED12C27E87CA2D), UINT64_C(0x5C7BBBC82702BDF9),
    UINT64_C(0xC118BC4B3FE529E5), UINT64_C(0xD10BD8E60A720BAB), UINT64_C(0x113531AF856CDE59), UINT64_C(0xCA1875E3F6ED5B21),
    UINT64_C(0x1753D725A09A02FB), UINT64_C(0xECE08EA36AD3D847), UINT64_C(0xF9278A72B4505459), UINT64_C(0x53AAA1B0CB874B29),
};

static inline uint64_t mix64(uint64_t x) /* MurmurHash3's finaliser */
{
    x ^= x >> 33;
    x *= UINT64_C(0xFF51AFD7ED558CCD);
    x ^= x >> 33;
    x *= UINT64_C(0xC4CEB9FE1A85EC53);
    return x ^ (x >> 33);
}

static uint32_t hash_frames(const tmtrace_site *const *frames, uint32_t nframe, uint32_t total_nframe)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325) ^ total_nframe ^ (uint64_t)nframe << 32;
    for (uint32_t start = 0; start < nframe; start += 32) {
        uint32_t end = nframe - start > 32 ? start + 32 : nframe;
        uint64_t sum = 0;
        for (uint32_t i = start; i < end; i++)
            sum += (uint64_t)(uintptr_t)frames[i] * position_multiplier[i - start];
        h = mix64(h + sum);
    }
    return (uint32_t)(h >> 32) ^ (uint32_t)h;
}

static inline int same_site_arrays(const tmtrace_site *const *a, const tmtrace_site *const *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) /* short arrays: a loop beats a call to memcmp */
        if (a[i] != b[i])
            return 0;
    return 1;
}

static int same_frames(const struct tm_traceback *tb, uint32_t hash, const tmtrace_site *const *frames,
                       uint32_t nframe, uint32_t total_nframe)
{
    return tb->hash == hash && tb->nframe == nframe && tb->total_nframe == total_nframe &&
           same_site_arrays(tb->frames, frames, nframe);
}

uint32_t tm_traceback_count(void)
{
    return __atomic_load_n(&ntracebacks, __ATOMIC_ACQUIRE);
}

static uint32_t intern_cached(const tmtrace_site *const *frames, uint32_t nframe, uint32_t total_nframe);

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

/* The id of these frames in table t, or TM_NO_TRACEBACK; safe without the lock. */
static uint32_t find(const struct id_table *t, const tmtrace_site *const *frames, uint32_t nframe,
                     uint32_t total_nframe, uint32_t hash)
{
    for (size_t i = hash & t->mask;; i = (i + 1) & t->mask) {
        uintptr_t slot = __atomic_load_n(&t->slots[i], __ATOMIC_ACQUIRE);
        if (!slot)
            return TM_NO_TRACEBACK;
        const struct tm_traceback *tb = (const struct tm_traceback *)(slot & ~TAG_MASK);
        if ((slot & TAG_MASK) == slot_tag(hash) && same_frames(tb, hash, frames, nframe, total_nframe))
            return tb->id;
    }
}

static void put_slot(struct id_table *t, const struct tm_traceback *tb)
{
    size_t i = tb->hash & t->mask;
    while (t->slots[i])
        i = (i + 1) & t->mask;
    __atomic_store_n(&t->slots[i], (uintptr_t)tb | slot_tag(tb->hash), __ATOMIC_RELEASE);
}

/* Makes room for one more traceback. Caller holds store_lock. */
static int reserve_slot(void)
{
    struct id_table *old = id_table;
    size_t cap = old ? old->mask + 1 : 0;
    if ((size_t)(ntracebacks + 1) * MAX_LOAD_DEN <= cap * MAX_LOAD_NUM)
        return 0;
    cap = cap ? cap * 2 : 1024;
    struct id_table *t = tracer_alloc_big(sizeof *t + cap * sizeof t->slots[0]);
    if (!t)
        return -1;
    t->mask = cap - 1;
    t->older = old;
    for (uint32_t id = 0; id < ntracebacks; id++)
        put_slot(t, tm_traceback_get(id));
    __atomic_store_n(&id_table, t, __ATOMIC_RELEASE);
    return 0;
}

/* Caller holds store_lock. */
static uint32_t intern_locked(const tmtrace_site *const *frames, uint32_t nframe, uint32_t total_nframe,
                              uint32_t hash)
{
    uint32_t id = id_table ? find(id_table, frames, nframe, total_nframe, hash) : TM_NO_TRACEBACK;
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
    tb->hash = hash;
    tb->nframe = nframe;
    tb->total_nframe = total_nframe;
    tb->id = id;
    memcpy(tb->frames, frames, nframe * sizeof *frames);
    (*chunk)[id & (DIR_CHUNK - 1)] = tb;
    put_slot(id_table, tb); /* after the record and its directory entry: a reader may follow it now */
    __atomic_store_n(&ntracebacks, id + 1, __ATOMIC_RELEASE);
    return id;
}

uint32_t tm_traceback_epoch;

uint32_t tm_traceback_intern_slow(const tmtrace_site *const *frames, uint32_t nframe, uint32_t total_nframe)
{
    uint32_t epoch = __atomic_load_n(&tm_traceback_epoch, __ATOMIC_ACQUIRE);
    uint32_t id = intern_cached(frames, nframe, total_nframe);
    if (id != TM_NO_TRACEBACK) {
        tm_self.last_tb_id_plus_one = id + 1;
        tm_self.last_tb_nframe = nframe;
        tm_self.last_tb_total = total_nframe;
        tm_self.last_tb_frame0 = frames[0];
        tm_self.last_tb_epoch = epoch;
    }
    return id;
}

/* The id through the per-thread hash cache, then the id table, then (to add it) under the lock. */
static uint32_t intern_cached(const tmtrace_site *const *frames, uint32_t nframe, uint32_t total_nframe)
{
    uint32_t hash = hash_frames(frames, nframe, total_nframe);
    struct tm_tb_cache_entry *cached = &tm_self.tb_cache[hash & (TM_TB_CACHE_SIZE - 1)];
    if (cached->id_plus_one && cached->hash == hash &&
        same_frames(tm_traceback_get(cached->id_plus_one - 1), hash, frames, nframe, total_nframe))
        return cached->id_plus_one - 1;
    const struct id_table *t = __atomic_load_n(&id_table, __ATOMIC_ACQUIRE);
    uint32_t id = t ? find(t, frames, nframe, total_nframe, hash) : TM_NO_TRACEBACK;
    if (id == TM_NO_TRACEBACK) {
        tm_spin_lock(&store_lock);
        id = intern_locked(frames, nframe, total_nframe, hash);
        tm_spin_unlock(&store_lock);
    }
    if (id != TM_NO_TRACEBACK) {
        cached->hash = hash;
        cached->id_plus_one = id + 1;
    }
    return id;
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

void tm_traceback_relocate(const tmtrace_site *begin, const tmtrace_site *end)
{
    struct tm_ptr_map copies = {0};
    tm_spin_lock(&store_lock);
    for (uint32_t id = 0; id < ntracebacks; id++) {
        struct tm_traceback *tb = directory[id >> DIR_CHUNK_BITS][id & (DIR_CHUNK - 1)];
        for (uint32_t k = 0; k < tb->nframe; k++) {
            const tmtrace_site *f = tb->frames[k];
            if (f < begin || f >= end)
                continue;
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
