/* leak_check.c — leak-check scopes: which blocks a scope (a test, a test suite, an environment) allocated and
 * still holds, and which of those nothing can reach any more.
 *
 * Cost model. While a scope is open, every domain-0 block allocated by a thread that belongs to the scope goes
 * into the scope's candidate table and leaves it when freed, so a scope end only looks at what the scope
 * allocated and still holds: an empty table ends in O(1). A thread belongs to a scope unless it already existed
 * when the scope began (the thread that opens the scope always belongs): blocks of pre-existing background
 * threads are not the test's. Only when candidates survive does the reachability scan run; it costs
 * O(live heap bytes + writable data + stacks), like LeakSanitizer's, and happens once per test that leaks or
 * fills a first-use cache.
 *
 * Reachability, as LeakSanitizer defines it. Roots: writable segments and this thread's TLS blocks of every
 * loaded module (but libtmtrace's own); the stack of the thread that opened the scope, above the point where it
 * opened it or above the stack root it named (dead slots below still hold pointers the scope dropped, which
 * would hide its leaks); the stacks (and so the static TLS) of every other thread from its stack pointer up;
 * glibc's thread descriptors (DTV, pthread keys), live and cached; every block that is not a candidate of the
 * ending scope (blocks alive before the scope, of outer scopes, of other threads) except blocks an earlier scope
 * reported as leaked; and candidates the program marked with tmtrace_leak_ignore_object(). Any aligned word that
 * points into a candidate, interior pointers included (but not glibc's next-chunk header), makes it reachable,
 * and reachable candidates are scanned in turn. What stays unmarked leaked; its blocks leave the tables, so
 * that an outer scope never reports them again. Other threads are stopped with a signal (TM_STOP_SIGNAL) while
 * the scan runs, which also yields their stack pointers; a thread that blocks the signal is not stopped and its
 * stack is not scanned.
 *
 * Known limit, shared with every conservative scan: a stale copy of an address, left in the unused capacity or
 * uninitialised bytes of a live block, keeps a later block at that address "reachable" (a missed leak, never a
 * false one). */
#define _GNU_SOURCE
#include "leak_check.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <malloc.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <tmtrace/tmtrace.h>

#include "common/error.h"
#include "tracer.h"

#define TM_MAX_SCOPES 8
#define TM_STOP_SIGNAL (SIGRTMAX - 2)
#define TM_STOP_TIMEOUT_NS 500000000L /* a thread that has not stopped by then is left running */

int tm_leak_check_active;

/* ---- the leak check's own memory ---------------------------------------------------------------------------
 * Straight from mmap, not from the heap the program uses: what a scope end allocates and frees must not change
 * which addresses the next test's blocks get (a reused address can meet a stale pointer, see leaks.cc), nor
 * depend on what other threads did meanwhile. Each block carries its mapping size in a 16-byte header. */

static void *page_alloc(size_t n)
{
    size_t total = n + 16;
    void *p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    *(size_t *)p = total;
    return (char *)p + 16;
}

static void page_free(void *p)
{
    if (p)
        munmap((char *)p - 16, *(size_t *)((char *)p - 16));
}

static void *page_realloc(void *p, size_t n)
{
    if (!p)
        return page_alloc(n);
    size_t old_total = *(size_t *)((char *)p - 16);
    void *q = mremap((char *)p - 16, old_total, n + 16, MREMAP_MAYMOVE);
    if (q == MAP_FAILED)
        return NULL;
    *(size_t *)q = n + 16;
    return (char *)q + 16;
}

static int grow(void **items, size_t *cap, size_t need, size_t item_size)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 64;
    while (ncap < need)
        ncap *= 2;
    void *n = page_realloc(*items, ncap * item_size);
    if (!n)
        return tm_error("leak check: out of memory (%zu bytes)", ncap * item_size);
    *items = n;
    *cap = ncap;
    return 0;
}

/* ---- candidate tables: open addressing keyed by address, backward-shift deletion ---------------------------- */

struct candidate {
    uintptr_t ptr; /* 0: empty slot */
    size_t size;
    int ignored;
    /* During a scan: the address of the next heap chunk's header, when it lies inside this block (glibc lets a
     * block use the next chunk's first word). glibc's bins and arena tops point there: not a reference. */
    uintptr_t next_chunk;
};

struct candidate_table {
    struct candidate *slots;
    size_t mask; /* capacity - 1; capacity is a power of two, 0 when unallocated */
    size_t count;
};

static size_t slot_of(const struct candidate_table *t, uintptr_t ptr)
{
    uint64_t h = (uint64_t)ptr * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 32) & t->mask;
}

static struct candidate *table_find(struct candidate_table *t, uintptr_t ptr)
{
    if (!t->count)
        return NULL;
    for (size_t i = slot_of(t, ptr);; i = (i + 1) & t->mask) {
        if (t->slots[i].ptr == ptr)
            return &t->slots[i];
        if (!t->slots[i].ptr)
            return NULL;
    }
}

static int table_insert(struct candidate_table *t, uintptr_t ptr, size_t size);

static int table_rehash(struct candidate_table *t, size_t capacity)
{
    struct candidate *old = t->slots;
    size_t old_cap = t->slots ? t->mask + 1 : 0;
    struct candidate *slots = page_alloc(capacity * sizeof *slots); /* zeroed */
    if (!slots)
        return tm_error("leak check: out of memory for %zu candidates", capacity);
    t->slots = slots;
    t->mask = capacity - 1;
    t->count = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].ptr) {
            table_insert(t, old[i].ptr, old[i].size);
            table_find(t, old[i].ptr)->ignored = old[i].ignored;
        }
    page_free(old);
    return 0;
}

static int table_insert(struct candidate_table *t, uintptr_t ptr, size_t size)
{
    if (!t->slots || (t->count + 1) * 4 > (t->mask + 1) * 3)
        if (table_rehash(t, t->slots ? (t->mask + 1) * 2 : 64) < 0)
            return -1;
    size_t i = slot_of(t, ptr);
    while (t->slots[i].ptr && t->slots[i].ptr != ptr)
        i = (i + 1) & t->mask;
    if (!t->slots[i].ptr)
        t->count++;
    t->slots[i] = (struct candidate){ptr, size, 0, 0};
    return 0;
}

static void table_remove_slot(struct candidate_table *t, struct candidate *c)
{
    size_t hole = (size_t)(c - t->slots);
    for (size_t i = (hole + 1) & t->mask; t->slots[i].ptr; i = (i + 1) & t->mask) {
        size_t home = slot_of(t, t->slots[i].ptr);
        /* Move the entry into the hole unless its home lies cyclically in (hole, i]. */
        if (((i - home) & t->mask) >= ((i - hole) & t->mask)) {
            t->slots[hole] = t->slots[i];
            hole = i;
        }
    }
    t->slots[hole].ptr = 0;
    t->count--;
}

/* Empties the table for the next scope at its depth: an empty table is kept as is (the common case costs
 * nothing), a big one goes back to the system. */
static void table_reset(struct candidate_table *t)
{
    if (!t->count)
        return;
    if (t->mask + 1 > 65536) {
        page_free(t->slots);
        *t = (struct candidate_table){0};
        return;
    }
    memset(t->slots, 0, (t->mask + 1) * sizeof *t->slots);
    t->count = 0;
}

/* ---- scopes --------------------------------------------------------------------------------------------------- */

struct scope {
    struct candidate_table candidates;
    unsigned serial;           /* unique among the scopes opened so far */
    pid_t owner_tid;           /* the thread that opened it */
    uintptr_t owner_stack_top; /* that thread's stack pointer when it opened it: roots lie above */
    pid_t *foreign_tids;       /* threads that existed when it opened (the owner excluded) */
    size_t nforeign, foreign_cap;
};

static pthread_mutex_t scope_lock = PTHREAD_MUTEX_INITIALIZER;
static struct scope scopes[TM_MAX_SCOPES];
static int nscopes;
/* Blocks already reported as leaked and still alive. They are not roots of later scopes: nothing reaches them,
 * and their never-initialised bytes hold stale addresses that would hide the next test's leaks. */
static struct candidate_table reported;
/* Bumped whenever the scope stack changes, so that each thread recomputes its scope once per change. */
static unsigned scope_generation = 1;
static unsigned last_serial; /* the last scope's serial */

/* Per thread: which scope (index, -1 for none) its blocks go to, valid while generation matches; whether it
 * holds scope_lock (or is about to). */
static __thread struct {
    unsigned generation;
    int scope;
    pid_t tid;
    int locking;
} thread_scope __attribute__((tls_model("initial-exec")));

/* scope_lock for this thread. `locking` is set around it so that a signal handler that interrupted this thread
 * inside leak_check never waits for the lock its own thread holds: the record path's notes (a free in the
 * handler) are then skipped (tm_leak_check_record_*). */
static void lock_scopes(void)
{
    thread_scope.locking = 1;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    pthread_mutex_lock(&scope_lock);
}

static void unlock_scopes(void)
{
    pthread_mutex_unlock(&scope_lock);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    thread_scope.locking = 0;
}

/* lock_scopes for the record path's notes: 0 (nothing locked) in a handler whose thread holds the lock. */
static int lock_scopes_for_note(void)
{
    if (thread_scope.locking)
        return 0;
    lock_scopes();
    return 1;
}

static pid_t current_tid(void)
{
    if (!thread_scope.tid)
        thread_scope.tid = (pid_t)syscall(SYS_gettid);
    return thread_scope.tid;
}

static int scope_owns_thread(const struct scope *s, pid_t tid)
{
    for (size_t i = 0; i < s->nforeign; i++)
        if (s->foreign_tids[i] == tid)
            return 0;
    return 1;
}

/* The innermost open scope this thread belongs to, or -1. Caller holds scope_lock. */
static int thread_scope_index(void)
{
    if (thread_scope.generation != scope_generation) {
        pid_t tid = current_tid();
        thread_scope.scope = -1;
        for (int i = nscopes - 1; i >= 0; i--)
            if (scope_owns_thread(&scopes[i], tid)) {
                thread_scope.scope = i;
                break;
            }
        thread_scope.generation = scope_generation;
    }
    return thread_scope.scope;
}

void tm_leak_check_record_alloc(uintptr_t ptr, size_t size)
{
    if (!ptr || !lock_scopes_for_note())
        return;
    int i = nscopes ? thread_scope_index() : -1;
    /* Out of tracer memory: the block simply is not a candidate; the user's allocation is unaffected. */
    if (i >= 0)
        table_insert(&scopes[i].candidates, ptr, size);
    unlock_scopes();
}

void tm_leak_check_record_free(uintptr_t ptr, struct tm_leak_taken *taken)
{
    if (!ptr || !lock_scopes_for_note())
        return;
    struct candidate *c = NULL;
    struct candidate_table *t = NULL;
    int table = -2;
    for (int i = nscopes - 1; i >= 0 && !c; i--)
        if ((c = table_find(t = &scopes[i].candidates, ptr)))
            table = i;
    if (!c && (c = table_find(t = &reported, ptr)))
        table = -1;
    if (c) {
        if (taken)
            *taken = (struct tm_leak_taken){table, table >= 0 ? scopes[table].serial : 0, c->size, c->ignored};
        table_remove_slot(t, c);
    }
    unlock_scopes();
}

void tm_leak_check_record_kept(uintptr_t ptr, const struct tm_leak_taken *taken)
{
    if (!lock_scopes_for_note())
        return;
    /* Its scope, if still open: scopes that began or ended above it meanwhile do not matter. */
    struct candidate_table *t = taken->table == -1 ? &reported
                                : taken->table < nscopes && scopes[taken->table].serial == taken->serial
                                    ? &scopes[taken->table].candidates
                                    : NULL;
    /* Out of memory: the block is simply not a candidate any more, as in tm_leak_check_record_alloc. */
    if (t && table_insert(t, ptr, taken->size) == 0) {
        table_find(t, ptr)->ignored = taken->ignored;
        /* The last scope may have ended meanwhile and switched the notes off, `reported` being empty then:
         * this block's free must still reach it. */
        __atomic_store_n(&tm_leak_check_active, 1, __ATOMIC_RELEASE);
    }
    unlock_scopes();
}

/* fork() while another thread holds scope_lock must not leave the child's copy locked (death tests fork). */
static void lock_before_fork(void) { lock_scopes(); }
static void unlock_after_fork(void) { unlock_scopes(); }

/* ---- threads ---------------------------------------------------------------------------------------------- */

/* Every thread id of this process, read with raw syscalls (opendir would allocate through the hooks). The
 * directory stays open (rewound each time) since every test start reads it; a forked child reopens its own.
 * Caller holds scope_lock. */
static int task_dir = -1;
static pid_t task_dir_pid;

static int list_threads(pid_t **tids, size_t *n, size_t *cap)
{
    pid_t pid = getpid();
    if (task_dir >= 0 && task_dir_pid == pid && lseek(task_dir, 0, SEEK_SET) == 0) {
        /* rewound */
    } else {
        if (task_dir >= 0 && task_dir_pid == pid)
            close(task_dir); /* a forked child must not close the descriptor it inherited: it is its own copy */
        task_dir = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (task_dir < 0)
            return tm_error("leak check: cannot open /proc/self/task: %s", strerror(errno));
        task_dir_pid = pid;
    }
    char buf[4096] __attribute__((aligned(8)));
    *n = 0;
    for (;;) {
        long got = syscall(SYS_getdents64, task_dir, buf, sizeof buf);
        if (got <= 0)
            break;
        for (long off = 0; off < got;) {
            struct dirent64 *d = (struct dirent64 *)(buf + off);
            off += d->d_reclen;
            if (d->d_name[0] < '0' || d->d_name[0] > '9')
                continue;
            if (grow((void **)tids, cap, *n + 1, sizeof **tids) < 0)
                return -1;
            (*tids)[(*n)++] = (pid_t)strtol(d->d_name, NULL, 10);
        }
    }
    return 0;
}

/* ---- stopping the other threads ------------------------------------------------------------------------- */

struct stopped_thread {
    pid_t tid;
    int acked;     /* atomic: the handler stored sp */
    uintptr_t sp;  /* an address in the handler's frame: everything the thread uses lies above */
};

static struct {
    struct stopped_thread *threads;
    size_t n, cap;
    int release;    /* atomic futex word: 1 when the stopped threads may go on */
    int in_progress; /* atomic: a stop is under way (stray signals outside it are ignored) */
} world;

static void stop_handler(int sig, siginfo_t *info, void *uctx)
{
    (void)sig;
    (void)uctx;
    int saved_errno = errno;
    if (info->si_code == SI_TKILL && info->si_pid == getpid() &&
        __atomic_load_n(&world.in_progress, __ATOMIC_ACQUIRE)) {
        pid_t tid = (pid_t)syscall(SYS_gettid);
        volatile uintptr_t here = 0;
        for (size_t i = 0; i < world.n; i++)
            if (world.threads[i].tid == tid) {
                world.threads[i].sp = (uintptr_t)&here;
                __atomic_store_n(&world.threads[i].acked, 1, __ATOMIC_RELEASE);
                while (!__atomic_load_n(&world.release, __ATOMIC_ACQUIRE))
                    syscall(SYS_futex, &world.release, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
                break;
            }
    }
    errno = saved_errno;
}

static int install_stop_handler(void)
{
    static int installed;
    if (installed)
        return 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = stop_handler;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigfillset(&sa.sa_mask);
    if (sigaction(TM_STOP_SIGNAL, &sa, NULL) < 0)
        return tm_error("leak check: cannot install the handler of signal %d: %s", TM_STOP_SIGNAL, strerror(errno));
    installed = 1;
    return 0;
}

/* Prepares world.threads (every thread but this one) before stopping them: no allocation happens later. */
static int prepare_stop(void)
{
    pid_t *tids = NULL;
    size_t n = 0, cap = 0;
    if (install_stop_handler() < 0 || list_threads(&tids, &n, &cap) < 0) {
        page_free(tids);
        return -1;
    }
    pid_t self = current_tid();
    world.n = 0;
    for (size_t i = 0; i < n; i++) {
        if (tids[i] == self)
            continue;
        if (grow((void **)&world.threads, &world.cap, world.n + 1, sizeof *world.threads) < 0) {
            page_free(tids);
            return -1;
        }
        world.threads[world.n++] = (struct stopped_thread){tids[i], 0, 0};
    }
    page_free(tids);
    return 0;
}

static long elapsed_ns(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000000000L + (now.tv_nsec - since->tv_nsec);
}

static void stop_world(void)
{
    __atomic_store_n(&world.release, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&world.in_progress, 1, __ATOMIC_RELEASE);
    pid_t pid = getpid();
    for (size_t i = 0; i < world.n; i++)
        if (syscall(SYS_tgkill, pid, world.threads[i].tid, TM_STOP_SIGNAL) < 0)
            world.threads[i].tid = 0; /* it exited meanwhile */
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (size_t i = 0; i < world.n; i++)
        while (world.threads[i].tid && !__atomic_load_n(&world.threads[i].acked, __ATOMIC_ACQUIRE)) {
            if (elapsed_ns(&start) > TM_STOP_TIMEOUT_NS)
                break; /* blocks the signal: left running, its stack unscanned */
            struct timespec pause = {0, 20000};
            nanosleep(&pause, NULL);
        }
}

static void resume_world(void)
{
    __atomic_store_n(&world.in_progress, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&world.release, 1, __ATOMIC_RELEASE);
    syscall(SYS_futex, &world.release, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL, NULL, 0);
}

/* ---- root ranges -------------------------------------------------------------------------------------------- */

struct range {
    uintptr_t begin, end;
};

struct range_list {
    struct range *items;
    size_t n, cap;
};

static int add_range(struct range_list *l, uintptr_t begin, uintptr_t end)
{
    if (end <= begin)
        return 0;
    if (grow((void **)&l->items, &l->cap, l->n + 1, sizeof *l->items) < 0)
        return -1;
    l->items[l->n++] = (struct range){begin, end};
    return 0;
}

static int module_contains(const struct dl_phdr_info *info, uintptr_t addr)
{
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t b = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && addr >= b && addr < b + ph->p_memsz)
            return 1;
    }
    return 0;
}

/* Writable segments and this thread's TLS block of every module but libtmtrace (whose tables hold every
 * traced address and would make everything reachable). */
static int collect_module_range(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    struct range_list *roots = arg;
    if (module_contains(info, (uintptr_t)&tm_leak_check_active))
        return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t b = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_W)) {
            if (add_range(roots, b, b + ph->p_memsz) < 0)
                return -1;
        } else if (ph->p_type == PT_TLS && info->dlpi_tls_data) {
            uintptr_t t = (uintptr_t)info->dlpi_tls_data;
            if (add_range(roots, t, t + ph->p_memsz) < 0)
                return -1;
        }
    }
    return 0;
}

/* /proc/self/maps, read with raw syscalls into untraced memory; the text is parsed while the world is stopped. */
static char *maps_text;
static size_t maps_cap;

static int read_maps(void)
{
    /* One pass with a buffer that holds the whole file: growing it midway would unmap pages already listed. */
    for (size_t want = maps_cap > 65536 ? maps_cap : 65536;; want *= 2) {
        if (grow((void **)&maps_text, &maps_cap, want, 1) < 0)
            return -1;
        int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return tm_error("leak check: cannot open /proc/self/maps: %s", strerror(errno));
        size_t len = 0;
        ssize_t got;
        while (len < maps_cap - 1 && (got = read(fd, maps_text + len, maps_cap - 1 - len)) > 0)
            len += (size_t)got;
        close(fd);
        if (len < maps_cap - 1) {
            maps_text[len] = '\0';
            return 0;
        }
    }
}

/* The end of the readable mapping that contains addr (0 if none), from maps_text. */
static uintptr_t mapping_end(uintptr_t addr)
{
    for (const char *line = maps_text; line && *line;) {
        char *rest;
        uintptr_t b = strtoull(line, &rest, 16);
        uintptr_t e = strtoull(rest + 1, &rest, 16);
        if (addr >= b && addr < e)
            return rest[1] == 'r' ? e : 0;
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return 0;
}

/* Calls fn(begin, end) for every private, anonymous, writable mapping in maps_text. */
static void each_anonymous_mapping(void (*fn)(void *arg, uintptr_t b, uintptr_t e), void *arg)
{
    for (const char *line = maps_text; line && *line;) {
        char *rest;
        uintptr_t b = strtoull(line, &rest, 16);
        uintptr_t e = strtoull(rest + 1, &rest, 16);
        const char *perms = rest + 1;
        const char *eol = strchr(line, '\n');
        /* "rw-p OFFSET DEV INODE [PATH]": anonymous means inode 0 and no path. */
        const char *field = perms;
        for (int i = 0; i < 3 && field; i++) {
            field = strchr(field, ' ');
            if (field)
                field++;
        }
        if (field && strncmp(perms, "rw-p", 4) == 0 && field[0] == '0' && field[1] == ' ') {
            const char *path = field + 1;
            while (*path == ' ')
                path++;
            if (path == eol || *path == '\0' || *path == '\n')
                fn(arg, b, e);
        }
        line = eol ? eol + 1 : NULL;
    }
}

/* ---- the reachability scan ------------------------------------------------------------------------------ */

struct scan {
    struct candidate *cands; /* sorted by ptr */
    unsigned char *marked;
    size_t n;
    size_t *work;
    size_t nwork;
    uintptr_t lowest, highest; /* [lowest, highest): any candidate byte */
};

static int by_address(const void *a, const void *b)
{
    uintptr_t x = ((const struct candidate *)a)->ptr, y = ((const struct candidate *)b)->ptr;
    return x < y ? -1 : x > y;
}

static void mark_pointer(struct scan *s, uintptr_t w)
{
    if (w < s->lowest || w >= s->highest)
        return;
    size_t lo = 0, hi = s->n; /* the last candidate with ptr <= w */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->cands[mid].ptr <= w)
            lo = mid;
        else
            hi = mid;
    }
    const struct candidate *c = &s->cands[lo];
    size_t extent = c->size ? c->size : 1;
    if (w >= c->ptr && w - c->ptr < extent && w != c->next_chunk && !s->marked[lo]) {
        s->marked[lo] = 1;
        s->work[s->nwork++] = lo;
    }
}

__attribute__((no_sanitize("address", "thread", "memory"))) static void scan_words(struct scan *s, uintptr_t b,
                                                                                    uintptr_t e)
{
    b = (b + sizeof(uintptr_t) - 1) & ~(uintptr_t)(sizeof(uintptr_t) - 1);
    for (; b + sizeof(uintptr_t) <= e; b += sizeof(uintptr_t))
        mark_pointer(s, *(const volatile uintptr_t *)b);
}

static void scan_range(struct scan *s, uintptr_t b, uintptr_t e)
{
    mark_pointer(s, b); /* a root that lies inside a candidate (a dynamic TLS block) keeps it */
    scan_words(s, b, e);
}

static void flood(struct scan *s)
{
    while (s->nwork) {
        const struct candidate *c = &s->cands[s->work[--s->nwork]];
        scan_words(s, c->ptr, c->ptr + c->size);
    }
}

/* Where a thread descriptor (glibc's struct pthread) keeps what it owns: its DTV pointer and the pthread-key
 * values (specific[0] points to the first 32 values inside the descriptor; specific[1..] to heap arrays).
 * glibc exports the layout for libthread_db; only these words are roots: the rest of a descriptor holds stale
 * register saves and resolver state, whose old pointers would hide leaks. */
struct descriptor_layout {
    size_t size, dtv_offset, specific_offset, nspecific, key_data_size;
    int known;
};

static const struct descriptor_layout *descriptor_layout(void)
{
    static struct descriptor_layout layout;
    static int loaded;
    if (!loaded) {
        const uint32_t *size = dlsym(RTLD_DEFAULT, "_thread_db_sizeof_pthread");
        const uint32_t *dtv = dlsym(RTLD_DEFAULT, "_thread_db_pthread_dtvp");        /* {bits, count, offset} */
        const uint32_t *specific = dlsym(RTLD_DEFAULT, "_thread_db_pthread_specific"); /* {bits, count, offset} */
        const uint32_t *key_data = dlsym(RTLD_DEFAULT, "_thread_db_sizeof_pthread_key_data");
        if (size && dtv && specific && key_data) {
            layout = (struct descriptor_layout){*size, dtv[2], specific[2], specific[0] / 8 / sizeof(void *),
                                                *key_data, 1};
        } else {
            layout = (struct descriptor_layout){4096, 0, 0, 0, 0, 0};
        }
        loaded = 1;
    }
    return &layout;
}

/* Scans what the descriptor at pd owns; [pd, end) must be mapped. */
static void scan_thread_descriptor(struct scan *s, uintptr_t pd, uintptr_t end)
{
    const struct descriptor_layout *l = descriptor_layout();
    if (!l->known) { /* unknown layout: the whole descriptor, conservatively */
        scan_range(s, pd, pd + l->size < end ? pd + l->size : end);
        return;
    }
    if (pd + l->size > end)
        return;
    scan_range(s, pd + l->dtv_offset, pd + l->dtv_offset + sizeof(void *));
    uintptr_t specific = pd + l->specific_offset;
    scan_range(s, specific, specific + l->nspecific * sizeof(void *));
    uintptr_t first_block = *(const uintptr_t *)specific;
    size_t first_size = 32 * l->key_data_size; /* PTHREAD_KEY_2NDLEVEL_SIZE values */
    if (first_block >= pd && first_block + first_size <= pd + l->size)
        scan_range(s, first_block, first_block + first_size);
}

/* A thread descriptor that glibc keeps with a cached stack (a joined thread's) still owns that thread's DTV
 * and pthread-key blocks, which glibc reuses for the next thread: they are not leaks. glibc puts the
 * descriptor at the top of the stack mapping, and its header points to itself twice (tcb and self). */
static void scan_cached_thread_descriptor(void *arg, uintptr_t b, uintptr_t e)
{
#if defined(__x86_64__) /* the descriptor sits at the top of the mapping only where the TCB follows the TLS */
    struct scan *s = arg;
    size_t size = descriptor_layout()->size;
    if (e - b < 16384 || e - b < size + 4096)
        return;
    for (uintptr_t pd = (e - size) & ~(uintptr_t)63; pd + 4096 >= e - size && pd >= b; pd -= 64) {
        const uintptr_t *header = (const uintptr_t *)pd;
        if (header[0] == pd && header[2] == pd) {
            scan_thread_descriptor(s, pd, e);
            return;
        }
    }
#else
    (void)arg;
    (void)b;
    (void)e;
#endif
}

struct heap_roots {
    struct range_list *roots;
    const struct candidate_table *skip; /* the ending scope's candidates are not roots */
};

static int collect_heap_block(void *arg, uintptr_t ptr, uint64_t packed)
{
    struct heap_roots *h = arg;
    if (table_find((struct candidate_table *)h->skip, ptr) || table_find(&reported, ptr))
        return 0;
    size_t size = tm_packed_size(packed);
    return add_range(h->roots, ptr, ptr + size);
}

/* Marks the reachable candidates of scope `s` (scope_lock held). Returns 0 or -1. */
static int find_reachable(struct scope *sc, struct scan *s)
{
    struct range_list roots = {0};
    int rc = -1;
    struct heap_roots heap = {&roots, &sc->candidates};
    if (tm_trace_map_each(tm_trace_map_heap(), collect_heap_block, &heap) < 0 || dl_iterate_phdr(collect_module_range, &roots) != 0 || prepare_stop() < 0)
        goto out;
    for (size_t i = 0; i < s->n; i++)
        if (s->cands[i].ignored) {
            s->marked[i] = 1;
            s->work[s->nwork++] = i;
        }
    (void)descriptor_layout(); /* dlsym before stopping: it takes the loader's lock */
    if (read_maps() < 0) /* before stopping: a stopped thread may hold the allocator's locks */
        goto out;
    stop_world();
    {
        uintptr_t here = (uintptr_t)&roots;
        /* The named stack root counts only if it lies above us on this very stack. */
        uintptr_t own = current_tid() == sc->owner_tid && sc->owner_stack_top > here &&
                                mapping_end(sc->owner_stack_top) == mapping_end(here)
                            ? sc->owner_stack_top
                            : here;
        scan_range(s, own, mapping_end(own));
        /* Its thread descriptor: pthread_setspecific values live there (GoogleTest's per-thread reporters). A
         * non-main thread's descriptor lies at the top of its stack mapping, scanned above; the main thread's
         * was allocated by the loader, outside any module and any traced block. */
        uintptr_t descriptor = (uintptr_t)pthread_self();
        scan_thread_descriptor(s, descriptor, mapping_end(descriptor));
        each_anonymous_mapping(scan_cached_thread_descriptor, s);
        for (size_t i = 0; i < world.n; i++)
            if (world.threads[i].tid && __atomic_load_n(&world.threads[i].acked, __ATOMIC_ACQUIRE))
                scan_range(s, world.threads[i].sp, mapping_end(world.threads[i].sp));
        for (size_t i = 0; i < roots.n; i++)
            scan_range(s, roots.items[i].begin, roots.items[i].end);
        flood(s);
        rc = 0;
    }
    resume_world();
out:
    page_free(roots.items);
    return rc;
}

/* ---- the public API ------------------------------------------------------------------------------------------ */

static void register_fork_handlers(void)
{
    pthread_atfork(lock_before_fork, unlock_after_fork, unlock_after_fork);
}

int tmtrace_leak_scope_begin(void)
{
    return tmtrace_leak_scope_begin_below(__builtin_frame_address(0));
}

int tmtrace_leak_scope_begin_below(const void *stack_root)
{
    static pthread_once_t fork_handlers_once = PTHREAD_ONCE_INIT;
    pthread_once(&fork_handlers_once, register_fork_handlers);
    if (!tmtrace_is_tracing())
        return tm_error("leak check: tracing is off (tmtrace_start() first)");
    lock_scopes();
    if (nscopes == TM_MAX_SCOPES) {
        unlock_scopes();
        return tm_error("leak check: more than %d nested scopes", TM_MAX_SCOPES);
    }
    /* The scope's table and thread list keep their memory from the last scope at this depth. */
    struct scope *sc = &scopes[nscopes];
    size_t n = 0;
    if (list_threads(&sc->foreign_tids, &n, &sc->foreign_cap) < 0) {
        unlock_scopes();
        return -1;
    }
    pid_t self = current_tid();
    sc->nforeign = 0;
    for (size_t i = 0; i < n; i++)
        if (sc->foreign_tids[i] != self)
            sc->foreign_tids[sc->nforeign++] = sc->foreign_tids[i];
    sc->serial = ++last_serial;
    sc->owner_tid = self;
    sc->owner_stack_top = (uintptr_t)(stack_root ? stack_root : __builtin_frame_address(0));
    int depth = nscopes++;
    scope_generation++;
    __atomic_store_n(&tm_leak_check_active, 1, __ATOMIC_RELEASE);
    unlock_scopes();
    return depth;
}

/* The unreachable candidates of `sc` (scope_lock held), copied to *out; they leave the table. */
static int take_leaks(struct scope *sc, struct candidate **out, size_t *nout)
{
    struct candidate_table *t = &sc->candidates;
    struct scan s = {0};
    s.cands = page_alloc(t->count * sizeof *s.cands);
    s.marked = page_alloc(t->count);
    s.work = page_alloc(t->count * sizeof *s.work);
    int rc = -1;
    if (!s.cands || !s.marked || !s.work) {
        tm_error("leak check: out of memory for %zu candidates", t->count);
        goto out;
    }
    for (size_t i = 0; i <= t->mask; i++)
        if (t->slots[i].ptr)
            s.cands[s.n++] = t->slots[i];
    qsort(s.cands, s.n, sizeof *s.cands, by_address);
    for (size_t i = 0; i < s.n; i++) {
        /* glibc: usable = chunk size - 8, and the next chunk's header starts 8 bytes before the usable end. */
        size_t usable = malloc_usable_size((void *)s.cands[i].ptr);
        s.cands[i].next_chunk = usable >= 8 ? s.cands[i].ptr + usable - 8 : 0;
    }
    s.lowest = s.cands[0].ptr;
    for (size_t i = 0; i < s.n; i++) {
        uintptr_t end = s.cands[i].ptr + (s.cands[i].size ? s.cands[i].size : 1);
        if (end > s.highest)
            s.highest = end;
    }
    if (find_reachable(sc, &s) < 0)
        goto out;
    *nout = 0;
    for (size_t i = 0; i < s.n; i++)
        if (!s.marked[i]) {
            s.cands[(*nout)++] = s.cands[i];
            table_insert(&reported, s.cands[i].ptr, s.cands[i].size); /* out of memory: it stays a root */
        }
    *out = s.cands;
    s.cands = NULL;
    rc = 0;
out:
    page_free(s.cands);
    page_free(s.marked);
    page_free(s.work);
    return rc;
}

/* A snapshot holding one trace per leaked block, with the traceback the tracer recorded for it. */
static tmtrace_snapshot *snapshot_of(const struct candidate *leaks, size_t n)
{
    int limit = tmtrace_get_traceback_limit();
    tmtrace_snapshot *snap = tmtrace_snapshot_new(limit > 0 ? (unsigned)limit : 1);
    /* A traceback may hold frames past the limit: those up to the first user frame (traceback_capture.c). */
    size_t max_frames = (size_t)(limit > 0 ? limit : 1) + TM_CAPTURE_EXTRA;
    int32_t *ids = page_alloc(max_frames * sizeof *ids);
    if (!snap || !ids)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        tmtrace_traceback *tb = tmtrace_get_object_traceback((const void *)leaks[i].ptr);
        size_t nframe = 0, total = 1;
        if (tb) {
            total = tmtrace_traceback_total_nframe(tb);
            for (size_t k = tmtrace_traceback_nframe(tb); k-- > 0 && nframe < max_frames;) {
                const tmtrace_frame *f = tmtrace_traceback_frame(tb, k);
                ids[nframe] = tmtrace_snapshot_add_frame(snap, f->filename, f->lineno, f->column, f->function,
                                                         f->flags);
                if (ids[nframe++] < 0) {
                    tmtrace_traceback_free(tb);
                    goto fail;
                }
            }
            tmtrace_traceback_free(tb);
        }
        if (!nframe) /* freed meanwhile by a hidden pointer: tracemalloc's "<unknown>" frame */
            ids[nframe++] = tmtrace_snapshot_add_frame(snap, "<unknown>", 0, 0, "", 0);
        int32_t tb_id = tmtrace_snapshot_add_traceback(snap, ids, nframe, total);
        if (ids[0] < 0 || tb_id < 0 || tmtrace_snapshot_add_trace(snap, 0, leaks[i].size, tb_id) < 0)
            goto fail;
    }
    page_free(ids);
    return snap;
fail:
    page_free(ids);
    tmtrace_snapshot_free(snap);
    return NULL;
}

int tmtrace_leak_scope_end(tmtrace_snapshot **leaked)
{
    if (!leaked)
        return tm_error("leak check: tmtrace_leak_scope_end(NULL)");
    *leaked = NULL;
    lock_scopes();
    if (!nscopes) {
        unlock_scopes();
        return tm_error("leak check: no open scope to end");
    }
    struct scope *sc = &scopes[nscopes - 1];
    struct candidate *leaks = NULL;
    size_t nleaks = 0;
    int rc = sc->candidates.count ? take_leaks(sc, &leaks, &nleaks) : 0;
    table_reset(&sc->candidates);
    nscopes--;
    scope_generation++;
    if (!nscopes && !reported.count) /* frees must keep reaching `reported` while it holds blocks */
        __atomic_store_n(&tm_leak_check_active, 0, __ATOMIC_RELEASE);
    unlock_scopes();
    if (rc < 0)
        return -1;
    if (nleaks) {
        *leaked = snapshot_of(leaks, nleaks);
        if (!*leaked)
            rc = -1;
        else
            rc = nleaks > INT32_MAX ? INT32_MAX : (int)nleaks;
    }
    page_free(leaks);
    return rc;
}

int tmtrace_leak_ignore_object(const void *ptr)
{
    lock_scopes();
    for (int i = nscopes - 1; i >= 0; i--) {
        struct candidate *c = table_find(&scopes[i].candidates, (uintptr_t)ptr);
        if (c) {
            c->ignored = 1;
            unlock_scopes();
            return 0;
        }
    }
    unlock_scopes();
    /* A block from before every open scope is a root already; anything else is a mistake worth naming. */
    tmtrace_traceback *tb = tmtrace_get_object_traceback(ptr);
    if (tb) {
        tmtrace_traceback_free(tb);
        return 0;
    }
    return tm_error("leak check: %p is not the start of a live traced heap block", ptr);
}

/* ---- options ------------------------------------------------------------------------------------------------ */

/* Declared in flags.inc and parsed (and validated) by options.c with every other option. */
void tmtrace_get_leak_options(tmtrace_leak_options *out)
{
    out->threshold = tm_opt.leak_threshold;
    out->report_limit = tm_opt.leak_report_limit;
    out->snapshot_dir = tm_opt.snapshot_dir;
    out->suppressions = tm_opt.suppressions;
}
