/* chain.c — C: nested calls through static helpers (inlined at -O1 and up), the malloc family, libc allocating
 * on the program's behalf (asprintf), and an unused leak that clang -O2 would delete without the rewrite.
 * The output must be the same at every -O level, with or without -g, with -flto and -flto=thin. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "show.h"

struct record {
    char *name;
    int *values;
};

static struct record *record_new(const char *name, int n)
{
    struct record *r = malloc(sizeof *r);
    r->name = strdup(name);
    r->values = calloc((size_t)n, sizeof *r->values);
    return r;
}

static void record_grow(struct record *r, int n)
{
    r->values = realloc(r->values, (size_t)n * sizeof *r->values);
}

static struct record *load(void)
{
    struct record *r = record_new("alpha", 4);
    record_grow(r, 16);
    return r;
}

static char *describe(const struct record *r)
{
    char *text = NULL;
    if (asprintf(&text, "%s=%d", r->name, r->values[0]) < 0) /* allocated inside libc */
        return NULL;
    return text;
}

int main(void)
{
    struct record *r = load();
    char *text = describe(r);
    (void)malloc(24); /* leaked and unused */
    show_traceback("record", r);
    show_traceback("name", r->name);
    show_traceback("values", r->values);
    show_traceback("text", text);
    return 0;
}
