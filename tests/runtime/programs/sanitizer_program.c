/* sanitizer_program.c — built with -fsanitize=address (leak, thread, memory) and linked with libtmtrace: the sanitizer
 * owns malloc, so the runtime must take the hooks path, and every count below must still be exact.
 * Prints "sanitizer-program: ok" only when every check passed; otherwise names the failed check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tmtrace/tmtrace.h>

#include "tmtrace_abi.h"

static size_t current(void)
{
    size_t cur, peak;
    tmtrace_get_traced_memory(&cur, &peak);
    return cur;
}

#define CHECK(cond)                                                                                              \
    do {                                                                                                         \
        if (!(cond)) {                                                                                           \
            printf("sanitizer-program: failed: %s (line %d)\n", #cond, __LINE__);                                 \
            return 1;                                                                                            \
        }                                                                                                        \
    } while (0)

static const tmtrace_site site = {"/src/san.c", "main", NULL, 7, 3, 0, 0};

int main(void)
{
    CHECK(tmtrace_is_tracing());
    size_t before = current();
    char *p = malloc(100);
    CHECK(current() - before == 100);
    char *c = calloc(3, 5);
    CHECK(current() - before == 115);
    p = realloc(p, 1000);
    CHECK(current() - before == 1015);
    char *s = strdup("abc");
    CHECK(current() - before == 1019);
    free(p);
    free(c);
    free(s);
    CHECK(current() == before);

    void *q = __tmtrace_malloc(64, &site);
    CHECK(current() - before == 64);
    tmtrace_traceback *tb = tmtrace_get_object_traceback(q);
    CHECK(tb && tmtrace_traceback_nframe(tb) == 1);
    CHECK(strcmp(tmtrace_traceback_frame(tb, 0)->filename, "/src/san.c") == 0);
    CHECK(tmtrace_traceback_frame(tb, 0)->lineno == 7);
    tmtrace_traceback_free(tb);
    free(q);
    CHECK(current() == before);
    printf("sanitizer-program: ok\n");
    return 0;
}
