/* lto_pushed_main.c — with lto_pushed_helper.c: under -flto the linker inlines pass_on(), which makes a pushed
 * call (through a function pointer), into relay(), which pushes too; both slots then live in one frame. The
 * frames must be the same as without LTO (relay's line included). */
#include <stdlib.h>

#include "show.h"

void *pass_on(int n);
void *(*volatile next_step)(int);

static void *leaf(int n)
{
    return malloc((size_t)n);
}

__attribute__((noinline)) void *relay(int n)
{
    void *p = pass_on(n);
    return p;
}

int main(void)
{
    next_step = leaf;
    void *block = relay(5);
    show_traceback("block", block);
    fflush(stdout);
    return 0;
}
