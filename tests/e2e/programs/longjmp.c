/* longjmp.c — a longjmp out of deep recursion back into main: the next allocation's traceback must not contain
 * the abandoned frames. */
#include <setjmp.h>
#include <stdlib.h>

#include "show.h"

static jmp_buf escape;

static void dive(int depth)
{
    if (depth == 0)
        longjmp(escape, 1);
    dive(depth - 1);
    (void)malloc(1); /* never reached: keeps dive an allocating function */
}

static void *after_escape(void)
{
    return malloc(40);
}

int main(void)
{
    if (setjmp(escape) == 0)
        dive(30);
    void *block = after_escape();
    show_traceback("after longjmp", block);
    fflush(stdout);
    return 0;
}
