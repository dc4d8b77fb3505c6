/* deep_recursion.c — recursion 300 levels deep, deeper than the 256-entry shadow ring: the innermost frames kept
 * (frames=25), all counted in total_nframe; after the ring wrapped over main's slot, main's next call is a frame. */
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
    void *again = descend(2);
    show_traceback("after the ring wrapped", again);
    fflush(stdout);
    return 0;
}
