/* greeter.c — the library target: builds a greeting on the heap; greeter_buffer is a malloc wrapper named in
 * allocators.txt, so its blocks are traced at its callers' lines. */
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

void *greeter_buffer(size_t size)
{
    return malloc(size);
}
