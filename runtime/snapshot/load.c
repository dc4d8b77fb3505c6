/* load.c — Snapshot.load(path): reads a file written by dump.c (FORMAT.md) and rebuilds the snapshot through
 * the builder, so a loaded snapshot obeys the same invariants as a built one. Nothing in the file is trusted:
 * header, size and checksum are checked first, every count is bounded by the bytes that remain before
 * anything is allocated for it, and every id is range-checked, so truncated, corrupt, wrong-version or
 * hostile files get an error naming the file and the problem, never a crash or a huge allocation. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/untraced_alloc.h"
#include "file_format.h"
#include "snapshot_internal.h"

struct reader {
    const unsigned char *p, *end;
    const char *name;
};

__attribute__((format(printf, 2, 3))) static void fail(const struct reader *r, const char *fmt, ...)
{
    char problem[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(problem, sizeof problem, fmt, ap);
    va_end(ap);
    tm_error("cannot load snapshot '%s': %s", r->name, problem);
}

static size_t remaining(const struct reader *r)
{
    return (size_t)(r->end - r->p);
}

/* The next n bytes, or NULL (with an error naming `what`) if the file ends first. */
static const unsigned char *take(struct reader *r, size_t n, const char *what)
{
    if (remaining(r) < n) {
        fail(r, "corrupt: the file ends inside %s", what);
        return NULL;
    }
    const unsigned char *p = r->p;
    r->p += n;
    return p;
}

static int take_u32(struct reader *r, uint32_t *v, const char *what)
{
    const unsigned char *p = take(r, 4, what);
    if (!p)
        return -1;
    *v = tm_get_u32(p);
    return 0;
}

/* A count of entries of at least min_size bytes each must fit in what remains. */
static int take_count(struct reader *r, uint32_t *count, size_t min_size, const char *what)
{
    if (take_u32(r, count, what) < 0)
        return -1;
    if (*count > remaining(r) / min_size) {
        fail(r, "corrupt: %u %s do not fit in the %zu bytes left", *count, what, remaining(r));
        return -1;
    }
    return 0;
}

/* size: the bytes in hand; source_size: what their source holds (more when reading stopped at what the header
 * declares plus one). */
static int check_header(struct reader *r, size_t size, uint64_t source_size)
{
    const unsigned char *data = r->p;
    if (size < 8 || memcmp(data, TM_FILE_MAGIC, 8) != 0) {
        fail(r, "not a tmtrace snapshot (bad magic)");
        return -1;
    }
    if (size < TM_FILE_HEADER_SIZE + TM_FILE_TRAILER_SIZE) {
        fail(r, "truncated: %zu bytes is shorter than an empty snapshot", size);
        return -1;
    }
    uint32_t byte_order = tm_get_u32(data + 12), version = tm_get_u32(data + 8);
    if (byte_order == 0x04030201u) {
        fail(r, "written with the other byte order (big-endian); this tmtrace reads little-endian files");
        return -1;
    }
    if (byte_order != TM_FILE_BYTE_ORDER) {
        fail(r, "corrupt header: byte-order mark 0x%08x", byte_order);
        return -1;
    }
    if (version != TM_FILE_VERSION) {
        fail(r, "format version %u; this tmtrace reads version %u", version, TM_FILE_VERSION);
        return -1;
    }
    if (tm_get_u32(data + 16) != 0 || tm_get_u32(data + 20) != 0) {
        fail(r, "corrupt header: unknown flags 0x%08x", tm_get_u32(data + 16));
        return -1;
    }
    uint64_t declared = tm_get_u64(data + 24);
    if (declared > size) {
        fail(r, "truncated: %zu bytes of %llu", size, (unsigned long long)declared);
        return -1;
    }
    if (declared < size) {
        fail(r, "corrupt: %llu unexpected bytes after the snapshot", (unsigned long long)(source_size - declared));
        return -1;
    }
    tm_checksum sum;
    tm_checksum_init(&sum);
    tm_checksum_update(&sum, data, size - TM_FILE_TRAILER_SIZE);
    uint64_t stored = tm_get_u64(data + size - TM_FILE_TRAILER_SIZE);
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION /* let the fuzzer past the checksum to the parser */
    if (tm_checksum_final(&sum) != stored) {
        fail(r, "corrupt: checksum mismatch");
        return -1;
    }
#else
    (void)stored;
#endif
    r->p += TM_FILE_HEADER_SIZE;
    r->end -= TM_FILE_TRAILER_SIZE;
    return 0;
}

struct maps {
    uint32_t *strings;   /* file string id -> snapshot string id */
    int32_t *frames;     /* file frame id -> snapshot frame id */
    int32_t *tracebacks; /* file traceback id -> snapshot traceback id */
    int32_t *scratch;    /* one traceback's frame ids */
    uint32_t nstrings, nframes, ntracebacks;
};

static int read_strings(struct reader *r, tmtrace_snapshot *snap, struct maps *m)
{
    if (take_count(r, &m->nstrings, 4, "strings") < 0)
        return -1;
    if (!(m->strings = tm_malloc(((size_t)m->nstrings + 1) * sizeof *m->strings)))
        return tm_error("cannot load snapshot '%s': out of memory", r->name);
    for (uint32_t i = 0; i < m->nstrings; i++) {
        uint32_t len;
        const unsigned char *text;
        if (take_u32(r, &len, "the string table") < 0 || !(text = take(r, len, "the string table")))
            return -1;
        if (memchr(text, '\0', len)) {
            fail(r, "corrupt: string %u contains a NUL byte", i);
            return -1;
        }
        if ((m->strings[i] = tm_snapshot_intern_string(snap, (const char *)text, len)) == TM_NO_ID)
            return -1;
    }
    return 0;
}

static int string_arg(struct reader *r, const struct maps *m, uint32_t id, const char *what, uint32_t *out)
{
    if (id >= m->nstrings) {
        fail(r, "corrupt: %s names string %u of %u", what, id, m->nstrings);
        return -1;
    }
    *out = m->strings[id];
    return 0;
}

static int read_frames(struct reader *r, tmtrace_snapshot *snap, struct maps *m)
{
    if (take_count(r, &m->nframes, TM_FILE_FRAME_SIZE, "frames") < 0)
        return -1;
    if (!(m->frames = tm_malloc(((size_t)m->nframes + 1) * sizeof *m->frames)))
        return tm_error("cannot load snapshot '%s': out of memory", r->name);
    for (uint32_t i = 0; i < m->nframes; i++) {
        const unsigned char *p = take(r, TM_FILE_FRAME_SIZE, "the frame table");
        uint32_t filename, function;
        if (!p || string_arg(r, m, tm_get_u32(p), "a frame's filename", &filename) < 0 ||
            string_arg(r, m, tm_get_u32(p + 12), "a frame's function", &function) < 0)
            return -1;
        m->frames[i] = tmtrace_snapshot_add_frame(snap, snap->strings[filename].text, tm_get_u32(p + 4),
                                                  tm_get_u32(p + 8), snap->strings[function].text,
                                                  tm_get_u32(p + 16));
        if (m->frames[i] < 0)
            return -1;
    }
    return 0;
}

static int read_tracebacks(struct reader *r, tmtrace_snapshot *snap, struct maps *m)
{
    if (take_count(r, &m->ntracebacks, 8, "tracebacks") < 0)
        return -1;
    if (!(m->tracebacks = tm_malloc(((size_t)m->ntracebacks + 1) * sizeof *m->tracebacks)))
        return tm_error("cannot load snapshot '%s': out of memory", r->name);
    size_t scratch_cap = 0;
    for (uint32_t i = 0; i < m->ntracebacks; i++) {
        uint32_t nframe, total_nframe;
        if (take_u32(r, &nframe, "the traceback table") < 0 || take_u32(r, &total_nframe, "the traceback table") < 0)
            return -1;
        if (nframe == 0 || total_nframe < nframe) {
            fail(r, "corrupt: traceback %u has %u frames of %u", i, nframe, total_nframe);
            return -1;
        }
        if (nframe > remaining(r) / 4) {
            fail(r, "corrupt: traceback %u's %u frames do not fit in the %zu bytes left", i, nframe, remaining(r));
            return -1;
        }
        if (tm_array_reserve((void **)&m->scratch, &scratch_cap, sizeof *m->scratch, nframe) < 0)
            return tm_error("cannot load snapshot '%s': out of memory", r->name);
        const unsigned char *ids = take(r, 4 * (size_t)nframe, "the traceback table");
        for (uint32_t k = 0; k < nframe; k++) {
            uint32_t id = tm_get_u32(ids + 4 * k);
            if (id >= m->nframes) {
                fail(r, "corrupt: traceback %u names frame %u of %u", i, id, m->nframes);
                return -1;
            }
            m->scratch[k] = m->frames[id];
        }
        if ((m->tracebacks[i] = tmtrace_snapshot_add_traceback(snap, m->scratch, nframe, total_nframe)) < 0)
            return -1;
    }
    return 0;
}

static int read_domain_names(struct reader *r, tmtrace_snapshot *snap, const struct maps *m)
{
    uint32_t n;
    if (take_count(r, &n, 8, "domain names") < 0)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *p = take(r, 8, "the domain names");
        uint32_t name;
        if (!p || string_arg(r, m, tm_get_u32(p + 4), "a domain name", &name) < 0 ||
            tmtrace_snapshot_set_domain_name(snap, tm_get_u32(p), snap->strings[name].text) < 0)
            return -1;
    }
    return 0;
}

static int read_traces(struct reader *r, tmtrace_snapshot *snap, const struct maps *m)
{
    const unsigned char *p = take(r, 8, "the trace count");
    if (!p)
        return -1;
    uint64_t n = tm_get_u64(p);
    if (n > remaining(r) / TM_FILE_TRACE_SIZE || n * TM_FILE_TRACE_SIZE != remaining(r)) {
        fail(r, "corrupt: %llu traces do not match the %zu bytes left", (unsigned long long)n, remaining(r));
        return -1;
    }
    if (n == 0)
        return 0;
    if (tm_snapshot_reserve_traces(snap, (size_t)n) < 0)
        return -1;
    struct tm_trace *out = snap->traces + snap->ntraces;
    for (p = r->p; p < r->end; p += TM_FILE_TRACE_SIZE, out++) {
        uint32_t id = tm_get_u32(p + 4);
        if (id >= m->ntracebacks) {
            fail(r, "corrupt: trace %zu names traceback %u of %u", (size_t)(out - snap->traces), id, m->ntracebacks);
            return -1;
        }
        *out = (struct tm_trace){tm_get_u32(p), (uint32_t)m->tracebacks[id], tm_get_u64(p + 8)};
    }
    snap->ntraces += (size_t)n;
    r->p = r->end;
    return 0;
}

static tmtrace_snapshot *load_bytes(const void *data, size_t size, uint64_t source_size, const char *name)
{
    struct reader r = {data, (const unsigned char *)data + size, name};
    if (check_header(&r, size, source_size) < 0)
        return NULL;
    const unsigned char *p = take(&r, 20, "the snapshot's properties");
    if (!p)
        return NULL;
    tmtrace_snapshot *snap = tmtrace_snapshot_new(tm_get_u32(p));
    if (!snap)
        return NULL;
    tmtrace_snapshot_set_traced_memory(snap, (size_t)tm_get_u64(p + 4), (size_t)tm_get_u64(p + 12));
    struct maps m = {0};
    int ok = read_strings(&r, snap, &m) == 0 && read_frames(&r, snap, &m) == 0 &&
             read_tracebacks(&r, snap, &m) == 0 && read_domain_names(&r, snap, &m) == 0 &&
             read_traces(&r, snap, &m) == 0;
    tm_free(m.strings);
    tm_free(m.frames);
    tm_free(m.tracebacks);
    tm_free(m.scratch);
    if (!ok) {
        tmtrace_snapshot_free(snap);
        return NULL;
    }
    return snap;
}

tmtrace_snapshot *tm_snapshot_load_buffer(const void *data, size_t size, const char *name)
{
    return load_bytes(data, size, size, name);
}

/* Whether reading a stream (a pipe, a device) can stop: its first bytes are not a snapshot, or it already holds
 * more than its header declares. tm_snapshot_load_buffer() then names the problem; /dev/zero costs 64 KiB. */
static int seen_enough(const unsigned char *data, size_t len)
{
    if (len >= 8 && memcmp(data, TM_FILE_MAGIC, 8) != 0)
        return 1;
    return len >= TM_FILE_HEADER_SIZE && len > tm_get_u64(data + 24);
}

/* How much the buffer should hold once `len` bytes are in: the header first, then what the header declares
 * plus one byte (to notice trailing data) but never more than a regular file holds (file_size + 1, to see
 * its end), so that a huge file that is not a snapshot, or claims less than it holds, is not read whole;
 * a stream (file_size 0) grows by doubling. */
static size_t next_capacity(const unsigned char *data, size_t len, size_t file_size)
{
    if (len < TM_FILE_HEADER_SIZE)
        return TM_FILE_HEADER_SIZE;
    uint64_t declared = tm_get_u64(data + 24);
    size_t want = declared < SIZE_MAX ? (size_t)declared + 1 : SIZE_MAX;
    if (file_size != 0 && file_size < want)
        want = file_size + 1;
    size_t doubled = len <= SIZE_MAX / 2 ? len * 2 : SIZE_MAX;
    if (file_size == 0 && want > doubled)
        want = doubled;
    return want > len ? want : doubled;
}

/* The file's snapshot bytes in one tm_malloc block: its size is what the file really holds, never what it
 * claims. */
static unsigned char *read_file(const char *path, size_t *size, uint64_t *source_size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        tm_error("cannot load snapshot '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    size_t file_size = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size : 0;
    unsigned char *data = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            size_t want = next_capacity(data, len, file_size);
            unsigned char *bigger = want > cap ? tm_realloc(data, want) : NULL;
            if (!bigger) {
                tm_free(data);
                tm_error("cannot load snapshot '%s': out of memory", path);
                close(fd);
                return NULL;
            }
            data = bigger;
            cap = want;
        }
        ssize_t got = read(fd, data + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            tm_error("cannot load snapshot '%s': %s", path, strerror(errno));
            tm_free(data);
            close(fd);
            return NULL;
        }
        if (got == 0)
            break;
        len += (size_t)got;
        if (seen_enough(data, len))
            break;
    }
    close(fd);
    *size = len;
    *source_size = file_size > len ? file_size : len;
    return data;
}

tmtrace_snapshot *tmtrace_snapshot_load(const char *path)
{
    if (!path) {
        tm_error("tmtrace_snapshot_load: path is NULL");
        return NULL;
    }
    size_t size;
    uint64_t source_size;
    unsigned char *data = read_file(path, &size, &source_size);
    if (!data)
        return NULL;
    tmtrace_snapshot *snap = load_bytes(data, size, source_size, path);
    tm_free(data);
    return snap;
}
