/* text_escape.c — escaping arbitrary bytes for JSON strings and HTML text (see text_escape.h). */
#include "text_escape.h"

#include <string.h>

/* Length of the valid UTF-8 sequence at p (at most `left` bytes), or 0. */
static size_t utf8_length(const unsigned char *p, size_t left)
{
    unsigned c = p[0];
    size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (len > left)
        return 0;
    unsigned cp = len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
    return len && cp >= min[len] && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff) ? len : 0;
}

void json_string(FILE *out, const char *s, int inside_html)
{
    fputc('"', out);
    size_t left = strlen(s);
    for (const unsigned char *p = (const unsigned char *)s; left;) {
        size_t len = 1;
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20 || (inside_html && (*p == '<' || *p == '>' || *p == '&')))
            fprintf(out, "\\u%04x", *p);
        else if (*p < 0x80)
            fputc(*p, out);
        else if ((len = utf8_length(p, left)) != 0)
            fwrite(p, 1, len, out);
        else {
            fputs("\\ufffd", out);
            len = 1;
        }
        p += len;
        left -= len;
    }
    fputc('"', out);
}

void html_text_n(FILE *out, const char *s, size_t left)
{
    for (const unsigned char *p = (const unsigned char *)s; left;) {
        size_t len = 1;
        switch (*p) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default:
            if (*p < 0x80)
                fputc(*p, out);
            else if ((len = utf8_length(p, left)) != 0)
                fwrite(p, 1, len, out);
            else {
                fputs("\xef\xbf\xbd", out); /* U+FFFD */
                len = 1;
            }
        }
        p += len;
        left -= len;
    }
}

void html_text(FILE *out, const char *s)
{
    html_text_n(out, s, strlen(s));
}
