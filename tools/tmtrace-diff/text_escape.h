/* text_escape.h — writing names (file names, functions, source lines: arbitrary bytes) into JSON and HTML. */
#ifndef TMTRACE_DIFF_TEXT_ESCAPE_H
#define TMTRACE_DIFF_TEXT_ESCAPE_H

#include <stdio.h>

/* A quoted JSON string. Bytes that are not UTF-8 become U+FFFD, since JSON must be UTF-8. With inside_html,
 * '<', '>' and '&' are written as \u003c, \u003e and \u0026 too, so the string can sit in a <script> element. */
void json_string(FILE *out, const char *s, int inside_html);

/* HTML text or attribute value: & < > " ' escaped, bytes that are not UTF-8 become U+FFFD. */
void html_text(FILE *out, const char *s);
/* The same for the first len bytes of s. */
void html_text_n(FILE *out, const char *s, size_t len);

#endif
