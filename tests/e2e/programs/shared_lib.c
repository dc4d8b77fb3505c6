/* shared_lib.c — built into libshared_e2e.so with -fsanitize=tmtrace; shared_main.c calls it. */
#include <stdlib.h>
#include <string.h>

static char *copy_with_suffix(const char *text)
{
    size_t n = strlen(text);
    char *copy = malloc(n + 2);
    memcpy(copy, text, n);
    copy[n] = '!';
    copy[n + 1] = '\0';
    return copy;
}

char *shared_shout(const char *text)
{
    return copy_with_suffix(text);
}
