/* options.c — TMTRACE_OPTIONS in sanitizer syntax ("frames=25:log_path=x", ':' or ',' separated), parsed
 * without allocating; every option comes from flags.inc. Bad input never stops the run: a warning names the
 * option and the default stays. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracer.h"

struct tm_options tm_opt;

enum option_kind { KIND_INT, KIND_STR };
struct option_spec {
    const char *name;
    enum option_kind kind;
    int64_t int_default, min, max;
    const char *str_default;
    const char *description;
    size_t offset;
};

/* Per-kind pieces of a flags.inc row (the kind token is pasted, never expanded). */
#define TM_INT_KIND KIND_INT
#define TM_INT_INT_DEFAULT(d) (d)
#define TM_INT_STR_DEFAULT(d) NULL
#define TM_STR_KIND KIND_STR
#define TM_STR_INT_DEFAULT(d) 0
#define TM_STR_STR_DEFAULT(d) (d)
static const struct option_spec specs[] = {
#define TM_FLAG(name, kind, def, lo, hi, desc)                                                                   \
    {#name, kind##_KIND, kind##_INT_DEFAULT(def), lo, hi, kind##_STR_DEFAULT(def), desc, offsetof(struct tm_options, name)},
#include "flags.inc"
#undef TM_FLAG
};
#define NSPECS (sizeof specs / sizeof specs[0])

static void set_defaults(void)
{
    for (size_t i = 0; i < NSPECS; i++) {
        char *field = (char *)&tm_opt + specs[i].offset;
        if (specs[i].kind == KIND_INT)
            memcpy(field, &specs[i].int_default, sizeof(int64_t));
        else
            snprintf(field, TM_STR_OPTION_MAX, "%s", specs[i].str_default);
    }
}

static const struct option_spec *find_spec(const char *name, size_t len)
{
    for (size_t i = 0; i < NSPECS; i++)
        if (strlen(specs[i].name) == len && memcmp(specs[i].name, name, len) == 0)
            return &specs[i];
    return NULL;
}

static int parse_int(const char *text, int64_t *out)
{
    if (*text == '\0')
        return -1;
    errno = 0;
    char *end;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* Applies one "name=value" item of `len` bytes. */
static void apply_item(const char *item, size_t len, int warn)
{
    char buf[TM_STR_OPTION_MAX + 64];
    if (len >= sizeof buf) {
        if (warn)
            tm_log("an item of TMTRACE_OPTIONS is longer than %zu bytes, ignored", sizeof buf - 1);
        return;
    }
    memcpy(buf, item, len);
    buf[len] = '\0';
    char *eq = strchr(buf, '=');
    size_t name_len = eq ? (size_t)(eq - buf) : len;
    const struct option_spec *spec = find_spec(buf, name_len);
    if (!spec) {
        if (warn)
            tm_log("unknown option '%.*s' in TMTRACE_OPTIONS, ignored (help=1 lists the options)", (int)name_len, buf);
        return;
    }
    if (!eq) {
        if (warn)
            tm_log("option '%s' in TMTRACE_OPTIONS needs a value (%s=...), ignored", spec->name, spec->name);
        return;
    }
    const char *value = eq + 1;
    char *field = (char *)&tm_opt + spec->offset;
    if (spec->kind == KIND_STR) {
        if (strlen(value) >= TM_STR_OPTION_MAX) {
            if (warn)
                tm_log("value of option '%s' in TMTRACE_OPTIONS is longer than %d bytes; using '%s'", spec->name,
                       TM_STR_OPTION_MAX - 1, spec->str_default);
            return;
        }
        snprintf(field, TM_STR_OPTION_MAX, "%s", value);
        return;
    }
    int64_t v;
    if (parse_int(value, &v) != 0 || v < spec->min || v > spec->max) {
        if (warn)
            tm_log("bad value '%s' for option '%s' in TMTRACE_OPTIONS (expected an integer in [%" PRId64 ", %" PRId64
                   "]); using %" PRId64,
                   value, spec->name, spec->min, spec->max, spec->int_default);
        memcpy(field, &spec->int_default, sizeof(int64_t));
        return;
    }
    memcpy(field, &v, sizeof(int64_t));
}

void tm_options_parse(const char *text, int warn)
{
    set_defaults();
    if (!text)
        return;
    const char *p = text;
    while (*p) {
        size_t len = strcspn(p, ":,");
        if (len > 0)
            apply_item(p, len, warn);
        p += len;
        if (*p)
            p++;
    }
}

void tm_options_print_help(void)
{
    tm_log("TMTRACE_OPTIONS: name=value items separated by ':' or ','");
    for (size_t i = 0; i < NSPECS; i++) {
        char def[64];
        if (specs[i].kind == KIND_INT)
            snprintf(def, sizeof def, "%" PRId64, specs[i].int_default);
        else
            snprintf(def, sizeof def, "'%s'", specs[i].str_default);
        tm_log("  %-17s default %-9s %s", specs[i].name, def, specs[i].description);
    }
}
