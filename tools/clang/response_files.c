/* response_files.c — see response_files.h. The tokenizer is llvm::cl::TokenizeGNUCommandLine's, the one clang
 * uses on Linux, so that the wrapper sees exactly the arguments clang will. */
#include "response_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A cycle (a file that names itself) would never end; real nesting is one or two levels. */
#define MAX_NESTING 32

struct list {
    struct arg *items;
    int n, cap;
    const char *program;
};

static void *checked(void *p, const char *program)
{
    if (!p) {
        fprintf(stderr, "%s: out of memory\n", program);
        exit(1);
    }
    return p;
}

static void push(struct list *l, const char *text, enum arg_kind kind)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->items = checked(realloc(l->items, sizeof *l->items * (size_t)l->cap), l->program);
    }
    l->items[l->n].text = text;
    l->items[l->n].kind = kind;
    l->n++;
}

/* The contents of the response file `arg` names ("@path"), NUL-terminated; NULL when `arg` is not an @file or
 * the file cannot be read (clang then takes the argument as an input file name). */
static char *read_response_file(const char *arg, const char *program)
{
    if (arg[0] != '@')
        return NULL;
    FILE *f = fopen(arg + 1, "rb");
    if (!f)
        return NULL;
    size_t len = 0, cap = 4096;
    char *text = checked(malloc(cap), program);
    size_t got;
    while ((got = fread(text + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len == 1)
            text = checked(realloc(text, cap *= 2), program);
    }
    int failed = ferror(f); /* e.g. a directory */
    fclose(f);
    if (failed) {
        free(text);
        return NULL;
    }
    text[len] = '\0';
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) /* a UTF-8 byte-order mark: clang drops it too */
        memmove(text, text + 3, len - 2);
    return text;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Splits `src` GNU-style: whitespace separates; a backslash escapes the next character, inside quotes too;
 * '...' and "..." group. (As in LLVM, a quoted empty string alone makes no argument.) */
static void tokenize(const char *src, struct list *out)
{
    size_t len = strlen(src);
    char *token = checked(malloc(len + 1), out->program);
    size_t t = 0;
    for (size_t i = 0; i < len; i++) {
        char c = src[i];
        if (c == '\\' && i + 1 < len) {
            token[t++] = src[++i];
        } else if (c == '"' || c == '\'') {
            for (i++; i < len && src[i] != c; i++) {
                if (src[i] == '\\' && i + 1 < len)
                    i++;
                token[t++] = src[i];
            }
        } else if (is_space(c)) {
            if (t) {
                token[t] = '\0';
                push(out, checked(strdup(token), out->program), ARG_PLAIN);
                t = 0;
            }
        } else {
            token[t++] = c;
        }
    }
    if (t) {
        token[t] = '\0';
        push(out, checked(strdup(token), out->program), ARG_PLAIN);
    }
    free(token);
}

/* Appends `arg` to `out`, expanded if it is a readable @file (recursively). Returns 0, or -1 on a cycle. */
static int expand(const char *arg, int depth, struct list *out)
{
    char *contents = read_response_file(arg, out->program);
    if (!contents) {
        push(out, arg, ARG_PLAIN);
        return 0;
    }
    if (depth == MAX_NESTING) {
        fprintf(stderr, "%s: response files nest more than %d deep at %s (does one name itself?)\n", out->program,
                MAX_NESTING, arg);
        return -1;
    }
    struct list tokens = {.program = out->program};
    tokenize(contents, &tokens);
    free(contents);
    for (int i = 0; i < tokens.n; i++)
        if (expand(tokens.items[i].text, depth + 1, out) != 0)
            return -1;
    free(tokens.items);
    return 0;
}

struct arg *expand_response_files(int argc, char **argv, int (*must_splice)(const char *), const char *program,
                                  int *count)
{
    struct list out = {.program = program};
    for (int i = 1; i < argc; i++) {
        struct list file = {.program = program};
        if (expand(argv[i], 0, &file) != 0)
            return NULL;
        /* expand() appends an argument that is no readable @file as it is. */
        int is_response_file = !(file.n == 1 && file.items[0].text == argv[i]);
        int splice = 0;
        for (int j = 0; j < file.n; j++)
            splice |= must_splice(file.items[j].text);
        enum arg_kind kind = is_response_file && !splice ? ARG_FROM_RSP : ARG_PLAIN;
        if (kind == ARG_FROM_RSP)
            push(&out, argv[i], ARG_RSP_FILE);
        for (int j = 0; j < file.n; j++)
            push(&out, file.items[j].text, kind);
        free(file.items);
    }
    *count = out.n;
    return out.items;
}
