/* lto_pushed_helper.c — see lto_pushed_main.c. */
#include <stddef.h>

extern void *(*volatile next_step)(int);

void *pass_on(int n)
{
    return next_step(n);
}
