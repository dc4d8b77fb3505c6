/* fnmatch.c — Python's fnmatch.fnmatch() on POSIX (fnmatchcase: no case folding, '/' not special), on code
 * points as Python compares str: '*' any run, '?' one code point, '[...]' a set with '!' negation, ranges
 * and a leading ']' literal, an unclosed '[' literal. The set is read exactly as fnmatch.translate() splits
 * it into range chunks, drops empty ranges, and hands it to re, so odd sets ("[b-a]", "[!]", "[a-]") mean
 * what they mean in Python. Bytes that are not UTF-8 decode as surrogateescape does (U+DC80..U+DCFF). */
#include <string.h>

#include "common/untraced_alloc.h"
#include "snapshot_internal.h"

typedef uint32_t codepoint;

/* Decodes UTF-8 into code points; `out` has room for strlen(s) of them. Returns the count. */
static size_t decode(const char *s, codepoint *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    while (*p) {
        unsigned c = *p, len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
                                         : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        codepoint cp = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
        unsigned i = 1;
        for (; i < len && (p[i] & 0xc0) == 0x80; i++)
            cp = (cp << 6) | (p[i] & 0x3f);
        static const codepoint min[] = {0, 0, 0x80, 0x800, 0x10000};
        if (len == 0 || i < len || cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            out[n++] = 0xdc00 + c; /* surrogateescape */
            p++;
        } else {
            out[n++] = cp;
            p += len;
        }
    }
    return n;
}

enum token_kind { TOKEN_LITERAL, TOKEN_ANY, TOKEN_STAR, TOKEN_SET };

struct token {
    enum token_kind kind;
    codepoint c;       /* TOKEN_LITERAL */
    size_t set_begin;  /* TOKEN_SET: pairs [lo, hi] in ranges[set_begin .. set_end) */
    size_t set_end;
    int negated;       /* TOKEN_SET */
};

/* A compiled pattern: at most one token per pattern code point and at most two range bounds per code point. */
struct compiled {
    struct token *tokens;
    size_t ntokens;
    codepoint *ranges;
    size_t nranges; /* counts bounds: 2 per range */
    /* Scratch for one set, sized for the whole pattern: chunk bounds and the editable chunk text. */
    size_t *chunk_begin, *chunk_end, *tbegin, *tlen;
    codepoint *text;
};

static void add_range(struct compiled *pc, codepoint lo, codepoint hi)
{
    pc->ranges[pc->nranges++] = lo;
    pc->ranges[pc->nranges++] = hi;
}

/* fnmatch.translate's set handling for pat[i..j) (the text between '[' and the closing ']'). */
static void compile_set(struct compiled *pc, const codepoint *pat, size_t i, size_t j)
{
    struct token *t = &pc->tokens[pc->ntokens++];
    t->kind = TOKEN_SET;
    t->set_begin = pc->nranges;
    t->negated = 0;
    /* Split into chunks at range hyphens, as translate() does: the search starts after a leading '!' and
     * the first character, and resumes 3 past each hyphen. Chunks are [chunk_begin[c], chunk_end[c]). */
    size_t *chunk_begin = pc->chunk_begin, *chunk_end = pc->chunk_end, *tbegin = pc->tbegin, *tlen = pc->tlen;
    codepoint *text = pc->text;
    int dash_appended = 0; /* translate() appends '-' to the last chunk when the set ends with a range hyphen */
    size_t nchunks = 0;
    int has_dash = 0;
    for (size_t k = i; k < j; k++)
        has_dash |= pat[k] == '-';
    if (!has_dash) {
        chunk_begin[0] = i, chunk_end[0] = j, nchunks = 1;
    } else {
        size_t start = i, k = pat[i] == '!' ? i + 2 : i + 1;
        for (;;) {
            while (k < j && pat[k] != '-')
                k++;
            if (k >= j)
                break;
            chunk_begin[nchunks] = start, chunk_end[nchunks] = k, nchunks++;
            start = k + 1;
            k += 3;
        }
        if (start < j)
            chunk_begin[nchunks] = start, chunk_end[nchunks] = j, nchunks++;
        else
            dash_appended = 1;
    }
    /* Chunk texts as editable arrays: merging empty ranges removes their end points. */
    size_t used = 0;
    for (size_t c = 0; c < nchunks; c++) {
        tbegin[c] = used;
        tlen[c] = chunk_end[c] - chunk_begin[c];
        memcpy(&text[used], &pat[chunk_begin[c]], tlen[c] * sizeof *text);
        used += tlen[c];
    }
    if (dash_appended) /* the literal '-' belongs to the previous chunk, which ends right before it */
        text[tbegin[nchunks - 1] + tlen[nchunks - 1]++] = '-';
    for (size_t c = nchunks - 1; c >= 1 && nchunks > 1; c--) {
        if (text[tbegin[c - 1] + tlen[c - 1] - 1] > text[tbegin[c]]) {
            /* chunks[c-1] = chunks[c-1][:-1] + chunks[c][1:] */
            size_t keep = tlen[c - 1] - 1;
            memmove(&text[tbegin[c - 1] + keep], &text[tbegin[c] + 1], (tlen[c] - 1) * sizeof *text);
            tlen[c - 1] = keep + tlen[c] - 1;
            for (size_t m = c; m + 1 < nchunks; m++)
                tbegin[m] = tbegin[m + 1], tlen[m] = tlen[m + 1];
            nchunks--;
        }
        if (c == 1)
            break;
    }
    /* The set text is the chunks joined by range hyphens; everything else is literal. */
    size_t total = 0;
    for (size_t c = 0; c < nchunks; c++)
        total += tlen[c];
    total += nchunks ? nchunks - 1 : 0;
    if (total == 0) { /* empty set: never matches */
        t->set_end = pc->nranges;
        return;
    }
    if (total == 1 && text[tbegin[0]] == '!') { /* "[!]"-like: any character */
        t->negated = 1;
        t->set_end = pc->nranges;
        return;
    }
    size_t skip = 0;
    if (text[tbegin[0]] == '!')
        t->negated = 1, skip = 1;
    for (size_t c = 0; c < nchunks; c++) {
        size_t from = c == 0 ? skip : 1; /* a chunk after a hyphen starts with that range's upper bound */
        size_t to = c + 1 < nchunks ? tlen[c] - 1 : tlen[c];
        if (c > 0)
            add_range(pc, text[tbegin[c - 1] + tlen[c - 1] - 1], text[tbegin[c]]);
        for (size_t m = from; m < to; m++)
            add_range(pc, text[tbegin[c] + m], text[tbegin[c] + m]);
    }
    t->set_end = pc->nranges;
}

static void compile(struct compiled *pc, const codepoint *pat, size_t n)
{
    for (size_t i = 0; i < n;) {
        codepoint c = pat[i++];
        if (c == '*') {
            if (!pc->ntokens || pc->tokens[pc->ntokens - 1].kind != TOKEN_STAR)
                pc->tokens[pc->ntokens++] = (struct token){.kind = TOKEN_STAR};
        } else if (c == '?') {
            pc->tokens[pc->ntokens++] = (struct token){.kind = TOKEN_ANY};
        } else if (c == '[') {
            size_t j = i;
            if (j < n && pat[j] == '!')
                j++;
            if (j < n && pat[j] == ']')
                j++;
            while (j < n && pat[j] != ']')
                j++;
            if (j >= n) {
                pc->tokens[pc->ntokens++] = (struct token){.kind = TOKEN_LITERAL, .c = '['};
            } else {
                compile_set(pc, pat, i, j);
                i = j + 1;
            }
        } else {
            pc->tokens[pc->ntokens++] = (struct token){.kind = TOKEN_LITERAL, .c = c};
        }
    }
}

static int token_matches(const struct compiled *pc, const struct token *t, codepoint c)
{
    switch (t->kind) {
    case TOKEN_LITERAL:
        return t->c == c;
    case TOKEN_ANY:
        return 1;
    case TOKEN_SET:
        for (size_t r = t->set_begin; r < t->set_end; r += 2)
            if (pc->ranges[r] <= c && c <= pc->ranges[r + 1])
                return !t->negated;
        return t->negated;
    case TOKEN_STAR:
        break;
    }
    return 0;
}

/* Glob matching with one backtrack point (the last '*'), which is exact when '*' is the only variable-length
 * token: a later star can always absorb what an earlier one would have. */
static int match(const struct compiled *pc, const codepoint *name, size_t n)
{
    size_t t = 0, s = 0, star_t = SIZE_MAX, star_s = 0;
    while (s < n) {
        if (t < pc->ntokens && pc->tokens[t].kind == TOKEN_STAR) {
            star_t = t++;
            star_s = s;
        } else if (t < pc->ntokens && token_matches(pc, &pc->tokens[t], name[s])) {
            t++;
            s++;
        } else if (star_t != SIZE_MAX) {
            t = star_t + 1;
            s = ++star_s;
        } else {
            return 0;
        }
    }
    while (t < pc->ntokens && pc->tokens[t].kind == TOKEN_STAR)
        t++;
    return t == pc->ntokens;
}

int tm_fnmatch(const char *pattern, const char *name)
{
    size_t plen = strlen(pattern), nlen = strlen(name);
    /* Code points of pattern and name, tokens (one per pattern code point), range bounds (two per code point)
     * and the set scratch (chunk text: one per code point plus an appended '-'). */
    codepoint *pat = tm_malloc((plen + 1 + nlen + 1 + 2 * plen + 2 + plen + 2) * sizeof(codepoint));
    struct token *tokens = tm_malloc((plen + 1) * sizeof *tokens);
    size_t *indexes = tm_malloc(4 * (plen + 2) * sizeof *indexes);
    int result = 0;
    if (pat && tokens && indexes) {
        codepoint *str = pat + plen + 1, *ranges = str + nlen + 1, *text = ranges + 2 * plen + 2;
        size_t np = decode(pattern, pat), ns = decode(name, str);
        struct compiled pc = {tokens, 0, ranges, 0, indexes, indexes + (plen + 2), indexes + 2 * (plen + 2),
                              indexes + 3 * (plen + 2), text};
        compile(&pc, pat, np);
        result = match(&pc, str, ns);
    }
    tm_free(pat);
    tm_free(tokens);
    tm_free(indexes);
    return result;
}
