/* options.c — parsing tmtrace-diff's command line (see usage below); every mistake names itself and exits 2. */
#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char USAGE[] =
    "usage: tmtrace-diff [OPTIONS] SNAPSHOT            top statistics of one snapshot\n"
    "       tmtrace-diff [OPTIONS] OLD NEW             what changed from OLD to NEW (NEW.compare_to(OLD))\n"
    "       tmtrace-diff [OPTIONS] DIR [DIR...]        per-test leaks from the gtest listener's\n"
    "                                                  <Suite>.<Test>.before/.after.tmsnap files\n"
    "options:\n"
    "  --key lineno|filename|traceback  group by (default lineno)\n"
    "  --cumulative                     count every frame of a traceback, not only the most recent\n"
    "  --limit N                        show the top N entries (default 10; 0: all; tests: all)\n"
    "  --include PATTERN                keep traces allocated in files matching PATTERN (fnmatch; repeatable)\n"
    "  --exclude PATTERN                drop traces allocated in files matching PATTERN (repeatable)\n"
    "  --domain D                       keep only traces of domain D (and of those, what the patterns keep)\n"
    "  --format text|json|html          output format (default text); html: one self-contained page with a\n"
    "                                   flame graph, the top statistics by lineno, filename and traceback\n"
    "  -o, --output FILE                write the output to FILE instead of standard output\n"
    "  --fail-over BYTES                exit 1 when the total size difference exceeds BYTES\n"
    "  --help, --version\n"
    "exit status: 0 ok, 1 --fail-over exceeded, 2 bad arguments or unreadable snapshot\n";

static int usage_error(const char *fmt, const char *arg)
{
    fputs("tmtrace-diff: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'tmtrace-diff --help'.\n", stderr);
    return 2;
}

static int parse_number(const char *text, uint64_t *out)
{
    if (!text || !*text || *text == '-' || *text == '+')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

static int add_filter(struct diff_options *opts, tmtrace_filter filter)
{
    tmtrace_filter *grown = realloc(opts->filters, (opts->nfilters + 1) * sizeof *grown);
    if (!grown)
        return usage_error("%s", "out of memory");
    opts->filters = grown;
    opts->filters[opts->nfilters++] = filter;
    return 0;
}

/* "--name value" or "--name=value": returns the value (advancing *i) or NULL if absent. */
static const char *option_value(int argc, char **argv, int *i, const char *name, int *matched)
{
    size_t len = strlen(name);
    const char *arg = argv[*i];
    *matched = 0;
    if (strncmp(arg, name, len) != 0 || (arg[len] != '\0' && arg[len] != '='))
        return NULL;
    *matched = 1;
    if (arg[len] == '=')
        return arg + len + 1;
    if (*i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

int parse_options(int argc, char **argv, struct diff_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->key = TMTRACE_KEY_LINENO;
    opts->limit = 10;
    opts->format = FORMAT_TEXT;
    opts->operands = calloc((size_t)argc + 1, sizeof *opts->operands);
    if (!opts->operands)
        return usage_error("%s", "out of memory");
    int only_operands = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value;
        int matched;
        if (only_operands || arg[0] != '-' || strcmp(arg, "-") == 0) {
            opts->operands[opts->noperands++] = argv[i];
        } else if (strcmp(arg, "--") == 0) {
            only_operands = 1;
        } else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(USAGE, stdout);
            return 1;
        } else if (strcmp(arg, "--version") == 0) {
            printf("tmtrace-diff %s\n", TMTRACE_VERSION_STRING);
            return 1;
        } else if (strcmp(arg, "--cumulative") == 0) {
            opts->cumulative = 1;
        } else if ((value = option_value(argc, argv, &i, "--key", &matched)) || matched) {
            if (!value)
                return usage_error("%s needs a value: lineno, filename or traceback", "--key");
            if (tmtrace_key_parse(value, &opts->key) < 0)
                return usage_error("bad --key '%s' (expected lineno, filename or traceback)", value);
        } else if ((value = option_value(argc, argv, &i, "--limit", &matched)) || matched) {
            uint64_t n;
            if (parse_number(value, &n) < 0 || n > SIZE_MAX)
                return usage_error("bad --limit '%s' (expected a number >= 0)", value ? value : "");
            opts->limit = (size_t)n;
            opts->limit_given = 1;
        } else if ((value = option_value(argc, argv, &i, "--include", &matched)) || matched) {
            if (!value)
                return usage_error("%s needs a PATTERN", "--include");
            if (add_filter(opts, (tmtrace_filter){1, value, -1, 0, -1}))
                return 2;
        } else if ((value = option_value(argc, argv, &i, "--exclude", &matched)) || matched) {
            if (!value)
                return usage_error("%s needs a PATTERN", "--exclude");
            if (add_filter(opts, (tmtrace_filter){0, value, -1, 0, -1}))
                return 2;
        } else if ((value = option_value(argc, argv, &i, "--domain", &matched)) || matched) {
            uint64_t d;
            if (parse_number(value, &d) < 0 || d > UINT32_MAX)
                return usage_error("bad --domain '%s' (expected a domain number)", value ? value : "");
            opts->domain = (tmtrace_filter){1, NULL, -1, 0, (int64_t)d};
            opts->domain_given = 1;
        } else if ((value = option_value(argc, argv, &i, "--format", &matched)) || matched) {
            if (value && strcmp(value, "text") == 0)
                opts->format = FORMAT_TEXT;
            else if (value && strcmp(value, "json") == 0)
                opts->format = FORMAT_JSON;
            else if (value && strcmp(value, "html") == 0)
                opts->format = FORMAT_HTML;
            else
                return usage_error("bad --format '%s' (expected text, json or html)", value ? value : "");
        } else if (((value = option_value(argc, argv, &i, "--output", &matched)) || matched) ||
                   ((value = option_value(argc, argv, &i, "-o", &matched)) || matched)) {
            if (!value || !*value)
                return usage_error("%s needs a FILE", "-o/--output");
            opts->output = value;
        } else if ((value = option_value(argc, argv, &i, "--fail-over", &matched)) || matched) {
            if (parse_number(value, &opts->fail_over) < 0)
                return usage_error("bad --fail-over '%s' (expected a number of bytes)", value ? value : "");
            opts->fail_over_given = 1;
        } else {
            return usage_error("unknown option '%s'", arg);
        }
    }
    if (opts->cumulative && opts->key == TMTRACE_KEY_TRACEBACK)
        return usage_error("%s", "--cumulative cannot be used with --key traceback");
    if (opts->noperands == 0)
        return usage_error("%s", "missing snapshot operand");
    return 0;
}

void free_options(struct diff_options *opts)
{
    free(opts->filters);
    free(opts->operands);
}
