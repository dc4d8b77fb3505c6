/* source_lines.c — linecache.getline(filename, lineno).strip() for Traceback.format(): the file is read as
 * Python reads source (UTF-8, an optional BOM, universal newlines; a file that is not valid UTF-8 has no
 * lines), and the line is stripped of what Python's str.isspace() calls whitespace. Coding cookies and
 * linecache's search of sys.path for relative names are Python-specific and not reproduced.
 *
 * Like linecache, it keeps the files it read (with an index of their line starts), so formatting thousands of
 * frames of one file reads it once; a cached file whose size or mtime changed is read again, as
 * linecache.checkcache() does. The cache is small and shared by all threads under one lock. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/untraced_alloc.h"
#include "snapshot_internal.h"

enum { MAX_SOURCE_FILE = 64 << 20 }; /* larger "source files" are treated as unreadable */

/* Decodes one UTF-8 code point strictly (as Python's decoder: no overlongs, surrogates or > U+10FFFF).
 * Returns its length in bytes, or 0 if s[0..n) does not start with a valid sequence. */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned *cp)
{
    if (n == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    unsigned min;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2, min = 0x80, c &= 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, min = 0x800, c &= 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, min = 0x10000, c &= 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

static int is_python_space(unsigned cp)
{
    return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) || cp == 0x85 || cp == 0xa0 ||
           cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
           cp == 0x205f || cp == 0x3000;
}

static int valid_utf8(const unsigned char *s, size_t n)
{
    unsigned cp;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_decode(s + i, n - i, &cp);
        if (!len)
            return 0;
        i += len;
    }
    return 1;
}

/* Strips Python whitespace from both ends of valid UTF-8 text [*begin, *end). */
static void strip(const unsigned char **begin, const unsigned char **end)
{
    unsigned cp;
    size_t len;
    while (*begin < *end && (len = utf8_decode(*begin, (size_t)(*end - *begin), &cp)) && is_python_space(cp))
        *begin += len;
    while (*begin < *end) {
        const unsigned char *start = *end - 1; /* back up to the first byte of the last code point */
        while (start > *begin && (*start & 0xc0) == 0x80)
            start--;
        if (!utf8_decode(start, (size_t)(*end - start), &cp) || !is_python_space(cp))
            break;
        *end = start;
    }
}

static char *read_file(const char *filename, size_t *size)
{
    FILE *f = fopen(filename, "rb");
    if (!f)
        return NULL;
    char *data = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            size_t grown = cap ? cap * 2 : 8192;
            char *bigger = grown <= MAX_SOURCE_FILE ? tm_realloc(data, grown) : NULL;
            if (!bigger) {
                tm_free(data);
                fclose(f);
                return NULL;
            }
            data = bigger;
            cap = grown;
        }
        size_t got = fread(data + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        tm_free(data);
        return NULL;
    }
    *size = len;
    return data;
}

enum { CACHE_FILES = 16 };

/* One file as read: its bytes (after the BOM) and where each line starts. A file that could not be read or
 * is not valid UTF-8 is cached too, with no lines, so it is not read again. */
struct cached_file {
    char *filename;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    char *data;
    size_t *line_start; /* line_start[i]: offset of line i+1; line_start[nlines]: the end */
    size_t nlines;
};

static struct cached_file cache[CACHE_FILES];
static unsigned cache_next; /* round-robin eviction */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static void cached_file_clear(struct cached_file *f)
{
    tm_free(f->filename);
    tm_free(f->data);
    tm_free(f->line_start);
    memset(f, 0, sizeof *f);
}

/* Indexes the lines of valid UTF-8 text with universal newlines (\n, \r\n, \r). */
static int index_lines(struct cached_file *f, size_t size)
{
    size_t cap = 64, n = 0;
    size_t *starts = tm_malloc(cap * sizeof *starts);
    if (!starts)
        return -1;
    size_t pos = 0;
    while (pos < size) {
        if (n + 2 > cap) {
            size_t *bigger = tm_realloc(starts, 2 * cap * sizeof *starts);
            if (!bigger) {
                tm_free(starts);
                return -1;
            }
            starts = bigger;
            cap *= 2;
        }
        starts[n++] = pos;
        while (pos < size && f->data[pos] != '\n' && f->data[pos] != '\r')
            pos++;
        if (pos < size && f->data[pos] == '\r' && pos + 1 < size && f->data[pos + 1] == '\n')
            pos++;
        if (pos < size)
            pos++;
    }
    starts[n] = size;
    f->line_start = starts;
    f->nlines = n;
    return 0;
}

static int load(struct cached_file *f, const char *filename, const struct stat *st)
{
    size_t flen = strlen(filename);
    f->filename = tm_malloc(flen + 1);
    if (!f->filename)
        return -1;
    memcpy(f->filename, filename, flen + 1);
    f->dev = st->st_dev;
    f->ino = st->st_ino;
    f->size = st->st_size;
    f->mtime = st->st_mtim;
    size_t size;
    char *data = read_file(filename, &size);
    if (!data || !valid_utf8((const unsigned char *)data, size))
        return tm_free(data), 0; /* cached as a file with no lines */
    size_t bom = size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    memmove(data, data + bom, size - bom);
    f->data = data;
    return index_lines(f, size - bom);
}

static struct cached_file *lookup(const char *filename)
{
    struct stat st;
    if (stat(filename, &st) != 0 || !S_ISREG(st.st_mode))
        return NULL;
    for (unsigned i = 0; i < CACHE_FILES; i++) {
        struct cached_file *f = &cache[i];
        if (!f->filename || strcmp(f->filename, filename) != 0)
            continue;
        if (f->dev == st.st_dev && f->ino == st.st_ino && f->size == st.st_size &&
            f->mtime.tv_sec == st.st_mtim.tv_sec && f->mtime.tv_nsec == st.st_mtim.tv_nsec)
            return f;
        cached_file_clear(f); /* changed on disk */
    }
    struct cached_file *f = &cache[cache_next++ % CACHE_FILES];
    cached_file_clear(f);
    if (load(f, filename, &st) != 0) {
        cached_file_clear(f);
        return NULL;
    }
    return f;
}

size_t tm_source_line(const char *filename, unsigned lineno, const char **line, char **storage)
{
    *storage = NULL;
    size_t flen = strlen(filename);
    if (lineno == 0 || flen == 0 || (filename[0] == '<' && filename[flen - 1] == '>'))
        return 0;
    size_t len = 0;
    pthread_mutex_lock(&cache_lock);
    struct cached_file *f = lookup(filename);
    if (f && lineno <= f->nlines) {
        const unsigned char *begin = (const unsigned char *)f->data + f->line_start[lineno - 1];
        const unsigned char *end = (const unsigned char *)f->data + f->line_start[lineno];
        while (end > begin && (end[-1] == '\n' || end[-1] == '\r'))
            end--;
        strip(&begin, &end);
        /* A copy: the cached file may be evicted by another thread once the lock is released. */
        if (begin < end && (*storage = tm_malloc((size_t)(end - begin))) != NULL) {
            len = (size_t)(end - begin);
            memcpy(*storage, begin, len);
            *line = *storage;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    return len;
}
