/* traceback.c — tracemalloc.Traceback: accessors, Python's ordering, Traceback.format(), and standalone
 * tracebacks (tmtrace_traceback_new) for tmtrace_get_object_traceback(). */
#include <string.h>

#include "common/error.h"
#include "common/untraced_alloc.h"
#include "snapshot_internal.h"

size_t tmtrace_traceback_nframe(const tmtrace_traceback *tb)
{
    return tb ? tb->nframe : 0;
}

const tmtrace_frame *tmtrace_traceback_frame(const tmtrace_traceback *tb, size_t i)
{
    return tb && i < tb->nframe ? tb->frames[i] : NULL;
}

size_t tmtrace_traceback_total_nframe(const tmtrace_traceback *tb)
{
    return tb ? tb->total_nframe : 0;
}

const tmtrace_frame *tmtrace_traceback_user_frame(const tmtrace_traceback *tb)
{
    if (!tb || tb->nframe == 0)
        return NULL;
    for (size_t i = tb->nframe; i-- > 0;)
        if (!(tb->frames[i]->flags & TMTRACE_FRAME_SYSTEM))
            return tb->frames[i];
    return tb->frames[tb->nframe - 1];
}

/* Python compares Frame as the tuple (filename, lineno) and Traceback as the tuple of its frames in public
 * order; str comparison is by code point, which strcmp on UTF-8 bytes reproduces. */
int tm_traceback_compare(const tmtrace_traceback *a, const tmtrace_traceback *b)
{
    size_t n = a->nframe < b->nframe ? a->nframe : b->nframe;
    for (size_t i = 0; i < n; i++) {
        const tmtrace_frame *fa = a->frames[i], *fb = b->frames[i];
        if (fa->filename != fb->filename) {
            int c = strcmp(fa->filename, fb->filename);
            if (c)
                return c;
        }
        if (fa->lineno != fb->lineno)
            return fa->lineno < fb->lineno ? -1 : 1;
    }
    return a->nframe < b->nframe ? -1 : a->nframe > b->nframe;
}

int tm_traceback_same_locations(const tmtrace_traceback *a, const tmtrace_traceback *b)
{
    return a->nframe == b->nframe && tm_traceback_compare(a, b) == 0;
}

tmtrace_traceback *tmtrace_traceback_new(const tmtrace_frame *frames, size_t nframe, size_t total_nframe)
{
    static const tmtrace_frame unknown = {"<unknown>", 0, 0, "", 0};
    if (!frames && nframe) {
        tm_error("tmtrace_traceback_new: frames is NULL");
        return NULL;
    }
    if (nframe == 0) { /* tracemalloc's "<unknown>":0 frame, as in tmtrace_snapshot_add_traceback */
        frames = &unknown;
        nframe = 1;
    }
    if (nframe > UINT32_MAX || total_nframe > UINT32_MAX) {
        tm_error("tmtrace_traceback_new: %zu frames is too many", nframe);
        return NULL;
    }
    /* One block: the traceback, its frame pointers, the frames, then every string. */
    size_t size = sizeof(struct tmtrace_traceback) + nframe * (sizeof(tmtrace_frame *) + sizeof(tmtrace_frame));
    for (size_t i = 0; i < nframe; i++) {
        if (!frames[i].filename) {
            tm_error("tmtrace_traceback_new: frame %zu has no filename", i);
            return NULL;
        }
        size += strlen(frames[i].filename) + 1 + (frames[i].function ? strlen(frames[i].function) : 0) + 1;
    }
    struct tmtrace_traceback *tb = tm_malloc(size);
    if (!tb) {
        tm_error("tmtrace_traceback_new: out of memory");
        return NULL;
    }
    const tmtrace_frame **pointers = (const tmtrace_frame **)(tb + 1);
    tmtrace_frame *copies = (tmtrace_frame *)(pointers + nframe);
    char *text = (char *)(copies + nframe);
    for (size_t i = 0; i < nframe; i++) {
        const tmtrace_frame *src = &frames[i];
        tmtrace_frame *dst = &copies[nframe - 1 - i]; /* given most recent first; kept oldest first */
        *dst = *src;
        size_t len = strlen(src->filename) + 1;
        dst->filename = memcpy(text, src->filename, len);
        text += len;
        const char *function = src->function ? src->function : "";
        len = strlen(function) + 1;
        dst->function = memcpy(text, function, len);
        text += len;
        pointers[nframe - 1 - i] = dst;
    }
    *tb = (struct tmtrace_traceback){pointers, (uint32_t)nframe,
                                     (uint32_t)(total_nframe < nframe ? nframe : total_nframe), TM_NO_ID, 1};
    return tb;
}

void tmtrace_traceback_free(tmtrace_traceback *tb)
{
    /* Tracebacks borrowed from a snapshot belong to it: freeing one by mistake is harmless. */
    if (tb && tb->standalone)
        tm_free(tb);
}

int tmtrace_traceback_format(const tmtrace_traceback *tb, int limit, int most_recent_first, FILE *out)
{
    if (!tb || !out)
        return tm_error("tmtrace_traceback_format: %s is NULL", tb ? "out" : "traceback");
    /* Python: limit > 0 keeps self[-limit:], limit < 0 keeps self[:limit]; 0 stands for None (all frames). */
    size_t begin = 0, end = tb->nframe;
    if (limit > 0 && (size_t)limit < tb->nframe)
        begin = tb->nframe - (size_t)limit;
    else if (limit < 0)
        end = (size_t)-(long long)limit >= tb->nframe ? 0 : tb->nframe - (size_t)-(long long)limit;
    char *storage = NULL;
    for (size_t k = begin; k < end; k++) {
        const tmtrace_frame *frame = tb->frames[most_recent_first ? end - 1 - (k - begin) : k];
        if (fprintf(out, "  File \"%s\", line %u\n", frame->filename, frame->lineno) < 0)
            goto write_error;
        const char *line;
        size_t len = tm_source_line(frame->filename, frame->lineno, &line, &storage);
        if (len && fprintf(out, "    %.*s\n", (int)len, line) < 0)
            goto write_error;
        tm_free(storage);
        storage = NULL;
    }
    return 0;
write_error:
    tm_free(storage);
    return tm_error("tmtrace_traceback_format: write error");
}
