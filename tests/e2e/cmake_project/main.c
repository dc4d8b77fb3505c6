/* main.c — the executable target: leaks two greetings (the exit report lists their line) and prints where the
 * first one was allocated, through the public API, so that lines of both targets are checked. */
#include <stdio.h>

#include <tmtrace/tmtrace.h>

#include "greeter.h"

int main(void)
{
    char *first = greeting_for("world");
    char *second = greeting_for("tmtrace");
    void *scratch = greeter_buffer(64); /* a user allocator (allocators.txt): traced at this line */
    tmtrace_traceback *tb = tmtrace_get_object_traceback(first);
    for (size_t i = 0; tb && i < tmtrace_traceback_nframe(tb); i++) {
        const tmtrace_frame *frame = tmtrace_traceback_frame(tb, i);
        printf("%s:%u %s\n", frame->filename, frame->lineno, frame->function);
    }
    tmtrace_traceback_free(tb);
    fflush(stdout);
    return first && second && scratch ? 0 : 1;
}
