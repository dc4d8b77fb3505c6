/* double_free.c — frees a block twice: glibc must detect it exactly as it does without tmtrace (same message,
 * SIGABRT); the tracer must neither hide it nor crash first. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    char *volatile block = malloc(24);
    free(block);
    free(block);
    puts("not reached");
    return 0;
}
