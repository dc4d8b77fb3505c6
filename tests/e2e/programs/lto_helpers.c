/* lto_helpers.c — small functions the LTO link inlines into lto_main.c. */
#include <stdlib.h>

char *make_label(int n)
{
    return malloc((size_t)n);
}

char *make_label_twice(int n)
{
    char *first = make_label(n);
    free(first);
    return make_label(2 * n);
}
