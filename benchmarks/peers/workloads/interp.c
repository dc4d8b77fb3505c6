/* interp.c — an allocation-heavy program with a deep call graph and many allocation sites: a tiny expression
 * language. Each round generates a program text, tokenizes it (tokens and identifier strings on the heap),
 * parses it by recursive descent into a tree, evaluates it with a heap-allocated environment, and frees it all.
 *   expr := 'let' IDENT '=' expr 'in' expr | sum
 *   sum  := prod (('+'|'-') prod)*      prod := atom (('*'|'%') atom)*      atom := NUM | IDENT | '(' expr ')'
 * The generator parenthesizes every let, so each program parses; the parser still checks and stops loudly. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tok_kind { T_NUM, T_IDENT, T_LET, T_IN, T_OP, T_LPAREN, T_RPAREN, T_EQ, T_END };
struct token { enum tok_kind kind; long num; char *text; char op; };
struct tokens { struct token *v; size_t n, cap; size_t pos; };

enum node_kind { N_NUM, N_VAR, N_BIN, N_LET };
struct node { enum node_kind kind; long num; char *name; char op; struct node *a, *b; };
struct env { char *name; long value; struct env *next; };

/* ---- generating a program text ---- */
struct buf { char *s; size_t n, cap; };
static uint64_t rng = 42;
static unsigned rnd(unsigned n) { rng = rng * 6364136223846793005ull + 1; return (unsigned)(rng >> 33) % n; }

static void put(struct buf *b, const char *s)
{
    size_t len = strlen(s);
    if (b->n + len + 1 > b->cap) {
        b->cap = (b->n + len + 1) * 2;
        b->s = realloc(b->s, b->cap);
    }
    memcpy(b->s + b->n, s, len + 1);
    b->n += len;
}

static void gen(struct buf *b, int depth, int nvars)
{
    char tmp[32];
    unsigned choice = depth <= 0 ? rnd(2) : rnd(5);
    if (choice == 0) {
        snprintf(tmp, sizeof tmp, "%u", rnd(1000));
        put(b, tmp);
    } else if (choice == 1) {
        if (nvars == 0) { put(b, "7"); return; }
        snprintf(tmp, sizeof tmp, "v%u", rnd((unsigned)nvars));
        put(b, tmp);
    } else if (choice == 2) {
        snprintf(tmp, sizeof tmp, "(let v%d = ", nvars);
        put(b, tmp);
        gen(b, depth - 1, nvars);
        put(b, " in ");
        gen(b, depth - 1, nvars + 1);
        put(b, ")");
    } else {
        static const char *ops[] = {" + ", " - ", " * ", " % "};
        put(b, "(");
        gen(b, depth - 1, nvars);
        put(b, ops[rnd(4)]);
        gen(b, depth - 1, nvars);
        put(b, ")");
    }
}

/* ---- tokenizer ---- */
static void push_token(struct tokens *t, struct token tok)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->v = realloc(t->v, t->cap * sizeof *t->v);
    }
    t->v[t->n++] = tok;
}

static char *copy_ident(const char *s, size_t len)
{
    char *name = malloc(len + 1);
    memcpy(name, s, len);
    name[len] = 0;
    return name;
}

static void tokenize(const char *s, struct tokens *t)
{
    while (*s) {
        if (*s == ' ') { s++; continue; }
        struct token tok = {T_END, 0, NULL, 0};
        if (*s >= '0' && *s <= '9') {
            tok.kind = T_NUM;
            tok.num = strtol(s, (char **)&s, 10);
        } else if (*s >= 'a' && *s <= 'z') {
            const char *start = s;
            while ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')) s++;
            size_t len = (size_t)(s - start);
            if (len == 3 && !memcmp(start, "let", 3)) tok.kind = T_LET;
            else if (len == 2 && !memcmp(start, "in", 2)) tok.kind = T_IN;
            else { tok.kind = T_IDENT; tok.text = copy_ident(start, len); }
        } else {
            tok.kind = *s == '(' ? T_LPAREN : *s == ')' ? T_RPAREN : *s == '=' ? T_EQ : T_OP;
            tok.op = *s++;
        }
        push_token(t, tok);
    }
    push_token(t, (struct token){T_END, 0, NULL, 0});
}

/* ---- parser ---- */
static struct node *new_node(enum node_kind kind)
{
    struct node *n = calloc(1, sizeof *n);
    n->kind = kind;
    return n;
}

static struct token *peek(struct tokens *t) { return &t->v[t->pos]; }

static void expect(struct tokens *t, enum tok_kind kind)
{
    if (t->v[t->pos].kind != kind) {
        fprintf(stderr, "interp: parse error at token %zu\n", t->pos);
        exit(1);
    }
    t->pos++;
}
static struct node *parse_expr(struct tokens *t);

static struct node *parse_atom(struct tokens *t)
{
    struct token *tok = &t->v[t->pos++];
    if (tok->kind == T_NUM) {
        struct node *n = new_node(N_NUM);
        n->num = tok->num;
        return n;
    }
    if (tok->kind == T_IDENT) {
        struct node *n = new_node(N_VAR);
        n->name = strdup(tok->text);
        return n;
    }
    t->pos--;
    expect(t, T_LPAREN);
    struct node *inner = parse_expr(t);
    expect(t, T_RPAREN);
    return inner;
}

static struct node *binary(char op, struct node *a, struct node *b)
{
    struct node *n = new_node(N_BIN);
    n->op = op;
    n->a = a;
    n->b = b;
    return n;
}

static struct node *parse_prod(struct tokens *t)
{
    struct node *n = parse_atom(t);
    while (peek(t)->kind == T_OP && (peek(t)->op == '*' || peek(t)->op == '%')) {
        char op = t->v[t->pos++].op;
        n = binary(op, n, parse_atom(t));
    }
    return n;
}

static struct node *parse_sum(struct tokens *t)
{
    struct node *n = parse_prod(t);
    while (peek(t)->kind == T_OP && (peek(t)->op == '+' || peek(t)->op == '-')) {
        char op = t->v[t->pos++].op;
        n = binary(op, n, parse_prod(t));
    }
    return n;
}

static struct node *parse_expr(struct tokens *t)
{
    if (peek(t)->kind != T_LET)
        return parse_sum(t);
    t->pos++;
    struct node *n = new_node(N_LET);
    if (peek(t)->kind != T_IDENT)
        expect(t, T_IDENT); /* reports the error */
    n->name = strdup(t->v[t->pos++].text);
    expect(t, T_EQ);
    n->a = parse_expr(t);
    expect(t, T_IN);
    n->b = parse_expr(t);
    return n;
}

/* ---- evaluator ---- */
static struct env *bind(struct env *env, const char *name, long value)
{
    struct env *e = malloc(sizeof *e);
    e->name = strdup(name);
    e->value = value;
    e->next = env;
    return e;
}

static long lookup(const struct env *env, const char *name)
{
    for (; env; env = env->next)
        if (!strcmp(env->name, name))
            return env->value;
    return 0;
}

static long eval(const struct node *n, struct env *env)
{
    switch (n->kind) {
    case N_NUM: return n->num;
    case N_VAR: return lookup(env, n->name);
    case N_LET: {
        struct env *inner = bind(env, n->name, eval(n->a, env));
        long v = eval(n->b, inner);
        free(inner->name);
        free(inner);
        return v;
    }
    case N_BIN: {
        long a = eval(n->a, env), b = eval(n->b, env);
        switch (n->op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return (a * b) % 1000003;
        default: return b ? a % b : a;
        }
    }
    }
    return 0;
}

static void free_tree(struct node *n)
{
    if (!n) return;
    free_tree(n->a);
    free_tree(n->b);
    free(n->name);
    free(n);
}

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 20000;
    long sum = 0;
    for (long r = 0; r < rounds; r++) {
        struct buf text = {0};
        gen(&text, 9, 0);
        struct tokens toks = {0};
        tokenize(text.s, &toks);
        struct node *tree = parse_expr(&toks);
        expect(&toks, T_END);
        sum += eval(tree, NULL);
        free_tree(tree);
        for (size_t i = 0; i < toks.n; i++)
            free(toks.v[i].text);
        free(toks.v);
        free(text.s);
    }
    printf("checksum %ld\n", sum);
    return 0;
}
