/* test_dirs.c — scanning directories for per-test snapshot pairs (see test_dirs.h). */
#include "test_dirs.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int hex_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *test_snapshot_path(const struct test_row *row, const char *suffix)
{
    size_t len = strlen(row->directory) + 1 + strlen(row->name) + strlen(suffix) + 1;
    char *path = malloc(len);
    if (path)
        snprintf(path, len, "%s/%s%s", row->directory, row->name, suffix);
    return path;
}

/* Undoes the gtest listener's escaping of test names: every byte outside [A-Za-z0-9_-] of the suite and test
 * names is written %XX (so the first bare '.' separates them). A '%' not followed by two hex digits stays. */
static char *unescape_test_name(const char *stem)
{
    char *out = malloc(strlen(stem) + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *p = stem; *p; p++) {
        int hi, lo;
        if (*p == '%' && (hi = hex_value(p[1])) >= 0 && (lo = hex_value(p[2])) >= 0) {
            *o++ = (char)(hi * 16 + lo);
            p += 2;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

int find_test_pairs(char *const *dirs, size_t ndirs, struct test_row **rows, size_t *nrows)
{
    size_t n = 0, cap = 0;
    struct test_row *list = NULL;
    for (size_t d = 0; d < ndirs; d++) {
        DIR *dir = opendir(dirs[d]);
        if (!dir) {
            fprintf(stderr, "tmtrace-diff: cannot read directory '%s': %s\n", dirs[d], strerror(errno));
            goto fail;
        }
        struct dirent *entry;
        while ((entry = readdir(dir))) {
            size_t len = strlen(entry->d_name), slen = strlen(BEFORE_SUFFIX);
            if (len <= slen || strcmp(entry->d_name + len - slen, BEFORE_SUFFIX) != 0)
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                struct test_row *grown = realloc(list, cap * sizeof *grown);
                if (!grown) {
                    closedir(dir);
                    fputs("tmtrace-diff: out of memory\n", stderr);
                    goto fail;
                }
                list = grown;
            }
            memset(&list[n], 0, sizeof list[n]);
            list[n].name = strndup(entry->d_name, len - slen);
            list[n].display = list[n].name ? unescape_test_name(list[n].name) : NULL;
            list[n].directory = dirs[d];
            n++;
            char *after = list[n - 1].display ? test_snapshot_path(&list[n - 1], AFTER_SUFFIX) : NULL;
            if (!after || access(after, F_OK) != 0) {
                fprintf(stderr, "tmtrace-diff: '%s/%s' has no matching '%s%s'\n", dirs[d], entry->d_name,
                        list[n - 1].name ? list[n - 1].name : "", AFTER_SUFFIX);
                free(after);
                closedir(dir);
                goto fail;
            }
            free(after);
        }
        closedir(dir);
    }
    *rows = list;
    *nrows = n;
    return 0;
fail:
    for (size_t i = 0; i < n; i++) {
        free(list[i].name);
        free(list[i].display);
    }
    free(list);
    return 2;
}
