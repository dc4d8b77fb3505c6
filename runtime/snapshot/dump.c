/* dump.c — Snapshot.dump(path): writes FORMAT.md's layout through a 64 KiB buffer that also feeds the
 * checksum, into a temporary file in the target's directory that is renamed over the target only once
 * complete, so a reader sees the old file or the new one, never half of one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/untraced_alloc.h"
#include "file_format.h"
#include "snapshot_internal.h"

enum { WRITE_BUFFER = 64 * 1024 };

struct writer {
    int fd;
    size_t len;
    tm_checksum sum;
    int failed; /* the errno of the first failed write, or 0 */
    unsigned char buf[WRITE_BUFFER];
};

/* write(2) directly: stdio would allocate its FILE and buffer through the (traced) malloc. */
static void write_all(struct writer *w, const unsigned char *p, size_t n)
{
    while (n && !w->failed) {
        ssize_t done = write(w->fd, p, n);
        if (done < 0 && errno == EINTR)
            continue;
        if (done <= 0) {
            w->failed = done < 0 ? errno : EIO;
            return;
        }
        p += done;
        n -= (size_t)done;
    }
}

static void flush(struct writer *w)
{
    tm_checksum_update(&w->sum, w->buf, w->len);
    write_all(w, w->buf, w->len);
    w->len = 0;
}

static void put_bytes(struct writer *w, const void *data, size_t n)
{
    const unsigned char *p = data;
    while (n) {
        size_t room = WRITE_BUFFER - w->len, chunk = n < room ? n : room;
        memcpy(w->buf + w->len, p, chunk);
        w->len += chunk;
        p += chunk;
        n -= chunk;
        if (w->len == WRITE_BUFFER)
            flush(w);
    }
}

/* Fixed-size fields go straight into the buffer when they fit. */
static unsigned char *reserve(struct writer *w, size_t n)
{
    if (WRITE_BUFFER - w->len < n)
        flush(w);
    unsigned char *p = w->buf + w->len;
    w->len += n;
    return p;
}

static void put_u32(struct writer *w, uint32_t v)
{
    tm_put_u32(reserve(w, 4), v);
}

static void put_u64(struct writer *w, uint64_t v)
{
    tm_put_u64(reserve(w, 8), v);
}

static uint64_t file_size(const tmtrace_snapshot *snap)
{
    uint64_t size = TM_FILE_HEADER_SIZE + 4 + 16;
    size += 4;
    for (size_t i = 0; i < snap->nstrings; i++)
        size += 4 + snap->strings[i].len;
    size += 4 + (uint64_t)TM_FILE_FRAME_SIZE * snap->nframes;
    size += 4;
    for (size_t i = 0; i < snap->ntracebacks; i++)
        size += 8 + 4 * (uint64_t)snap->tracebacks[i]->nframe;
    size += 4 + 8 * (uint64_t)snap->ndomain_names;
    size += 8 + (uint64_t)TM_FILE_TRACE_SIZE * snap->ntraces;
    return size + TM_FILE_TRAILER_SIZE;
}

static void write_snapshot(struct writer *w, const tmtrace_snapshot *snap)
{
    unsigned char *header = reserve(w, TM_FILE_HEADER_SIZE);
    memcpy(header, TM_FILE_MAGIC, 8);
    tm_put_u32(header + 8, TM_FILE_VERSION);
    tm_put_u32(header + 12, TM_FILE_BYTE_ORDER);
    tm_put_u32(header + 16, 0); /* flags */
    tm_put_u32(header + 20, 0); /* reserved */
    tm_put_u64(header + 24, file_size(snap));

    put_u32(w, snap->traceback_limit);
    put_u64(w, snap->traced_current);
    put_u64(w, snap->traced_peak);

    put_u32(w, (uint32_t)snap->nstrings);
    for (size_t i = 0; i < snap->nstrings; i++) {
        put_u32(w, snap->strings[i].len);
        put_bytes(w, snap->strings[i].text, snap->strings[i].len);
    }
    put_u32(w, (uint32_t)snap->nframes);
    for (size_t i = 0; i < snap->nframes; i++) {
        const struct tm_frame *f = snap->frames[i];
        unsigned char *p = reserve(w, TM_FILE_FRAME_SIZE);
        tm_put_u32(p, f->filename_id);
        tm_put_u32(p + 4, f->pub.lineno);
        tm_put_u32(p + 8, f->pub.column);
        tm_put_u32(p + 12, f->function_id);
        tm_put_u32(p + 16, f->pub.flags);
    }
    put_u32(w, (uint32_t)snap->ntracebacks);
    for (size_t i = 0; i < snap->ntracebacks; i++) {
        const struct tmtrace_traceback *tb = snap->tracebacks[i];
        put_u32(w, tb->nframe);
        put_u32(w, tb->total_nframe);
        for (size_t k = tb->nframe; k-- > 0;) /* most recent first, as add_traceback takes them */
            put_u32(w, ((const struct tm_frame *)tb->frames[k])->frame_id);
    }
    put_u32(w, (uint32_t)snap->ndomain_names);
    for (size_t i = 0; i < snap->ndomain_names; i++) {
        put_u32(w, snap->domain_names[i].domain);
        put_u32(w, snap->domain_names[i].name_id);
    }
    put_u64(w, snap->ntraces);
    for (size_t i = 0; i < snap->ntraces; i++) {
        unsigned char *p = reserve(w, TM_FILE_TRACE_SIZE);
        tm_put_u32(p, snap->traces[i].domain);
        tm_put_u32(p + 4, snap->traces[i].traceback_id);
        tm_put_u64(p + 8, snap->traces[i].size);
    }
    flush(w);
    unsigned char trailer[TM_FILE_TRAILER_SIZE];
    tm_put_u64(trailer, tm_checksum_final(&w->sum));
    write_all(w, trailer, sizeof trailer);
}

int tmtrace_snapshot_dump(const tmtrace_snapshot *snap, const char *path)
{
    if (!snap || !path)
        return tm_error("tmtrace_snapshot_dump: %s is NULL", snap ? "path" : "snapshot");
    size_t len = strlen(path);
    char *temp = tm_malloc(len + sizeof ".tmp.XXXXXX");
    struct writer *w = tm_malloc(sizeof *w);
    if (!temp || !w) {
        tm_free(temp);
        tm_free(w);
        return tm_error("cannot dump snapshot to '%s': out of memory", path);
    }
    memcpy(temp, path, len);
    memcpy(temp + len, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    int fd = mkstemp(temp);
    int result = 0;
    if (fd < 0) {
        result = tm_error("cannot dump snapshot to '%s': cannot create a temporary file there: %s", path,
                          strerror(errno));
        goto out;
    }
    fchmod(fd, 0644); /* mkstemp's 0600 would hide CI artifacts from other users */
    w->fd = fd;
    w->len = 0;
    w->failed = 0;
    tm_checksum_init(&w->sum);
    write_snapshot(w, snap);
    if (close(fd) != 0 && !w->failed)
        w->failed = errno;
    if (w->failed) {
        result = tm_error("cannot dump snapshot to '%s': write error: %s", path, strerror(w->failed));
        unlink(temp);
    } else if (rename(temp, path) != 0) {
        result = tm_error("cannot dump snapshot to '%s': %s", path, strerror(errno));
        unlink(temp);
    }
out:
    tm_free(temp);
    tm_free(w);
    return result;
}
