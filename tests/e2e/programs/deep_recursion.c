/* deep_recursion.c — recursion 300 levels deep, deeper than the shadow stack's 256 entries: the traceback
 * keeps the innermost frames (frames=25) and counts them all in total_nframe. */
#include <stdlib.h>

#include "show.h"

static void *descend(int depth)
{
    if (depth == 0)
        return malloc(8);
    void *block = descend(depth - 1);
    return block;
}

int main(void)
{
    void *block = descend(300);
    show_traceback("bottom", block);
    fflush(stdout);
    return 0;
}
