/* shared_main.c — an executable calling into an instrumented shared library (shared_lib.c): the traceback
 * crosses the library boundary with exact lines on both sides. */
#include "show.h"

char *shared_shout(const char *text);

int main(void)
{
    char *loud = shared_shout("hello");
    show_traceback("shout", loud);
    fflush(stdout);
    return 0;
}
