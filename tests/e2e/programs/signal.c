/* signal.c — a signal handler that allocates, entered from deep inside an instrumented call chain: its block's
 * traceback is the interrupted chain up to the raising call, then the handler's own line; after the handler the
 * chain's own allocations are unaffected. */
#include <signal.h>
#include <stdlib.h>

#include "show.h"

static void *from_handler;

static void on_signal(int signo)
{
    (void)signo;
    from_handler = malloc(5);
}

static void *deep(int depth)
{
    if (depth == 0) {
        raise(SIGUSR1);
        return malloc(6);
    }
    return deep(depth - 1);
}

int main(void)
{
    signal(SIGUSR1, on_signal);
    void *after = deep(2);
    show_traceback("in handler", from_handler);
    show_traceback("after handler", after);
    fflush(stdout);
    return 0;
}
