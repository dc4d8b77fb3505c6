/* source_lines.c — linecache.getline(filename, lineno).strip() for Traceback.format(): the file is read as
 * Python reads source (UTF-8, an optional BOM, universal newlines; a file that is not valid UTF-8 has no
 * lines), and the line is stripped of what Python's str.isspace() calls whitespace. Coding cookies and
 * linecache's search of sys.path for relative names are Python-specific and not reproduced. */
#include <stdio.h>
#include <string.h>

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

size_t tm_source_line(const char *filename, unsigned lineno, const char **line, char **storage)
{
    *storage = NULL;
    size_t flen = strlen(filename);
    if (lineno == 0 || flen == 0 || (filename[0] == '<' && filename[flen - 1] == '>'))
        return 0;
    size_t size;
    char *data = read_file(filename, &size);
    if (!data)
        return 0;
    const unsigned char *p = (const unsigned char *)data, *end = p + size;
    if (!valid_utf8(p, size)) {
        tm_free(data);
        return 0;
    }
    if (size >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3;
    for (unsigned current = 1; p < end; current++) {
        const unsigned char *eol = p;
        while (eol < end && *eol != '\n' && *eol != '\r')
            eol++;
        if (current == lineno) {
            const unsigned char *begin = p;
            strip(&begin, &eol);
            if (begin == eol)
                break;
            *line = (const char *)begin;
            *storage = data;
            return (size_t)(eol - begin);
        }
        if (eol < end && *eol == '\r' && eol + 1 < end && eol[1] == '\n')
            eol++;
        p = eol + 1;
    }
    tm_free(data);
    return 0;
}
