/* greeter.c — the library target: builds a greeting on the heap. */
#include "greeter.h"

#include <stdlib.h>
#include <string.h>

static char *join(const char *a, const char *b)
{
    char *out = malloc(strlen(a) + strlen(b) + 1);
    strcpy(out, a);
    strcat(out, b);
    return out;
}

char *greeting_for(const char *name)
{
    return join("hello, ", name);
}
